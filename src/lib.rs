//! hdfscope: a native desktop viewer and plotter for HDF5 files.
//!
//! Layers, lowest first: [`reader`] (the only code touching libhdf5) produces [`model`]
//! types (plain data); [`loader`] serves them from a background thread; [`app`] (the only
//! code touching egui) shows them and [`cli`] prints them; [`export`] writes them to new
//! files. Lower layers never import higher ones; see
//! `docs/ARCHITECTURE.md`.

pub mod app;
pub mod cli;
pub mod export;
pub mod fuzzing;
pub mod loader;
pub mod model;
pub mod reader;

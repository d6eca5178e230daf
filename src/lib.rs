//! hdfscope: a native desktop viewer and plotter for HDF5 files.
//!
//! Layers, lowest first: [`reader`] (the only code touching libhdf5) produces [`model`]
//! types (plain data); [`cli`] prints them. Lower layers never import higher ones; see
//! `docs/ARCHITECTURE.md`.

pub mod cli;
pub mod model;
pub mod reader;

//! Plain Rust types for everything hdfscope reads from a file: datatypes, values, links,
//! objects, dataset metadata and selections.
//!
//! This layer is the contract between the reader and everything above it. It must never
//! import the `hdf5` crate, egui or anything that does I/O.

pub mod calibration;
pub mod convention;
pub mod dtype;
pub mod node;
pub mod plane;
pub mod selection;
pub mod table;
pub mod time_units;
pub mod value;

pub use calibration::Calibration;
pub use dtype::{ByteOrder, Charset, DType, EnumMember, Field, FloatBits, RefKind, StrPad};
pub use node::{
    AttrValue, Attribute, Child, ChildPage, DatasetInfo, Dim, Entry, ExternalFile, Filter, Layout,
    Link, LinkStatus, LinkType, ObjectId, ObjectInfo, ObjectKind, ScaleRef, Shape, SubsetReport,
    VirtualSource, join_path, normalize_path, parent_path, split_target,
};
pub use plane::{Patch, Plane};
pub use selection::{AxisSlice, Component, Hyperslab, Line, SliceError, parse_slice, resolve};
pub use table::{Block, Cell, Column, Grid, Step};
pub use time_units::{CalendarStep, TimeUnits};
pub use value::{RefTarget, Region, Value, Values, bytes_to_hex, values_text};

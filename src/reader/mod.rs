//! The HDF5 reader: the only code in hdfscope that touches the `hdf5` crate or libhdf5.
//!
//! [`H5File`] opens a file read-only with locking off and answers questions in model types:
//! a page of a group's links, one object's metadata and attributes, a hyperslab of values.
//! It must never write to a file, follow an external link on its own, or read more values
//! than a request asks for.

mod chunks;
mod decode;
mod dtype;
mod error;
mod ffi;
mod filters;
mod links;
mod meta;
mod object;
mod open;
mod plugins;
mod read;
mod refs;
mod subset;

use std::path::{Path, PathBuf};

pub use error::ReadError;
pub use links::{LinkPage, external_target_exists};
pub use object::{MAX_ATTR_BYTES, MAX_ATTR_ELEMENTS};
pub use open::{SIGNATURE, find_signature};
pub use read::DEFAULT_READ_CAP_BYTES;

use self::ffi::Hid;
pub use crate::model::normalize_path;
use crate::model::{
    AxisSlice, Block, Child, ChildPage, Component, Entry, Grid, Hyperslab, Line, LinkStatus,
    LinkType, ObjectId, ObjectInfo, ObjectKind, Patch, Plane, Values, join_path,
};

/// The version of the libhdf5 linked into this build, e.g. `(2, 2, 0)`.
pub fn library_version() -> (u8, u8, u8) {
    hdf5::library_version()
}

/// Prepares libhdf5 in this process: turns off loading filter plugins from disk (a plugin is
/// arbitrary code, and a file naming an unknown filter would make libhdf5 load every library
/// in the plugin directories) and registers the compression filters compiled into hdfscope.
/// Call once at the start of every process that reads files.
pub fn prepare_library() -> Result<(), ReadError> {
    plugins::disable()?;
    filters::register().map_err(|what| ReadError::Unsupported {
        path: "/".to_owned(),
        what,
    })
}

/// An HDF5 file open for reading.
#[derive(Debug)]
pub struct H5File {
    hid: Hid,
    path: PathBuf,
    /// The name libhdf5 knows the file by, to tell references into it from external ones.
    name: String,
}

impl H5File {
    /// Opens `path` read-only; refuses non-HDF5 files with a clear message.
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        // Chunks need the compiled-in filters registered first. A registration failure was
        // reported by `prepare_library` and shows on each dataset as "not available".
        let _ = filters::register();
        let hid = open::open_read_only(path)?;
        Ok(Self {
            hid,
            path: path.to_owned(),
            name: path.to_string_lossy().into_owned(),
        })
    }

    /// The file's path on disk.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Links `start..start+limit` of the group at `group`, in creation order when the file
    /// tracks it, else in name order. Does not open the children.
    pub fn list(&self, group: &str, start: u64, limit: usize) -> Result<LinkPage, ReadError> {
        let group = normalize_path(group);
        let g = object::open_object(self.hid.id(), &group)?;
        let basic = object::basic(g.id(), &group)?;
        if basic.kind != ObjectKind::Group {
            return Err(ReadError::Unsupported {
                path: group,
                what: "is not a group".to_owned(),
            });
        }
        links::list(g.id(), &group, start, limit)
    }

    /// Links `start..start+limit` of `group` with what each leads to: hard and soft links are
    /// opened (a soft link only inside this file), external links checked on disk and never
    /// followed, user-defined links left alone.
    pub fn children(&self, group: &str, start: u64, limit: usize) -> Result<ChildPage, ReadError> {
        self.page(group, start, limit, |path, _| self.entry(path))
    }

    /// As [`Self::children`] with only each object's kind and identity, found from the group
    /// without opening the objects: the page a walk of every path (the search index) needs.
    pub fn kinds(&self, group: &str, start: u64, limit: usize) -> Result<ChildPage, ReadError> {
        let g = object::open_object(self.hid.id(), &normalize_path(group))?;
        self.page(group, start, limit, |path, name| {
            let b = object::basic_by_name(g.id(), name, path)?;
            Ok(Entry {
                kind: b.kind,
                id: b.id,
                dtype: None,
                shape: None,
            })
        })
    }

    /// A page of links of `group`, each hard or soft link described by `entry(path, name)`.
    fn page(
        &self,
        group: &str,
        start: u64,
        limit: usize,
        entry: impl Fn(&str, &str) -> Result<Entry, ReadError>,
    ) -> Result<ChildPage, ReadError> {
        let group = normalize_path(group);
        let page = self.list(&group, start, limit)?;
        let children = page
            .links
            .into_iter()
            .map(|link| {
                let path = join_path(&group, &link.name);
                let (entry, error) = match link.link_type {
                    LinkType::Hard | LinkType::Soft => match entry(&path, &link.name) {
                        Ok(e) => (Some(e), None),
                        Err(_)
                            if link.link_type == LinkType::Soft
                                && !self
                                    .link(&path)
                                    .is_ok_and(|l| l.is_some_and(|l| l.resolves)) =>
                        {
                            (None, Some("dangling: the target does not exist".to_owned()))
                        }
                        Err(e) => (None, Some(e.to_string())),
                    },
                    LinkType::External => {
                        let file = link.file.as_deref().unwrap_or_default();
                        let missing = !external_target_exists(&self.path, file);
                        (None, missing.then(|| format!("file {file} not found")))
                    }
                    LinkType::User => (None, None),
                };
                Child { link, entry, error }
            })
            .collect();
        Ok(ChildPage {
            children,
            total: page.total,
        })
    }

    /// The link that names `path` in its parent and whether it resolves; `None` for `/`.
    pub fn link(&self, path: &str) -> Result<Option<LinkStatus>, ReadError> {
        let path = normalize_path(path);
        if path == "/" {
            return Ok(None);
        }
        links::status(self.hid.id(), &self.path, &path).map(Some)
    }

    /// The kind and identity of the object at `path` (following soft links in this file).
    pub fn kind(&self, path: &str) -> Result<(ObjectKind, ObjectId), ReadError> {
        let path = normalize_path(path);
        let obj = object::open_object(self.hid.id(), &path)?;
        let b = object::basic(obj.id(), &path)?;
        Ok((b.kind, b.id))
    }

    /// What a listing shows of the object at `path`: kind, identity, and for datasets the
    /// type and shape. Cheaper than [`Self::info`]: reads no attributes.
    pub fn entry(&self, path: &str) -> Result<Entry, ReadError> {
        let path = normalize_path(path);
        let obj = object::open_object(self.hid.id(), &path)?;
        let b = object::basic(obj.id(), &path)?;
        let (dtype, shape) = match b.kind {
            ObjectKind::Dataset => {
                let (mapped, _space, shape) = dataset_type_and_space(obj.id(), &path)?;
                (Some(mapped.dtype), Some(shape))
            }
            ObjectKind::Datatype => (dtype::map_type(obj.id()).map(|m| m.dtype).ok(), None),
            ObjectKind::Group | ObjectKind::Link => (None, None),
        };
        Ok(Entry {
            kind: b.kind,
            id: b.id,
            dtype,
            shape,
        })
    }

    /// Everything about one object except dataset values.
    pub fn info(&self, path: &str) -> Result<ObjectInfo, ReadError> {
        self.info_with(path, &|_| true)
    }

    /// [`H5File::info`] with only the attributes whose names `keep` accepts: the others are
    /// never read (a listing that needs a few names need not decode every attribute).
    pub fn info_with(
        &self,
        path: &str,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<ObjectInfo, ReadError> {
        let path = normalize_path(path);
        let link = self.link(&path)?;
        let mut info = ObjectInfo {
            path: path.clone(),
            kind: ObjectKind::Link,
            link: link.clone(),
            id: None,
            attrs: Vec::new(),
            dataset: None,
            datatype: None,
            dims: Vec::new(),
            is_scale: false,
            child_count: None,
        };
        // External links are shown, not followed; broken links have nothing to open.
        if let Some(l) = &link
            && (l.link.link_type == LinkType::External || !l.resolves)
        {
            return Ok(info);
        }
        let obj = object::open_object(self.hid.id(), &path)?;
        let basic = object::basic(obj.id(), &path)?;
        info.kind = basic.kind;
        info.id = Some(basic.id);
        info.attrs = object::attributes(obj.id(), basic.num_attrs, &path, &self.name, keep);
        match basic.kind {
            ObjectKind::Dataset => {
                let ds = meta::dataset_info(obj.id(), &path, &self.path, &self.name)?;
                info.dims = meta::dims(
                    self.hid.id(),
                    obj.id(),
                    ds.shape.dims().len(),
                    &path,
                    &self.name,
                );
                info.is_scale = meta::is_scale(obj.id(), &path, &self.name);
                info.dataset = Some(ds);
            }
            ObjectKind::Datatype => {
                info.datatype = Some(
                    dtype::map_type(obj.id())
                        .map_err(ReadError::at("decoding the datatype", &path))?
                        .dtype,
                );
            }
            ObjectKind::Group => {
                info.child_count = Some(links::list(obj.id(), &path, 0, 0)?.total);
            }
            ObjectKind::Link => {}
        }
        Ok(info)
    }

    /// The stored (still compressed) bytes of the chunk of the dataset at `path` whose corner
    /// is `origin`, or None when that chunk is not allocated: what the filters decode.
    pub fn stored_chunk(&self, path: &str, origin: &[u64]) -> Result<Option<Vec<u8>>, ReadError> {
        let path = normalize_path(path);
        let obj = self.open_dataset(&path)?;
        let (_, _, shape) = dataset_type_and_space(obj.id(), &path)?;
        // libhdf5 reads as many offsets as the dataset has axes.
        if origin.len() != shape.dims().len() {
            return Err(ReadError::Unsupported {
                what: format!(
                    "has {} axes, not the {} of chunk offset {origin:?}",
                    shape.dims().len(),
                    origin.len()
                ),
                path,
            });
        }
        chunks::stored_chunk(obj.id(), origin, &path)
    }

    /// Opens the object at `path`, refusing anything but a dataset.
    fn open_dataset(&self, path: &str) -> Result<Hid, ReadError> {
        let obj = object::open_object(self.hid.id(), path)?;
        if object::basic(obj.id(), path)?.kind != ObjectKind::Dataset {
            return Err(ReadError::Unsupported {
                path: path.to_owned(),
                what: "is not a dataset; only datasets have values to read".to_owned(),
            });
        }
        Ok(obj)
    }

    /// Reads the selection `slice` of the dataset at `path`, refusing selections whose
    /// decoded size exceeds `cap_bytes`, and values kept in other files (external storage,
    /// virtual sources) unless `outside` allows them.
    pub fn read(
        &self,
        path: &str,
        slice: &[AxisSlice],
        cap_bytes: u64,
        outside: bool,
    ) -> Result<Values, ReadError> {
        let path = normalize_path(path);
        let obj = self.open_dataset(&path)?;
        self.refuse_outside(obj.id(), &path, outside)?;
        read_dataset(obj.id(), &path, slice, cap_bytes, &self.name)
    }

    /// Reads samples `start..start+count` along `line` of the integer or float dataset at
    /// `path`, converted to `f64`; refuses more than `cap_bytes` of result, and data kept
    /// in other files (external storage, virtual sources) unless `outside` allows it.
    pub fn read_line(
        &self,
        path: &str,
        line: &Line,
        (start, count): (u64, u64),
        cap_bytes: u64,
        outside: bool,
    ) -> Result<Vec<f64>, ReadError> {
        let read = NumericRead {
            component: &line.component,
            cap_bytes,
            outside,
        };
        self.read_numbers(path, &read, |dims| line.hyperslab(dims, start, count))
            .map(|(numbers, _)| numbers)
    }

    /// Reads `patch` of `plane` through the integer or float dataset at `path` as `f64`s,
    /// row by row, with the channels of each pixel together (rows x cols x channels); the
    /// same limits as [`H5File::read_line`].
    pub fn read_plane(
        &self,
        path: &str,
        plane: &Plane,
        patch: &Patch,
        cap_bytes: u64,
        outside: bool,
    ) -> Result<Vec<f64>, ReadError> {
        let read = NumericRead {
            component: &plane.component,
            cap_bytes,
            outside,
        };
        let (numbers, slab) =
            self.read_numbers(path, &read, |dims| plane.hyperslab(dims, patch))?;
        let shape = slab.result_shape();
        let order = plane.result_order();
        if order.iter().enumerate().all(|(i, &o)| i == o) {
            return Ok(numbers);
        }
        let array =
            ndarray::ArrayView::from_shape(ndarray::IxDyn(&shape), &numbers).map_err(|e| {
                ReadError::Unsupported {
                    path: normalize_path(path),
                    what: format!("cannot arrange the image: {e}"),
                }
            })?;
        Ok(array.permuted_axes(order).iter().copied().collect())
    }

    /// Reads `block` of `grid` through the dataset at `path` as decoded values, shaped rows
    /// x dataset columns (1 column for a grid without a column axis); the same limits as
    /// [`H5File::read_line`].
    pub fn read_cells(
        &self,
        path: &str,
        grid: &Grid,
        block: &Block,
        cap_bytes: u64,
        outside: bool,
    ) -> Result<Values, ReadError> {
        let path = normalize_path(path);
        let obj = self.open_dataset(&path)?;
        let (mapped, space, shape) = dataset_type_and_space(obj.id(), &path)?;
        let dims = shape.dims().to_vec();
        let (sel, cols_first) =
            grid.hyperslab(&dims, block)
                .map_err(|source| ReadError::Slice {
                    path: path.clone(),
                    source,
                })?;
        self.refuse_outside(obj.id(), &path, outside)?;
        let slab = Slab {
            mapped: &mapped,
            space: &space,
            dims: &dims,
        };
        let values = slab.read(obj.id(), &sel, cap_bytes, &path, &self.name)?;
        let values = if cols_first {
            values.reversed_axes()
        } else {
            values
        };
        let (rows, cols) = (block.rows as usize, block.cols as usize);
        let values = values.as_standard_layout().into_owned();
        values
            .into_shape_with_order(ndarray::IxDyn(&[rows, cols]))
            .map_err(|e| ReadError::Unsupported {
                path,
                what: format!("cannot arrange the table: {e}"),
            })
    }

    /// Refuses to read a dataset whose values are kept in other files unless `outside`.
    fn refuse_outside(
        &self,
        dset: hdf5_sys::h5i::hid_t,
        path: &str,
        outside: bool,
    ) -> Result<(), ReadError> {
        let layout = meta::layout(dset, path, &self.path)?;
        if !outside && !layout.outside_files().is_empty() {
            return Err(ReadError::OutsideFiles {
                path: path.to_owned(),
                files: layout.outside_text(),
            });
        }
        Ok(())
    }

    /// The numbers of one component of the dataset at `path` in the hyperslab `select`
    /// makes from its dims, converted by libhdf5 to `f64`, and the hyperslab.
    fn read_numbers(
        &self,
        path: &str,
        read: &NumericRead<'_>,
        select: impl FnOnce(&[u64]) -> Result<Hyperslab, crate::model::SliceError>,
    ) -> Result<(Vec<f64>, Hyperslab), ReadError> {
        let path = normalize_path(path);
        let obj = self.open_dataset(&path)?;
        let (mapped, space, shape) = dataset_type_and_space(obj.id(), &path)?;
        if !mapped.dtype.components().contains(read.component) {
            return Err(ReadError::Unsupported {
                what: format!(
                    "has no {} to read as numbers: its type is {}",
                    read.component.name(),
                    mapped.dtype.text()
                ),
                path,
            });
        }
        let dims = shape.dims().to_vec();
        let sel = select(&dims).map_err(|source| ReadError::Slice {
            path: path.clone(),
            source,
        })?;
        read::check_cap(
            &path,
            sel.element_count(),
            size_of::<f64>(),
            read.cap_bytes,
            &dims,
        )?;
        self.refuse_outside(obj.id(), &path, read.outside)?;
        chunks::refuse_huge_chunks(obj.id(), dims.len(), &path)?;
        let numbers = match (read.component, read::Native::of(&mapped.dtype)) {
            (Component::Value, Some(native)) => {
                read::read_native(obj.id(), &space, &sel, native, &path)
            }
            (Component::Value, None) => read::read_f64(obj.id(), &space, &sel, None, 1, &path),
            (Component::Field(name), _) => {
                let field = read::one_field_type(name).map_err(ReadError::at("reading", &path))?;
                read::read_f64(obj.id(), &space, &sel, Some(field.id()), 1, &path)
            }
            (part, _) => {
                read::read_f64(obj.id(), &space, &sel, Some(mapped.mem_type.id()), 2, &path).map(
                    |pairs| {
                        pairs
                            .chunks_exact(2)
                            .map(|c| part.of_complex(c[0], c[1]))
                            .collect()
                    },
                )
            }
        };
        let numbers = numbers.map_err(|e| with_missing_filters(e, obj.id()))?;
        Ok((numbers, sel))
    }
}

/// What a numeric read takes and may do.
struct NumericRead<'a> {
    component: &'a Component,
    cap_bytes: u64,
    outside: bool,
}

/// Replaces a libhdf5 read failure by a clear message when the cause is a filter this build
/// lacks.
fn with_missing_filters(e: ReadError, dset: hdf5_sys::h5i::hid_t) -> ReadError {
    match (&e, meta::missing_filters(dset)) {
        (ReadError::Hdf5 { path, .. }, Some(filters)) => ReadError::FilterUnavailable {
            path: path.clone(),
            filters,
        },
        _ => e,
    }
}

/// The mapped type, the file space and the shape of an open dataset.
#[allow(unsafe_code)]
fn dataset_type_and_space(
    dset: hdf5_sys::h5i::hid_t,
    path: &str,
) -> Result<(dtype::Mapped, Hid, crate::model::Shape), ReadError> {
    use hdf5_sys::h5d::{H5Dget_space, H5Dget_type};
    // SAFETY: `dset` is an open dataset.
    let ftype = Hid::from_call(|| unsafe { H5Dget_type(dset) })
        .map_err(ReadError::at("reading the type of", path))?;
    let mapped =
        dtype::map_type(ftype.id()).map_err(ReadError::at("decoding the type of", path))?;
    // SAFETY: as above.
    let space = Hid::from_call(|| unsafe { H5Dget_space(dset) })
        .map_err(ReadError::at("reading the shape of", path))?;
    let shape =
        object::shape_of(space.id()).map_err(ReadError::at("reading the shape of", path))?;
    Ok((mapped, space, shape))
}

fn read_dataset(
    dset: hdf5_sys::h5i::hid_t,
    path: &str,
    slice: &[AxisSlice],
    cap_bytes: u64,
    file_name: &str,
) -> Result<Values, ReadError> {
    let (mapped, space, shape) = dataset_type_and_space(dset, path)?;
    let dims = shape.dims().to_vec();
    let sel = match shape {
        crate::model::Shape::Null => {
            return Ok(Values::from_shape_simple_fn(ndarray::IxDyn(&[0]), || {
                crate::model::Value::Int(0)
            }));
        }
        crate::model::Shape::Scalar if slice.is_empty() => Hyperslab::all(&[]),
        _ => crate::model::resolve(slice, &dims).map_err(|source| ReadError::Slice {
            path: path.to_owned(),
            source,
        })?,
    };
    let slab = Slab {
        mapped: &mapped,
        space: &space,
        dims: &dims,
    };
    slab.read(dset, &sel, cap_bytes, path, file_name)
}

/// An open dataset's type and space, for reading selections of it as values.
struct Slab<'a> {
    mapped: &'a dtype::Mapped,
    space: &'a Hid,
    dims: &'a [u64],
}

impl Slab<'_> {
    /// `sel` decoded, refused when it would take more than `cap_bytes`; a failure for want
    /// of a filter says which.
    fn read(
        &self,
        dset: hdf5_sys::h5i::hid_t,
        sel: &Hyperslab,
        cap_bytes: u64,
        path: &str,
        file_name: &str,
    ) -> Result<Values, ReadError> {
        let size = self.mapped.mem_size;
        read::check_cap(path, sel.element_count(), size, cap_bytes, self.dims)?;
        chunks::refuse_huge_chunks(dset, self.dims.len(), path)?;
        read::read_hyperslab(dset, self.space, self.mapped, sel, path, file_name)
            .map_err(|e| with_missing_filters(e, dset))
    }
}

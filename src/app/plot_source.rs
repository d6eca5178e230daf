//! What to plot for a selected object, by the conventions of the file: a dataset with its
//! dimension scale (HDF5 Dimension Scales, also how netCDF-4 stores coordinate variables) or
//! its NeXus `axes` attribute; a NeXus NXdata group through its `signal` and `axes`
//! attributes; an NXentry or the file itself through the `default` chain.
//!
//! Pure: it reads metadata the app already has and says which object's metadata it needs
//! next. Must never request anything itself.

use crate::model::{ObjectInfo, ObjectKind, join_path, parent_path};

/// Where an object's metadata stands, as far as resolving a plot needs it.
pub enum Lookup<'a> {
    Ready(&'a ObjectInfo),
    /// Not asked for yet, or asked and not answered.
    Pending,
    Failed,
}

/// The outcome of resolving a selection.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolve {
    /// The metadata of this object is needed first.
    Need(String),
    /// Nothing to plot.
    Nothing,
    Plot(PlotSpec),
}

/// What to plot: the data and, per dimension of it, the axes the file names for it (every
/// attached dimension scale, then a NeXus axis), the first being the default.
#[derive(Debug, PartialEq, Eq)]
pub struct PlotSpec {
    pub data: String,
    pub axes: Vec<Vec<XSpec>>,
    /// The uncertainties of the data (NeXus `errors` or `SIGNAL_errors`), when present.
    pub errors: Option<String>,
    /// Other signals to plot with the data, against the same axes (NeXus
    /// `auxiliary_signals`).
    pub auxiliary: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XSpec {
    pub path: String,
    /// The axis name to show (a scale's NAME, an axis label, or the axis dataset's name).
    pub name: String,
}

/// How many `default` links are followed at most (file → entry → data, with room to spare).
const MAX_DEFAULT_DEPTH: usize = 4;

/// Resolves what to plot for the object at `path`.
pub fn resolve<'a>(path: &str, info: impl Fn(&str) -> Lookup<'a>) -> Resolve {
    let mut path = path.to_owned();
    for _ in 0..=MAX_DEFAULT_DEPTH {
        let node = match info(&path) {
            Lookup::Ready(i) => i,
            Lookup::Pending => return Resolve::Need(path),
            Lookup::Failed => return Resolve::Nothing,
        };
        let spec = match node.kind {
            ObjectKind::Dataset => (dataset_spec(node), Vec::new()),
            ObjectKind::Group => {
                if let Some(signal) = node.attr_text("signal") {
                    // NeXus names uncertainties by convention; either may be absent.
                    let errors = [format!("{signal}_errors"), "errors".to_owned()]
                        .map(|n| join_path(&node.path, &n));
                    (nxdata_spec(node, signal), errors.to_vec())
                } else if let Some(default) = node.attr_text("default") {
                    path = join_path(&node.path, default);
                    continue;
                } else {
                    return Resolve::Nothing;
                }
            }
            ObjectKind::Datatype | ObjectKind::Link => return Resolve::Nothing,
        };
        // The data, its axes, any error fields and auxiliary signals must be known before
        // the plot starts.
        let (spec, error_fields) = spec;
        let axes = spec.axes.iter().flatten().map(|x| &x.path);
        let more = error_fields.iter().chain(&spec.auxiliary);
        for needed in std::iter::once(&spec.data).chain(axes).chain(more) {
            if matches!(info(needed), Lookup::Pending) {
                return Resolve::Need(needed.clone());
            }
        }
        let errors = error_fields
            .into_iter()
            .find(|e| matches!(info(e), Lookup::Ready(i) if i.kind == ObjectKind::Dataset));
        // Auxiliary signals that are not datasets are left out.
        let mut auxiliary = spec.auxiliary.clone();
        auxiliary.retain(|a| matches!(info(a), Lookup::Ready(i) if i.kind == ObjectKind::Dataset));
        return match info(&spec.data) {
            Lookup::Ready(d) if d.kind == ObjectKind::Dataset => Resolve::Plot(PlotSpec {
                errors,
                auxiliary,
                ..spec
            }),
            _ => Resolve::Nothing,
        };
    }
    Resolve::Nothing
}

/// A dataset: each axis from the first scale attached to that dimension, else from a NeXus
/// `axes` attribute on the dataset itself (the older NeXus style: names separated by `:` or
/// `,`, one per dimension).
fn dataset_spec(node: &ObjectInfo) -> PlotSpec {
    let nexus = node.attr_text("axes").map_or_else(Vec::new, |a| {
        a.split([':', ',', ' '])
            .filter(|a| !a.is_empty())
            .collect::<Vec<_>>()
    });
    let rank = node.dataset.as_ref().map_or_else(
        || node.dims.len().max(nexus.len()),
        |d| d.shape.dims().len(),
    );
    let axes = (0..rank)
        .map(|i| {
            let dim = node.dims.get(i);
            let scales = dim
                .map_or(&[][..], |d| &d.scales[..])
                .iter()
                .map(|s| XSpec {
                    path: s.path.clone(),
                    name: (s.name.clone())
                        .or_else(|| dim.and_then(|d| d.label.clone()))
                        .unwrap_or_else(|| s.path.clone()),
                });
            let named = nexus.get(i).filter(|a| **a != ".").map(|name| XSpec {
                path: join_path(parent_path(&node.path), name),
                name: (*name).to_owned(),
            });
            let mut all: Vec<XSpec> = scales.chain(named).collect();
            // The same dataset named both ways is one choice.
            all.dedup_by(|a, b| a.path == b.path);
            all
        })
        .collect();
    PlotSpec {
        data: node.path.clone(),
        axes,
        errors: None,
        auxiliary: Vec::new(),
    }
}

/// An NXdata group: `signal` names the data; `axes` one axis per dimension ("." for none),
/// unless an `AXISNAME_indices` attribute says which dimension an axis belongs to.
fn nxdata_spec(node: &ObjectInfo, signal: &str) -> PlotSpec {
    let names: Vec<&str> = node
        .attr_texts("axes")
        .into_iter()
        .flat_map(|a| a.split([':', ',']))
        .collect();
    let mut axes: Vec<Vec<XSpec>> = vec![Vec::new(); names.len()];
    for (position, name) in names.iter().enumerate() {
        if name.is_empty() || *name == "." {
            continue;
        }
        let indices = node.attr_numbers(&format!("{name}_indices"));
        let dim = indices
            .first()
            .filter(|d| **d >= 0.0 && d.fract() == 0.0)
            .map_or(position, |d| *d as usize);
        if dim >= axes.len() {
            axes.resize(dim + 1, Vec::new());
        }
        axes[dim].push(XSpec {
            path: join_path(&node.path, name),
            name: (*name).to_owned(),
        });
    }
    let auxiliary = (node.attr_texts("auxiliary_signals").into_iter())
        .flat_map(|a| a.split([':', ',']))
        .map(str::trim)
        .filter(|a| !a.is_empty() && *a != signal)
        .map(|a| join_path(&node.path, a))
        .collect();
    PlotSpec {
        data: join_path(&node.path, signal),
        axes,
        errors: None,
        auxiliary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AttrValue, Attribute, DType, Dim, ScaleRef, Shape, Value, Values};

    fn node(path: &str, kind: ObjectKind, attrs: &[(&str, &[&str])]) -> ObjectInfo {
        ObjectInfo {
            path: path.to_owned(),
            kind,
            link: None,
            id: None,
            attrs: attrs
                .iter()
                .map(|(name, texts)| {
                    let shape = if texts.len() == 1 {
                        vec![]
                    } else {
                        vec![texts.len()]
                    };
                    // Texts that are integers become integers (NeXus `*_indices`).
                    let value =
                        |t: &str| t.parse().map_or_else(|_| Value::Str(t.into()), Value::Int);
                    let values = Values::from_shape_vec(
                        ndarray::IxDyn(&shape),
                        texts.iter().map(|t| value(t)).collect(),
                    )
                    .unwrap();
                    Attribute {
                        name: (*name).to_owned(),
                        dtype: DType::Unsupported {
                            class_name: "test".into(),
                            size: 0,
                        },
                        shape: Shape::Scalar,
                        value: AttrValue::Loaded(values),
                    }
                })
                .collect(),
            dataset: None,
            datatype: None,
            dims: Vec::new(),
            is_scale: false,
            child_count: None,
        }
    }

    /// Resolves over `files`; other objects are still to be read, except error fields,
    /// which these files do not have.
    fn resolve_in(files: &[ObjectInfo], path: &str) -> Resolve {
        resolve(path, |p| match files.iter().find(|i| i.path == p) {
            Some(i) => Lookup::Ready(i),
            None if p.ends_with("errors") => Lookup::Failed,
            None => Lookup::Pending,
        })
    }

    #[test]
    fn the_default_chain_leads_to_the_nxdata_signal_and_its_axis() {
        let files = [
            node("/", ObjectKind::Group, &[("default", &["entry"])]),
            node("/entry", ObjectKind::Group, &[("default", &["data"])]),
            node(
                "/entry/data",
                ObjectKind::Group,
                &[("signal", &["counts"]), ("axes", &["x"])],
            ),
            node("/entry/data/counts", ObjectKind::Dataset, &[]),
        ];
        // The axis's metadata is needed before plotting.
        assert_eq!(
            resolve_in(&files, "/"),
            Resolve::Need("/entry/data/x".into())
        );
        let mut all = files.to_vec();
        all.push(node("/entry/data/x", ObjectKind::Dataset, &[]));
        assert_eq!(
            resolve_in(&all, "/"),
            Resolve::Plot(PlotSpec {
                data: "/entry/data/counts".into(),
                axes: vec![vec![XSpec {
                    path: "/entry/data/x".into(),
                    name: "x".into()
                }]],
                errors: None,
                auxiliary: Vec::new(),
            })
        );
        // "." means no axis; a list names one axis per dimension, the first is x.
        let dotted = [
            node(
                "/d",
                ObjectKind::Group,
                &[("signal", &["s"]), ("axes", &[".", "y"])],
            ),
            node("/d/s", ObjectKind::Dataset, &[]),
        ];
        let Resolve::Plot(spec) = resolve_in(
            &[
                dotted[0].clone(),
                dotted[1].clone(),
                node("/d/y", ObjectKind::Dataset, &[]),
            ],
            "/d",
        ) else {
            panic!()
        };
        assert_eq!(spec.axes.len(), 2);
        assert!(spec.axes[0].is_empty());
        assert_eq!(spec.axes[1][0].path, "/d/y");
    }

    #[test]
    fn axis_indices_place_axes_on_their_dimension() {
        // `axes` lists x first, but x_indices says it belongs to dimension 1.
        let files = [
            node(
                "/d",
                ObjectKind::Group,
                &[
                    ("signal", &["s"]),
                    ("axes", &["x", "."]),
                    ("x_indices", &["1"]),
                ],
            ),
            node("/d/s", ObjectKind::Dataset, &[]),
            node("/d/x", ObjectKind::Dataset, &[]),
        ];
        let Resolve::Plot(spec) = resolve_in(&files, "/d") else {
            panic!()
        };
        assert!(spec.axes[0].is_empty());
        assert_eq!(spec.axes[1][0].path, "/d/x");
    }

    #[test]
    fn datasets_prefer_their_dimension_scale_then_old_nexus_axes() {
        let mut d = node(
            "/scan/counts",
            ObjectKind::Dataset,
            &[("axes", &["two_theta"])],
        );
        let old = resolve_in(
            &[d.clone(), node("/scan/two_theta", ObjectKind::Dataset, &[])],
            "/scan/counts",
        );
        assert_eq!(
            old,
            Resolve::Plot(PlotSpec {
                data: "/scan/counts".into(),
                axes: vec![vec![XSpec {
                    path: "/scan/two_theta".into(),
                    name: "two_theta".into()
                }]],
                errors: None,
                auxiliary: Vec::new(),
            })
        );
        d.dims = vec![Dim {
            label: Some("angle".into()),
            scales: vec![ScaleRef {
                path: "/scan/t".into(),
                name: None,
            }],
        }];
        let Resolve::Plot(spec) = resolve_in(
            &[
                d,
                node("/scan/t", ObjectKind::Dataset, &[]),
                node("/scan/two_theta", ObjectKind::Dataset, &[]),
            ],
            "/scan/counts",
        ) else {
            panic!()
        };
        assert_eq!(
            spec.axes[0][0].name, "angle",
            "the axis label when the scale has no NAME"
        );
    }

    #[test]
    fn endless_default_chains_and_plain_groups_plot_nothing() {
        let files = [
            node("/a", ObjectKind::Group, &[("default", &["b"])]),
            node("/a/b", ObjectKind::Group, &[("default", &[".."])]),
            node("/plain", ObjectKind::Group, &[]),
        ];
        assert_eq!(resolve_in(&files, "/plain"), Resolve::Nothing);
        // `..` does not resolve to a known object here: it is asked for, then nothing.
        assert!(matches!(resolve_in(&files, "/a"), Resolve::Need(_)));
    }
}

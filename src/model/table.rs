//! Datasets as tables: which axes a table shows, the blocks of cells the table view reads,
//! the columns an element type splits into (compound fields, small array members), and the
//! text a cell shows (strings unquoted, JSON pretty-printed, long values summarised,
//! references as links).
//!
//! Pure over the dataset's metadata and decoded values; never touches libhdf5 or egui.

use super::dtype::DType;
use super::plane::{Patch, Plane};
use super::selection::{Component, Hyperslab, Line, SliceError};
use super::value::{Value, bytes_to_hex};

/// Rows of one block of cells: what one read brings back.
pub const BLOCK_ROWS: u64 = 256;
/// Dataset columns of one block (each may hold several leaf columns).
pub const BLOCK_COLS: u64 = 32;
/// Array members with at most this many elements become one column per element.
const MAX_SPLIT_ARRAY: usize = 16;
/// At most this many leaf columns per element; a wider type is shown whole in one column.
const MAX_LEAVES: usize = 512;
/// Characters a cell shows on its line before the rest goes to its tooltip.
const CELL_CHARS: usize = 120;
/// Items of a sequence listed in a cell before the rest is counted.
const LIST_ITEMS: usize = 8;
/// Bytes shown in hex in a cell.
const HEX_BYTES: usize = 32;

/// The 2-D view of a dataset a table shows: `rows` runs down; `cols` (when the dataset has
/// a second axis to show) runs across; every other axis is held at its entry in `at`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Grid {
    pub rows: usize,
    pub cols: Option<usize>,
    pub at: Vec<u64>,
}

/// A rectangle of a grid: rows `row..row+rows`, dataset columns `col..col+cols` (`col` 0
/// and `cols` 1 for a grid without columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Block {
    pub row: u64,
    pub col: u64,
    pub rows: u64,
    pub cols: u64,
}

impl Grid {
    /// The table a dataset of rank `rank` opens as: its only axis, or its last two.
    pub fn default_for(rank: usize) -> Self {
        match rank {
            0 => Self::scalar(),
            1 => Self {
                rows: 0,
                cols: None,
                at: vec![0],
            },
            n => Self {
                rows: n - 2,
                cols: Some(n - 1),
                at: vec![0; n],
            },
        }
    }

    /// The grid of a scalar: one cell.
    pub fn scalar() -> Self {
        Self {
            rows: 0,
            cols: None,
            at: Vec::new(),
        }
    }

    /// The grid's size in `dims`: rows and dataset columns (1 without a column axis); a
    /// scalar is one cell.
    pub fn size(&self, dims: &[u64]) -> (u64, u64) {
        if dims.is_empty() {
            return (1, 1);
        }
        let at = |a: usize| dims.get(a).copied().unwrap_or(0);
        (at(self.rows), self.cols.map_or(1, at))
    }

    /// The block with index (`row_block`, `col_block`) of the fixed block grid, clipped to
    /// the table; `None` past its end.
    pub fn block(&self, dims: &[u64], row_block: u64, col_block: u64) -> Option<Block> {
        let (height, width) = self.size(dims);
        let row = row_block.checked_mul(BLOCK_ROWS)?;
        let col = col_block.checked_mul(BLOCK_COLS)?;
        (row < height && col < width).then(|| Block {
            row,
            col,
            rows: BLOCK_ROWS.min(height - row),
            cols: BLOCK_COLS.min(width - col),
        })
    }

    /// The hyperslab of `block`, checked against `dims`, and whether its result comes
    /// columns first (the column axis is before the row axis in the dataset).
    pub fn hyperslab(&self, dims: &[u64], block: &Block) -> Result<(Hyperslab, bool), SliceError> {
        if dims.is_empty() {
            return Ok((Hyperslab::all(dims), false));
        }
        match self.cols {
            Some(cols) => {
                let plane = Plane {
                    rows: self.rows,
                    cols,
                    at: self.at.clone(),
                    channels: None,
                    component: Component::Value,
                };
                let patch = Patch {
                    row: block.row,
                    col: block.col,
                    rows: block.rows,
                    cols: block.cols,
                    step: 1,
                };
                Ok((plane.hyperslab(dims, &patch)?, cols < self.rows))
            }
            None => {
                let line = Line {
                    axis: self.rows,
                    at: self.at.clone(),
                    component: Component::Value,
                };
                Ok((line.hyperslab(dims, block.row, block.rows)?, false))
            }
        }
    }
}

/// One step into an element: a compound field or an array element, by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Field(usize),
    Elem(usize),
}

/// A column of the table an element type splits into.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// `info.counts[1]`; empty for the element itself.
    pub name: String,
    pub path: Vec<Step>,
    /// The type of the values in the column.
    pub dtype: DType,
}

impl Column {
    /// Plain numbers, which line up on the right.
    pub fn numeric(&self) -> bool {
        self.dtype.is_numeric()
    }
}

/// The leaf columns of `dtype`: compound fields (nested ones as `outer.inner`) and the
/// elements of small arrays, in order; one unnamed column for anything else.
pub fn columns(dtype: &DType) -> Vec<Column> {
    let mut out = Vec::new();
    leaves(dtype, String::new(), Vec::new(), &mut out);
    if out.len() > MAX_LEAVES {
        out = vec![Column {
            name: String::new(),
            path: Vec::new(),
            dtype: dtype.clone(),
        }];
    }
    out
}

fn leaves(dtype: &DType, name: String, path: Vec<Step>, out: &mut Vec<Column>) {
    if out.len() > MAX_LEAVES {
        return;
    }
    match dtype {
        DType::Compound { fields, .. } => {
            for (i, f) in fields.iter().enumerate() {
                let sub = if name.is_empty() {
                    f.name.clone()
                } else {
                    format!("{name}.{}", f.name)
                };
                let mut p = path.clone();
                p.push(Step::Field(i));
                leaves(&f.dtype, sub, p, out);
            }
        }
        DType::Array { dims, base } if dims.iter().product::<usize>() <= MAX_SPLIT_ARRAY => {
            for flat in 0..dims.iter().product::<usize>() {
                let mut index = Vec::with_capacity(dims.len());
                let mut rest = flat;
                for &d in dims.iter().rev() {
                    index.push(rest % d.max(1));
                    rest /= d.max(1);
                }
                index.reverse();
                let text: Vec<String> = index.iter().map(ToString::to_string).collect();
                let mut p = path.clone();
                p.extend(index.iter().map(|&i| Step::Elem(i)));
                leaves(base, format!("{name}[{}]", text.join(",")), p, out);
            }
        }
        other => out.push(Column {
            name,
            path,
            dtype: other.clone(),
        }),
    }
}

/// The part of `value` a column shows.
pub fn pick<'a>(value: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, step| match (v, step) {
        (Value::Compound(fields), Step::Field(i)) => fields.get(*i).map(|(_, v)| v),
        (Value::List(items), Step::Elem(i)) => items.get(*i),
        _ => None,
    })
}

/// What a cell shows: one line, the whole text when the line is not all of it, and the
/// object a reference cell leads to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub full: Option<String>,
    pub link: Option<String>,
}

impl Cell {
    /// The cell of one value of type `dtype`.
    pub fn of(value: &Value, dtype: &DType) -> Self {
        match value {
            Value::Str(s) => Self::long(s),
            Value::List(items) => {
                let base = match dtype {
                    DType::Array { base, .. } | DType::VarLen { base } => base,
                    other => other,
                };
                let shown: Vec<String> = items
                    .iter()
                    .take(LIST_ITEMS)
                    .map(|v| Self::of(v, base).text)
                    .collect();
                let more = if items.len() > LIST_ITEMS {
                    ", …"
                } else {
                    ""
                };
                let text = format!("[{}{more}]", shown.join(", "));
                let cell = Self::long(&text);
                if items.len() > LIST_ITEMS {
                    Self {
                        text: format!("({} items) {}", items.len(), cell.text),
                        full: Some(value.text_as(dtype)),
                        link: None,
                    }
                } else {
                    cell
                }
            }
            Value::Bytes(b) if b.len() > HEX_BYTES => Self {
                text: format!("{}… ({} bytes)", bytes_to_hex(&b[..HEX_BYTES]), b.len()),
                full: Some(bytes_to_hex(b)),
                link: None,
            },
            Value::Ref(Some(target)) => Self {
                text: value.to_string(),
                full: None,
                link: target
                    .path
                    .clone()
                    .filter(|_| target.file.is_none() && target.attribute.is_none()),
            },
            other => Self::long(&other.text_as(dtype)),
        }
    }

    /// A text cut to its first line of at most [`CELL_CHARS`] characters; JSON objects and
    /// arrays are pretty-printed in the tooltip.
    fn long(s: &str) -> Self {
        let first = s.lines().next().unwrap_or_default();
        let cut: String = first.chars().take(CELL_CHARS).collect();
        let whole = cut.len() == s.len();
        let full = pretty_json(s).or_else(|| (!whole).then(|| s.to_owned()));
        Self {
            text: if whole { cut } else { format!("{cut}…") },
            full,
            link: None,
        }
    }
}

/// `s` pretty-printed when it is a JSON object or array (how much metadata is stored).
pub fn pretty_json(s: &str) -> Option<String> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(s).ok()?;
    serde_json::to_string_pretty(&v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ByteOrder, Field, RefTarget};

    fn int() -> DType {
        DType::Integer {
            size: 4,
            signed: true,
            order: ByteOrder::Le,
        }
    }

    #[test]
    fn nested_compounds_and_small_arrays_split_into_columns() {
        let info = DType::Compound {
            size: 12,
            fields: vec![
                Field {
                    name: "flag".into(),
                    offset: 0,
                    dtype: int(),
                },
                Field {
                    name: "counts".into(),
                    offset: 4,
                    dtype: DType::Array {
                        dims: vec![2],
                        base: Box::new(int()),
                    },
                },
            ],
        };
        let row = DType::Compound {
            size: 16,
            fields: vec![
                Field {
                    name: "id".into(),
                    offset: 0,
                    dtype: int(),
                },
                Field {
                    name: "info".into(),
                    offset: 4,
                    dtype: info,
                },
            ],
        };
        let cols = columns(&row);
        let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["id", "info.flag", "info.counts[0]", "info.counts[1]"]
        );
        let v = Value::Compound(vec![
            ("id".into(), Value::Int(7)),
            (
                "info".into(),
                Value::Compound(vec![
                    ("flag".into(), Value::Bool(true)),
                    (
                        "counts".into(),
                        Value::List(vec![Value::Int(7), Value::Int(14)]),
                    ),
                ]),
            ),
        ]);
        assert_eq!(pick(&v, &cols[3].path), Some(&Value::Int(14)));
        assert_eq!(pick(&v, &cols[1].path), Some(&Value::Bool(true)));
        let big = DType::Array {
            dims: vec![100],
            base: Box::new(int()),
        };
        assert_eq!(columns(&big).len(), 1);
        let two_d = DType::Array {
            dims: vec![2, 2],
            base: Box::new(int()),
        };
        let names: Vec<String> = columns(&two_d).into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["[0,0]", "[0,1]", "[1,0]", "[1,1]"]);
    }

    #[test]
    fn cells_summarise_and_link() {
        let any = int();
        assert_eq!(Cell::of(&Value::Str("plain".into()), &any).text, "plain");
        let json = Cell::of(&Value::Str(r#"{"a": [1, 2]}"#.into()), &any);
        assert_eq!(json.text, r#"{"a": [1, 2]}"#);
        assert!(
            json.full
                .as_deref()
                .is_some_and(|f| f.contains("\n  \"a\""))
        );
        let long = Cell::of(&Value::Str("x".repeat(300)), &any);
        assert_eq!(long.text.chars().count(), CELL_CHARS + 1);
        assert_eq!(long.full.as_deref().map(str::len), Some(300));
        let seq = Cell::of(&Value::List((0..20).map(Value::Int).collect()), &any);
        assert!(seq.text.starts_with("(20 items) [0, 1,"), "{}", seq.text);
        let r = Cell::of(
            &Value::Ref(Some(RefTarget {
                path: Some("/data/x".into()),
                file: None,
                region: None,
                attribute: None,
            })),
            &any,
        );
        assert_eq!(r.link.as_deref(), Some("/data/x"));
        let bytes = Cell::of(&Value::Bytes(vec![0xab; 40]), &any);
        assert!(bytes.text.ends_with("… (40 bytes)"));
    }

    #[test]
    fn grids_cut_blocks_and_slabs() {
        let dims = [3, 1000, 40];
        let g = Grid::default_for(3);
        assert_eq!(g.size(&dims), (1000, 40));
        let last = g.block(&dims, 3, 1).unwrap();
        assert_eq!(
            (last.row, last.rows, last.col, last.cols),
            (768, 232, 32, 8)
        );
        assert!(g.block(&dims, 4, 0).is_none());
        let (slab, cols_first) = g.hyperslab(&dims, &last).unwrap();
        assert_eq!(slab.result_shape(), [232, 8]);
        assert!(!cols_first);
        let swapped = Grid {
            rows: 2,
            cols: Some(1),
            at: vec![2, 0, 0],
        };
        let b = swapped.block(&dims, 0, 0).unwrap();
        let (slab, cols_first) = swapped.hyperslab(&dims, &b).unwrap();
        assert_eq!(slab.start, [2, 0, 0]);
        assert!(cols_first);
        let line = Grid::default_for(1);
        assert_eq!(line.size(&[10]), (10, 1));
        let scalar = Grid::default_for(0);
        let one = scalar.block(&[], 0, 0).unwrap();
        assert_eq!((one.rows, one.cols), (1, 1));
        assert!(scalar.hyperslab(&[], &one).unwrap().0.start.is_empty());
    }
}

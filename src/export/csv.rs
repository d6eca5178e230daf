//! CSV of a selection: one line per index of the first axis (one line for a scalar),
//! starting with that index's coordinate when the axis has a dimension scale, then one
//! column per leaf of the element type (compound fields, small array members) for every
//! index of the other axes; values exact (numbers in their shortest round-trip form,
//! strings as stored, enums by name, references by path).

use super::{Destination, ExportError, RowCoordinates};
use crate::model::table::{Column, columns, pick};
use crate::model::{DType, Value, Values};

pub struct CsvWriter {
    leaves: Vec<Column>,
    /// The element type of the row coordinates, when lines start with them.
    row_dtype: Option<DType>,
    /// Values per line (the product of every axis but the first).
    per_line: usize,
}

impl CsvWriter {
    pub fn new(
        dtype: &DType,
        shape: &[usize],
        header: bool,
        rows: Option<&RowCoordinates>,
        dest: &mut Destination,
    ) -> Result<Self, ExportError> {
        let leaves = columns(dtype);
        let rest = shape.get(1..).unwrap_or(&[]);
        let per_line = rest.iter().product::<usize>().max(1);
        if header {
            let mut names = Vec::with_capacity(per_line * leaves.len() + 1);
            names.extend(rows.map(|r| r.name.clone()));
            for flat in 0..per_line {
                let at = index_of(flat, rest);
                for leaf in &leaves {
                    names.push(match (at.is_empty(), leaf.name.is_empty()) {
                        (true, true) => "value".to_owned(),
                        (true, false) => leaf.name.clone(),
                        (false, true) => format!("[{at}]"),
                        (false, false) => format!("[{at}] {}", leaf.name),
                    });
                }
            }
            let path = dest.path().to_path_buf();
            let mut w = csv::Writer::from_writer(&mut *dest);
            w.write_record(&names).map_err(|e| csv_error(&path, e))?;
            w.flush().map_err(|e| ExportError::io(&path)(e))?;
        }
        Ok(Self {
            leaves,
            row_dtype: rows.map(|r| r.dtype.clone()),
            per_line,
        })
    }

    /// Writes whole lines of values, each after its coordinate in `rows` when given.
    pub fn block(
        &mut self,
        values: &Values,
        rows: Option<&Values>,
        dest: &mut Destination,
    ) -> Result<(), ExportError> {
        let path = dest.path().to_path_buf();
        let mut w = csv::Writer::from_writer(&mut *dest);
        let all: Vec<&Value> = values.iter().collect();
        let mut coordinates = rows.map(|r| r.iter());
        for line in all.chunks(self.per_line) {
            let mut record = Vec::with_capacity(line.len() * self.leaves.len() + 1);
            if let (Some(c), Some(dtype)) = (&mut coordinates, &self.row_dtype) {
                record.push(c.next().map_or_else(String::new, |v| text(v, dtype)));
            }
            for v in line {
                for leaf in &self.leaves {
                    record.push(
                        pick(v, &leaf.path).map_or_else(String::new, |x| text(x, &leaf.dtype)),
                    );
                }
            }
            w.write_record(&record).map_err(|e| csv_error(&path, e))?;
        }
        w.flush().map_err(|e| ExportError::io(&path)(e))
    }
}

/// A value as a CSV field: exact, strings as stored (not quoted: CSV quotes them itself).
fn text(v: &Value, dtype: &DType) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.text_as(dtype),
    }
}

/// `i,j` for the `flat`-th element of the trailing axes `dims` (row-major).
fn index_of(flat: usize, dims: &[usize]) -> String {
    let mut rest = flat;
    let mut at: Vec<String> = dims
        .iter()
        .rev()
        .map(|&d| {
            let i = rest % d.max(1);
            rest /= d.max(1);
            i.to_string()
        })
        .collect();
    at.reverse();
    at.join(",")
}

fn csv_error(path: &std::path::Path, e: csv::Error) -> ExportError {
    ExportError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_axes_name_their_columns() {
        assert_eq!(index_of(5, &[2, 3]), "1,2");
        assert_eq!(index_of(0, &[]), "");
    }
}

//! NPY (numpy's `.npy` format, version 1.0/2.0) of a selection, with the element type kept:
//! integers and floats at their stored width, complex, bools, fixed-length byte strings, and
//! compounds as structured dtypes (array members as sub-arrays). Streamed: the header (the
//! shape is known up front), then each block's bytes.
//!
//! Hand-written because no maintained crate writes structured dtypes or streams an array
//! it does not hold whole (ndarray-npy writes whole arrays of plain numbers). Little-endian
//! always. Types NPY cannot hold without Python pickles (variable-length data, references,
//! opaque) are refused with their name.

use std::io::Write;

use super::{Destination, ExportError};
use crate::model::{DType, Value, Values};

pub struct NpyWriter {
    dtype: DType,
    /// Bytes of one element.
    size: usize,
}

impl NpyWriter {
    pub fn new(
        dtype: &DType,
        shape: &[usize],
        dest: &mut Destination,
    ) -> Result<Self, ExportError> {
        let unsupported = |what: String| ExportError::Unsupported {
            path: dest.path().to_path_buf(),
            what,
        };
        let descr = descr(dtype).map_err(|t| {
            unsupported(format!(
                "NPY cannot hold {t} without Python pickles; export as CSV instead"
            ))
        })?;
        let size = element_size(dtype)
            .ok_or_else(|| unsupported(format!("{} has no fixed size", dtype.text())))?;
        let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
        let shape_text = match dims.len() {
            1 => format!("({},)", dims[0]),
            _ => format!("({})", dims.join(", ")),
        };
        let mut header =
            format!("{{'descr': {descr}, 'fortran_order': False, 'shape': {shape_text}, }}");
        // Magic (6) + version (2) + length (2 or 4) + header + '\n', padded to 64 bytes.
        let v1 = header.len() + 11 < 65_536;
        let prefix = if v1 { 10 } else { 12 };
        let pad = (64 - (prefix + header.len() + 1) % 64) % 64;
        header.push_str(&" ".repeat(pad));
        header.push('\n');
        let path = dest.path().to_path_buf();
        let io = |e| ExportError::io(&path)(e);
        dest.write_all(b"\x93NUMPY").map_err(io)?;
        if v1 {
            dest.write_all(&[1, 0]).map_err(io)?;
            dest.write_all(&(header.len() as u16).to_le_bytes())
                .map_err(io)?;
        } else {
            dest.write_all(&[2, 0]).map_err(io)?;
            dest.write_all(&(header.len() as u32).to_le_bytes())
                .map_err(io)?;
        }
        dest.write_all(header.as_bytes()).map_err(io)?;
        Ok(Self {
            dtype: dtype.clone(),
            size,
        })
    }

    pub fn block(&mut self, values: &Values, dest: &mut Destination) -> Result<(), ExportError> {
        let mut out = Vec::with_capacity(values.len() * self.size);
        for v in values {
            let start = out.len();
            encode(v, &self.dtype, &mut out);
            // A value that does not fit its type (an invalid element) is zero-filled, so
            // every element keeps its size and the file stays readable.
            out.resize(start + self.size, 0);
        }
        let path = dest.path().to_path_buf();
        dest.write_all(&out).map_err(|e| ExportError::io(&path)(e))
    }
}

/// numpy's type string of `dtype`, or the name of the part NPY cannot hold.
fn descr(dtype: &DType) -> Result<String, String> {
    Ok(match dtype {
        DType::Compound { fields, .. } => {
            let parts: Result<Vec<String>, String> = fields
                .iter()
                .map(|f| {
                    let name = f.name.replace('\\', "\\\\").replace('\'', "\\'");
                    Ok(match &f.dtype {
                        DType::Array { dims, base } => {
                            let dims: Vec<String> = dims.iter().map(ToString::to_string).collect();
                            format!("('{name}', {}, ({},))", descr(base)?, dims.join(", "))
                        }
                        other => format!("('{name}', {})", descr(other)?),
                    })
                })
                .collect();
            format!("[{}]", parts?.join(", "))
        }
        other => format!("'{}'", scalar_descr(other).ok_or_else(|| other.text())?),
    })
}

fn scalar_descr(dtype: &DType) -> Option<String> {
    Some(match dtype {
        DType::Integer { size, signed, .. } if matches!(size, 1 | 2 | 4 | 8) => {
            format!("<{}{size}", if *signed { 'i' } else { 'u' })
        }
        DType::Float { size, .. } if matches!(size, 4 | 8) => format!("<f{size}"),
        DType::Complex { part, .. } => {
            format!("<c{}", 2 * part.size().filter(|s| matches!(s, 4 | 8))?)
        }
        DType::Enum { .. } if dtype.is_bool() => "|b1".to_owned(),
        DType::Enum { base, .. } => scalar_descr(base)?,
        DType::String { size: Some(n), .. } => format!("|S{n}"),
        _ => return None,
    })
}

fn element_size(dtype: &DType) -> Option<usize> {
    match dtype {
        DType::Enum { .. } if dtype.is_bool() => Some(1),
        DType::Compound { fields, .. } => fields.iter().map(|f| element_size(&f.dtype)).sum(),
        DType::Array { dims, base } => Some(dims.iter().product::<usize>() * element_size(base)?),
        other => other.size(),
    }
}

/// Appends the little-endian bytes of `v` as `dtype` (packed, in field order).
fn encode(v: &Value, dtype: &DType, out: &mut Vec<u8>) {
    match (dtype, v) {
        (DType::Compound { fields, .. }, Value::Compound(values)) => {
            for (f, (_, x)) in fields.iter().zip(values) {
                let at = out.len();
                encode(x, &f.dtype, out);
                out.resize(at + element_size(&f.dtype).unwrap_or(0), 0);
            }
        }
        (DType::Array { base, .. }, Value::List(items)) => {
            let size = element_size(base).unwrap_or(0);
            for x in flatten(items) {
                let at = out.len();
                encode(x, base, out);
                out.resize(at + size, 0);
            }
        }
        (DType::Integer { size, .. }, _) | (DType::Enum { size, .. }, _) if !dtype.is_bool() => {
            let bits: i128 = match v {
                Value::Int(x) => i128::from(*x),
                Value::UInt(x) => i128::from(*x),
                Value::BigInt(x) | Value::Enum { value: x, .. } => *x,
                Value::Bool(b) => i128::from(*b),
                _ => 0,
            };
            out.extend_from_slice(&bits.to_le_bytes()[..*size]);
        }
        (DType::Enum { .. }, _) => out.push(u8::from(matches!(v, Value::Bool(true)))),
        (DType::Float { size: 4, .. }, _) => {
            out.extend_from_slice(&(v.as_f64().unwrap_or(f64::NAN) as f32).to_le_bytes());
        }
        (DType::Float { .. }, _) => {
            out.extend_from_slice(&v.as_f64().unwrap_or(f64::NAN).to_le_bytes())
        }
        (DType::Complex { part, .. }, Value::Complex { re, im }) => {
            if part.size() == Some(4) {
                out.extend_from_slice(&(*re as f32).to_le_bytes());
                out.extend_from_slice(&(*im as f32).to_le_bytes());
            } else {
                out.extend_from_slice(&re.to_le_bytes());
                out.extend_from_slice(&im.to_le_bytes());
            }
        }
        (DType::String { size: Some(n), .. }, Value::Str(s)) => {
            out.extend(s.bytes().take(*n));
        }
        _ => {}
    }
}

/// The leaves of nested lists (a multi-dimensional array member), in row-major order.
fn flatten(items: &[Value]) -> Vec<&Value> {
    let mut out = Vec::new();
    for x in items {
        match x {
            Value::List(inner) => out.extend(flatten(inner)),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ByteOrder, Field, FloatBits};

    #[test]
    fn structured_types_have_numpy_descriptions() {
        let f4 = DType::Float {
            size: 4,
            order: ByteOrder::Le,
            bits: FloatBits {
                precision: 32,
                exponent_bits: 8,
                mantissa_bits: 23,
            },
        };
        let t = DType::Compound {
            size: 24,
            fields: vec![
                Field {
                    name: "id".into(),
                    offset: 0,
                    dtype: DType::Integer {
                        size: 8,
                        signed: true,
                        order: ByteOrder::Be,
                    },
                },
                Field {
                    name: "pos".into(),
                    offset: 8,
                    dtype: DType::Array {
                        dims: vec![3],
                        base: Box::new(f4),
                    },
                },
            ],
        };
        assert_eq!(descr(&t).unwrap(), "[('id', '<i8'), ('pos', '<f4', (3,))]");
        assert_eq!(element_size(&t), Some(20));
        let mut out = Vec::new();
        let v = Value::Compound(vec![
            ("id".into(), Value::Int(-2)),
            (
                "pos".into(),
                Value::List(vec![
                    Value::Float(1.0),
                    Value::Float(2.0),
                    Value::Float(3.0),
                ]),
            ),
        ]);
        encode(&v, &t, &mut out);
        assert_eq!(out.len(), 20);
        assert_eq!(&out[..8], &(-2i64).to_le_bytes());
        assert_eq!(&out[8..12], &1.0f32.to_le_bytes());
        let vlen = DType::VarLen {
            base: Box::new(DType::Integer {
                size: 1,
                signed: false,
                order: ByteOrder::Le,
            }),
        };
        assert!(descr(&vlen).is_err());
    }
}

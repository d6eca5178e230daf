//! Decoded HDF5 values as plain Rust data.
//!
//! One [`Value`] is one element of any datatype; [`Values`] is an n-dimensional block of them.
//! Built by the reader, shown by the CLI and the views. Never touches libhdf5.

use ndarray::ArrayD;
use serde::{Deserialize, Serialize};

/// Where a reference points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefTarget {
    /// Path of the target object, or `None` if the object has no name (anonymous).
    pub path: Option<String>,
    /// The file holding the target when it is not the file being read.
    pub file: Option<String>,
    /// The selected region for region references.
    pub region: Option<Region>,
    /// The attribute name for attribute references.
    pub attribute: Option<String>,
}

/// `i128` as decimal text in serialised form: MessagePack, the reader workers' wire format,
/// has no 128-bit integers (a frame holding one could not be sent at all).
pub(crate) mod wide_int {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &i128, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A dataspace selection carried by a region reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Region {
    All,
    None,
    /// Hyperslab blocks, each as (start corner, opposite inclusive corner).
    Blocks {
        blocks: Vec<(Vec<u64>, Vec<u64>)>,
    },
    /// Individually selected points.
    Points {
        points: Vec<Vec<u64>>,
    },
}

/// One decoded element.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Int(i64),
    UInt(u64),
    /// Integers wider than 64 bits.
    BigInt(#[serde(with = "wide_int")] i128),
    Float(f64),
    Complex {
        re: f64,
        im: f64,
    },
    Bool(bool),
    Str(String),
    /// Enum value by name; `name` is `None` when the stored value has no member.
    Enum {
        name: Option<String>,
        #[serde(with = "wide_int")]
        value: i128,
    },
    Compound(Vec<(String, Value)>),
    /// Array-type elements and variable-length sequences.
    List(Vec<Value>),
    /// `None` for a null reference.
    Ref(Option<RefTarget>),
    /// Opaque, bitfield and time data, and anything shown as raw bytes.
    Bytes(Vec<u8>),
    /// An element that could not be decoded, with the reason.
    Invalid(String),
}

impl Value {
    /// The value as a float, for numeric values.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Int(v) => Some(*v as f64),
            Self::UInt(v) => Some(*v as f64),
            Self::BigInt(v) => Some(*v as f64),
            Self::Float(v) => Some(*v),
            Self::Bool(b) => Some(f64::from(u8::from(*b))),
            Self::Enum { value, .. } => Some(*value as f64),
            _ => None,
        }
    }

    /// About how many bytes the value takes in memory, for caches bounded in bytes.
    pub fn bytes(&self) -> u64 {
        let own = size_of::<Self>() as u64;
        own + match self {
            Self::Str(s) | Self::Invalid(s) => s.len() as u64,
            Self::Bytes(b) => b.len() as u64,
            Self::Enum { name, .. } => name.as_ref().map_or(0, |n| n.len() as u64),
            Self::Compound(fields) => fields.iter().map(|(n, v)| n.len() as u64 + v.bytes()).sum(),
            Self::List(items) => items.iter().map(Self::bytes).sum(),
            Self::Ref(Some(t)) => {
                let len = |s: &Option<String>| s.as_ref().map_or(0, |s| s.len() as u64);
                len(&t.path) + len(&t.file) + len(&t.attribute) + 64
            }
            _ => 0,
        }
    }

    /// The value as a string, for string values.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Formats numbers the way scientists expect: shortest round-trip form, `NaN`, `inf`.
fn fmt_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        format!("{v:?}")
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("0x");
    for b in bytes {
        write!(s, "{b:02x}").ok();
    }
    s
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Int(v) => write!(f, "{v}"),
            Self::UInt(v) => write!(f, "{v}"),
            Self::BigInt(v) => write!(f, "{v}"),
            Self::Float(v) => f.write_str(&fmt_float(*v)),
            Self::Complex { re, im } => {
                let sign = if im.is_sign_negative() { '-' } else { '+' };
                write!(f, "{}{sign}{}j", fmt_float(*re), fmt_float(im.abs()))
            }
            Self::Bool(b) => write!(f, "{b}"),
            Self::Str(s) => write!(f, "{s:?}"),
            Self::Enum { name: Some(n), .. } => f.write_str(n),
            Self::Enum { name: None, value } => write!(f, "<no member: {value}>"),
            Self::Compound(fields) => {
                f.write_str("{")?;
                for (i, (name, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{name}: {v}")?;
                }
                f.write_str("}")
            }
            Self::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Self::Ref(None) => f.write_str("NULL"),
            Self::Ref(Some(t)) => {
                if let Some(file) = &t.file {
                    write!(f, "{file}:")?;
                }
                f.write_str(t.path.as_deref().unwrap_or("<anonymous>"))?;
                if let Some(a) = &t.attribute {
                    write!(f, "@{a}")?;
                }
                match &t.region {
                    None => Ok(()),
                    Some(Region::All) => f.write_str(" (all)"),
                    Some(Region::None) => f.write_str(" (none)"),
                    Some(Region::Blocks { blocks }) => write!(f, " blocks {blocks:?}"),
                    Some(Region::Points { points }) => write!(f, " points {points:?}"),
                }
            }
            Self::Bytes(b) => f.write_str(&hex(b)),
            Self::Invalid(reason) => write!(f, "<invalid: {reason}>"),
        }
    }
}

impl Value {
    /// The value as [`Display`](std::fmt::Display) shows it, but with floats of at most
    /// four bytes in their own shortest form (`0.1`, not `0.10000000149011612`): the reader
    /// widens every float to `f64`, and the stored type says how many digits are real.
    pub fn text_as(&self, dtype: &super::DType) -> String {
        use super::DType;
        match (self, dtype) {
            (Self::Float(v), DType::Float { size, .. }) if *size <= 4 => short32(*v),
            (Self::Complex { re, im }, DType::Complex { part, .. }) if part.size() == Some(4) => {
                let sign = if im.is_sign_negative() { '-' } else { '+' };
                format!("{}{sign}{}j", short32(*re), short32(im.abs()))
            }
            (Self::List(items), DType::Array { base, .. } | DType::VarLen { base }) => {
                let items: Vec<String> = items.iter().map(|v| v.text_as(base)).collect();
                format!("[{}]", items.join(", "))
            }
            (Self::Compound(fields), DType::Compound { fields: types, .. }) => {
                let parts: Vec<String> = (fields.iter().zip(types))
                    .map(|((name, v), t)| format!("{name}: {}", v.text_as(&t.dtype)))
                    .collect();
                format!("{{{}}}", parts.join(", "))
            }
            _ => self.to_string(),
        }
    }
}

/// The shortest text that reads back as the same `f32`.
fn short32(v: f64) -> String {
    if v.is_finite() {
        format!("{:?}", v as f32)
    } else {
        fmt_float(v)
    }
}

/// Hex form of raw bytes (`0x…`), shared by every place that shows opaque data.
pub fn bytes_to_hex(bytes: &[u8]) -> String {
    hex(bytes)
}

/// An n-dimensional block of decoded values; a scalar has shape `[]`.
pub type Values = ArrayD<Value>;

/// Values as nested brackets; one-element blocks as the bare value.
pub fn values_text(v: &Values) -> String {
    if v.ndim() == 0 {
        return v.iter().next().map(ToString::to_string).unwrap_or_default();
    }
    json_like(v.shape(), &mut v.iter())
}

fn json_like(shape: &[usize], it: &mut dyn Iterator<Item = &Value>) -> String {
    match shape.split_first() {
        None => it.next().map(ToString::to_string).unwrap_or_default(),
        Some((&n, rest)) => {
            let sep = if rest.is_empty() { ", " } else { ",\n " };
            let items: Vec<String> = (0..n).map(|_| json_like(rest, it)).collect();
            format!("[{}]", items.join(sep))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_exact_for_extremes() {
        assert_eq!(Value::UInt(u64::MAX).to_string(), "18446744073709551615");
        assert_eq!(Value::Int(i64::MIN).to_string(), "-9223372036854775808");
        assert_eq!(Value::Float(f64::NAN).to_string(), "NaN");
        assert_eq!(Value::Float(-0.0).to_string(), "-0.0");
        assert_eq!(Value::Float(f64::NEG_INFINITY).to_string(), "-inf");
        assert_eq!(Value::Complex { re: 1.0, im: -2.5 }.to_string(), "1.0-2.5j");
    }

    #[test]
    fn single_floats_show_their_own_digits() {
        use crate::model::{ByteOrder, DType, FloatBits};
        let f32_type = DType::Float {
            size: 4,
            order: ByteOrder::Le,
            bits: FloatBits {
                precision: 32,
                exponent_bits: 8,
                mantissa_bits: 23,
            },
        };
        let widened = Value::Float(f64::from(510.32123f32));
        assert_eq!(widened.to_string(), "510.32122802734375");
        assert_eq!(widened.text_as(&f32_type), "510.32123");
        assert_eq!(Value::Float(1.0).text_as(&f32_type), "1.0");
        assert_eq!(Value::Float(f64::NAN).text_as(&f32_type), "NaN");
        let list = DType::VarLen {
            base: Box::new(f32_type),
        };
        let v = Value::List(vec![Value::Float(f64::from(0.1f32))]);
        assert_eq!(v.text_as(&list), "[0.1]");
    }

    #[test]
    fn bytes_show_as_hex() {
        assert_eq!(Value::Bytes(vec![0xde, 0xad, 0x01]).to_string(), "0xdead01");
    }
}

//! The datatype of an HDF5 object, as plain Rust data.
//!
//! Describes what the *file* stores (class, size, byte order, members), independent of how
//! the reader lays values out in memory. Never touches libhdf5; the reader builds these.

use serde::{Deserialize, Serialize};

/// Byte order of a numeric type as stored in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ByteOrder {
    Le,
    Be,
    /// Vax or mixed orders that libhdf5 can still convert.
    Vax,
    /// Not meaningful for this type (strings, opaque).
    None,
}

/// Character set of a string type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Charset {
    Ascii,
    Utf8,
}

/// Padding of a fixed-length string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StrPad {
    Nullterm,
    Nullpad,
    Spacepad,
}

/// Which kind of reference a reference type holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefKind {
    /// `H5T_STD_REF_OBJ`: points at an object.
    Object,
    /// `H5T_STD_REF_DSETREG`: points at a selection of a dataset.
    Region,
    /// `H5T_STD_REF` (HDF5 1.12+): object, region or attribute, maybe in another file.
    Any,
}

/// The bit layout of a floating-point type, so unusual formats (bfloat16, x87 long double)
/// can be named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FloatBits {
    pub precision: usize,
    pub exponent_bits: usize,
    pub mantissa_bits: usize,
}

/// One field of a compound type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub offset: usize,
    pub dtype: DType,
}

impl DType {
    /// The numbers a plot can take from each element of this type: the value of an integer
    /// or float, each numeric field of a compound, the parts of a complex. Empty when none.
    pub fn components(&self) -> Vec<super::Component> {
        use super::Component;
        match self {
            // Enums (h5py's bools too) plot by their stored integer (libhdf5 converts them).
            Self::Integer { .. } | Self::Float { .. } | Self::Enum { .. } => {
                vec![Component::Value]
            }
            Self::Complex { .. } => Component::COMPLEX.to_vec(),
            Self::Compound { fields, .. } => fields
                .iter()
                .filter(|f| matches!(f.dtype, Self::Integer { .. } | Self::Float { .. }))
                .map(|f| Component::Field(f.name.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the numbers of `component` are whole numbers (integer types, enums and
    /// integer fields), which are shown exactly rather than rounded.
    pub fn is_integer(&self, component: &super::Component) -> bool {
        use super::Component;
        match (self, component) {
            (Self::Integer { .. } | Self::Enum { .. }, Component::Value) => true,
            (Self::Compound { fields, .. }, Component::Field(name)) => fields
                .iter()
                .any(|f| f.name == *name && matches!(f.dtype, Self::Integer { .. })),
            _ => false,
        }
    }
}

/// One member of an enum type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumMember {
    pub name: String,
    #[serde(with = "super::value::wide_int")]
    pub value: i128,
}

/// An HDF5 datatype. Unknown or unconvertible types become [`DType::Unsupported`], never an
/// error, so one odd type never hides the rest of a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "class", rename_all = "lowercase")]
pub enum DType {
    Integer {
        size: usize,
        signed: bool,
        order: ByteOrder,
    },
    Float {
        size: usize,
        order: ByteOrder,
        bits: FloatBits,
    },
    /// HDF5 2.0 native complex, or h5py's `{r, i}` compound recognised as complex.
    Complex {
        size: usize,
        order: ByteOrder,
        /// The float type of each part.
        part: Box<DType>,
    },
    String {
        /// `None` for variable-length strings.
        size: Option<usize>,
        charset: Charset,
        padding: StrPad,
    },
    Compound {
        size: usize,
        fields: Vec<Field>,
    },
    Enum {
        size: usize,
        base: Box<DType>,
        members: Vec<EnumMember>,
    },
    Array {
        dims: Vec<usize>,
        base: Box<DType>,
    },
    VarLen {
        base: Box<DType>,
    },
    Reference {
        kind: RefKind,
    },
    Opaque {
        size: usize,
        tag: String,
    },
    Bitfield {
        size: usize,
        order: ByteOrder,
    },
    Time {
        size: usize,
        order: ByteOrder,
    },
    Unsupported {
        class_name: String,
        size: usize,
    },
}

impl DType {
    /// Stored size of one element in bytes (`None` for variable-length data).
    pub fn size(&self) -> Option<usize> {
        match self {
            Self::Integer { size, .. }
            | Self::Float { size, .. }
            | Self::Complex { size, .. }
            | Self::Compound { size, .. }
            | Self::Enum { size, .. }
            | Self::Opaque { size, .. }
            | Self::Bitfield { size, .. }
            | Self::Time { size, .. }
            | Self::Unsupported { size, .. } => Some(*size),
            Self::String { size, .. } => *size,
            Self::Array { dims, base } => base.size().map(|s| s * dims.iter().product::<usize>()),
            Self::VarLen { .. } => None,
            Self::Reference { kind } => Some(match kind {
                RefKind::Object => 8,
                RefKind::Region => 12,
                RefKind::Any => 64,
            }),
        }
    }

    /// The lower-case class name used in JSON and listings.
    pub fn class_name(&self) -> &'static str {
        match self {
            Self::Integer { .. } => "integer",
            Self::Float { .. } => "float",
            Self::Complex { .. } => "complex",
            Self::String { .. } => "string",
            Self::Compound { .. } => "compound",
            Self::Enum { .. } if self.is_bool() => "bool",
            Self::Enum { .. } => "enum",
            Self::Array { .. } => "array",
            Self::VarLen { .. } => "vlen",
            Self::Reference { .. } => "reference",
            Self::Opaque { .. } => "opaque",
            Self::Bitfield { .. } => "bitfield",
            Self::Time { .. } => "time",
            Self::Unsupported { .. } => "unsupported",
        }
    }

    /// h5py stores `bool` as an 8-bit enum `{FALSE: 0, TRUE: 1}`.
    pub fn is_bool(&self) -> bool {
        let Self::Enum { members, .. } = self else {
            return false;
        };
        let names: Vec<(&str, i128)> = members.iter().map(|m| (m.name.as_str(), m.value)).collect();
        names == [("FALSE", 0), ("TRUE", 1)]
    }

    /// Whether values of this type are plain numbers (plottable as-is).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Self::Integer { .. } | Self::Float { .. })
    }

    /// A short human-readable name: `uint64`, `float32 (BE)`, `string[10] utf-8`, `compound{x, y}`.
    pub fn text(&self) -> String {
        let order_suffix = |order: &ByteOrder| match order {
            ByteOrder::Be => " (BE)",
            ByteOrder::Vax => " (VAX)",
            ByteOrder::Le | ByteOrder::None => "",
        };
        match self {
            Self::Integer {
                size,
                signed,
                order,
            } => {
                let prefix = if *signed { "int" } else { "uint" };
                format!("{prefix}{}{}", size * 8, order_suffix(order))
            }
            Self::Float { size, order, bits } => {
                let name = match (size, bits.exponent_bits, bits.mantissa_bits) {
                    (2, 8, 7) => "bfloat16".to_owned(),
                    (2 | 4 | 8, _, _) => format!("float{}", size * 8),
                    (_, 15, 64) => format!("float{} (x87 extended)", size * 8),
                    _ => format!(
                        "float{} (e{} m{})",
                        size * 8,
                        bits.exponent_bits,
                        bits.mantissa_bits
                    ),
                };
                format!("{name}{}", order_suffix(order))
            }
            Self::Complex { size, order, .. } => {
                format!("complex{}{}", size * 8, order_suffix(order))
            }
            Self::String {
                size,
                charset,
                padding,
            } => {
                let cs = match charset {
                    Charset::Ascii => "ascii",
                    Charset::Utf8 => "utf-8",
                };
                match size {
                    None => format!("string (variable, {cs})"),
                    Some(n) => {
                        let pad = match padding {
                            StrPad::Nullterm => "nullterm",
                            StrPad::Nullpad => "nullpad",
                            StrPad::Spacepad => "spacepad",
                        };
                        format!("string[{n}] ({cs}, {pad})")
                    }
                }
            }
            Self::Compound { fields, .. } => {
                let inner: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name, f.dtype.text()))
                    .collect();
                format!("compound{{{}}}", inner.join(", "))
            }
            Self::Enum { .. } if self.is_bool() => "bool".to_owned(),
            Self::Enum { base, members, .. } => {
                let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
                format!("enum {}{{{}}}", base.text(), names.join(", "))
            }
            Self::Array { dims, base } => {
                let d: Vec<String> = dims.iter().map(ToString::to_string).collect();
                format!("{}[{}]", base.text(), d.join("x"))
            }
            Self::VarLen { base } => format!("vlen<{}>", base.text()),
            Self::Reference { kind } => match kind {
                RefKind::Object => "object reference".to_owned(),
                RefKind::Region => "region reference".to_owned(),
                RefKind::Any => "reference".to_owned(),
            },
            Self::Opaque { size, tag } if tag.is_empty() => format!("opaque[{size}]"),
            Self::Opaque { size, tag } => format!("opaque[{size}] \"{tag}\""),
            Self::Bitfield { size, order } => {
                format!("bitfield{}{}", size * 8, order_suffix(order))
            }
            Self::Time { size, .. } => format!("time{}", size * 8),
            Self::Unsupported { class_name, size } => {
                format!("unsupported {class_name} ({size} bytes)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(size: usize, signed: bool) -> DType {
        DType::Integer {
            size,
            signed,
            order: ByteOrder::Le,
        }
    }

    #[test]
    fn text_names_common_types() {
        assert_eq!(int(8, false).text(), "uint64");
        assert_eq!(
            DType::Integer {
                size: 4,
                signed: true,
                order: ByteOrder::Be
            }
            .text(),
            "int32 (BE)"
        );
        let bf16 = DType::Float {
            size: 2,
            order: ByteOrder::Le,
            bits: FloatBits {
                precision: 16,
                exponent_bits: 8,
                mantissa_bits: 7,
            },
        };
        assert_eq!(bf16.text(), "bfloat16");
        let s = DType::String {
            size: None,
            charset: Charset::Utf8,
            padding: StrPad::Nullterm,
        };
        assert_eq!(s.text(), "string (variable, utf-8)");
    }

    #[test]
    fn h5py_bool_is_recognised() {
        let b = DType::Enum {
            size: 1,
            base: Box::new(int(1, true)),
            members: vec![
                EnumMember {
                    name: "FALSE".into(),
                    value: 0,
                },
                EnumMember {
                    name: "TRUE".into(),
                    value: 1,
                },
            ],
        };
        assert!(b.is_bool(), "FALSE/TRUE enum must read as bool");
        assert_eq!(b.class_name(), "bool");
    }

    #[test]
    fn array_size_multiplies_dims() {
        let a = DType::Array {
            dims: vec![2, 3],
            base: Box::new(int(4, true)),
        };
        assert_eq!(a.size(), Some(24));
    }
}

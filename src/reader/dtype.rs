//! Maps a file datatype to the model's [`DType`] and to the memory layout values are read into.
//!
//! The memory layout ([`Mem`]) is chosen so the decoder never has to know the file's byte
//! order or float format: libhdf5 converts integers to native widths, every float to `f64`
//! and compounds to a packed native layout. Types it cannot convert are read as raw bytes.
//! Never reads data and never recurses deeper than [`MAX_DEPTH`].
#![allow(unsafe_code)]

use hdf5::Error as H5Error;
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5t::{
    H5T_ARRAY, H5T_BITFIELD, H5T_C_S1, H5T_COMPLEX, H5T_COMPOUND, H5T_ENUM, H5T_FLOAT, H5T_INTEGER,
    H5T_NATIVE_DOUBLE, H5T_NATIVE_DOUBLE_COMPLEX, H5T_NATIVE_INT8, H5T_NATIVE_INT16,
    H5T_NATIVE_INT32, H5T_NATIVE_INT64, H5T_NATIVE_UINT8, H5T_NATIVE_UINT16, H5T_NATIVE_UINT32,
    H5T_NATIVE_UINT64, H5T_OPAQUE, H5T_REFERENCE, H5T_STD_REF, H5T_STD_REF_DSETREG,
    H5T_STD_REF_OBJ, H5T_STRING, H5T_TIME, H5T_VARIABLE, H5T_VLEN, H5T_cset_t, H5T_order_t,
    H5T_sign_t, H5T_str_t, H5Tarray_create2, H5Tcopy, H5Tcreate, H5Tenum_create, H5Tenum_insert,
    H5Tequal, H5Tget_array_dims2, H5Tget_array_ndims, H5Tget_class, H5Tget_cset, H5Tget_fields,
    H5Tget_member_name, H5Tget_member_offset, H5Tget_member_type, H5Tget_member_value,
    H5Tget_nmembers, H5Tget_order, H5Tget_precision, H5Tget_sign, H5Tget_size, H5Tget_strpad,
    H5Tget_super, H5Tget_tag, H5Tinsert, H5Tis_variable_str, H5Tset_cset, H5Tset_size,
    H5Tvlen_create,
};

use super::ffi::{Hid, c_str_to_string, call, free_h5_memory, locked};
use crate::model::{ByteOrder, Charset, DType, EnumMember, Field, FloatBits, RefKind, StrPad};

/// How deep datatypes may nest before they are shown as unsupported (hostile files nest
/// thousands of levels to overflow stacks).
pub(crate) const MAX_DEPTH: usize = 32;

/// The in-memory layout of one element, as the decoder walks it.
#[derive(Debug)]
pub(crate) enum Mem {
    /// Native-endian integer of 1, 2, 4 or 8 bytes.
    Int {
        size: usize,
        signed: bool,
    },
    /// Any float, converted to native `f64`.
    F64,
    /// HDF5 2.0 native complex, converted to two native `f64`.
    Complex64,
    /// h5py-style complex: a compound of two floats, converted to two native `f64`.
    ComplexPair,
    FixedStr {
        size: usize,
        pad: StrPad,
    },
    /// A `char *` owned by libhdf5 until reclaimed.
    VarStr,
    Compound {
        fields: Vec<(String, usize, Mem)>,
    },
    /// Native integer holding an enum value, with the member names.
    Enum {
        size: usize,
        signed: bool,
        members: Vec<EnumMember>,
        is_bool: bool,
    },
    /// An array-type element: `dims` nest the values, row-major.
    Array {
        dims: Vec<usize>,
        elem_size: usize,
        base: Box<Mem>,
    },
    /// `hvl_t { size_t len; void *p; }`.
    VarLen {
        elem_size: usize,
        base: Box<Mem>,
    },
    /// `H5R_ref_t` (64 bytes), converted from any reference kind.
    Ref,
    /// Bytes exactly as stored; `int_order` set for bitfields, which decode as integers.
    Raw {
        size: usize,
        int_order: Option<ByteOrder>,
    },
    /// Integers wider than 8 bytes, decoded from their stored bytes.
    WideInt {
        size: usize,
        signed: bool,
        order: ByteOrder,
    },
}

impl Mem {
    /// Whether elements hold pointers or references that `H5Treclaim` must release.
    pub(crate) fn needs_reclaim(&self) -> bool {
        match self {
            Self::VarStr | Self::VarLen { .. } | Self::Ref => true,
            Self::Compound { fields } => fields.iter().any(|(_, _, m)| m.needs_reclaim()),
            Self::Array { base, .. } => base.needs_reclaim(),
            _ => false,
        }
    }
}

/// A file datatype mapped for reading: what it is, and how to read and decode it.
#[derive(Debug)]
pub(crate) struct Mapped {
    pub dtype: DType,
    pub mem: Mem,
    pub mem_type: Hid,
    pub mem_size: usize,
}

/// Copies a predefined type so it can be owned and closed like any other.
fn copy(t: hid_t) -> Result<Hid, H5Error> {
    // SAFETY: `t` is a valid predefined or open type identifier.
    Hid::from_call(|| unsafe { H5Tcopy(t) })
}

fn byte_order(t: hid_t) -> ByteOrder {
    // SAFETY: `t` is a valid type identifier; an error maps to `None`.
    match locked(|| unsafe { H5Tget_order(t) }) {
        H5T_order_t::H5T_ORDER_LE => ByteOrder::Le,
        H5T_order_t::H5T_ORDER_BE => ByteOrder::Be,
        H5T_order_t::H5T_ORDER_VAX | H5T_order_t::H5T_ORDER_MIXED => ByteOrder::Vax,
        _ => ByteOrder::None,
    }
}

fn size_of(t: hid_t) -> Result<usize, H5Error> {
    // SAFETY: `t` is a valid type identifier; 0 means failure.
    let size = locked(|| unsafe { H5Tget_size(t) });
    if size == 0 {
        return Err(H5Error::query().unwrap_or_else(|e| e));
    }
    Ok(size)
}

fn native_int(size: usize, signed: bool) -> hid_t {
    match (size, signed) {
        (1, true) => *H5T_NATIVE_INT8,
        (2, true) => *H5T_NATIVE_INT16,
        (3..=4, true) => *H5T_NATIVE_INT32,
        (_, true) => *H5T_NATIVE_INT64,
        (1, false) => *H5T_NATIVE_UINT8,
        (2, false) => *H5T_NATIVE_UINT16,
        (3..=4, false) => *H5T_NATIVE_UINT32,
        (_, false) => *H5T_NATIVE_UINT64,
    }
}

fn native_int_size(size: usize) -> usize {
    match size {
        1 => 1,
        2 => 2,
        3..=4 => 4,
        _ => 8,
    }
}

/// The type a committed object or member refers to, owned.
fn super_of(t: hid_t) -> Result<Hid, H5Error> {
    // SAFETY: `t` is a valid derived type identifier.
    Hid::from_call(|| unsafe { H5Tget_super(t) })
}

/// Maps a file datatype; never fails for an unknown class (that becomes `Unsupported`).
pub(crate) fn map_type(t: hid_t) -> Result<Mapped, H5Error> {
    map_at_depth(t, 0)
}

fn unsupported(t: hid_t, class_name: &str) -> Result<Mapped, H5Error> {
    let size = size_of(t)?;
    Ok(Mapped {
        dtype: DType::Unsupported {
            class_name: class_name.to_owned(),
            size,
        },
        mem: Mem::Raw {
            size,
            int_order: None,
        },
        mem_type: copy(t)?,
        mem_size: size,
    })
}

fn map_at_depth(t: hid_t, depth: usize) -> Result<Mapped, H5Error> {
    if depth > MAX_DEPTH {
        return unsupported(t, "datatype nested too deeply");
    }
    // SAFETY: `t` is a valid type identifier.
    let class = locked(|| unsafe { H5Tget_class(t) });
    let size = size_of(t)?;
    match class {
        H5T_INTEGER => map_integer(t, size),
        H5T_FLOAT => map_float(t, size),
        H5T_COMPLEX => {
            let part = map_at_depth(super_of(t)?.id(), depth + 1)?.dtype;
            Ok(Mapped {
                dtype: DType::Complex {
                    size,
                    order: byte_order(t),
                    part: Box::new(part),
                },
                mem: Mem::Complex64,
                mem_type: copy(*H5T_NATIVE_DOUBLE_COMPLEX)?,
                mem_size: 16,
            })
        }
        H5T_STRING => map_string(t, size),
        H5T_COMPOUND => map_compound(t, size, depth),
        H5T_ENUM => map_enum(t, size, depth),
        H5T_ARRAY => map_array(t, depth),
        H5T_VLEN => {
            let base = map_at_depth(super_of(t)?.id(), depth + 1)?;
            // SAFETY: `base.mem_type` is a valid type identifier.
            let mem_type = Hid::from_call(|| unsafe { H5Tvlen_create(base.mem_type.id()) })?;
            Ok(Mapped {
                dtype: DType::VarLen {
                    base: Box::new(base.dtype),
                },
                mem: Mem::VarLen {
                    elem_size: base.mem_size,
                    base: Box::new(base.mem),
                },
                mem_type,
                mem_size: std::mem::size_of::<hdf5_sys::h5t::hvl_t>(),
            })
        }
        H5T_REFERENCE => map_reference(t),
        H5T_OPAQUE => {
            // SAFETY: `t` is an opaque type; the tag is freed below.
            let p = locked(|| unsafe { H5Tget_tag(t) });
            // SAFETY: `p` is null or a NUL-terminated string from libhdf5.
            let tag = unsafe { c_str_to_string(p) }.unwrap_or_default();
            free_h5_memory(p.cast());
            Ok(Mapped {
                dtype: DType::Opaque { size, tag },
                mem: Mem::Raw {
                    size,
                    int_order: None,
                },
                mem_type: copy(t)?,
                mem_size: size,
            })
        }
        H5T_BITFIELD => {
            let order = byte_order(t);
            Ok(Mapped {
                dtype: DType::Bitfield { size, order },
                mem: Mem::Raw {
                    size,
                    int_order: Some(order),
                },
                mem_type: copy(t)?,
                mem_size: size,
            })
        }
        H5T_TIME => Ok(Mapped {
            dtype: DType::Time {
                size,
                order: byte_order(t),
            },
            mem: Mem::Raw {
                size,
                int_order: None,
            },
            mem_type: copy(t)?,
            mem_size: size,
        }),
        other => unsupported(t, &format!("class {}", other as i32)),
    }
}

fn map_integer(t: hid_t, size: usize) -> Result<Mapped, H5Error> {
    // SAFETY: `t` is an integer type.
    let signed = locked(|| unsafe { H5Tget_sign(t) }) == H5T_sign_t::H5T_SGN_2;
    let order = byte_order(t);
    let dtype = DType::Integer {
        size,
        signed,
        order,
    };
    if size > 8 {
        return Ok(Mapped {
            dtype,
            mem: Mem::WideInt {
                size,
                signed,
                order,
            },
            mem_type: copy(t)?,
            mem_size: size,
        });
    }
    let native = native_int_size(size);
    Ok(Mapped {
        dtype,
        mem: Mem::Int {
            size: native,
            signed,
        },
        mem_type: copy(native_int(size, signed))?,
        mem_size: native,
    })
}

fn float_bits(t: hid_t) -> FloatBits {
    let (mut spos, mut epos, mut esize, mut mpos, mut msize) = (0, 0, 0, 0, 0);
    // SAFETY: `t` is a float type and the out-pointers are valid.
    locked(|| unsafe { H5Tget_fields(t, &mut spos, &mut epos, &mut esize, &mut mpos, &mut msize) });
    // SAFETY: `t` is a float type.
    let precision = locked(|| unsafe { H5Tget_precision(t) });
    FloatBits {
        precision,
        exponent_bits: esize,
        mantissa_bits: msize,
    }
}

fn map_float(t: hid_t, size: usize) -> Result<Mapped, H5Error> {
    Ok(Mapped {
        dtype: DType::Float {
            size,
            order: byte_order(t),
            bits: float_bits(t),
        },
        mem: Mem::F64,
        mem_type: copy(*H5T_NATIVE_DOUBLE)?,
        mem_size: 8,
    })
}

fn map_string(t: hid_t, size: usize) -> Result<Mapped, H5Error> {
    // SAFETY: `t` is a string type.
    let (variable, cset, pad) =
        locked(|| unsafe { (H5Tis_variable_str(t) > 0, H5Tget_cset(t), H5Tget_strpad(t)) });
    let charset = if cset == H5T_cset_t::H5T_CSET_UTF8 {
        Charset::Utf8
    } else {
        Charset::Ascii
    };
    let padding = match pad {
        H5T_str_t::H5T_STR_NULLPAD => StrPad::Nullpad,
        H5T_str_t::H5T_STR_SPACEPAD => StrPad::Spacepad,
        _ => StrPad::Nullterm,
    };
    if variable {
        let mem_type = copy(*H5T_C_S1)?;
        // SAFETY: `mem_type` is our own copy of a string type.
        call(|| unsafe { H5Tset_size(mem_type.id(), H5T_VARIABLE) })?;
        // SAFETY: as above.
        call(|| unsafe { H5Tset_cset(mem_type.id(), cset) })?;
        return Ok(Mapped {
            dtype: DType::String {
                size: None,
                charset,
                padding,
            },
            mem: Mem::VarStr,
            mem_type,
            mem_size: std::mem::size_of::<*const u8>(),
        });
    }
    Ok(Mapped {
        dtype: DType::String {
            size: Some(size),
            charset,
            padding,
        },
        mem: Mem::FixedStr { size, pad: padding },
        mem_type: copy(t)?,
        mem_size: size,
    })
}

/// Names and member types of a compound or enum, in declaration order.
fn member_name(t: hid_t, i: u32) -> String {
    // SAFETY: `i` is below the member count; the name is freed below.
    let p = locked(|| unsafe { H5Tget_member_name(t, i) });
    // SAFETY: `p` is null or a NUL-terminated string from libhdf5.
    let name = unsafe { c_str_to_string(p) }.unwrap_or_else(|| format!("field{i}"));
    free_h5_memory(p.cast());
    name
}

fn member_count(t: hid_t) -> Result<u32, H5Error> {
    // SAFETY: `t` is a compound or enum type.
    let n = call(|| unsafe { H5Tget_nmembers(t) })?;
    Ok(u32::try_from(n).unwrap_or(0))
}

fn map_compound(t: hid_t, size: usize, depth: usize) -> Result<Mapped, H5Error> {
    let n = member_count(t)?;
    let mut fields = Vec::with_capacity(n as usize);
    let mut mapped = Vec::with_capacity(n as usize);
    for i in 0..n {
        let name = member_name(t, i);
        // SAFETY: `i` is below the member count.
        let offset = locked(|| unsafe { H5Tget_member_offset(t, i) });
        // SAFETY: as above.
        let member_type = Hid::from_call(|| unsafe { H5Tget_member_type(t, i) })?;
        let m = map_at_depth(member_type.id(), depth + 1)?;
        fields.push(Field {
            name: name.clone(),
            offset,
            dtype: m.dtype.clone(),
        });
        mapped.push((name, m));
    }

    // Pack the memory layout; the decoder reads fields unaligned.
    let mem_size: usize = mapped.iter().map(|(_, m)| m.mem_size).sum::<usize>().max(1);
    // SAFETY: creating a new compound type of a positive size.
    let mem_type = Hid::from_call(|| unsafe { H5Tcreate(H5T_COMPOUND, mem_size) })?;
    let mut offset = 0;
    let mut mem_fields = Vec::with_capacity(mapped.len());
    for (name, m) in mapped {
        let cname = super::ffi::cstring(&name)?;
        // SAFETY: inserting a member inside the compound's size; names are unique in the file type.
        call(|| unsafe { H5Tinsert(mem_type.id(), cname.as_ptr(), offset, m.mem_type.id()) })?;
        mem_fields.push((name, offset, m.mem));
        offset += m.mem_size;
    }

    let is_complex_pair = matches!(
        fields.as_slice(),
        [a, b] if matches!((a.name.as_str(), b.name.as_str()), ("r", "i") | ("real", "imag"))
            && matches!(a.dtype, DType::Float { .. })
            && a.dtype == b.dtype
    );
    if is_complex_pair && let Some(first) = fields.first() {
        let order = match first.dtype {
            DType::Float { order, .. } => order,
            _ => ByteOrder::None,
        };
        return Ok(Mapped {
            dtype: DType::Complex {
                size,
                order,
                part: Box::new(first.dtype.clone()),
            },
            mem: Mem::ComplexPair,
            mem_type,
            mem_size,
        });
    }
    Ok(Mapped {
        dtype: DType::Compound { size, fields },
        mem: Mem::Compound { fields: mem_fields },
        mem_type,
        mem_size,
    })
}

fn map_enum(t: hid_t, size: usize, depth: usize) -> Result<Mapped, H5Error> {
    let base_file = super_of(t)?;
    let base = map_at_depth(base_file.id(), depth + 1)?;
    let (native_size, signed) = match base.mem {
        Mem::Int { size, signed } => (size, signed),
        _ => return unsupported(t, "enum over a non-integer base"),
    };
    // SAFETY: creating an enum over our own native integer copy.
    let mem_type = Hid::from_call(|| unsafe { H5Tenum_create(base.mem_type.id()) })?;
    let n = member_count(t)?;
    let mut members = Vec::with_capacity(n as usize);
    for i in 0..n {
        let name = member_name(t, i);
        // Member values are stored in the enum's own base type; read them as raw bytes.
        let mut raw = vec![0u8; size.max(1)];
        // SAFETY: `raw` holds one value of the enum's base type.
        call(|| unsafe { H5Tget_member_value(t, i, raw.as_mut_ptr().cast()) })?;
        let value = match byte_order(base_file.id()) {
            ByteOrder::Be => int_from_be(&raw, signed),
            _ => int_from_le(&raw, signed),
        };
        let native = value.to_le_bytes();
        let cname = super::ffi::cstring(&name)?;
        // SAFETY: `native` holds at least `native_size` little-endian bytes of the value.
        call(|| unsafe { H5Tenum_insert(mem_type.id(), cname.as_ptr(), native.as_ptr().cast()) })?;
        members.push(EnumMember { name, value });
    }
    let dtype = DType::Enum {
        size,
        base: Box::new(base.dtype),
        members: members.clone(),
    };
    let is_bool = dtype.is_bool();
    Ok(Mapped {
        dtype,
        mem: Mem::Enum {
            size: native_size,
            signed,
            members,
            is_bool,
        },
        mem_type,
        mem_size: native_size,
    })
}

/// Sign-extends little-endian bytes of any width up to 16 into an `i128`.
pub(crate) fn int_from_le(bytes: &[u8], signed: bool) -> i128 {
    let mut buf = [0u8; 16];
    let n = bytes.len().min(16);
    buf[..n].copy_from_slice(&bytes[..n]);
    if signed && n > 0 && n < 16 && bytes[n - 1] & 0x80 != 0 {
        buf[n..].fill(0xff);
    }
    i128::from_le_bytes(buf)
}

/// As [`int_from_le`] for big-endian bytes.
pub(crate) fn int_from_be(bytes: &[u8], signed: bool) -> i128 {
    let le: Vec<u8> = bytes.iter().rev().copied().collect();
    int_from_le(&le, signed)
}

fn map_array(t: hid_t, depth: usize) -> Result<Mapped, H5Error> {
    // SAFETY: `t` is an array type.
    let ndims = call(|| unsafe { H5Tget_array_ndims(t) })?;
    let mut dims = vec![0u64; usize::try_from(ndims).unwrap_or(0)];
    // SAFETY: `dims` has room for `ndims` values.
    call(|| unsafe { H5Tget_array_dims2(t, dims.as_mut_ptr()) })?;
    let base = map_at_depth(super_of(t)?.id(), depth + 1)?;
    // SAFETY: `dims` holds `ndims` sizes and `base.mem_type` is valid.
    let mem_type = Hid::from_call(|| unsafe {
        H5Tarray_create2(base.mem_type.id(), ndims as u32, dims.as_ptr())
    })?;
    let count: usize = dims.iter().map(|&d| d as usize).product();
    Ok(Mapped {
        dtype: DType::Array {
            dims: dims.iter().map(|&d| d as usize).collect(),
            base: Box::new(base.dtype),
        },
        mem_size: count * base.mem_size,
        mem: Mem::Array {
            dims: dims.iter().map(|&d| d as usize).collect(),
            elem_size: base.mem_size,
            base: Box::new(base.mem),
        },
        mem_type,
    })
}

fn map_reference(t: hid_t) -> Result<Mapped, H5Error> {
    // SAFETY: comparing two valid type identifiers.
    let is = |other: hid_t| locked(|| unsafe { H5Tequal(t, other) }) > 0;
    let kind = if is(*H5T_STD_REF_OBJ) {
        RefKind::Object
    } else if is(*H5T_STD_REF_DSETREG) {
        RefKind::Region
    } else {
        RefKind::Any
    };
    Ok(Mapped {
        dtype: DType::Reference { kind },
        mem: Mem::Ref,
        mem_type: copy(*H5T_STD_REF)?,
        mem_size: std::mem::size_of::<hdf5_sys::h5r::H5R_ref_t>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_extension_of_odd_widths() {
        assert_eq!(int_from_le(&[0xff], true), -1);
        assert_eq!(int_from_le(&[0xff], false), 255);
        assert_eq!(int_from_be(&[0x80, 0x00], true), -32768);
        assert_eq!(int_from_le(&[0xff; 8], false), i128::from(u64::MAX));
    }
}

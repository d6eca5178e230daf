//! Turns a buffer laid out as a [`Mem`] into model [`Value`]s.
//!
//! Reads every field unaligned and bounds-checked, so a short or odd buffer gives
//! [`Value::Invalid`], never undefined behaviour. Pointers inside the buffer (variable-length
//! data) were written by libhdf5 during the read and stay valid until the caller reclaims them.
#![allow(unsafe_code)]

use super::dtype::{Mem, int_from_be, int_from_le};
use super::refs::resolve_ref;
use crate::model::{ByteOrder, StrPad, Value};

/// Variable-length payloads above this many elements are cut, with a marker, to keep one
/// hostile element from exhausting memory.
const MAX_VLEN_ELEMENTS: usize = 1 << 20;

fn take<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
    bytes.get(..N).and_then(|b| b.try_into().ok())
}

fn short() -> Value {
    Value::Invalid("buffer too short".to_owned())
}

/// Decodes one element at the start of `bytes`. `file_name` is the file being read, so
/// references into it are shown without a file name.
pub(crate) fn decode(mem: &Mem, bytes: &[u8], file_name: &str) -> Value {
    match mem {
        Mem::Int { size, signed } => decode_int(*size, *signed, bytes),
        Mem::F64 => take::<8>(bytes).map_or_else(short, |b| Value::Float(f64::from_ne_bytes(b))),
        Mem::Complex64 | Mem::ComplexPair => {
            match (take::<8>(bytes), bytes.get(8..).and_then(take::<8>)) {
                (Some(re), Some(im)) => Value::Complex {
                    re: f64::from_ne_bytes(re),
                    im: f64::from_ne_bytes(im),
                },
                _ => short(),
            }
        }
        Mem::FixedStr { size, pad } => match bytes.get(..*size) {
            Some(b) => Value::Str(fixed_string(b, *pad)),
            None => short(),
        },
        Mem::VarStr => take::<{ std::mem::size_of::<usize>() }>(bytes).map_or_else(short, |b| {
            let p = usize::from_ne_bytes(b) as *const std::ffi::c_char;
            // SAFETY: libhdf5 wrote a NUL-terminated string pointer (or null) here during the
            // read, and it stays valid until the caller reclaims the buffer.
            match unsafe { super::ffi::c_str_to_string(p) } {
                Some(s) => Value::Str(s),
                None => Value::Str(String::new()),
            }
        }),
        Mem::Compound { fields } => Value::Compound(
            fields
                .iter()
                .map(|(name, offset, m)| {
                    let v = bytes
                        .get(*offset..)
                        .map_or_else(short, |b| decode(m, b, file_name));
                    (name.clone(), v)
                })
                .collect(),
        ),
        Mem::Enum {
            size,
            signed,
            members,
            is_bool,
        } => match bytes.get(..*size) {
            Some(b) => {
                let value = int_from_le(b, *signed);
                if *is_bool {
                    Value::Bool(value != 0)
                } else {
                    let name = members
                        .iter()
                        .find(|m| m.value == value)
                        .map(|m| m.name.clone());
                    Value::Enum { name, value }
                }
            }
            None => short(),
        },
        Mem::Array {
            dims,
            elem_size,
            base,
        } => {
            let mut flat = (0..dims.iter().product::<usize>()).map(|i| {
                bytes
                    .get(i * elem_size..)
                    .map_or_else(short, |b| decode(base, b, file_name))
            });
            nest(dims, &mut flat)
        }
        Mem::VarLen { elem_size, base } => decode_vlen(*elem_size, base, bytes, file_name),
        Mem::Ref => match bytes.get(..std::mem::size_of::<hdf5_sys::h5r::H5R_ref_t>()) {
            Some(b) => resolve_ref(b, file_name),
            None => short(),
        },
        Mem::Raw { size, int_order } => match (bytes.get(..*size), int_order) {
            (Some(b), Some(order)) if *size <= 8 => {
                let v = if *order == ByteOrder::Be {
                    int_from_be(b, false)
                } else {
                    int_from_le(b, false)
                };
                u64::try_from(v).map_or_else(|_| Value::Bytes(b.to_vec()), Value::UInt)
            }
            (Some(b), _) => Value::Bytes(b.to_vec()),
            (None, _) => short(),
        },
        Mem::WideInt {
            size,
            signed,
            order,
        } => match bytes.get(..*size) {
            Some(b) if *size <= 16 => {
                let v = if *order == ByteOrder::Be {
                    int_from_be(b, *signed)
                } else {
                    int_from_le(b, *signed)
                };
                Value::BigInt(v)
            }
            Some(b) => Value::Bytes(b.to_vec()),
            None => short(),
        },
    }
}

/// Groups a row-major sequence into nested lists following `dims`.
fn nest(dims: &[usize], flat: &mut dyn Iterator<Item = Value>) -> Value {
    match dims.split_first() {
        None => flat.next().unwrap_or_else(short),
        Some((&n, rest)) => Value::List((0..n).map(|_| nest(rest, flat)).collect()),
    }
}

fn decode_int(size: usize, signed: bool, bytes: &[u8]) -> Value {
    let v = match (size, signed) {
        (1, true) => take::<1>(bytes).map(|b| Value::Int(i64::from(i8::from_ne_bytes(b)))),
        (2, true) => take::<2>(bytes).map(|b| Value::Int(i64::from(i16::from_ne_bytes(b)))),
        (4, true) => take::<4>(bytes).map(|b| Value::Int(i64::from(i32::from_ne_bytes(b)))),
        (8, true) => take::<8>(bytes).map(|b| Value::Int(i64::from_ne_bytes(b))),
        (1, false) => take::<1>(bytes).map(|b| Value::UInt(u64::from(b[0]))),
        (2, false) => take::<2>(bytes).map(|b| Value::UInt(u64::from(u16::from_ne_bytes(b)))),
        (4, false) => take::<4>(bytes).map(|b| Value::UInt(u64::from(u32::from_ne_bytes(b)))),
        (8, false) => take::<8>(bytes).map(|b| Value::UInt(u64::from_ne_bytes(b))),
        _ => None,
    };
    v.unwrap_or_else(short)
}

/// Applies HDF5's padding rules: NULLTERM stops at the first NUL, NULLPAD drops trailing
/// NULs, SPACEPAD drops trailing spaces (and NULs some writers leave anyway).
fn fixed_string(b: &[u8], pad: StrPad) -> String {
    let text = match pad {
        StrPad::Nullterm => &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())],
        StrPad::Nullpad => {
            let end = b.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
            &b[..end]
        }
        StrPad::Spacepad => {
            let end = b
                .iter()
                .rposition(|&c| c != b' ' && c != 0)
                .map_or(0, |i| i + 1);
            &b[..end]
        }
    };
    String::from_utf8_lossy(text).into_owned()
}

fn decode_vlen(elem_size: usize, base: &Mem, bytes: &[u8], file_name: &str) -> Value {
    const WORD: usize = std::mem::size_of::<usize>();
    let (Some(len), Some(ptr)) = (
        take::<WORD>(bytes),
        bytes.get(WORD..).and_then(take::<WORD>),
    ) else {
        return short();
    };
    let len = usize::from_ne_bytes(len);
    let ptr = usize::from_ne_bytes(ptr) as *const u8;
    if len == 0 || ptr.is_null() {
        return Value::List(Vec::new());
    }
    let shown = len.min(MAX_VLEN_ELEMENTS);
    let Some(total) = shown.checked_mul(elem_size) else {
        return Value::Invalid(format!(
            "variable-length element of {len} items is too large"
        ));
    };
    // SAFETY: libhdf5 allocated `len * elem_size` bytes at `ptr` during the read; we view the
    // first `shown` elements of it, and it stays valid until the caller reclaims the buffer.
    let payload = unsafe { std::slice::from_raw_parts(ptr, total) };
    let mut items: Vec<Value> = payload
        .chunks(elem_size.max(1))
        .map(|chunk| decode(base, chunk, file_name))
        .collect();
    if shown < len {
        items.push(Value::Invalid(format!(
            "{} more items not shown",
            len - shown
        )));
    }
    Value::List(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_string_padding_rules() {
        assert_eq!(fixed_string(b"ab\0cd", StrPad::Nullterm), "ab");
        assert_eq!(fixed_string(b"ab\0\0", StrPad::Nullpad), "ab");
        assert_eq!(fixed_string(b"ab  ", StrPad::Spacepad), "ab");
        assert_eq!(fixed_string(b"a b ", StrPad::Spacepad), "a b");
    }

    #[test]
    fn ints_decode_exactly() {
        let max = u64::MAX.to_ne_bytes();
        assert_eq!(decode_int(8, false, &max), Value::UInt(u64::MAX));
        assert_eq!(decode_int(1, true, &[0x80]), Value::Int(-128));
        assert_eq!(
            decode_int(4, true, &[1, 2]),
            short(),
            "short buffers are reported"
        );
    }
}

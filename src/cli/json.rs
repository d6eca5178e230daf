//! The CLI's JSON contract (documented in `docs/cli.md`): model types to `serde_json` values.
//!
//! The one place that decides how values look in JSON: 64-bit integers exact, non-finite
//! floats as strings, enums by name, complex as `{"re","im"}`, references as `{"ref": path}`.
//! Must stay backwards compatible; tests pin it.

use serde_json::{Map, Value as Json, json};

use crate::model::{
    AttrValue, Attribute, ByteOrder, DType, Dim, Layout, LinkStatus, ObjectInfo, RefKind, Region,
    Shape, Value, bytes_to_hex,
};

fn order_json(order: ByteOrder) -> Json {
    match order {
        ByteOrder::Le => json!("le"),
        ByteOrder::Be => json!("be"),
        ByteOrder::Vax => json!("vax"),
        ByteOrder::None => Json::Null,
    }
}

/// A datatype: `class` and `text` always, the other keys where they apply.
pub fn dtype_json(d: &DType) -> Json {
    let mut m = Map::new();
    m.insert("class".into(), json!(d.class_name()));
    m.insert("size".into(), json!(d.size()));
    match d {
        DType::Integer { signed, order, .. } => {
            m.insert("order".into(), order_json(*order));
            m.insert("signed".into(), json!(signed));
        }
        DType::Float { order, bits, .. } => {
            m.insert("order".into(), order_json(*order));
            m.insert("precision".into(), json!(bits.precision));
        }
        DType::Complex { order, part, .. } => {
            m.insert("order".into(), order_json(*order));
            m.insert("base".into(), dtype_json(part));
        }
        DType::String {
            size,
            charset,
            padding,
        } => {
            m.insert("charset".into(), json!(charset));
            m.insert("padding".into(), json!(padding));
            m.insert("variable".into(), json!(size.is_none()));
        }
        DType::Compound { fields, .. } => {
            let f: Vec<Json> = fields
                .iter()
                .map(|f| json!({"name": f.name, "offset": f.offset, "dtype": dtype_json(&f.dtype)}))
                .collect();
            m.insert("fields".into(), Json::Array(f));
        }
        DType::Enum { base, members, .. } => {
            let mem: Vec<Json> = members
                .iter()
                .map(|e| json!({"name": e.name, "value": int_json(e.value)}))
                .collect();
            m.insert("members".into(), Json::Array(mem));
            m.insert("base".into(), dtype_json(base));
        }
        DType::Array { dims, base } => {
            m.insert("dims".into(), json!(dims));
            m.insert("base".into(), dtype_json(base));
        }
        DType::VarLen { base } => {
            m.insert("variable".into(), json!(true));
            m.insert("base".into(), dtype_json(base));
        }
        DType::Reference { kind } => {
            let k = match kind {
                RefKind::Object => "object",
                RefKind::Region => "region",
                RefKind::Any => "any",
            };
            m.insert("ref".into(), json!(k));
        }
        DType::Opaque { tag, .. } => {
            m.insert("tag".into(), json!(tag));
        }
        DType::Bitfield { order, .. } | DType::Time { order, .. } => {
            m.insert("order".into(), order_json(*order));
        }
        DType::Unsupported { class_name, .. } => {
            m.insert("unsupported".into(), json!(class_name));
        }
    }
    m.insert("text".into(), json!(d.text()));
    Json::Object(m)
}

fn int_json(v: i128) -> Json {
    if let Ok(i) = i64::try_from(v) {
        json!(i)
    } else if let Ok(u) = u64::try_from(v) {
        json!(u)
    } else {
        json!(v.to_string())
    }
}

fn float_json(v: f64) -> Json {
    if v.is_nan() {
        json!("NaN")
    } else if v.is_infinite() {
        json!(if v > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        json!(v)
    }
}

fn region_json(r: &Region) -> Json {
    match r {
        Region::All => json!({"type": "all"}),
        Region::None => json!({"type": "none"}),
        Region::Blocks { blocks } => {
            let b: Vec<Json> = blocks
                .iter()
                .map(|(start, end)| json!({"start": start, "end": end}))
                .collect();
            json!({"type": "blocks", "blocks": b})
        }
        Region::Points { points } => json!({"type": "points", "points": points}),
    }
}

/// One element.
pub fn value_json(v: &Value) -> Json {
    match v {
        Value::Int(i) => json!(i),
        Value::UInt(u) => json!(u),
        Value::BigInt(i) => int_json(*i),
        Value::Float(f) => float_json(*f),
        Value::Complex { re, im } => json!({"re": float_json(*re), "im": float_json(*im)}),
        Value::Bool(b) => json!(b),
        Value::Str(s) => json!(s),
        Value::Enum { name: Some(n), .. } => json!(n),
        Value::Enum { name: None, value } => int_json(*value),
        Value::Compound(fields) => {
            let m: Map<String, Json> = fields
                .iter()
                .map(|(k, v)| (k.clone(), value_json(v)))
                .collect();
            Json::Object(m)
        }
        Value::List(items) => Json::Array(items.iter().map(value_json).collect()),
        Value::Ref(None) => Json::Null,
        Value::Ref(Some(t)) => {
            let mut m = Map::new();
            m.insert("ref".into(), json!(t.path));
            if let Some(f) = &t.file {
                m.insert("file".into(), json!(f));
            }
            if let Some(a) = &t.attribute {
                m.insert("attribute".into(), json!(a));
            }
            if let Some(r) = &t.region {
                m.insert("region".into(), region_json(r));
            }
            Json::Object(m)
        }
        Value::Bytes(b) => json!(bytes_to_hex(b)),
        Value::Invalid(reason) => json!({"invalid": reason}),
    }
}

/// An n-dimensional block as nested arrays (a scalar is the bare value).
pub fn values_json(values: &crate::model::Values) -> Json {
    fn nest(shape: &[usize], flat: &mut dyn Iterator<Item = &Value>) -> Json {
        match shape.split_first() {
            None => flat.next().map_or(Json::Null, value_json),
            Some((&n, rest)) => Json::Array((0..n).map(|_| nest(rest, flat)).collect()),
        }
    }
    let mut it = values.iter();
    nest(values.shape(), &mut it)
}

/// `[]` for scalar, `null` for a null dataspace, else the dims.
pub fn shape_json(s: &Shape) -> Json {
    match s {
        Shape::Null => Json::Null,
        Shape::Scalar => json!([]),
        Shape::Simple { dims, .. } => json!(dims),
    }
}

fn maxshape_json(s: &Shape) -> Json {
    match s {
        Shape::Null => Json::Null,
        Shape::Scalar => json!([]),
        Shape::Simple { max, .. } => json!(max),
    }
}

/// A link and whether it resolves.
pub fn link_json(l: &LinkStatus) -> Json {
    json!({
        "name": l.link.name,
        "type": l.link.link_type,
        "target": l.link.target,
        "file": l.link.file,
        "resolves": l.resolves,
    })
}

fn attr_json(a: &Attribute) -> Json {
    let mut m = Map::new();
    m.insert("name".into(), json!(a.name));
    m.insert("dtype".into(), dtype_json(&a.dtype));
    m.insert("shape".into(), shape_json(&a.shape));
    match &a.value {
        AttrValue::Loaded(v) => {
            m.insert("value".into(), values_json(v));
        }
        AttrValue::Skipped(why) => {
            m.insert("value".into(), Json::Null);
            m.insert("skipped".into(), json!(why));
        }
        AttrValue::Failed(why) => {
            m.insert("value".into(), Json::Null);
            m.insert("error".into(), json!(why));
        }
    }
    Json::Object(m)
}

fn dim_json(d: &Dim) -> Json {
    let scales: Vec<Json> = d
        .scales
        .iter()
        .map(|s| json!({"path": s.path, "name": s.name}))
        .collect();
    json!({"label": d.label, "scales": scales})
}

fn layout_json(info: &crate::model::DatasetInfo) -> Json {
    let mut m = Map::new();
    match &info.layout {
        Layout::Compact => {
            m.insert("type".into(), json!("compact"));
        }
        Layout::Contiguous { external } => {
            m.insert("type".into(), json!("contiguous"));
            if !external.is_empty() {
                m.insert("external".into(), json!(external));
            }
        }
        Layout::Chunked { chunks } => {
            m.insert("type".into(), json!("chunked"));
            m.insert("chunks".into(), json!(chunks));
        }
        Layout::Virtual { sources } => {
            m.insert("type".into(), json!("virtual"));
            m.insert("sources".into(), json!(sources));
        }
        Layout::Unknown => {
            m.insert("type".into(), json!("unknown"));
        }
    }
    if !m.contains_key("chunks") {
        m.insert("chunks".into(), Json::Null);
    }
    let filters: Vec<Json> = info
        .filters
        .iter()
        .map(|f| json!({"id": f.id, "name": f.name, "params": f.params, "available": f.available}))
        .collect();
    m.insert("filters".into(), Json::Array(filters));
    m.insert("storage_bytes".into(), json!(info.storage_bytes));
    m.insert(
        "compression_ratio".into(),
        info.compression_ratio().map_or(Json::Null, float_json),
    );
    m.insert(
        "fill_value".into(),
        info.fill_value.as_ref().map_or(Json::Null, value_json),
    );
    Json::Object(m)
}

/// The full `info` document for one object.
pub fn info_json(info: &ObjectInfo, children: Option<&[String]>) -> Json {
    let mut m = Map::new();
    m.insert("path".into(), json!(info.path));
    m.insert("kind".into(), json!(info.kind));
    m.insert(
        "link".into(),
        info.link.as_ref().map_or(Json::Null, link_json),
    );
    let dtype = info
        .dataset
        .as_ref()
        .map(|d| &d.dtype)
        .or(info.datatype.as_ref());
    m.insert("dtype".into(), dtype.map_or(Json::Null, dtype_json));
    if let Some(ds) = &info.dataset {
        m.insert("shape".into(), shape_json(&ds.shape));
        m.insert("maxshape".into(), maxshape_json(&ds.shape));
        m.insert("layout".into(), layout_json(ds));
        m.insert("is_scale".into(), json!(info.is_scale));
    }
    m.insert(
        "attrs".into(),
        Json::Array(info.attrs.iter().map(attr_json).collect()),
    );
    m.insert(
        "dims".into(),
        Json::Array(info.dims.iter().map(dim_json).collect()),
    );
    if let Some(c) = children {
        m.insert("children".into(), json!(c));
        m.insert("child_count".into(), json!(info.child_count));
    }
    Json::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RefTarget;

    #[test]
    fn values_follow_the_contract() {
        assert_eq!(
            value_json(&Value::UInt(u64::MAX)).to_string(),
            "18446744073709551615"
        );
        assert_eq!(value_json(&Value::Float(f64::NAN)), json!("NaN"));
        assert_eq!(
            value_json(&Value::Float(f64::NEG_INFINITY)),
            json!("-Infinity")
        );
        assert_eq!(
            value_json(&Value::Complex { re: 1.0, im: -2.0 }),
            json!({"re": 1.0, "im": -2.0})
        );
        assert_eq!(
            value_json(&Value::Enum {
                name: Some("RED".into()),
                value: 0
            }),
            json!("RED")
        );
        let r = Value::Ref(Some(RefTarget {
            path: Some("/x".into()),
            file: None,
            region: None,
            attribute: None,
        }));
        assert_eq!(value_json(&r), json!({"ref": "/x"}));
        assert_eq!(value_json(&Value::Ref(None)), Json::Null);
        assert_eq!(value_json(&Value::Bytes(vec![1, 255])), json!("0x01ff"));
    }

    #[test]
    fn nested_arrays_follow_shape() {
        let v = ndarray::ArrayD::from_shape_vec(
            ndarray::IxDyn(&[2, 2]),
            vec![Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4)],
        )
        .unwrap();
        assert_eq!(values_json(&v), json!([[1, 2], [3, 4]]));
        let s = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[]), vec![Value::Int(7)]).unwrap();
        assert_eq!(values_json(&s), json!(7));
    }
}

//! Writes `assets/demo.h5`, the file hdfscope opens when started without arguments.
//!
//! Run `cargo run --example make_demo` after changing it, and commit the result. It shows
//! what the viewer can do: physical axes from dimension scales, images, stacks, RGB, tables,
//! many attribute types, NeXus, nested groups and links. Must stay small (< 5 MB) and
//! deterministic (no timestamps).
#![allow(unsafe_code)]

use std::f64::consts::PI;
use std::path::Path;

use hdf5::types::{FixedAscii, VarLenUnicode};
use hdf5::{DatasetBuilder, File, Group, H5Type, Location};
use ndarray::{Array1, Array2, Array3};

unsafe extern "C" {
    fn H5DSset_scale(dsid: i64, dimname: *const std::ffi::c_char) -> i32;
    fn H5DSattach_scale(did: i64, dsid: i64, idx: u32) -> i32;
    fn H5DSset_label(did: i64, idx: u32, label: *const std::ffi::c_char) -> i32;
    fn H5IMmake_image_8bit(
        loc: i64,
        name: *const std::ffi::c_char,
        width: u64,
        height: u64,
        buffer: *const u8,
    ) -> i32;
    fn H5IMmake_image_24bit(
        loc: i64,
        name: *const std::ffi::c_char,
        width: u64,
        height: u64,
        interlace: *const std::ffi::c_char,
        buffer: *const u8,
    ) -> i32;
    fn H5IMmake_palette(
        loc: i64,
        name: *const std::ffi::c_char,
        dims: *const u64,
        buffer: *const u8,
    ) -> i32;
    fn H5IMlink_palette(
        loc: i64,
        image: *const std::ffi::c_char,
        palette: *const std::ffi::c_char,
    ) -> i32;
}

fn cstr(s: &str) -> hdf5::Result<std::ffi::CString> {
    std::ffi::CString::new(s).map_err(|e| hdf5::Error::Internal(e.to_string()))
}

/// HDF5 IMAGE-spec images written by libhdf5's own H5IM API: an indexed image with its
/// palette, and a truecolor image stored plane by plane.
fn spec_images(g: &Group) -> hdf5::Result<()> {
    let (h, w) = (48u64, 64u64);
    let indexed: Vec<u8> = (0..h * w)
        .map(|k| ((k / w + k % w) * 4 % 256) as u8)
        .collect();
    let palette: Vec<u8> = (0..256u32)
        .flat_map(|k| [k as u8, (255 - k) as u8, (k * 7 % 256) as u8])
        .collect();
    let planes: Vec<u8> = (0..3 * h * w)
        .map(|k| {
            let (c, j, i) = (k / (h * w), k / w % h, k % w);
            [(i * 4) as u8, (j * 5) as u8, 128][c as usize]
        })
        .collect();
    let (name, pal, rgb) = (cstr("indexed")?, cstr("palette")?, cstr("rgb_planes")?);
    let plane = cstr("INTERLACE_PLANE")?;
    let dims = [256u64, 3];
    // SAFETY: the group is open for writing; names are NUL-terminated; each buffer holds
    // exactly the elements its dimensions say.
    let rc = hdf5::sync::sync(|| unsafe {
        let a = H5IMmake_image_8bit(g.id(), name.as_ptr(), w, h, indexed.as_ptr());
        let b = H5IMmake_palette(g.id(), pal.as_ptr(), dims.as_ptr(), palette.as_ptr());
        let c = H5IMlink_palette(g.id(), name.as_ptr(), pal.as_ptr());
        let d = H5IMmake_image_24bit(g.id(), rgb.as_ptr(), w, h, plane.as_ptr(), planes.as_ptr());
        a.min(b).min(c).min(d)
    });
    if rc < 0 {
        return Err(hdf5::Error::Internal("writing IMAGE-spec images".into()));
    }
    Ok(())
}

/// Makes `scale` a dimension scale named `name` and attaches it to axis `axis` of `data`,
/// labelling the axis with the same name.
fn attach_scale(
    data: &hdf5::Dataset,
    scale: &hdf5::Dataset,
    name: &str,
    axis: u32,
) -> hdf5::Result<()> {
    let cname = std::ffi::CString::new(name).map_err(|e| hdf5::Error::Internal(e.to_string()))?;
    // SAFETY: both ids are open datasets in a file open for writing; `cname` is NUL-terminated.
    let rc = hdf5::sync::sync(|| unsafe {
        let a = H5DSset_scale(scale.id(), cname.as_ptr());
        let b = H5DSattach_scale(data.id(), scale.id(), axis);
        let c = H5DSset_label(data.id(), axis, cname.as_ptr());
        a.min(b).min(c)
    });
    if rc < 0 {
        return Err(hdf5::Error::Internal(format!("attaching scale {name}")));
    }
    Ok(())
}

/// Every object is created without timestamps so regenerating the demo is byte-identical.
fn group(parent: &Group, name: &str) -> hdf5::Result<Group> {
    parent
        .create_group_builder()
        .obj_track_times(false)
        .create(name)
}

fn dataset(parent: &Group) -> DatasetBuilder {
    parent.new_dataset_builder().obj_track_times(false)
}

fn str_attr(loc: &Location, name: &str, value: &str) -> hdf5::Result<()> {
    let v: VarLenUnicode = value
        .parse()
        .map_err(|e| hdf5::Error::Internal(format!("{e:?}")))?;
    loc.new_attr::<VarLenUnicode>()
        .create(name)?
        .write_scalar(&v)
}

fn fixed_attr(loc: &Location, name: &str, value: &str) -> hdf5::Result<()> {
    let v =
        FixedAscii::<32>::from_ascii(value).map_err(|e| hdf5::Error::Internal(format!("{e:?}")))?;
    loc.new_attr::<FixedAscii<32>>()
        .create(name)?
        .write_scalar(&v)
}

/// A deterministic pseudo-random sequence (so the demo is byte-stable).
fn noise(i: usize) -> f64 {
    let x = (i as u64)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    ((x >> 33) as f64 / f64::from(1u32 << 31)) - 0.5
}

fn waveforms(file: &File) -> hdf5::Result<()> {
    let g = group(file, "waveforms")?;
    str_attr(
        &g,
        "description",
        "A damped 50 Hz oscillation sampled at 10 kHz",
    )?;
    let n = 100_000;
    let dt = 1e-4;
    let time = Array1::from_shape_fn(n, |i| i as f64 * dt);
    let signal = Array1::from_shape_fn(n, |i| {
        let t = i as f64 * dt;
        (2.0 * PI * 50.0 * t).sin() * (-t / 4.0).exp() + 0.05 * noise(i)
    });
    let t = dataset(&g)
        .with_data(&time)
        .chunk(10_000)
        .deflate(4)
        .create("time")?;
    str_attr(&t, "units", "s")?;
    str_attr(&t, "long_name", "Time")?;
    let s = dataset(&g)
        .with_data(&signal.mapv(|v| v as f32))
        .chunk(10_000)
        .shuffle()
        .deflate(4)
        .create("signal")?;
    str_attr(&s, "units", "V")?;
    str_attr(&s, "long_name", "Probe voltage")?;
    attach_scale(&s, &t, "time", 0)
}

fn images(file: &File) -> hdf5::Result<()> {
    let g = group(file, "images")?;
    let (ny, nx) = (256, 384);
    let x = Array1::from_shape_fn(nx, |i| -19.2 + 0.1 * i as f64);
    let y = Array1::from_shape_fn(ny, |j| -12.8 + 0.1 * j as f64);
    let img = Array2::from_shape_fn((ny, nx), |(j, i)| {
        let (xv, yv) = (x[i], y[j]);
        let blob = |cx: f64, cy: f64, w: f64| {
            (-((xv - cx).powi(2) + (yv - cy).powi(2)) / (2.0 * w * w)).exp()
        };
        (1000.0 * blob(-6.0, 2.0, 3.0) + 600.0 * blob(8.0, -4.0, 1.5) + 20.0 * noise(j * nx + i))
            as f32
    });
    let d = dataset(&g)
        .with_data(&img)
        .chunk((64, 64))
        .deflate(4)
        .create("image")?;
    str_attr(&d, "units", "counts")?;
    let xs = dataset(&g).with_data(&x).create("x")?;
    str_attr(&xs, "units", "mm")?;
    let ys = dataset(&g).with_data(&y).create("y")?;
    str_attr(&ys, "units", "mm")?;
    attach_scale(&d, &ys, "y", 0)?;
    attach_scale(&d, &xs, "x", 1)?;

    let stack = Array3::from_shape_fn((16, 96, 96), |(k, j, i)| {
        let r = ((i as f64 - 48.0).powi(2) + (j as f64 - 48.0).powi(2)).sqrt();
        (1000.0 * (1.0 + (r / 4.0 - k as f64 * 0.4).cos())) as u16
    });
    let st = dataset(&g)
        .with_data(&stack)
        .chunk((1, 96, 96))
        .deflate(4)
        .create("stack")?;
    str_attr(&st, "description", "16 frames of an expanding ring")?;

    let rgb = Array3::from_shape_fn((128, 128, 3), |(j, i, c)| match c {
        0 => (i * 2) as u8,
        1 => (j * 2) as u8,
        _ => (255 - i.max(j) * 2) as u8,
    });
    let r = dataset(&g).with_data(&rgb).deflate(4).create("rgb")?;
    fixed_attr(&r, "CLASS", "IMAGE")?;
    fixed_attr(&r, "IMAGE_SUBCLASS", "IMAGE_TRUECOLOR")?;
    fixed_attr(&r, "INTERLACE_MODE", "INTERLACE_PIXEL")?;
    fixed_attr(&r, "IMAGE_VERSION", "1.2")?;
    spec_images(&g)
}

#[derive(H5Type, Clone, Copy)]
#[repr(C)]
struct Event {
    time: f64,
    channel: u16,
    energy: f32,
    label: FixedAscii<8>,
}

fn tables(file: &File) -> hdf5::Result<()> {
    let g = group(file, "tables")?;
    let labels = ["gamma", "beta", "alpha", "noise"];
    let events: Vec<Event> = (0..1000)
        .map(|i| Event {
            time: i as f64 * 0.01 + 0.001 * noise(i),
            channel: (i % 8) as u16,
            energy: (511.0 + 100.0 * noise(i + 7)) as f32,
            label: FixedAscii::from_ascii(labels[i % 4]).unwrap_or_default(),
        })
        .collect();
    dataset(&g).with_data(&events).deflate(4).create("events")?;
    // References as a column of links, and strings as scientists store them: notes, one
    // long line, and run metadata as JSON.
    let refs = ["/waveforms/signal", "/images/image", "/tables/events"]
        .map(|p| file.reference::<hdf5::ObjectReference1>(p));
    let refs: Vec<hdf5::ObjectReference1> = refs.into_iter().collect::<hdf5::Result<_>>()?;
    dataset(&g).with_data(&refs).create("refs")?;
    let notes = [
        "calibrated against the 511 keV line".to_owned(),
        r#"{"run": 42, "detector": {"name": "HPGe", "bias_V": -3000}, "tags": ["test", "demo"]}"#
            .to_owned(),
        format!(
            "a long note: {}",
            "the quick brown fox jumps over the lazy dog. ".repeat(8)
        ),
    ];
    let notes: Vec<VarLenUnicode> = notes
        .iter()
        .map(|n| n.parse().unwrap_or_default())
        .collect();
    dataset(&g).with_data(&notes).create("notes")?;
    Ok(())
}

#[derive(H5Type, Clone, Copy, PartialEq, Eq, Debug)]
#[allow(
    dead_code,
    reason = "the variants define the enum type stored in the file"
)]
#[repr(u8)]
enum Mode {
    Idle = 0,
    Acquire = 1,
    Calibrate = 2,
}

fn attributes(file: &File) -> hdf5::Result<()> {
    let g = group(file, "attributes")?;
    str_attr(&g, "string_utf8", "température °C, µm")?;
    fixed_attr(&g, "string_fixed", "fixed ascii")?;
    g.new_attr::<i8>().create("int8")?.write_scalar(&-128i8)?;
    g.new_attr::<u8>().create("uint8")?.write_scalar(&255u8)?;
    g.new_attr::<i16>()
        .create("int16")?
        .write_scalar(&-32768i16)?;
    g.new_attr::<u32>()
        .create("uint32")?
        .write_scalar(&u32::MAX)?;
    g.new_attr::<i64>()
        .create("int64")?
        .write_scalar(&i64::MIN)?;
    g.new_attr::<u64>()
        .create("uint64")?
        .write_scalar(&u64::MAX)?;
    g.new_attr::<f32>()
        .create("float32")?
        .write_scalar(&1.5f32)?;
    g.new_attr::<f64>().create("pi")?.write_scalar(&PI)?;
    g.new_attr_builder()
        .with_data(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0])
        .create("specials")?;
    g.new_attr_builder()
        .with_data(&[1i32, 2, 3, 4, 5, 6])
        .create("int_array")?;
    g.new_attr_builder()
        .with_data(&Array2::from_shape_fn((2, 3), |(i, j)| (i * 3 + j) as f64))
        .create("matrix")?;
    g.new_attr::<bool>().create("flag")?.write_scalar(&true)?;
    g.new_attr::<Mode>()
        .create("mode")?
        .write_scalar(&Mode::Acquire)?;
    g.new_attr::<num_complex::Complex64>()
        .create("complex")?
        .write_scalar(&num_complex::Complex64::new(1.0, -2.0))?;
    let words: Vec<VarLenUnicode> = ["alpha", "beta", "gamma"]
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    g.new_attr_builder()
        .with_data(&words)
        .create("string_list")?;
    Ok(())
}

fn nexus(file: &File) -> hdf5::Result<()> {
    str_attr(file, "default", "entry")?;
    let entry = group(file, "entry")?;
    str_attr(&entry, "NX_class", "NXentry")?;
    str_attr(&entry, "default", "data")?;
    str_attr(&entry, "title", "Demo spectrum")?;
    let data = group(&entry, "data")?;
    str_attr(&data, "NX_class", "NXdata")?;
    str_attr(&data, "signal", "counts")?;
    str_attr(&data, "axes", "energy")?;
    str_attr(&data, "auxiliary_signals", "fit")?;
    let n = 500;
    let energy = Array1::from_shape_fn(n, |i| 400.0 + 0.5 * i as f64);
    // A 511 keV peak on a flat background, with counting noise; the fit is the model.
    let fit = energy.mapv(|e| 50.0 + 900.0 * (-((e - 511.0) / 6.0).powi(2) / 2.0).exp());
    let counts = Array1::from_shape_fn(n, |i| (fit[i] + 10.0 * noise(i)).round() as i32);
    let c = dataset(&data).with_data(&counts).create("counts")?;
    str_attr(&c, "units", "counts")?;
    let errors = counts.mapv(|c| f64::from(c.max(0)).sqrt());
    dataset(&data).with_data(&errors).create("counts_errors")?;
    let f = dataset(&data).with_data(&fit).create("fit")?;
    str_attr(&f, "units", "counts")?;
    let e = dataset(&data).with_data(&energy).create("energy")?;
    str_attr(&e, "units", "keV")?;
    str_attr(&e, "long_name", "Photon energy")?;
    Ok(())
}

fn structure(file: &File) -> hdf5::Result<()> {
    let deep = group(&group(&group(file, "nested")?, "level1")?, "level2")?;
    dataset(&deep)
        .empty::<f64>()
        .create("answer")?
        .write_scalar(&42.0)?;
    let links = group(file, "links")?;
    links.link_soft("/waveforms/signal", "signal_alias")?;
    links.link_soft("/does/not/exist", "dangling")?;
    links.link_hard("/images/image", "image_hardlink")?;
    Ok(())
}

fn write_demo(path: &Path) -> hdf5::Result<()> {
    let file = File::with_options()
        .with_fcpl(|p| p.obj_track_times(false))
        .create(path)?;
    waveforms(&file)?;
    images(&file)?;
    tables(&file)?;
    attributes(&file)?;
    nexus(&file)?;
    structure(&file)
}

fn main() -> hdf5::Result<()> {
    // Read at run time: a prebuilt example may live in a target dir shared by other checkouts.
    let root = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || env!("CARGO_MANIFEST_DIR").into(),
        std::path::PathBuf::from,
    );
    let path = root.join("assets/demo.h5");
    let tmp = path.with_extension("h5.partial");
    write_demo(&tmp)?;
    std::fs::rename(&tmp, &path).map_err(|e| hdf5::Error::Internal(e.to_string()))?;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("wrote {} ({size} bytes)", path.display());
    Ok(())
}

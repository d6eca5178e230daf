//! The CLI contract (docs/cli.md) on the bundled demo file: JSON shapes, exit codes, and
//! one-line errors that name the file and the object.

mod common;

use serde_json::json;

#[test]
fn ls_lists_the_demo_with_aliases_and_links() {
    let rows = common::json(&["ls", &common::demo(), "--json"]);
    let rows = rows.as_array().unwrap();
    let find = |p: &str| {
        rows.iter()
            .find(|r| r["path"] == p)
            .unwrap_or_else(|| panic!("{p} listed"))
    };
    assert_eq!(find("/waveforms/signal")["shape"], json!([100_000]));
    assert_eq!(find("/waveforms/signal")["dtype"], json!("float32"));
    assert_eq!(
        find("/links/signal_alias")["link"]["target"],
        json!("/waveforms/signal")
    );
    assert_eq!(
        find("/links/image_hardlink")["alias_of"],
        json!("/images/image")
    );
    assert_eq!(find("/links/image_hardlink")["cycle"], json!(false));
    let shallow = common::json(&["ls", &common::demo(), "--json", "--depth", "1"]);
    assert!(
        shallow.as_array().unwrap().iter().all(|r| r["path"]
            .as_str()
            .unwrap()
            .matches('/')
            .count()
            == 1)
    );
}

#[test]
fn info_reports_scales_attributes_and_layout() {
    let doc = common::json(&[
        "info",
        &format!("{}::/images/image", common::demo()),
        "--json",
    ]);
    assert_eq!(doc["kind"], json!("dataset"));
    assert_eq!(doc["shape"], json!([256, 384]));
    assert_eq!(doc["layout"]["chunks"], json!([64, 64]));
    assert_eq!(doc["layout"]["filters"][0]["name"], json!("deflate"));
    assert_eq!(
        doc["dims"][1],
        json!({"label": "x", "scales": [{"path": "/images/x", "name": "x"}]})
    );
    let attrs = common::json(&[
        "info",
        &format!("{}::/attributes", common::demo()),
        "--json",
    ]);
    let value = |n: &str| {
        attrs["attrs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == n)
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(value("uint64").to_string(), "18446744073709551615");
    assert_eq!(
        value("specials"),
        json!(["NaN", "Infinity", "-Infinity", -0.0])
    );
    assert_eq!(value("mode"), json!("Acquire"));
    assert_eq!(value("flag"), json!(true));
    assert_eq!(value("complex"), json!({"re": 1.0, "im": -2.0}));
    assert_eq!(attrs["children"], json!([]));
}

#[test]
fn get_follows_numpy_slicing() {
    let t = format!("{}::/images/stack", common::demo());
    let one = common::json(&["get", &t, "--slice", "3,4,5", "--json"]);
    assert_eq!(one["shape"], json!([]), "integer indices drop axes");
    let row = common::json(&["get", &t, "--slice", "0,-1,::32", "--json"]);
    assert_eq!(row["shape"], json!([3]));
    let table = common::json(&[
        "get",
        &format!("{}::/tables/events", common::demo()),
        "--slice",
        "2",
        "--json",
    ]);
    assert_eq!(
        table["values"]["label"],
        json!("alpha"),
        "a compound row is one object"
    );
    assert_eq!(table["values"]["channel"], json!(2));
}

#[test]
fn failures_are_one_line_and_name_file_and_object() {
    let demo = common::demo();
    let missing = common::run(&["info", &format!("{demo}::/no/such/thing")]);
    assert_eq!(missing.code, Some(1));
    assert_eq!(missing.stderr.lines().count(), 1, "{}", missing.stderr);
    assert!(
        missing.stderr.contains(&demo) && missing.stderr.contains("/no/such/thing"),
        "{}",
        missing.stderr
    );

    let bad_slice = common::run(&[
        "get",
        &format!("{demo}::/waveforms/signal"),
        "--slice",
        "1:x",
    ]);
    assert_eq!(bad_slice.code, Some(1));
    assert!(
        bad_slice.stderr.contains("/waveforms/signal") && bad_slice.stderr.contains("1:x"),
        "{}",
        bad_slice.stderr
    );

    let too_big = common::run(&["get", &format!("{demo}::/waveforms/time")]);
    assert_eq!(too_big.code, Some(0), "800 kB is under the cap");
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.h5");
    std::fs::write(&text, "plain text").unwrap();
    let not_h5 = common::run(&["ls", &text.to_string_lossy()]);
    assert_eq!(not_h5.code, Some(1));
    assert!(
        not_h5.stderr.contains("not an HDF5 file") && not_h5.stderr.contains("notes.h5"),
        "{}",
        not_h5.stderr
    );
    assert!(!not_h5.stderr.contains("panicked"));
}

#[test]
fn without_a_display_the_viewer_says_so_in_one_line() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hdfscope"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WAYLAND_SOCKET")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("hdfscope: cannot start the window:") && last.contains("DISPLAY"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn render_draws_the_viewers_plot_into_a_png() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("signal.png");
    let target = format!("{}::/waveforms/signal", common::demo());
    let out_arg = out.display().to_string();
    let r = common::run(&["render", &target, "--out", &out_arg, "--size", "800x500"]);
    if r.stderr.contains("cannot draw offscreen") {
        eprintln!("skipped: no GPU or software renderer here (install mesa-vulkan-drivers)");
        return;
    }
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let img = image::open(&out).unwrap().to_rgba8();
    assert_eq!(img.dimensions(), (800, 500));
    // The envelope of the waveform is drawn in the first line colour (Tableau 10 blue) over
    // much of the plot.
    let line = img
        .pixels()
        .filter(|p| p.0[..3] == [0x4e, 0x79, 0xa7])
        .count();
    assert!(line > 50_000, "{line} pixels of the line colour");
    // Only the PNG is left in the folder (written through a temporary file).
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);

    // A group with nothing to plot is an error naming it; nothing is written.
    let none = dir.path().join("none.png");
    let group = format!("{}::/nested", common::demo());
    let r = common::run(&["render", &group, "--out", &none.display().to_string()]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("/nested: nothing to plot"),
        "{}",
        r.stderr
    );
    assert!(!none.exists());
}

#[test]
fn render_draws_as_the_viewer_looked_at_a_chosen_scale() {
    let dir = tempfile::tempdir().unwrap();
    let target = format!("{}::/images/image", common::demo());
    let draw = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let out_arg = out.display().to_string();
        let mut args = vec!["render", &target, "--out", &out_arg, "--size", "900x600"];
        args.extend_from_slice(extra);
        let r = common::run(&args);
        (r, out)
    };
    let (r, plain) = draw("plain.png", &[]);
    if r.stderr.contains("cannot draw offscreen") {
        eprintln!("skipped: no GPU or software renderer here (install mesa-vulkan-drivers)");
        return;
    }
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // Gray, zoomed onto the large peak (x -12..0 mm, y -4..8 mm), twice as large text.
    let look = r#"{"image": {"colormap": "Gray", "invert": false, "scale": "Linear",
        "contrast": "MinMax", "manual": [0, 1], "flip_x": false, "flip_y": false,
        "keep_aspect": true}, "plot": {"log_x": false, "log_y": false,
        "bounds": {"x": [-12, 0], "y": [-4, 8]}}}"#;
    let (r, looked) = draw("looked.png", &["--scale", "2", "--look", look]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let (plain, looked) = (
        image::open(&plain).unwrap().to_rgba8(),
        image::open(&looked).unwrap().to_rgba8(),
    );
    assert_eq!(looked.dimensions(), (900, 600));
    let coloured = |img: &image::RgbaImage| {
        img.pixels()
            .filter(|p| p.0[0].abs_diff(p.0[1]).max(p.0[1].abs_diff(p.0[2])) > 40)
            .count()
    };
    assert!(coloured(&plain) > 10_000, "viridis by default");
    assert!(coloured(&looked) < 500, "gray: {}", coloured(&looked));
    // Zoomed onto the peak: far more bright pixels than the whole image has.
    let bright = |img: &image::RgbaImage| img.pixels().filter(|p| p.0[0] > 200).count();
    assert!(
        bright(&looked) > 4 * bright(&plain).max(1),
        "{} vs {}",
        bright(&looked),
        bright(&plain)
    );
    let r = common::run(&["render", &target, "--out", "x.png", "--scale", "9"]);
    assert!(r.stderr.contains("scale 9"), "{}", r.stderr);
}

#[test]
fn render_draws_images_and_cuts_stacks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rgb.png");
    let out_arg = out.display().to_string();
    let target = format!("{}::/images/rgb", common::demo());
    let r = common::run(&["render", &target, "--out", &out_arg, "--size", "700x600"]);
    if r.stderr.contains("cannot draw offscreen") {
        eprintln!("skipped: no GPU or software renderer here (install mesa-vulkan-drivers)");
        return;
    }
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let img = image::open(&out).unwrap().to_rgba8();
    assert_eq!(img.dimensions(), (700, 600));
    // The truecolor corners (2i, 2j, 255 - 2 max(i, j)) drawn pixel for pixel.
    for corner in [[0, 0, 255], [254, 0, 1], [0, 254, 1], [254, 254, 1]] {
        let n = img.pixels().filter(|p| p.0[..3] == corner).count();
        assert!(n > 4, "{n} pixels of {corner:?}");
    }

    // A frame of the stack, and a line through it.
    let stack = format!("{}::/images/stack", common::demo());
    for (slice, view) in [("5,:,:", "image"), ("5,40,:", "plot")] {
        let r = common::run(&[
            "render", &stack, "--slice", slice, "--view", view, "--out", &out_arg,
        ]);
        assert_eq!(r.code, Some(0), "{slice}: {}", r.stderr);
    }
    // A cut that does not fit says so and writes nothing.
    let bad = dir.path().join("bad.png");
    let r = common::run(&[
        "render",
        &stack,
        "--slice",
        "99,:,:",
        "--out",
        &bad.display().to_string(),
    ]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("--slice") || r.stderr.contains("/images/stack"),
        "{}",
        r.stderr
    );
    assert!(!bad.exists());
}

#[test]
fn export_writes_csv_and_npy_that_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let demo = common::demo();
    // CSV of the compound table: a header of field names, values exact.
    let csv_path = dir.path().join("events.csv");
    let r = common::run(&[
        "export",
        &format!("{demo}::/tables/events"),
        "--out",
        csv_path.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let mut rows = csv::Reader::from_path(&csv_path).unwrap();
    assert_eq!(
        rows.headers().unwrap(),
        vec!["time", "channel", "energy", "label"]
    );
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1000);
    assert_eq!(&rows[0][2], "510.32123");
    assert_eq!(&rows[1][3], "beta");
    assert_eq!(&rows[999][1], "7");

    // NPY of a strided cut of the stack, in its own type, against the file read directly.
    let npy_path = dir.path().join("cut.npy");
    let r = common::run(&[
        "export",
        &format!("{demo}::/images/stack"),
        "--slice",
        "3,::2,-10:",
        "--out",
        npy_path.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let got: ndarray::Array2<u16> = ndarray_npy::read_npy(&npy_path).unwrap();
    let file = hdf5::File::open(&demo).unwrap();
    let want: ndarray::Array2<u16> = file
        .dataset("images/stack")
        .unwrap()
        .read_slice(ndarray::s![3, ..;2, 86..])
        .unwrap();
    assert_eq!(got, want);

    // A dataset with a dimension scale: its coordinates are the first column.
    let signal = dir.path().join("signal.csv");
    let r = common::run(&[
        "export",
        &format!("{demo}::/waveforms/signal"),
        "--slice",
        "1:3",
        "--out",
        signal.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let text = std::fs::read_to_string(&signal).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        ["time (s),value", "0.0001,0.027570432", "0.0002,0.07619786"]
    );

    // A compound as a structured NPY, checked by numpy when this machine has it.
    let structured = dir.path().join("events.npy");
    let r = common::run(&[
        "export",
        &format!("{demo}::/tables/events"),
        "--out",
        structured.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let check = "import numpy, sys; a = numpy.load(sys.argv[1]); \
                 assert a.dtype.names == ('time', 'channel', 'energy', 'label'), a.dtype; \
                 assert a.shape == (1000,); assert a['label'][1] == b'beta'; \
                 assert a['channel'][999] == 7; print(float(a['energy'][0]))";
    if let Some(out) = common::python_check("numpy", check, &structured) {
        assert_eq!(out, "510.32122802734375");
    }
}

#[test]
fn export_never_writes_onto_the_file_it_reads_and_refuses_unknown_formats() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("data.h5");
    std::fs::copy(common::demo(), &source).unwrap();
    // Another name for the same file (a hard link) is still the file being read.
    let alias = dir.path().join("data.csv");
    std::fs::hard_link(&source, &alias).unwrap();
    let before = std::fs::read(&source).unwrap();
    let r = common::run(&[
        "export",
        &format!("{}::/tables/events", source.display()),
        "--out",
        alias.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("open in the viewer"), "{}", r.stderr);
    assert_eq!(
        std::fs::read(&source).unwrap(),
        before,
        "the source is untouched"
    );
    let r = common::run(&[
        "export",
        &format!("{}::/tables/events", source.display()),
        "--out",
        dir.path().join("x.txt").to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains(".csv, .npy, or .h5"), "{}", r.stderr);
    // A selection of values is not an HDF5 copy, which holds whole objects.
    let r = common::run(&[
        "export",
        &format!("{}::/tables/events", source.display()),
        "--slice",
        "1:5",
        "--out",
        dir.path().join("x.h5").to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("whole objects"), "{}", r.stderr);
    assert!(!dir.path().join("x.h5").exists());
}

#[test]
fn export_copies_objects_with_their_scales_and_nexus_groups_into_a_new_hdf5_file() {
    let dir = tempfile::tempdir().unwrap();
    let demo = common::demo();
    let dest = dir.path().join("subset.h5");
    let r = common::run(&[
        "export",
        &format!("{demo}::/entry/data/counts"),
        "--with",
        "/waveforms/signal",
        "--out",
        dest.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains("1 dimension scales attached"),
        "{}",
        r.stdout
    );
    let listing = common::json(&["ls", "--json", dest.to_str().unwrap()]);
    let paths: Vec<&str> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "/entry",
            "/entry/data",
            "/entry/data/counts",
            "/entry/data/counts_errors",
            "/entry/data/energy",
            "/waveforms",
            "/waveforms/signal",
            "/waveforms/time"
        ]
    );
    let got = common::json(&[
        "get",
        &format!("{}::/entry/data/counts", dest.display()),
        "--slice",
        "0:3",
        "--json",
    ]);
    let want = common::json(&[
        "get",
        &format!("{demo}::/entry/data/counts"),
        "--slice",
        "0:3",
        "--json",
    ]);
    assert_eq!(got, want);

    // h5py sees the scale attached and the NeXus attributes, when this machine has it.
    let check = "import h5py, sys; f = h5py.File(sys.argv[1], 'r'); \
                 s = f['waveforms/signal'].dims[0][0]; \
                 print(s.name, f['entry'].attrs['NX_class'], f['entry/data'].attrs['signal'])";
    if let Some(out) = common::python_check("h5py", check, &dest) {
        assert_eq!(out, "/waveforms/time NXentry counts");
    }
}

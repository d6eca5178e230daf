//! UI tests that drive the real app with egui_kittest: open files (command line and drop),
//! expand groups, select objects, read the inspector, follow references, search, and see
//! errors for bad files. Queries go through the accessibility tree, by label.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use hdfscope::app::{FileState, HdfscopeApp, OpenRequest};
use hdfscope::loader::{LoaderConfig, WorkerKind};

fn demo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo.h5")
}

fn harness(open: Vec<OpenRequest>) -> Harness<'static, HdfscopeApp> {
    let mut h = Harness::builder()
        .with_size([1280.0, 800.0])
        .with_max_steps(32)
        .build_eframe(move |cc| {
            // The real reader processes: the hdfscope binary in worker mode.
            let workers = WorkerKind::Process(env!("CARGO_BIN_EXE_hdfscope").into());
            HdfscopeApp::new(cc, open, LoaderConfig::new(workers)).expect("the loader starts")
        });
    settle(&mut h);
    h
}

/// Runs frames until the loader has answered everything and the UI is still.
fn settle(h: &mut Harness<'_, HdfscopeApp>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        h.step();
        // Still means no repaint pending; a page that scrolls into view may ask for more
        // data while running, so that is not still yet: go round again.
        if h.state().is_idle() && h.try_run().is_ok() && h.state().is_idle() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the loader did not answer in time"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn selected(h: &Harness<'_, HdfscopeApp>) -> String {
    h.state()
        .selection()
        .map(|s| s.path.clone())
        .unwrap_or_default()
}

#[test]
fn cli_target_opens_selects_and_shows_attributes() {
    let mut h = harness(vec![OpenRequest::from_arg(PathBuf::from(format!(
        "{}::/waveforms/signal",
        demo().display()
    )))]);
    assert_eq!(selected(&h), "/waveforms/signal");
    // The tree revealed it; the inspector shows its attributes and metadata by label.
    h.get_by_label("signal");
    h.get_by_label("units = \"V\"");
    h.get_by_label("long_name = \"Probe voltage\"");
    h.get_by_label("chunked [10000]");

    // Expand a collapsed group and select a dataset in it.
    h.get_by_label("expand images").click();
    settle(&mut h);
    h.get_by_label("image").click();
    settle(&mut h);
    assert_eq!(selected(&h), "/images/image");
    assert_eq!(
        h.query_all_by_label("256 x 384").count(),
        2,
        "shape and max shape"
    );
}

#[test]
fn references_in_attributes_navigate_to_their_target() {
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/waveforms/signal".to_owned()),
    }]);
    h.get_by_label("➡ /waveforms/time").click();
    settle(&mut h);
    assert_eq!(selected(&h), "/waveforms/time");
    h.get_by_label("CLASS = \"DIMENSION_SCALE\"");
}

#[test]
fn search_finds_a_deep_path_and_jumps_to_it() {
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: None,
    }]);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    h.run();
    h.get_by_label("Find").type_text("answer");
    settle(&mut h);
    h.get_by_label("/nested/level1/level2/answer").click();
    settle(&mut h);
    assert_eq!(selected(&h), "/nested/level1/level2/answer");
    // Back in the tree, every ancestor was expanded to show it.
    h.get_by_label("answer");
    h.get_by_label("collapse level2");
}

#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn write_small(path: &Path) {
    let f = hdf5::File::create(path).unwrap();
    f.create_group("dropped_group").unwrap();
}

#[test]
fn dropped_files_open_and_bad_files_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("small.h5");
    write_small(&good);
    let bad = dir.path().join("notes.h5");
    std::fs::write(&bad, "plain text, not HDF5\n").unwrap();

    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: None,
    }]);
    // Hover shows the overlay (run_steps: hovering keeps repainting), then drop both files.
    h.input_mut().hovered_files.push(egui::HoveredFile {
        path: Some(good.clone()),
        mime: String::new(),
    });
    h.run_steps(2);
    h.get_by_label_contains("Drop to open");
    h.input_mut().hovered_files.clear();
    h.input_mut()
        .dropped_files
        .push(Arc::new(Dropped(good.clone())));
    h.input_mut()
        .dropped_files
        .push(Arc::new(Dropped(bad.clone())));
    settle(&mut h);

    let files = h.state().files();
    assert_eq!(files.len(), 3, "the demo and both dropped files");
    assert_eq!(files[1].state, FileState::Ready);
    h.get_by_label("small.h5");
    h.get_by_label("dropped_group");
    let FileState::Failed(e) = &files[2].state else {
        panic!("{:?}", files[2].state)
    };
    assert!(
        e.contains("notes.h5") && e.contains("not an HDF5 file"),
        "{e}"
    );
    assert!(
        h.query_all_by_label_contains("not an HDF5 file").count() >= 2,
        "shown in the tree and in the status bar"
    );
    // The other files are unaffected.
    h.get_by_label("waveforms").click();
    settle(&mut h);
    assert_eq!(selected(&h), "/waveforms");
}

#[test]
fn large_groups_page_in_without_listing_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.h5");
    {
        let f = hdf5::File::create(&path).unwrap();
        let g = f.create_group("wide").unwrap();
        for i in 0..2500 {
            g.create_group(&format!("m{i:05}")).unwrap();
        }
    }
    let mut h = harness(vec![OpenRequest {
        path: path.clone(),
        select: None,
    }]);
    h.get_by_label("expand wide").click();
    settle(&mut h);
    let f = &h.state().files()[0];
    let listed = f.listings.get("/wide").map_or(0, |l| l.children.len());
    assert_eq!(listed, hdfscope::loader::PAGE, "one page, not all 2500");
    h.get_by_label("m00000");
    assert!(h.query_by_label("m02499").is_none());
    assert!(
        h.query_by_label("m00900").is_none(),
        "rows out of view are not laid out"
    );

    // Opening at a deep member scrolls the tree to it.
    let mut h = harness(vec![OpenRequest {
        path,
        select: Some("/wide/m00900".to_owned()),
    }]);
    settle(&mut h);
    h.get_by_label("m00900");
    assert!(
        h.query_by_label("m00000").is_none(),
        "scrolled away from the top"
    );
}

/// `hdfscope FILE…` while a window runs: the files travel over the single-instance socket
/// into the window, which opens them and shows the last one although a plot was in view.
#[cfg(unix)]
#[test]
fn a_second_launch_opens_its_files_in_the_running_window() {
    use hdfscope::app::single_instance::{Endpoint, serve};
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.h5");
    write_small(&small);
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/waveforms/signal".to_owned()),
    }]);
    let endpoint = Endpoint::in_dir(dir.path());
    serve(endpoint.listen().unwrap(), h.state().outside().clone()).unwrap();

    let second_launch = [
        OpenRequest::from_arg(format!("{}::/images/image", demo().display()).into()),
        OpenRequest {
            path: small.clone(),
            select: None,
        },
    ];
    assert_eq!(endpoint.forward(&second_launch).unwrap(), 2);
    settle(&mut h);
    let files = h.state().files();
    assert_eq!(files.len(), 2, "the demo once, and the new file");
    assert_eq!(files[1].path, small);
    assert_eq!(files[1].state, FileState::Ready);
    let sel = h.state().selection().unwrap();
    assert_eq!((sel.file, sel.path.as_str()), (files[1].id, "/"));
    h.get_by_label("dropped_group");
}

#[test]
fn reload_keeps_the_selection_and_close_removes_the_file() {
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/images/stack".to_owned()),
    }]);
    let first_id = h.state().files()[0].id;
    h.key_press(egui::Key::F5);
    settle(&mut h);
    assert_ne!(h.state().files()[0].id, first_id, "reopened");
    assert_eq!(selected(&h), "/images/stack");
    h.get_by_label("stack");
    h.get_by_label("collapse images");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::W);
    settle(&mut h);
    assert!(h.state().files().is_empty());
    assert!(h.state().selection().is_none());
}

/// Runs frames until `label` shows (the app checks files on disk every 2 s), at most 20 s.
fn step_until_shown(h: &mut Harness<'_, HdfscopeApp>, label: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while h.query_by_label(label).is_none() {
        assert!(Instant::now() < deadline, "{label:?} never showed");
        std::thread::sleep(Duration::from_millis(50));
        h.step();
    }
}

#[test]
fn a_file_changed_on_disk_offers_a_reload() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("growing.h5");
    std::fs::copy(demo(), &path).unwrap();
    let mut h = harness(vec![OpenRequest {
        path: path.clone(),
        select: None,
    }]);
    // Another program writes to it.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    step_until_shown(&mut h, "growing.h5 changed on disk.");
    h.get_by_label("Reload").click();
    settle(&mut h);
    assert!(h.query_by_label("growing.h5 changed on disk.").is_none());
    assert_eq!(h.state().files()[0].state, FileState::Ready);

    // Deleted while open: said so, and what was read stays browsable.
    std::fs::remove_file(&path).unwrap();
    step_until_shown(
        &mut h,
        "growing.h5 was deleted or moved on disk; what is shown was read before.",
    );
    h.get_by_label("waveforms").click();
    settle(&mut h);
    assert_eq!(selected(&h), "/waveforms");
    // A reload now fails with a message naming the file.
    h.get_by_label("Reload").click();
    settle(&mut h);
    let FileState::Failed(e) = &h.state().files()[0].state else {
        panic!("{:?}", h.state().files()[0].state)
    };
    assert!(
        e.contains("growing.h5") && e.contains("no such file"),
        "{e}"
    );
}

#[test]
fn copy_puts_the_selected_path_on_the_clipboard() {
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/tables/events".to_owned()),
    }]);
    // egui-winit turns Ctrl+C into a Copy event, not a key press.
    h.event(egui::Event::Copy);
    h.step();
    let copied: Vec<&egui::OutputCommand> = h
        .output()
        .platform_output
        .commands
        .iter()
        .filter(|c| matches!(c, egui::OutputCommand::CopyText(_)))
        .collect();
    assert_eq!(
        copied,
        [&egui::OutputCommand::CopyText("/tables/events".to_owned())]
    );
}

#[test]
fn a_selected_waveform_is_plotted_with_its_statistics() {
    let h = harness(vec![OpenRequest::from_arg(PathBuf::from(format!(
        "{}::/waveforms/signal",
        demo().display()
    )))]);
    // Computed by the reader workers from all 100000 samples.
    h.get_by_label("100000 samples · min -1.012427 · max 1.022445 · mean 0.000295");
    // The x axis is the attached dimension scale: its NAME and units, its values as range.
    h.get_by_label("x: Time (s) from 0 to 9.9999 (/waveforms/time)");
}

/// A file whose 1-D dataset `/ext` keeps its values in `ext.raw` beside it (not created).
fn write_external(dir: &Path) -> PathBuf {
    let path = dir.join("external.h5");
    let f = hdf5::File::create(&path).unwrap();
    f.new_dataset::<f64>()
        .shape(1000)
        .external("ext.raw", 0, 8000)
        .create("ext")
        .unwrap();
    path
}

/// Runs frames for about `ms` milliseconds (for views that wait on purpose).
fn run_for(h: &mut Harness<'_, HdfscopeApp>, ms: u64) {
    let end = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < end {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn other_files_are_read_only_when_allowed_and_errors_offer_retry() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_external(dir.path());
    let mut h = harness(vec![OpenRequest {
        path,
        select: Some("/ext".into()),
    }]);
    h.get_by_label_contains("its values are stored in other files (ext.raw)");
    h.get_by_label("Retry");
    h.get_by_label("Read the other files").click();
    settle(&mut h);
    // Allowed now, the read fails because ext.raw does not exist; the error names the file
    // and object, and Retry stays.
    h.get_by_label_contains("external.h5: /ext:");
    assert!(
        h.query_by_label_contains("only when you allow").is_none(),
        "the refusal is gone"
    );
    assert!(h.query_by_label("Read the other files").is_none());
    // Once the external file exists beside it (names are relative to the file's folder),
    // Retry reads it.
    let values: Vec<u8> = (0..1000).flat_map(|i| f64::from(i).to_le_bytes()).collect();
    std::fs::write(dir.path().join("ext.raw"), values).unwrap();
    h.get_by_label("Retry").click();
    settle(&mut h);
    h.get_by_label("1000 samples · min 0 · max 999 · mean 499.5");
}

#[cfg(unix)]
#[test]
fn a_read_stuck_in_the_reader_shows_progress_and_cancels() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_external(dir.path());
    // A FIFO with no writer: opening it blocks the reader forever.
    let ok = std::process::Command::new("mkfifo")
        .arg(dir.path().join("ext.raw"))
        .status()
        .unwrap();
    assert!(ok.success());
    let mut h = harness(vec![OpenRequest {
        path,
        select: Some("/ext".into()),
    }]);
    h.get_by_label("Read the other files").click();
    run_for(&mut h, 400);
    h.get_by_label("Cancel").click();
    run_for(&mut h, 100);
    h.get_by_label("Loading cancelled.");
    h.get_by_label("Retry");
    // The stuck worker is killed after the grace time; the file stays usable.
    h.get_by_label("ext").click();
    settle(&mut h);
    assert_eq!(selected(&h), "/ext");
}

#[allow(unsafe_code)]
mod scales {
    unsafe extern "C" {
        fn H5DSset_scale(dsid: i64, dimname: *const std::ffi::c_char) -> i32;
        fn H5DSattach_scale(did: i64, dsid: i64, idx: u32) -> i32;
    }

    /// Makes `scale` a dimension scale named `name` and attaches it to axis 0 of `data`.
    pub fn attach(data: &hdf5::Dataset, scale: &hdf5::Dataset, name: &str) {
        let cname = std::ffi::CString::new(name).unwrap();
        // SAFETY: both are open datasets of one file; the name is NUL-terminated.
        let rc = hdf5::sync::sync(|| unsafe {
            H5DSset_scale(scale.id(), cname.as_ptr()).min(H5DSattach_scale(
                data.id(),
                scale.id(),
                0,
            ))
        });
        assert!(rc >= 0, "attaching {name}");
    }
}

/// Datasets whose x scales run backwards, wiggle, or are too short.
fn write_scaled(dir: &Path) -> PathBuf {
    let path = dir.join("scaled.h5");
    let f = hdf5::File::create(&path).unwrap();
    let ramp: Vec<f64> = (0..1000).map(f64::from).collect();
    let make = |name: &str, values: &[f64]| {
        let d = f
            .new_dataset::<f64>()
            .shape(values.len())
            .create(name)
            .unwrap();
        d.write(values).unwrap();
        d
    };
    let depth: Vec<f64> = (0..1000).map(|i| 100.0 - f64::from(i) * 0.1).collect();
    let wiggle: Vec<f64> = (0..1000).map(|i| (f64::from(i) * 0.1).sin()).collect();
    let (down, d) = (make("down", &ramp), make("depth", &depth));
    d.new_attr::<hdf5::types::VarLenUnicode>()
        .create("units")
        .unwrap()
        .write_scalar(&"m".parse::<hdf5::types::VarLenUnicode>().unwrap())
        .unwrap();
    scales::attach(&down, &d, "depth");
    scales::attach(&make("wavy", &ramp), &make("wiggle", &wiggle), "wiggle");
    scales::attach(&make("long", &ramp), &make("short", &ramp[..500]), "short");
    path
}

#[test]
fn scales_that_run_backwards_are_used_and_unusable_ones_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scaled(dir.path());
    let mut h = harness(vec![OpenRequest {
        path,
        select: Some("/down".into()),
    }]);
    h.get_by_label("x: depth (m) from 100 to 0.1 (/depth)");
    h.get_by_label("wavy").click();
    settle(&mut h);
    h.get_by_label("x axis /wiggle not used: its values are neither increasing nor decreasing");
    h.get_by_label("1000 samples · min 0 · max 999 · mean 499.5");
    h.get_by_label("long").click();
    settle(&mut h);
    h.get_by_label("x axis /short: not used: it has 500 values for 1000 samples");
}

/// A NeXus file: `/` and `/entry` name their defaults; `/entry/data` is an NXdata with
/// `signal` and `axes`; `/old/counts` uses the older `axes` attribute on the dataset.
fn write_nexus(dir: &Path) -> PathBuf {
    use hdf5::types::VarLenUnicode;
    let path = dir.join("scan.nxs");
    let f = hdf5::File::create(&path).unwrap();
    let text = |obj: &hdf5::Location, name: &str, value: &str| {
        obj.new_attr::<VarLenUnicode>()
            .create(name)
            .unwrap()
            .write_scalar(&value.parse::<VarLenUnicode>().unwrap())
            .unwrap();
    };
    let series = |g: &hdf5::Group, name: &str, values: Vec<f64>| {
        let d = g
            .new_dataset::<f64>()
            .shape(values.len())
            .create(name)
            .unwrap();
        d.write(&values).unwrap();
        d
    };
    text(&f, "default", "entry");
    let entry = f.create_group("entry").unwrap();
    text(&entry, "NX_class", "NXentry");
    text(&entry, "default", "data");
    let data = entry.create_group("data").unwrap();
    text(&data, "NX_class", "NXdata");
    text(&data, "signal", "y");
    text(&data, "axes", "x");
    text(&data, "auxiliary_signals", "monitor");
    series(&data, "y", (0..50).map(|i| f64::from(i * i)).collect());
    series(&data, "monitor", vec![7.0; 50]);
    series(&data, "y_errors", (0..50).map(f64::from).collect());
    let x = series(
        &data,
        "x",
        (0..50).map(|i| 10.0 + f64::from(i) * 0.5).collect(),
    );
    text(&x, "units", "mm");
    let old = f.create_group("old").unwrap();
    let counts = series(&old, "counts", (0..50).map(f64::from).collect());
    text(&counts, "axes", "angle");
    let angle = series(&old, "angle", (0..50).map(|i| f64::from(i) * 2.0).collect());
    text(&angle, "units", "deg");
    path
}

#[test]
fn nexus_files_show_their_default_plot_against_their_axes() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_nexus(dir.path());
    // Selecting the file's root follows `default` to the NXdata and plots its signal.
    let mut h = harness(vec![OpenRequest {
        path,
        select: Some("/".into()),
    }]);
    h.get_by_label("Plot of /entry/data/y");
    h.get_by_label("x: x (mm) from 10 to 34.5 (/entry/data/x)");
    // The signal and its auxiliary signal, each a line with its own statistics.
    h.get_by_label("/entry/data/y: 50 samples · min 0 · max 2401 · mean 808.5");
    h.get_by_label("/entry/data/monitor: 50 samples · min 7 · max 7 · mean 7");
    h.get_by_label("± errors from /entry/data/y_errors");
    // The older style: `axes` on the dataset names its x.
    h.get_by_label("expand old").click();
    settle(&mut h);
    h.get_by_label("counts").click();
    settle(&mut h);
    h.get_by_label("x: angle (deg) from 0 to 98 (/old/angle)");
}

#[test]
fn cf_fill_values_are_masked_and_packed_values_unpacked() {
    use hdf5::types::VarLenUnicode;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cf.nc");
    let f = hdf5::File::create(&path).unwrap();
    let packed: [i16; 10] = [0, 100, -999, 200, 300, -999, 400, 500, 600, 700];
    let d = f.new_dataset::<i16>().shape(10).create("temp").unwrap();
    d.write(&packed).unwrap();
    d.new_attr::<i16>()
        .create("_FillValue")
        .unwrap()
        .write_scalar(&-999)
        .unwrap();
    d.new_attr::<f32>()
        .create("scale_factor")
        .unwrap()
        .write_scalar(&0.01)
        .unwrap();
    d.new_attr::<f64>()
        .create("add_offset")
        .unwrap()
        .write_scalar(&273.15)
        .unwrap();
    d.new_attr::<VarLenUnicode>()
        .create("units")
        .unwrap()
        .write_scalar(&"K".parse::<VarLenUnicode>().unwrap())
        .unwrap();
    drop((d, f));
    let h = harness(vec![OpenRequest {
        path,
        select: Some("/temp".into()),
    }]);
    // The two fill values are missing, not -999 * 0.01 + 273.15; the rest are kelvin.
    h.get_by_label("10 samples · min 273.15 · max 280.15 · mean 276.65 · 2 missing");
}

#[test]
fn a_dimension_mapper_picks_lines_through_n_d_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grid.h5");
    let f = hdf5::File::create(&path).unwrap();
    // Row r holds r * 1000 + column.
    let grid = ndarray::Array2::from_shape_fn((3, 100), |(r, c)| (r * 1000 + c) as f64);
    f.new_dataset_builder()
        .with_data(&grid)
        .create("grid")
        .unwrap();
    drop(f);
    let mut h = harness(vec![OpenRequest {
        path,
        select: Some("/grid".into()),
    }]);
    // A row at a time by default: row 0.
    h.get_by_label("100 samples · min 0 · max 99 · mean 49.5");
    h.get_by_label("next index of axis 0").click();
    settle(&mut h);
    h.get_by_label("next index of axis 0").click();
    settle(&mut h);
    h.get_by_label("100 samples · min 2000 · max 2099 · mean 2049.5");
    // Columns instead: x along axis 0, at column 0.
    h.get_by_label("x").click();
    settle(&mut h);
    h.get_by_label("along axis 0 (3)").click();
    settle(&mut h);
    h.get_by_label("3 samples · min 0 · max 2000 · mean 1000");
}

#[test]
fn cf_time_coordinates_read_as_dates() {
    use hdf5::types::VarLenUnicode;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("daily.nc");
    let f = hdf5::File::create(&path).unwrap();
    let days: Vec<f64> = (0..30).map(|i| f64::from(i) * 86_400.0).collect();
    let time = f.new_dataset::<f64>().shape(30).create("time").unwrap();
    time.write(&days).unwrap();
    time.new_attr::<VarLenUnicode>()
        .create("units")
        .unwrap()
        .write_scalar(
            &"seconds since 2020-01-01 00:00:00"
                .parse::<VarLenUnicode>()
                .unwrap(),
        )
        .unwrap();
    let temp = f.new_dataset::<f32>().shape(30).create("temp").unwrap();
    temp.write(&[1.5f32; 30]).unwrap();
    scales::attach(&temp, &time, "time");
    drop((time, temp, f));
    let h = harness(vec![OpenRequest {
        path,
        select: Some("/temp".into()),
    }]);
    h.get_by_label(
        "x: time (seconds since 2020-01-01 00:00:00) from 2020-01-01 to 2020-01-30 (/time)",
    );
}

#[test]
fn plot_controls_reset_and_switch_axes_to_log() {
    let mut h = harness(vec![OpenRequest::from_arg(PathBuf::from(format!(
        "{}::/waveforms/signal",
        demo().display()
    )))]);
    h.get_by_label("log y").click();
    settle(&mut h);
    h.get_by_label("Reset view").click();
    settle(&mut h);
    // The data is unchanged by how it is drawn.
    h.get_by_label("100000 samples · min -1.012427 · max 1.022445 · mean 0.000295");
}

#[test]
fn the_x_values_can_be_picked_or_taken_from_any_dataset() {
    let mut h = harness(vec![OpenRequest::from_arg(PathBuf::from(format!(
        "{}::/waveforms/signal",
        demo().display()
    )))]);
    h.get_by_label("x: Time (s) from 0 to 9.9999 (/waveforms/time)");
    // Back to the sample index through the picker.
    h.get_by_label("x values").click();
    settle(&mut h);
    h.get_by_label("sample index").click();
    settle(&mut h);
    assert!(
        h.query_by_label_contains("x: Time").is_none(),
        "no time axis any more"
    );
    // Any 1-D dataset of the same length can be the x, from the tree's context menu.
    // The tree row (the inspector also shows a "time" label).
    h.get_by_role_and_label(egui::accesskit::Role::Button, "time")
        .click_secondary();
    settle(&mut h);
    h.get_by_label("Use as x of the plot").click();
    settle(&mut h);
    h.get_by_label("x: Time (s) from 0 to 9.9999 (/waveforms/time)");
}

#[derive(hdf5::H5Type, Clone, Copy)]
#[repr(C)]
struct Pair {
    a: i32,
    b: f64,
}

#[test]
fn compound_fields_and_complex_parts_are_plotted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kinds.h5");
    let f = hdf5::File::create(&path).unwrap();
    let pairs: Vec<Pair> = (0..100)
        .map(|i| Pair {
            a: i,
            b: f64::from(i) * 0.5,
        })
        .collect();
    f.new_dataset_builder()
        .with_data(&pairs)
        .create("pairs")
        .unwrap();
    let z = [
        num_complex::Complex64::new(3.0, 4.0),
        num_complex::Complex64::new(0.0, 1.0),
        num_complex::Complex64::new(-1.0, 0.0),
        num_complex::Complex64::new(6.0, 8.0),
    ];
    f.new_dataset_builder().with_data(&z).create("z").unwrap();
    drop(f);
    let mut h = harness(vec![OpenRequest {
        path,
        select: Some("/pairs".into()),
    }]);
    // Compounds open as tables; their plot is a tab away.
    h.get_by_label("Plot").click();
    settle(&mut h);
    // The first numeric field, then another one picked.
    h.get_by_label("100 samples · min 0 · max 99 · mean 49.5");
    h.get_by_label("values").click();
    settle(&mut h);
    h.get_by_label("b").click();
    settle(&mut h);
    h.get_by_label("100 samples · min 0 · max 49.5 · mean 24.75");
    // Every field at once, each a line of its own (integers in full).
    h.get_by_label("values").click();
    settle(&mut h);
    h.get_by_label("all of them").click();
    settle(&mut h);
    h.get_by_label("/pairs a: 100 samples · min 0 · max 99 · mean 49.5");
    h.get_by_label("/pairs b: 100 samples · min 0 · max 49.5 · mean 24.75");
    // Complex numbers: amplitude by default, then the phase.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "z")
        .click();
    settle(&mut h);
    h.get_by_label("4 samples · min 1 · max 10 · mean 4.25");
    h.get_by_label("values").click();
    settle(&mut h);
    h.get_by_label("phase").click();
    settle(&mut h);
    h.get_by_label("4 samples · min 0.927295 · max 3.141593 · mean 1.641745");
}

#[derive(hdf5::H5Type, Clone, Copy, PartialEq, Debug)]
#[repr(u8)]
#[allow(dead_code, reason = "variants define the stored enum")]
enum Mode {
    Idle = 0,
    Run = 2,
    Fault = 7,
}

#[test]
fn enums_and_bools_plot_by_their_stored_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("states.h5");
    let f = hdf5::File::create(&path).unwrap();
    let modes = [Mode::Idle, Mode::Run, Mode::Run, Mode::Fault];
    f.new_dataset_builder()
        .with_data(&modes)
        .create("mode")
        .unwrap();
    let flags = [true, false, true, true];
    f.new_dataset_builder()
        .with_data(&flags)
        .create("flag")
        .unwrap();
    drop(f);
    let mut h = harness(vec![OpenRequest {
        path,
        select: Some("/mode".into()),
    }]);
    h.get_by_label("4 samples · min 0 · max 7 · mean 2.75");
    h.get_by_role_and_label(egui::accesskit::Role::Button, "flag")
        .click();
    settle(&mut h);
    h.get_by_label("4 samples · min 0 · max 1 · mean 0.75");
}

#[test]
fn two_d_data_is_drawn_as_a_line_per_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grid.h5");
    let f = hdf5::File::create(&path).unwrap();
    let rows: Vec<f64> = (0..3 * 100).map(f64::from).collect();
    let grid = ndarray::Array2::from_shape_vec((3, 100), rows).unwrap();
    f.new_dataset_builder()
        .with_data(&grid)
        .create("grid")
        .unwrap();
    drop(f);
    let mut h = harness(vec![OpenRequest {
        path,
        select: Some("/grid".into()),
    }]);
    // One row at first.
    h.get_by_label("100 samples · min 0 · max 99 · mean 49.5");
    h.get_by_label("lines").click();
    settle(&mut h);
    h.get_by_label("a line per index of axis 0").click();
    settle(&mut h);
    for r in 0..3 {
        let (min, max, mean) = (r * 100, r * 100 + 99, f64::from(r * 100) + 49.5);
        h.get_by_label(&format!(
            "/grid[{r}, :]: 100 samples · min {min} · max {max} · mean {mean}"
        ));
    }
    // Another x axis: a line per column of 3 samples would be 100 lines, at most 16 drawn.
    h.get_by_label("x").click();
    settle(&mut h);
    h.get_by_label("along axis 0 (3)").click();
    settle(&mut h);
    h.get_by_label("lines").click();
    settle(&mut h);
    h.get_by_label("a line per index of axis 1").click();
    settle(&mut h);
    // So many lines are listed folded away.
    assert!(h.query_by_label_contains("/grid[:, 0]").is_none());
    h.get_by_label("16 lines").click();
    settle(&mut h);
    h.get_by_label("/grid[:, 15]: 3 samples · min 15 · max 215 · mean 115");
    assert!(h.query_by_label_contains("/grid[:, 16]").is_none());
    h.get_by_label("to 15 of 100");
}

#[test]
fn datasets_of_any_open_file_are_overlaid_and_taken_off() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.h5");
    let f = hdf5::File::create(&other).unwrap();
    let trace: Vec<f64> = (0..100).map(f64::from).collect();
    f.new_dataset_builder()
        .with_data(&trace)
        .create("trace")
        .unwrap();
    drop(f);
    let mut h = harness(vec![
        OpenRequest::from_arg(PathBuf::from(format!(
            "{}::/waveforms/signal",
            demo().display()
        ))),
        OpenRequest {
            path: other,
            select: None,
        },
    ]);
    h.get_by_label("100000 samples · min -1.012427 · max 1.022445 · mean 0.000295");
    h.get_by_role_and_label(egui::accesskit::Role::Button, "trace")
        .click_secondary();
    settle(&mut h);
    h.get_by_label("Add to the plot").click();
    settle(&mut h);
    h.get_by_label(
        "/waveforms/signal: 100000 samples · min -1.012427 · max 1.022445 · mean 0.000295",
    );
    h.get_by_label("other.h5::/trace: 100 samples · min 0 · max 99 · mean 49.5");
    // One x axis for all: the overlay has no time axis, which the plot says.
    h.get_by_label("other.h5::/trace is drawn against the sample index");
    h.get_by_label("✖").click();
    settle(&mut h);
    assert!(h.query_by_label_contains("other.h5::/trace").is_none());
    h.get_by_label("100000 samples · min -1.012427 · max 1.022445 · mean 0.000295");
    // Overlaid again, then its file closed: the plot goes on without it.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "trace")
        .click_secondary();
    settle(&mut h);
    h.get_by_label("Add to the plot").click();
    settle(&mut h);
    h.get_by_label("other.h5::/trace: 100 samples · min 0 · max 99 · mean 49.5");
    h.get_by_role_and_label(egui::accesskit::Role::Button, "trace")
        .click();
    settle(&mut h);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::W);
    settle(&mut h);
    assert_eq!(h.state().files().len(), 1);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "signal")
        .click();
    settle(&mut h);
    h.get_by_label("100000 samples · min -1.012427 · max 1.022445 · mean 0.000295");
}

#[test]
fn integer_data_is_shown_as_whole_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ints.h5");
    let f = hdf5::File::create(&path).unwrap();
    let ticks: Vec<i64> = (0..100).map(|i| 1_000_000_000_000 + i).collect();
    f.new_dataset_builder()
        .with_data(&ticks)
        .create("ticks")
        .unwrap();
    let huge: Vec<u64> = (0..10).map(|i| (1 << 60) + i).collect();
    f.new_dataset_builder()
        .with_data(&huge)
        .create("huge")
        .unwrap();
    drop(f);
    let mut h = harness(vec![OpenRequest {
        path,
        select: Some("/ticks".into()),
    }]);
    // Not 1.00000e12: every digit.
    h.get_by_label("100 samples · min 1000000000000 · max 1000000000099 · mean 1.00000e12");
    // Beyond 2^53 a 64-bit integer may have been rounded on its way to the plot: said so.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "huge")
        .click();
    settle(&mut h);
    h.get_by_label(
        "10 samples · min ≈1152921504606846976 · max ≈1152921504606846976 · mean 1.15292e18",
    );
}

/// The readout under the cursor: the element's indices (`:` for channels), its numbers
/// and the colour it is shown in.
fn readout(h: &Harness<'_, HdfscopeApp>) -> (Vec<String>, Vec<f64>, egui::Color32) {
    let node = h.get_by_label_contains("] = ");
    // AccessKit keeps a label's text in its value.
    let text = node.value().unwrap_or_default();
    let (index, rest) = text[1..].split_once("] = ").unwrap();
    let (numbers, color) = rest.split_once(", shown #").unwrap();
    let numbers = numbers
        .trim_matches(['(', ')'])
        .split(", ")
        .map(|n| n.split(' ').next().unwrap().parse().unwrap())
        .collect();
    let hex = |i: usize| u8::from_str_radix(&color[i..i + 2], 16).unwrap();
    let color = egui::Color32::from_rgb(hex(0), hex(2), hex(4));
    (
        index.split(", ").map(str::to_owned).collect(),
        numbers,
        color,
    )
}

fn hover_image(h: &mut Harness<'_, HdfscopeApp>, path: &str) {
    h.get_by_label(&format!("image of {path}")).hover();
    h.step();
    settle(h);
}

fn at(index: &[String], k: usize) -> u64 {
    index[k].parse().unwrap()
}

/// The demo stack's formula (an expanding ring).
fn ring(k: u64, j: u64, i: u64) -> f64 {
    let r = ((i as f64 - 48.0).powi(2) + (j as f64 - 48.0).powi(2)).sqrt();
    f64::from((1000.0 * (1.0 + (r / 4.0 - k as f64 * 0.4).cos())) as u16)
}

#[test]
fn a_stack_slider_changes_the_frame_and_the_value_under_the_cursor() {
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/images/stack".to_owned()),
    }]);
    // 16 x 96 x 96 opens as an image: frames along axis 0.
    h.get_by_label("of 16");
    hover_image(&mut h, "/images/stack");
    let (index, values, _) = readout(&h);
    assert_eq!(index[0], "0");
    let (row, col) = (at(&index, 1), at(&index, 2));
    assert!(
        (30..66).contains(&row) && (30..66).contains(&col),
        "{index:?}"
    );
    assert_eq!(values, [ring(0, row, col)]);
    for frame in 1..=3 {
        h.get_by_label("next index of axis 0").click();
        h.step();
        settle(&mut h);
        // The click moved the pointer to the button: back over the image.
        hover_image(&mut h, "/images/stack");
        let (index, values, _) = readout(&h);
        assert_eq!(index, [frame.to_string(), row.to_string(), col.to_string()]);
        assert_eq!(values, [ring(frame, row, col)]);
    }
    // Frame 3's statistics, as numpy gives them.
    h.get_by_label("stack: min 0  max 1999  mean 961.513129  σ 702.50459");
}

#[test]
fn image_spec_truecolor_and_indexed_images_show_their_colours() {
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/images/rgb".to_owned()),
    }]);
    // Truecolor, pixel-interlaced: (2i, 2j, 255 - 2 max(i, j)).
    hover_image(&mut h, "/images/rgb");
    let (index, values, shown) = readout(&h);
    assert_eq!(index[2], ":");
    let (j, i) = (at(&index, 0), at(&index, 1));
    let expect = [2 * i, 2 * j, 255 - 2 * i.max(j)].map(|v| v as f64);
    assert_eq!(values, expect);
    assert_eq!(
        shown,
        egui::Color32::from_rgb(expect[0] as u8, expect[1] as u8, expect[2] as u8)
    );

    // Truecolor stored plane by plane (3 x 48 x 64): (4i, 5j, 128).
    let file = h.state().files()[0].id;
    h.state_mut().select(file, "/images/rgb_planes".to_owned());
    settle(&mut h);
    hover_image(&mut h, "/images/rgb_planes");
    let (index, values, shown) = readout(&h);
    assert_eq!(index[0], ":");
    let (j, i) = (at(&index, 1), at(&index, 2));
    assert_eq!(values, [4.0 * i as f64, 5.0 * j as f64, 128.0]);
    assert_eq!(
        shown,
        egui::Color32::from_rgb((4 * i) as u8, (5 * j) as u8, 128)
    );

    // Indexed: value (j + i) * 4 mod 256 drawn with its PALETTE's colour (k, 255 - k, 7k).
    h.state_mut().select(file, "/images/indexed".to_owned());
    settle(&mut h);
    hover_image(&mut h, "/images/indexed");
    let (index, values, shown) = readout(&h);
    let (j, i) = (at(&index, 0), at(&index, 1));
    let k = (j + i) * 4 % 256;
    assert_eq!(values, [k as f64]);
    assert_eq!(
        shown,
        egui::Color32::from_rgb(k as u8, (255 - k) as u8, (k * 7 % 256) as u8)
    );
}

#[test]
fn colormap_and_contrast_changes_apply() {
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/images/stack".to_owned()),
    }]);
    hover_image(&mut h, "/images/stack");
    let (_, values, viridis) = readout(&h);
    h.get_by_label("colour limits 0 to 2000");
    h.get_by_label("colormap").click();
    h.run();
    h.get_by_label("gray").click();
    settle(&mut h);
    hover_image(&mut h, "/images/stack");
    let (_, again, gray) = readout(&h);
    assert_eq!(again, values);
    let level = (values[0] / 2000.0 * 255.0).round() as u8;
    assert_eq!(gray, egui::Color32::from_gray(level), "was {viridis:?}");

    // The 1-99 % contrast narrows the limits from the histogram.
    h.get_by_label("contrast").click();
    h.run();
    h.get_by_label("1% to 99%").click();
    settle(&mut h);
    let limits = (h.get_by_label_contains("colour limits").accesskit_node())
        .label()
        .or_else(|| h.get_by_label_contains("colour limits").value())
        .unwrap_or_default();
    let (lo, hi) = limits["colour limits ".len()..].split_once(" to ").unwrap();
    let (lo, hi): (f64, f64) = (lo.parse().unwrap(), hi.parse().unwrap());
    assert!(
        lo > 0.0 && lo < 100.0 && hi < 2000.0 && hi > 1900.0,
        "{limits}"
    );
    hover_image(&mut h, "/images/stack");
    let (_, _, narrowed) = readout(&h);
    let t = ((values[0] - lo) / (hi - lo)).clamp(0.0, 1.0);
    let level = (t * 255.0).round() as i32;
    assert!(
        (i32::from(narrowed.r()) - level).abs() <= 1,
        "{narrowed:?} vs {level}"
    );
}

fn copied(h: &Harness<'_, HdfscopeApp>) -> Vec<String> {
    (h.output().platform_output.commands.iter())
        .filter_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_compound_table_shows_its_fields_as_columns_and_copies_cells() {
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/tables/events".to_owned()),
    }]);
    for field in ["time", "channel", "energy", "label"] {
        h.get_by_label(field);
    }
    // Row 0: energy is float32 511 + 100 noise(7), shown in float32's own digits; the
    // labels cycle gamma, beta, alpha, noise.
    h.get_by_label("510.32123").click();
    h.run();
    // Shift-click the label of row 1 (the first "beta" from the top): the rectangle from
    // (0, energy) to (1, label).
    let beta = (h.query_all_by_label("beta").next())
        .unwrap()
        .rect()
        .center();
    h.event(egui::Event::ModifiersChanged(egui::Modifiers::SHIFT));
    h.event(egui::Event::PointerButton {
        pos: beta,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::SHIFT,
    });
    h.event(egui::Event::PointerButton {
        pos: beta,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::SHIFT,
    });
    h.run();
    h.event(egui::Event::ModifiersChanged(egui::Modifiers::NONE));
    h.event(egui::Event::Copy);
    h.step();
    assert_eq!(
        copied(&h),
        ["energy\tlabel\n510.32123\tgamma\n544.8213\tbeta".to_owned()]
    );
}

#[test]
fn a_reference_cell_navigates_to_its_target() {
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/tables/refs".to_owned()),
    }]);
    h.get_by_label("value");
    h.get_by_role_and_label(egui::accesskit::Role::Link, "/images/image")
        .click();
    settle(&mut h);
    assert_eq!(selected(&h), "/images/image");
}

#[derive(hdf5::H5Type, Clone, Copy, PartialEq, Debug)]
#[repr(C)]
struct Row {
    index: i64,
    value: f32,
}

#[test]
fn a_billion_row_table_jumps_to_its_last_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("billion.h5");
    let f = hdf5::File::create(&path).unwrap();
    let n: usize = 1_000_000_000;
    // Chunked and never written except at the end: no storage for the rest.
    let ds = f
        .new_dataset::<Row>()
        .chunk(100_000)
        .shape(n)
        .create("rows")
        .unwrap();
    let tail: Vec<Row> = (n - 1000..n)
        .map(|i| Row {
            index: 3 * i as i64,
            value: 0.5,
        })
        .collect();
    ds.write_slice(&tail, n - 1000..n).unwrap();
    drop((ds, f));
    let mut h = harness(vec![OpenRequest {
        path,
        select: Some("/rows".into()),
    }]);
    h.get_by_label("index");
    h.get_by_label("row").click();
    h.get_by_label("row").type_text("999999995");
    h.get_by_label("Go").click();
    settle(&mut h);
    // Row 999999995 holds 3 x its index; only the blocks on screen were read.
    h.get_by_label("2999999985");
    h.get_by_label("999999995");
}

fn corpus_file(name: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir.join(name))
    } else {
        eprintln!("SKIPPED: ../shared/corpus is absent");
        None
    }
}

#[test]
fn writers_conventions_show_as_badges_values_and_hidden_bookkeeping() {
    let (Some(dd), Some(nc)) = (
        corpus_file("generated/deepdish_basic.h5"),
        corpus_file("generated/netcdf4_cf.nc"),
    ) else {
        return;
    };
    let mut h = harness(vec![
        OpenRequest {
            path: dd,
            select: Some("/list".into()),
        },
        OpenRequest {
            path: nc,
            select: None,
        },
    ]);
    // Badges in the tree, from each object's metadata.
    h.get_by_label("SimpleNamespace");
    h.get_by_label("CArray");
    // A deepdish list: its label and the scalars it keeps as attributes, in order.
    h.get_by_label("deepdish list (4 items) with 1 member");
    h.get_by_label("\"two\" [string[3] (utf-8, nullterm)]");
    // netCDF's bookkeeping is hidden until asked for.
    h.get_by_label("temp").click();
    settle(&mut h);
    h.get_by_label("variable (time, lat, lon)");
    assert!(h.query_by_label("_Netcdf4Coordinates").is_none());
    h.get_by_label("units");
    h.get_by_label("show the writer's bookkeeping (2)").click();
    h.run();
    h.get_by_label("_Netcdf4Coordinates");
}

#[test]
fn a_pandas_dataframe_is_one_table_with_its_column_names_and_index() {
    let Some(pd) = corpus_file("generated/pandas_fixed.h5") else {
        return;
    };
    let h = harness(vec![OpenRequest {
        path: pd,
        select: Some("/df".into()),
    }]);
    h.get_by_label("pandas DataFrame (200, 5) with 12 members");
    // Column names from the blocks' items, not block0_values...
    for name in ["a", "b", "flag", "when"] {
        h.get_by_label(name);
    }
    // ...the index (1000 + i) labels the rows, and row 1010 holds the manifest's values,
    // its datetime64[ns] as a date.
    h.get_by_label("1010");
    h.get_by_label("-0.056292");
    h.get_by_label("2024-01-01 10:00:00");
    // The pickled string column cannot be shown, and says so.
    h.get_by_label(
        "block3_values is not shown: its values are not a column block of the frame \
         (pandas stores object columns as pickled Python objects)",
    );
}

#[test]
fn matlab_arrays_show_in_matlab_orientation_with_char_as_text_and_cells_followed() {
    let Some(mat) = corpus_file("generated/hdf5storage_matlab_v73.mat") else {
        return;
    };
    let mut h = harness(vec![OpenRequest {
        path: mat,
        select: Some("/A".into()),
    }]);
    // A is 3 x 4 in MATLAB (stored 4 x 3): three rows; A(3,4) = 11 is the last cell.
    h.get_by_label("Table").click();
    settle(&mut h);
    h.get_by_label("rows 0–2 of 3");
    h.get_by_label("11.0");
    h.get_by_role_and_label(egui::accesskit::Role::Button, "name")
        .click();
    settle(&mut h);
    h.get_by_label("\"hello MATLAB\"");
    // A cell array's cells are references into #refs#: links to follow.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "cellarr")
        .click();
    settle(&mut h);
    h.get_by_role_and_label(egui::accesskit::Role::Link, "/#refs#/c")
        .click();
    settle(&mut h);
    assert_eq!(selected(&h), "/#refs#/c");
}

#[test]
fn a_pytables_table_shows_nested_fields_and_array_members_as_columns() {
    let Some(pt) = corpus_file("generated/pytables_objects.h5") else {
        return;
    };
    let h = harness(vec![OpenRequest {
        path: pt,
        select: Some("/particles".into()),
    }]);
    // A PyTables Table opens as a table; its nested compound and array members are columns.
    for header in [
        "name",
        "idnumber",
        "energy",
        "position[2]",
        "info.flag",
        "info.counts[1]",
    ] {
        h.get_by_label(header);
    }
    // Row 7: name 'particle-7', idnumber 70, info.counts = [7, 14].
    h.get_by_label("particle-7");
    h.get_by_label("70");
    // info.counts is [i, 2i]: 14 is row 7's counts[1], row 14's counts[0] and row 14's label.
    assert_eq!(h.query_all_by_label("14").count(), 3);
    // The root's badge marks the file's writer.
    h.get_by_label("PyTables file");
}

#[test]
fn export_saves_what_the_view_shows() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/tables/events".into()),
    }]);
    // The dialog replaced by a fixed path, as a user picking it would.
    let csv_path = dir.path().join("events.csv");
    h.state_mut().export_to(csv_path.clone());
    h.get_by_label("Export…").click();
    settle(&mut h);
    h.get_by_label(&format!("Saved {}", csv_path.display()));
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1001);
    assert_eq!(lines[0], "time,channel,energy,label");
    assert!(lines[1].ends_with(",0,510.32123,gamma"), "{}", lines[1]);

    // An image of a stack: the frame on screen (frame 1 after one step), as NPY.
    h.get_by_label("expand images").click();
    settle(&mut h);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "stack")
        .click();
    settle(&mut h);
    h.get_by_label("next index of axis 0").click();
    settle(&mut h);
    let npy_path = dir.path().join("frame.npy");
    h.state_mut().export_to(npy_path.clone());
    h.get_by_label("Export…").click();
    settle(&mut h);
    let frame: ndarray::Array2<u16> = ndarray_npy::read_npy(&npy_path).unwrap();
    assert_eq!(frame.dim(), (96, 96));
    let file = hdf5::File::open(demo()).unwrap();
    let want: ndarray::Array2<u16> = file
        .dataset("images/stack")
        .unwrap()
        .read_slice(ndarray::s![1, .., ..])
        .unwrap();
    assert_eq!(frame, want);
}

#[test]
fn a_plotted_line_exports_with_its_x_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/waveforms/signal".into()),
    }]);
    settle(&mut h);
    let csv_path = dir.path().join("signal.csv");
    h.state_mut().export_to(csv_path.clone());
    h.get_by_label("Export…").click();
    settle(&mut h);
    h.get_by_label(&format!("Saved {}", csv_path.display()));
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 100_001);
    assert_eq!(lines[0], "time (s),value");
    assert_eq!(lines[2], "0.0001,0.027570432");
}

#[test]
fn save_a_copy_writes_the_selected_object_with_its_scale_into_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/waveforms/signal".into()),
    }]);
    settle(&mut h);
    let dest = dir.path().join("signal-copy.h5");
    h.state_mut().export_to(dest.clone());
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Save a copy as HDF5…").click();
    settle(&mut h);
    h.get_by_label_contains(&format!(
        "Saved {} (copied /waveforms/signal, /waveforms/time; 1 dimension scales attached)",
        dest.display()
    ));
    let file = hdf5::File::open(&dest).unwrap();
    let signal: Vec<f32> = file
        .dataset("waveforms/signal")
        .unwrap()
        .read_raw()
        .unwrap();
    let want: Vec<f32> = hdf5::File::open(demo())
        .unwrap()
        .dataset("waveforms/signal")
        .unwrap()
        .read_raw()
        .unwrap();
    assert_eq!(signal, want);
    assert!(file.dataset("waveforms/time").is_ok());
    assert!(file.group("images").is_err(), "only what was asked for");
}

#[test]
fn copy_as_code_gives_a_snippet_reading_the_cut_on_screen() {
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/images/stack".into()),
    }]);
    h.get_by_label("next index of axis 0").click();
    settle(&mut h);
    h.get_by_label("Copy as code").click();
    h.run();
    h.get_by_label("Python (h5py)").click();
    h.step();
    let code = copied(&h).concat();
    assert!(
        code.contains(&format!(
            "h5py.File({:?}, \"r\")",
            demo().display().to_string()
        )),
        "{code}"
    );
    assert!(
        code.contains("data = f[\"/images/stack\"][1, :, :]"),
        "{code}"
    );
    h.run();
    h.get_by_label("Copy as code").click();
    h.run();
    h.get_by_label("Rust (hdf5)").click();
    h.step();
    let code = copied(&h).concat();
    assert!(
        code.contains("let data: ndarray::ArrayD<u16> = file.dataset(\"/images/stack\")?.read_slice(ndarray::s![1, .., ..])?;"),
        "{code}"
    );
}

/// Export figure ▸ Save figure…, then waits for the notice that it was saved.
fn save_figure(h: &mut egui_kittest::Harness<'_, HdfscopeApp>, dest: &Path, setup: &[&str]) {
    h.state_mut().export_to(dest.to_path_buf());
    h.get_by_label("Export figure…").click();
    h.run();
    for label in setup {
        h.get_by_label(label).click();
        h.run();
    }
    h.get_by_label("Save figure…").click();
    // A PNG is drawn by `hdfscope render` in a child process: wait for its notice.
    let saved = format!("Saved {}", dest.display());
    let deadline = Instant::now() + Duration::from_secs(120);
    while h.query_by_label(&saved).is_none() {
        assert!(
            Instant::now() < deadline,
            "the figure was not saved in time"
        );
        if let Some(failed) = h.query_by_label_contains("Export failed") {
            panic!("{:?}", failed.accesskit_node().label());
        }
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn export_figure_draws_the_view_into_a_png_as_on_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/images/stack".into()),
    }]);
    settle(&mut h);
    let png = dir.path().join("frame.png");
    save_figure(&mut h, &png, &[]);
    let image = image::open(&png).unwrap().to_rgba8();
    assert_eq!(image.dimensions(), (1600, 900));
    // Not blank: the stack's rings give many colours.
    let colours: std::collections::HashSet<[u8; 4]> = image.pixels().map(|p| p.0).collect();
    assert!(colours.len() > 50, "{} colours", colours.len());
    let coloured = |image: &image::RgbaImage| {
        image
            .pixels()
            .filter(|p| p.0[0].abs_diff(p.0[1]).max(p.0[1].abs_diff(p.0[2])) > 40)
            .count()
    };
    assert!(coloured(&image) > 100_000, "viridis is colourful");

    // In gray, at another size and scale 2: the picture follows the screen.
    h.get_by_label("colormap").click();
    h.run();
    h.get_by_label("gray").click();
    settle(&mut h);
    let gray = dir.path().join("gray.png");
    save_figure(&mut h, &gray, &["1200×1200", "2×"]);
    let image = image::open(&gray).unwrap().to_rgba8();
    assert_eq!(image.dimensions(), (1200, 1200));
    assert!(
        coloured(&image) < 1000,
        "{} coloured pixels",
        coloured(&image)
    );
    let grays: std::collections::HashSet<u8> = image.pixels().map(|p| p.0[0]).collect();
    assert!(grays.len() > 50, "{} levels of gray", grays.len());
}

#[test]
fn export_figure_writes_an_image_as_svg_with_its_pixels_and_colour_bar() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(vec![OpenRequest {
        path: demo(),
        select: Some("/images/image".into()),
    }]);
    settle(&mut h);
    let svg = dir.path().join("image.svg");
    save_figure(&mut h, &svg, &[]);
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let rasters: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("image"))
        .collect();
    assert!(!rasters.is_empty(), "the pixels are embedded");
    let stops = doc.descendants().filter(|n| n.has_tag_name("stop")).count();
    assert!(stops >= 32, "the colour bar is a gradient ({stops} stops)");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    // The image's axes are its dimension scales x and y, as on screen.
    assert!(texts.iter().any(|t| t.starts_with('x')), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with('y')), "{texts:?}");
}

#[test]
fn export_figure_writes_a_plot_as_svg_with_its_titles() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(vec![OpenRequest::from_arg(PathBuf::from(format!(
        "{}::/waveforms/signal",
        demo().display()
    )))]);
    settle(&mut h);
    let svg = dir.path().join("signal.svg");
    save_figure(&mut h, &svg, &[]);
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    // The axis titles as on screen: the dimension scale's name and units, the values'.
    assert!(texts.contains(&"Time (s)"), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("Probe voltage")),
        "{texts:?}"
    );
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .count();
    assert!(lines >= 1, "the signal is drawn as vectors");
}

#[test]
fn plugin_compressed_images_show_and_a_missing_filter_is_named_in_the_view() {
    let Some(file) = corpus_file("generated/hdf5plugin_filters.h5") else {
        return;
    };
    let h = harness(vec![OpenRequest {
        path: file.clone(),
        select: Some("/bitshuffle_lz4".into()),
    }]);
    h.get_by_label("image of /bitshuffle_lz4");
    assert!(
        h.query_all_by_label_contains("not available")
            .next()
            .is_none()
    );

    let h = harness(vec![OpenRequest {
        path: file,
        select: Some("/zfp_reversible_f4".into()),
    }]);
    h.get_by_label("image of /zfp_reversible_f4");

    let Some(file) = corpus_file("fetched/hdf5/tudfilter.h5") else {
        return;
    };
    let mut h = harness(vec![OpenRequest {
        path: file,
        select: Some("/dynlibud".into()),
    }]);
    settle(&mut h);
    h.get_by_label_contains("filter 300 (dynlibud) is not available");
}

/// A folder of the shared corpus, or `None` (saying so) when the corpus is absent.
fn corpus_dir(rel: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(rel);
    if !dir.is_dir() {
        eprintln!("SKIPPED: ../shared/corpus is absent");
        return None;
    }
    Some(dir)
}

/// A virtual dataset whose source file is missing says so in its view, not only in the
/// consent prompt: libhdf5 shows the fill value there.
#[test]
fn a_missing_virtual_source_is_flagged_in_the_view() {
    let Some(corpus) = corpus_dir("generated") else {
        return;
    };
    let h = harness(vec![OpenRequest {
        path: corpus.join("h5py_vds.h5"),
        select: Some("/stacked".to_owned()),
    }]);
    h.get_by_label(
        "Missing source files: h5py_vds_src_3.h5. Values mapped to them read as the fill \
         value -1, not data.",
    );
    h.get_by_label_contains("h5py_vds_src_3.h5 missing, read as the fill value");
}

/// The corpus's malformed files open beside a good one: each shows its errors in the tree
/// within the time the loader allows, and the good file keeps working.
#[test]
fn malformed_files_show_their_errors_and_the_rest_keeps_working() {
    let Some(corpus) = corpus_dir("fetched/hdf5") else {
        return;
    };
    let malformed = [
        ("bad_compound.h5", "invalid number of members: 0"),
        ("corrupt_stab_msg.h5", "ring type mismatch"),
        (
            "tbogus.h5",
            "unknown message with 'fail if unknown' flag found",
        ),
    ];
    let mut open: Vec<OpenRequest> = malformed
        .iter()
        .map(|(f, _)| OpenRequest {
            path: corpus.join(f),
            select: None,
        })
        .collect();
    open.push(OpenRequest {
        path: demo(),
        select: Some("/waveforms/signal".to_owned()),
    });
    let started = Instant::now();
    let h = harness(open);
    assert!(started.elapsed() < Duration::from_secs(30));
    for (file, error) in malformed {
        assert!(
            h.query_all_by_label_contains(error).count() >= 1,
            "{file}: no error containing {error:?} in the tree"
        );
    }
    assert_eq!(selected(&h), "/waveforms/signal");
    h.get_by_label_contains("100000 samples");
}

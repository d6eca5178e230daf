//! Reliability (docs/reliability.md): hostile and broken files never take hdfscope down.
//! The CLI runs each command in a confined reader process, so a reader that crashes or
//! spins inside libhdf5 ends the command within seconds with one line naming the file.
#![allow(
    unsafe_code,
    reason = "the live-file writer starts SWMR writing through hdf5-sys"
)]

mod common;

use std::time::{Duration, Instant};

/// `ls`, `info` and `get` on the demo, each with the file part of its target.
fn commands(demo: &str) -> Vec<Vec<String>> {
    let signal = format!("{demo}::/waveforms/signal");
    vec![
        vec!["ls".into(), demo.into()],
        vec!["info".into(), signal.clone()],
        vec!["get".into(), signal, "--slice".into(), "0:3".into()],
    ]
}

#[test]
fn a_reader_that_crashes_or_hangs_ends_the_command_in_seconds_with_one_line() {
    if !cfg!(debug_assertions) {
        eprintln!("SKIPPED: the fault hook (HDFSCOPE_TEST_FAULT) exists in debug builds only");
        return;
    }
    let demo = common::demo();
    for cmd in commands(&demo) {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        // Control: the same command works without a fault.
        let ok = common::run_with_limit(&args, Duration::from_secs(30));
        assert_eq!(ok.code, Some(0), "{args:?}: {}", ok.stderr);

        let crashed = common::run_with_env(
            &args,
            &[("HDFSCOPE_TEST_FAULT", "abort")],
            Duration::from_secs(30),
        );
        assert_eq!(crashed.code, Some(1), "{args:?}: {}", crashed.stderr);
        assert_eq!(
            crashed.stderr.trim(),
            format!(
                "hdfscope: {demo}: the reader crashed (ended by signal 6 (abort)); \
                 the file is probably damaged"
            )
        );

        let mut with_limit = args.clone();
        with_limit.extend(["--timeout", "2"]);
        let started = Instant::now();
        let hung = common::run_with_env(
            &with_limit,
            &[("HDFSCOPE_TEST_FAULT", "hang")],
            Duration::from_secs(30),
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{args:?} took {:?}",
            started.elapsed()
        );
        assert_eq!(hung.code, Some(1), "{args:?}: {}", hung.stderr);
        assert_eq!(
            hung.stderr.trim(),
            format!(
                "hdfscope: {demo}: no answer after 2 s; the reader was stopped \
                 (--timeout sets the limit)"
            )
        );
    }
}

// ---- Broken files: truncations and bit flips (reliability notes T2, T3) ----

/// A valid file with what metadata parsing walks: a dense group, a chunked deflate dataset,
/// a compound dataset and attributes, in the latest format (v3 superblock, v2 headers).
fn write_fixture(path: &std::path::Path) {
    #[derive(hdf5::H5Type, Clone, Copy)]
    #[repr(C)]
    struct Point {
        x: f64,
        y: i32,
    }
    let f = hdf5::File::with_options()
        .with_fapl(|p| p.libver_latest())
        .create(path)
        .unwrap();
    let g = f.create_group("many").unwrap();
    for i in 0..40 {
        g.new_dataset::<i16>()
            .shape(4)
            .create(format!("d{i:02}").as_str())
            .unwrap();
    }
    let wave: Vec<f32> = (0..20_000).map(|i| (i as f32 * 0.01).sin()).collect();
    let d = f
        .new_dataset::<f32>()
        .shape(wave.len())
        .chunk(1000)
        .deflate(4)
        .create("wave")
        .unwrap();
    d.write(&wave).unwrap();
    d.new_attr::<f64>()
        .create("scale")
        .unwrap()
        .write_scalar(&0.5)
        .unwrap();
    let points: Vec<Point> = (0..50)
        .map(|i| Point {
            x: f64::from(i),
            y: i,
        })
        .collect();
    f.new_dataset_builder()
        .with_data(&points)
        .create("points")
        .unwrap();
}

/// Copies of `bytes` cut at many lengths and with 1-8 bytes flipped (fixed seed), so every
/// run tests the same files.
fn mutants(bytes: &[u8], flips: usize) -> Vec<(String, Vec<u8>)> {
    let len = bytes.len();
    let mut cuts: Vec<usize> = vec![0, 1, 7, 8, 9, 40, 47, 48, 96, 200, 511, 512, 1024, 2048];
    cuts.extend((1..24).map(|k| len * k / 24));
    cuts.retain(|&c| c < len);
    cuts.dedup();
    let mut out: Vec<(String, Vec<u8>)> = cuts
        .into_iter()
        .map(|c| (format!("cut at {c}"), bytes[..c].to_vec()))
        .collect();
    let mut rng = fastrand::Rng::with_seed(0x4844_4635);
    for k in 0..flips {
        let mut m = bytes.to_vec();
        let n = rng.usize(1..=8);
        let mut at = Vec::new();
        for _ in 0..n {
            // Half the flips in the first 4 KiB, where superblock and root headers live.
            let i = if rng.bool() {
                rng.usize(0..len.min(4096))
            } else {
                rng.usize(0..len)
            };
            m[i] ^= 1 << rng.u8(0..8);
            at.push(i);
        }
        out.push((format!("flip #{k} at {at:?}"), m));
    }
    out
}

mod sweep {
    use std::path::Path;
    use std::time::Duration;

    use hdfscope::loader::{Loader, LoaderConfig, Response, WorkerKind};

    pub fn loader() -> Loader {
        let mut config =
            LoaderConfig::new(WorkerKind::Process(env!("CARGO_BIN_EXE_hdfscope").into()));
        config.timeout = Duration::from_secs(10);
        config.data_workers = 1;
        Loader::spawn(config, Box::new(|| {})).unwrap()
    }

    pub fn drain_until(
        l: &mut Loader,
        limit: Duration,
        what: &str,
        done: impl Fn(&Response) -> bool,
    ) -> Response {
        hdfscope::fuzzing::answer(l, limit, what, done)
    }

    /// Opens `path` as file 1 and lists `group`'s first page (each answer within 15 s);
    /// returns the page and how long the listing took.
    pub fn open_and_list(
        l: &mut Loader,
        path: &Path,
        group: &str,
    ) -> (hdfscope::model::ChildPage, std::time::Duration) {
        use hdfscope::loader::Request;
        l.send(Request::Open {
            file: 1,
            path: path.to_owned(),
        });
        drain_until(l, Duration::from_secs(15), "open", |r| {
            matches!(r, Response::Opened { .. })
        });
        let started = std::time::Instant::now();
        l.send(Request::List {
            file: 1,
            group: group.into(),
            start: 0,
        });
        let listed = drain_until(l, Duration::from_secs(15), "list", |r| {
            matches!(r, Response::Listed { .. })
        });
        let Response::Listed {
            result: Ok(page), ..
        } = listed
        else {
            panic!("{listed:?}");
        };
        (page, started.elapsed())
    }

    /// Opens, lists and describes as a user would; whether it opened and how many
    /// children its root has (every answer within 15 s).
    pub fn browse(l: &mut Loader, file: u64, path: &Path, what: &str) -> (bool, usize) {
        let b = hdfscope::fuzzing::browse(l, file, path, Duration::from_secs(15), what);
        (b.opened, b.children)
    }
}

#[test]
fn truncated_and_bit_flipped_files_fail_cleanly_and_the_rest_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = dir.path().join("fixture.h5");
    write_fixture(&fixture);
    let mut l = sweep::loader();
    let (opened, listed) = sweep::browse(&mut l, 1, &fixture, "the valid fixture");
    assert!(opened);
    assert_eq!(listed, 3, "many, points, wave");

    let mut next_id = 2;
    // Refused at open, opened; then the CLI's errors and, among them, reader crashes.
    let mut tally = [0usize; 4];
    for (source, flips) in [(fixture.clone(), 150), (common::demo().into(), 100)] {
        let bytes = std::fs::read(&source).unwrap();
        for (what, m) in mutants(&bytes, flips) {
            let path = dir.path().join(format!("mutant-{next_id}.h5"));
            std::fs::write(&path, &m).unwrap();
            let what = format!("{} {what}", source.display());
            // The viewer's way: through the loader and its reader processes.
            let (ok, _) = sweep::browse(&mut l, next_id, &path, &what);
            tally[usize::from(ok)] += 1;
            l.send(hdfscope::loader::Request::Close { file: next_id });
            next_id += 1;
            // The CLI's way: a confined reader; a clean answer or one line naming the file.
            let p = path.to_string_lossy().into_owned();
            let r = common::run_with_limit(&["ls", "--json", &p], Duration::from_secs(30));
            assert!(!r.timed_out, "ls on {what} did not end");
            assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
            match r.code {
                Some(0) => {
                    serde_json::from_str::<serde_json::Value>(&r.stdout)
                        .unwrap_or_else(|e| panic!("{what}: invalid JSON ({e})"));
                }
                Some(1) => {
                    tally[2] += 1;
                    tally[3] += usize::from(r.stderr.contains("the reader crashed"));
                    assert_eq!(r.stderr.lines().count(), 1, "{what}: {}", r.stderr);
                    assert!(r.stderr.contains(&p), "{what}: {}", r.stderr);
                }
                other => panic!("ls on {what} ended with {other:?}: {}", r.stderr),
            }
        }
    }
    eprintln!(
        "mutants: {} refused at open, {} opened and browsed; the CLI refused {} ({} reader crashes)",
        tally[0], tally[1], tally[2], tally[3]
    );
    assert!(tally[0] > 10 && tally[1] > 10, "{tally:?}");
    // The same loader still reads a good file as before.
    let (opened, listed) = sweep::browse(&mut l, next_id, &fixture, "the fixture, after");
    assert!(opened);
    assert_eq!(listed, 3);
}

// ---- Data safety: viewing never modifies a file ----

/// The access mode (`O_ACCMODE` bits of `flags:` in /proc/PID/fdinfo) of every descriptor
/// that this process's children hold on a file under `dir`.
fn children_access_modes(dir: &std::path::Path) -> Vec<(std::path::PathBuf, u32)> {
    let mut modes = Vec::new();
    for pid in procs::children() {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.filter_map(Result::ok) {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            if !target.starts_with(dir) {
                continue;
            }
            let info = std::fs::read_to_string(format!(
                "/proc/{pid}/fdinfo/{}",
                fd.file_name().to_string_lossy()
            ))
            .unwrap_or_default();
            let flags = info
                .lines()
                .find_map(|l| l.strip_prefix("flags:"))
                .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
                .unwrap_or(u32::MAX);
            modes.push((target, flags & 0o3));
        }
    }
    modes
}

#[path = "common/procs.rs"]
mod procs;

#[test]
fn viewing_never_modifies_a_file_and_reads_it_through_read_only_descriptors() {
    use sha2::Digest as _;
    let Some(corpus) = common::corpus() else {
        return;
    };
    let corpus = corpus.canonicalize().unwrap();
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST_public.tsv")).unwrap();
    let files: Vec<(std::path::PathBuf, String)> = manifest
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            (
                corpus.join(cols[1].trim_start_matches("public/")),
                cols[6].to_owned(),
            )
        })
        .collect();
    let modified = |p: &std::path::Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let before: Vec<_> = files.iter().map(|(p, _)| modified(p)).collect();

    // Browse every file as the viewer does, keeping them all open in the readers.
    let mut l = sweep::loader();
    let mut opened = 0;
    for (i, (path, _)) in files.iter().enumerate() {
        let (ok, _) = sweep::browse(&mut l, i as u64 + 1, path, &path.to_string_lossy());
        opened += usize::from(ok);
    }
    assert!(opened > 150, "{opened} files opened");
    let modes = children_access_modes(&corpus);
    assert!(
        modes.len() > 100,
        "the readers hold the open files ({} descriptors)",
        modes.len()
    );
    let written: Vec<_> = modes.iter().filter(|(_, m)| *m != 0).collect();
    assert!(written.is_empty(), "opened for writing: {written:?}");
    drop(l);

    // And the CLI: list, describe and read the first datasets of every file.
    for (path, _) in &files {
        let p = path.to_string_lossy();
        let r = common::run_with_limit(&["ls", "--json", &p], Duration::from_secs(30));
        let Ok(serde_json::Value::Array(rows)) = serde_json::from_str(&r.stdout) else {
            continue;
        };
        let datasets = rows
            .iter()
            .filter(|row| row["kind"] == "dataset")
            .filter_map(|row| row["path"].as_str())
            .take(2);
        for d in datasets {
            let target = format!("{p}::{d}");
            common::run_with_limit(&["info", &target], Duration::from_secs(30));
            common::run_with_limit(&["get", &target], Duration::from_secs(30));
        }
    }

    for ((path, sha), was) in files.iter().zip(before) {
        let bytes = std::fs::read(path).unwrap();
        let now = format!("{:x}", sha2::Sha256::digest(&bytes));
        assert_eq!(&now, sha, "{} changed", path.display());
        assert_eq!(modified(path), was, "{} was touched", path.display());
    }
}

// ---- Resource bombs (reliability notes §3) ----

/// `levels` compounds nested in each other around an int32.
fn nested_compound(levels: usize) -> hdf5::types::TypeDescriptor {
    use hdf5::types::{CompoundField, CompoundType, IntSize, TypeDescriptor};
    let mut t = TypeDescriptor::Integer(IntSize::U4);
    for i in 0..levels {
        t = TypeDescriptor::Compound(CompoundType {
            fields: vec![CompoundField {
                name: format!("n{i}"),
                ty: t,
                offset: 0,
                index: 0,
            }],
            size: 4,
        });
    }
    t
}

/// Declared sizes that would exhaust memory or time if believed, in one file.
fn write_bombs(path: &std::path::Path) {
    let f = hdf5::File::with_options()
        .with_fapl(|p| p.libver_latest())
        .create(path)
        .unwrap();
    // 10^15 values declared; none written (they read as the fill value).
    f.new_dataset::<f32>()
        .shape(10usize.pow(15))
        .chunk(1 << 20)
        .create("huge_line")
        .unwrap();
    f.new_dataset::<u16>()
        .shape([100_000_000, 10_000_000])
        .chunk([1024, 1024])
        .create("huge_image")
        .unwrap();
    // Chunks that decode to 1 GiB each: reading one value would inflate a whole chunk.
    f.new_dataset::<f32>()
        .shape(10..)
        .chunk(1 << 28)
        .deflate(1)
        .create("bomb")
        .unwrap();
    // A 40 MiB attribute (dense attribute storage).
    f.new_attr::<u8>().shape(40 << 20).create("big").unwrap();
    f.new_dataset_builder()
        .empty_as(nested_compound(200))
        .shape(2)
        .create("deep")
        .unwrap();
    let crowd = f.create_group("crowd").unwrap();
    for i in 0..100_000 {
        crowd.link_soft("/huge_line", &format!("l{i:06}")).unwrap();
    }
    f.create_group("a/b/c").unwrap();
    f.link_hard("/a", "/a/b/c/up").unwrap();
    f.link_hard("/a", "/a/self").unwrap();
}

#[test]
fn declared_sizes_are_never_believed_memory_and_time_stay_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let bombs = dir.path().join("bombs.h5");
    write_bombs(&bombs);
    let b = bombs.to_string_lossy().into_owned();
    let at = |p: &str| format!("{b}::{p}");
    let cli = |args: &[&str]| {
        let started = Instant::now();
        let r = common::run_with_limit(args, Duration::from_secs(30));
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{args:?} took {:?}",
            started.elapsed()
        );
        assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
        r
    };

    let r = cli(&["info", "--json", &at("/huge_line")]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("1000000000000000"), "{}", r.stdout);
    let r = cli(&["get", &at("/huge_line")]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("1000000000000000 elements (8000000000000000 bytes), over the limit"),
        "{}",
        r.stderr
    );
    let r = cli(&[
        "get",
        &at("/huge_line"),
        "--slice",
        "123456789012345:123456789012348",
    ]);
    assert_eq!(r.stdout.trim(), "[0.0, 0.0, 0.0]", "{}", r.stderr);
    let r = cli(&["get", &at("/huge_image"), "--slice", "99999999,9999998:"]);
    assert_eq!(r.stdout.trim(), "[0, 0]", "{}", r.stderr);

    let r = cli(&["get", &at("/bomb"), "--slice", "0:3"]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("/bomb: each chunk decodes to 1073741824 bytes, over the limit of 536870912"),
        "{}",
        r.stderr
    );

    let r = cli(&["info", &b]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("@big (uint8, 41943040) = <41943040 elements (41943040 bytes), not loaded>"),
        "{}",
        r.stdout
    );
    // Types nested deeper than the reader goes are named, not expanded.
    let r = cli(&["info", &at("/deep")]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("nested"), "{}", r.stdout);

    let r = cli(&["ls", &at("/crowd"), "--depth", "1"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("more links not listed"), "{}", r.stdout);
    let r = cli(&["ls", &at("/a")]);
    assert_eq!(
        r.stdout.matches("(cycle: links to its ancestor)").count(),
        2,
        "{}",
        r.stdout
    );

    // The viewer's way: the first page of the crowded group, and its size, come at once.
    let mut l = sweep::loader();
    let (page, took) = sweep::open_and_list(&mut l, &bombs, "/crowd");
    assert_eq!(page.total, 100_000);
    assert!(page.children.len() < 10_000, "{}", page.children.len());
    assert!(took < Duration::from_secs(5), "{took:?}");
}

// ---- Live files: written by another program while viewed ----

const LIVE_ENV: &str = "HDFSCOPE_LIVE_WRITER";

/// Not a check of its own: the writer process for the live-file test, which starts this
/// test binary with `HDFSCOPE_LIVE_WRITER=swmr:PATH` (a SWMR writer appending 100 rows
/// every 50 ms, 60 times) or `plain:PATH` (a writer that holds the file open for 3 s).
#[test]
fn live_writer() {
    let Ok(spec) = std::env::var(LIVE_ENV) else {
        return;
    };
    let (mode, path) = spec.split_once(':').unwrap();
    let f = hdf5::File::with_options()
        .with_fapl(|p| p.libver_latest())
        .create(path)
        .unwrap();
    let d = f
        .new_dataset::<f64>()
        .shape(0..)
        .chunk(100)
        .create("rows")
        .unwrap();
    if mode == "plain" {
        d.resize(100).unwrap();
        f.flush().unwrap();
        println!("started");
        std::thread::sleep(Duration::from_secs(3));
        return;
    }
    // SAFETY: a plain call on our own open file.
    let started = hdf5::sync::sync(|| unsafe { hdf5_sys::h5f::H5Fstart_swmr_write(f.id()) });
    assert!(started >= 0);
    println!("started");
    for i in 0..60 {
        let rows: Vec<f64> = (0..100).map(|k| f64::from(i * 100 + k)).collect();
        d.resize((i as usize + 1) * 100).unwrap();
        d.write_slice(&rows, i as usize * 100..(i as usize + 1) * 100)
            .unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts this binary's `live_writer` on `path` and waits until it has begun writing.
fn start_writer(mode: &str, path: &std::path::Path) -> std::process::Child {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "live_writer",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(LIVE_ENV, format!("{mode}:{}", path.display()))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(out).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.contains("started"))),
        "the writer did not start"
    );
    // Keep reading, or the writer's harness fails writing its report to a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    child
}

/// The length of `/rows` as `hdfscope info` reads it now.
fn rows_now(path: &std::path::Path) -> Result<u64, String> {
    let target = format!("{}::/rows", path.display());
    let r = common::run_with_limit(&["info", "--json", &target], Duration::from_secs(30));
    if r.code != Some(0) {
        return Err(r.stderr);
    }
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    doc["shape"][0].as_u64().ok_or(r.stdout)
}

#[test]
fn a_file_being_written_opens_grows_on_reload_and_never_blocks_its_writer() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.h5");
    let mut writer = start_writer("swmr", &live);
    let first = rows_now(&live).unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let later = rows_now(&live).unwrap();
    assert!(later > first, "{first} then {later}");
    // The viewer's way: a reload opens it again and sees the new extent.
    let mut l = sweep::loader();
    let length_in = |l: &mut hdfscope::loader::Loader, file: u64| {
        let (opened, _) = sweep::browse(l, file, &live, "the live file");
        assert!(opened);
        l.send(hdfscope::loader::Request::Info {
            file,
            path: "/rows".into(),
        });
        let info = sweep::drain_until(
            l,
            Duration::from_secs(15),
            "info",
            |r| matches!(r, hdfscope::loader::Response::Info { path, .. } if path == "/rows"),
        );
        let hdfscope::loader::Response::Info {
            result: Ok(info), ..
        } = info
        else {
            panic!("{info:?}");
        };
        info.dataset.unwrap().shape.dims()[0]
    };
    let before = length_in(&mut l, 1);
    std::thread::sleep(Duration::from_millis(600));
    // As the viewer's Reload does: close, then open under a new id.
    l.send(hdfscope::loader::Request::Close { file: 1 });
    let reloaded = length_in(&mut l, 2);
    assert!(reloaded > before, "{before} then {reloaded}");
    assert!(writer.wait().unwrap().success(), "the writer failed");
    assert_eq!(rows_now(&live).unwrap(), 6000, "all rows, once it closed");

    // A writer that is not in SWMR mode: refused with a clear message while it writes.
    let plain = dir.path().join("plain.h5");
    let mut writer = start_writer("plain", &plain);
    let err = rows_now(&plain).unwrap_err();
    assert!(
        err.contains("plain.h5: a program has it open for writing (not in SWMR mode)"),
        "{err}"
    );
    assert!(writer.wait().unwrap().success(), "the writer failed");
    assert_eq!(rows_now(&plain).unwrap(), 100);
}

// ---- Links and storage outside the file ----

#[test]
fn other_files_are_shown_and_never_read_without_consent() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let generated = corpus.join("generated").canonicalize().unwrap();
    let file = |name: &str| generated.join(name).to_string_lossy().into_owned();

    // External links are listed with their targets; browsing never opens the target.
    let mut l = sweep::loader();
    let links = generated.join("h5py_links.h5");
    let (page, _) = sweep::open_and_list(&mut l, &links, "/");
    let ext = page
        .children
        .iter()
        .find(|c| c.link.name == "ext_dataset")
        .unwrap();
    assert_eq!(ext.link.file.as_deref(), Some("h5py_links_target.h5"));
    assert!(ext.entry.is_none(), "not followed");
    let open: Vec<_> = children_access_modes(&generated)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert!(open.contains(&links), "{open:?}");
    assert!(
        !open.iter().any(|p| p.ends_with("h5py_links_target.h5")),
        "the link target was opened: {open:?}"
    );
    drop(l);

    // `hdfscope get TARGET --slice SLICE`, with consent to read other files or not.
    let get = |target: &str, slice: &str, outside: bool| {
        let mut args = vec!["get", target, "--slice", slice];
        if outside {
            args.push("--outside");
        }
        common::run_with_limit(&args, Duration::from_secs(30))
    };

    // External raw storage: refused, naming the files, until allowed.
    let raw = format!("{}::/external_two_files", file("h5py_layouts_external.h5"));
    let r = get(&raw, "0:3", false);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("its values are stored in other files (h5py_layouts_external_raw1.bin"),
        "{}",
        r.stderr
    );
    let r = get(&raw, "0:3", true);
    assert_eq!(r.code, Some(0), "{}", r.stderr);

    // A virtual dataset with a missing source: the refusal and, once allowed, a warning
    // name it; the values from present sources are read.
    let vds = format!("{}::/stacked", file("h5py_vds.h5"));
    let r = get(&vds, "1,5", false);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("h5py_vds_src_2.h5; h5py_vds_src_3.h5 missing, read as the fill value"),
        "{}",
        r.stderr
    );
    let r = get(&vds, "1,5", true);
    assert_eq!((r.code, r.stdout.trim()), (Some(0), "1005"));
    assert!(
        r.stderr.contains(
            "source files of this virtual dataset are missing (h5py_vds_src_3.h5); values \
             mapped to them are the fill value, not data"
        ),
        "{}",
        r.stderr
    );
}

// ---- Exports under failure ----

#[test]
fn a_failed_export_leaves_the_destination_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out.csv");
    std::fs::write(&dest, "old content\n").unwrap();
    // Left by an export killed two hours ago: cleaned up by the next export there.
    let stale = dir.path().join(".hdfscope-export-AbCdEf.partial");
    std::fs::write(&stale, "half a file").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(7200))
        .unwrap();
    let target = format!("{}::/waveforms/signal", common::demo());
    // A disk that fills up: writes past 32 KiB fail (the 100 000-sample CSV is ~1.5 MB).
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 64; exec \"$0\" export '{target}' --out '{}'",
            dest.display()
        ))
        .arg(env!("CARGO_BIN_EXE_hdfscope"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim(),
        format!(
            "hdfscope: {}: cannot write: File too large (os error 27)",
            dest.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old content\n");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["out.csv"], "no temporary file stays behind");

    // A directory nobody may write to (sysfs refuses new files, even to root).
    if std::path::Path::new("/sys/kernel").is_dir() {
        let r = common::run_with_limit(
            &["export", &target, "--out", "/sys/out.csv"],
            Duration::from_secs(30),
        );
        assert_eq!(r.code, Some(1));
        assert!(
            r.stderr
                .starts_with("hdfscope: /sys/out.csv: cannot write: Permission denied"),
            "{}",
            r.stderr
        );
    }
}

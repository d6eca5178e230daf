//! The reader worker runs without the `HDF5_*` variables that load plugins, swap drivers
//! or redirect external files, whatever the viewer was started with (reliability T6).
//! Also checks the worker's memory limit. Its own file: it changes this process's
//! environment, so it must be the only test here.
#![allow(unsafe_code)]

#[path = "common/procs.rs"]
mod procs;

use std::time::{Duration, Instant};

use hdfscope::loader::{Loader, LoaderConfig, Outcome, Probe, Request, Response, WorkerKind};

#[test]
fn hostile_hdf5_variables_never_reach_the_worker() {
    for (k, v) in [
        ("HDF5_PLUGIN_PATH", "/tmp/evil-plugins"),
        ("HDF5_VOL_CONNECTOR", "evil"),
        ("HDF5_DRIVER", "family"),
        ("HDF5_EXT_PREFIX", "/"),
        ("HDF5_VDS_PREFIX", "/"),
    ] {
        // SAFETY: the only test in this binary, run before any other thread starts.
        unsafe { std::env::set_var(k, v) };
    }
    let workers = WorkerKind::Process(env!("CARGO_BIN_EXE_hdfscope").into());
    let mut config = LoaderConfig::new(workers);
    config.memory_limit = Some(1 << 30);
    let mut l = Loader::spawn(config, Box::new(|| {})).unwrap();
    l.send(Request::Probe {
        req: 1,
        probe: Probe::Environment,
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let vars = loop {
        assert!(Instant::now() < deadline, "no answer");
        if let Some(Response::Data {
            outcome: Outcome::Environment(vars),
            ..
        }) = l.drain(Duration::from_millis(5)).into_iter().next()
        {
            break vars;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let mut vars = vars;
    vars.sort();
    assert_eq!(
        vars,
        [
            ("HDF5_EXTFILE_PREFIX".to_owned(), "${ORIGIN}".to_owned()),
            ("HDF5_PLUGIN_PRELOAD".to_owned(), "::".to_owned())
        ],
        "only the variables that look for external data beside the file and turn plugin \
         loading off"
    );
    // And it runs under the memory limit it was given, and would leave no core file.
    let gib = "1073741824".to_owned();
    assert_eq!(children_limits("Max address space"), [(gib.clone(), gib)]);
    // The hard limit: shells often set a soft 0 already; the worker's may not be raised.
    assert_eq!(
        children_limits("Max core file size"),
        [("0".to_owned(), "0".to_owned())]
    );
}

/// The soft and hard limit `name` (a line of /proc/PID/limits) of each child process of
/// this test.
fn children_limits(name: &str) -> Vec<(String, String)> {
    procs::children()
        .into_iter()
        .filter_map(|pid| {
            let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
            let rest = limits.lines().find_map(|l| l.strip_prefix(name))?;
            let mut words = rest.split_whitespace().map(str::to_owned);
            Some((words.next()?, words.next()?))
        })
        .collect()
}

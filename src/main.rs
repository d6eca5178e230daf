//! The hdfscope binary: parses the command line and hands over to the CLI or the viewer.
//!
//! The edge of the program: the only place that prints errors and chooses exit codes.
//! Never lets a panic or backtrace reach the user for bad input.

use std::ffi::OsString;
use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;
use std::path::PathBuf;

use hdfscope::app::OpenRequest;
use hdfscope::cli::{Cli, Command, confined, run};

/// The demo file, embedded so an installed binary can show it.
const DEMO: &[u8] = include_bytes!("../assets/demo.h5");

/// Writes the embedded demo to the user's cache (once per content) and returns its path.
fn demo_path() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join("hdfscope");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("demo-{}.h5", env!("CARGO_PKG_VERSION")));
    if std::fs::read(&path).ok().as_deref() != Some(DEMO) {
        let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
        tmp.write_all(DEMO)?;
        tmp.persist(&path)?;
    }
    Ok(path)
}

fn main() -> ExitCode {
    // The viewer starts this same binary as its HDF5 reader process, and a CLI command
    // as the confined child that runs it.
    let first = std::env::args_os().nth(1);
    if first.as_deref() == Some(hdfscope::loader::WORKER_ARG.as_ref()) {
        return hdfscope::loader::worker_main();
    }
    if first.as_deref() == Some(confined::CHILD_ARG.as_ref()) {
        return confined_child();
    }
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return gui(cli.files, cli.new_window);
    };
    if let Command::Render {
        target,
        out,
        size,
        scale,
        look,
        slice,
        view,
    } = &command
    {
        // Already confined: the render reads through the viewer's reader workers.
        let options = hdfscope::app::RenderOptions {
            size,
            slice: slice.as_deref(),
            view: view.as_deref(),
            scale: *scale,
            look: look.as_deref(),
            timeout: time_limit(cli.timeout),
        };
        return match hdfscope::app::render(OpenRequest::from_arg(target.clone()), out, &options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("hdfscope: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let limit = time_limit(cli.timeout);
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let outcome = std::env::current_exe()
        .map_err(confined::ConfinedError::Spawn)
        .and_then(|exe| confined::run_confined(&exe, &args, &command.file(), limit));
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("hdfscope: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The `--timeout` in seconds as a limit; 0 means none.
fn time_limit(seconds: u64) -> Option<std::time::Duration> {
    (seconds > 0).then(|| std::time::Duration::from_secs(seconds))
}

/// The confined child of a CLI command: runs it on the file, printing its output and any
/// error itself.
fn confined_child() -> ExitCode {
    if let Err(e) = hdfscope::loader::confine() {
        eprintln!("hdfscope: {e}");
        return ExitCode::FAILURE;
    }
    #[cfg(debug_assertions)]
    confined::test_fault();
    let args = std::env::args_os()
        .enumerate()
        .filter_map(|(i, a)| (i != 1).then_some(a));
    let Some(command) = Cli::parse_from(args).command else {
        eprintln!("hdfscope: the confined reader was started without a command");
        return ExitCode::FAILURE;
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match run(&command, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(hdfscope::cli::CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hdfscope: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Hands `files` to the user's running window when there is one; otherwise opens the viewer
/// on them, or on the demo file when there are none.
fn gui(files: Vec<PathBuf>, new_window: bool) -> ExitCode {
    let requested: Vec<OpenRequest> = files.into_iter().map(OpenRequest::from_arg).collect();
    let endpoint = (!new_window)
        .then(hdfscope::app::single_instance::Endpoint::for_user)
        .flatten();
    let mut listening = None;
    if let Some(endpoint) = endpoint {
        match endpoint.forward(&requested) {
            Ok(_) => return ExitCode::SUCCESS,
            Err(e) if e.no_window() => {}
            Err(e) => eprintln!("hdfscope: {e}; opening a new window"),
        }
        // Without the socket this window still works; later launches open their own.
        listening = endpoint
            .listen()
            .inspect_err(|e| eprintln!("hdfscope: other launches cannot reach this window: {e}"))
            .ok();
    }
    let open = if requested.is_empty() {
        match demo_path() {
            Ok(p) => vec![OpenRequest {
                path: p,
                select: Some("/waveforms/signal".to_owned()),
            }],
            Err(e) => {
                eprintln!("hdfscope: cannot prepare the demo file: {e:#}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        requested
    };
    match hdfscope::app::run(open, listening) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hdfscope: cannot start the window: {e}");
            ExitCode::FAILURE
        }
    }
}

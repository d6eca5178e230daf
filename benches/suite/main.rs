//! The performance suite (`cargo bench --bench suite`; issue 12, B1-B11 of the performance notes): every
//! speed and memory target of hdfscope measured against a peer (h5py, h5ls) or a calibration
//! of this machine taken in the same run, so the ratios hold where absolute times do not.
//!
//! `cargo bench --bench suite -- [--quick] [--only SECTION ...] [--out docs/performance.md]
//! [--install-peers]`. Prints the markdown report; `--out` puts it between the report markers
//! of that file, keeping the hand-written text around them. `--quick` shrinks every dataset
//! for a smoke test (CI runs it; its timings mean nothing). Data is generated once under the
//! target directory. Asserts nothing about timings: a shortfall is reported, never a failure.

mod calibrate;
mod client;
mod codecs;
mod data;
mod images;
mod lines;
mod peers;
mod plot;
mod report;
mod stats;
mod tree;
mod viewer;

use std::path::PathBuf;
use std::process::Command;

use clap::Parser;

use self::data::Sizes;
use self::report::{Machine, Section};

#[derive(Parser)]
#[command(about = "hdfscope's performance suite, side by side with h5py and h5ls")]
struct Args {
    /// Small data everywhere: a smoke test of the suite, not a measurement.
    #[arg(long)]
    quick: bool,
    /// Run only these sections (calibration always runs).
    #[arg(long, value_enum, num_args = 1..)]
    only: Vec<Part>,
    /// Write the report into this markdown file, between its report markers.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Install h5py and hdf5plugin into the build's venv when no Python has them.
    #[arg(long)]
    install_peers: bool,
    /// Passed by `cargo bench` to every benchmark; nothing to do with it.
    #[arg(long, hide = true)]
    bench: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    Tree,
    Waveform,
    Matrix,
    Plot,
    Stack,
    Image,
    Memory,
    Codecs,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Registers the compiled-in filters: the suite writes LZ4, bitshuffle and Zstd data too.
    hdfscope::reader::prepare_library()?;
    let sizes = if args.quick {
        Sizes::QUICK
    } else {
        Sizes::FULL
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let h5py = peers::find_h5py(args.install_peers);
    let h5ls = peers::h5ls();
    let wants = |p: Part| args.only.is_empty() || args.only.contains(&p);

    let (cal, cal_section) = calibrate::measure(&sizes)?;
    let mut sections: Vec<Section> = vec![cal_section];
    let mut run = |part: Part, section: &mut dyn FnMut() -> anyhow::Result<Section>| {
        if wants(part) {
            let s = section()?;
            eprintln!("{}", report::markdown_section(&s));
            sections.push(s);
        }
        anyhow::Ok(())
    };
    run(Part::Tree, &mut || {
        tree::measure(&sizes, h5py.as_ref(), h5ls.is_some())
    })?;
    run(Part::Waveform, &mut || {
        lines::waveform(&sizes, &cal, h5py.as_ref(), cores)
    })?;
    run(Part::Matrix, &mut || {
        lines::matrix(&sizes, &cal, h5py.as_ref(), cores)
    })?;
    run(Part::Plot, &mut || plot::measure(&sizes))?;
    run(Part::Stack, &mut || images::stacks(&sizes, h5py.as_ref()))?;
    run(Part::Image, &mut || images::large(&sizes, h5py.as_ref()))?;
    run(Part::Memory, &mut || lines::memory(&sizes, h5py.as_ref()))?;
    run(Part::Codecs, &mut || {
        codecs::measure(&sizes, h5py.as_ref(), cores)
    })?;

    let machine = machine(cores, h5py.as_ref(), h5ls.as_deref(), args.quick);
    let command = format!(
        "cargo bench --bench suite --{}{}{}",
        if args.quick { " --quick" } else { "" },
        if args.install_peers {
            " --install-peers"
        } else {
            ""
        },
        if args.out.is_some() {
            " --out docs/performance.md"
        } else {
            ""
        }
    );
    let text = report::markdown(&machine, &command, &sections);
    println!("{text}");
    if let Some(out) = &args.out {
        let doc = std::fs::read_to_string(out).unwrap_or_default();
        std::fs::write(out, report::splice(&doc, &text))?;
        eprintln!("report written into {}", out.display());
    }
    Ok(())
}

/// The machine and software of this run, as the report's head says them.
fn machine(cores: usize, h5py: Option<&peers::H5py>, h5ls: Option<&str>, quick: bool) -> Machine {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let ram = hdfscope::loader::total_memory().map_or("unknown".into(), |bytes| {
        format!("{:.0} GiB", bytes as f64 / f64::from(1u32 << 30))
    });
    let output = |cmd: &str, args: &[&str]| {
        Command::new(cmd)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let (a, b, c) = hdfscope::reader::library_version();
    let mut lines = vec![
        format!(
            "Run {} on {cpu}, {cores} cores, {ram} RAM, Linux {}; files in the page cache.",
            output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            output("uname", &["-r"])
        ),
        format!(
            "hdfscope {} (release build), libhdf5 {a}.{b}.{c}, {}.",
            env!("CARGO_PKG_VERSION"),
            output("rustc", &["--version"])
        ),
        format!(
            "Peers: {}; {}.",
            h5py.map_or("h5py not found".into(), |p| p.version.clone()),
            h5ls.unwrap_or("h5ls not found")
        ),
    ];
    if quick {
        lines.push(
            "**Quick mode**: small data, a smoke test of the suite; the figures mean nothing."
                .into(),
        );
    }
    Machine { lines }
}

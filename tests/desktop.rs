//! Linux desktop integration: `packaging/linux/check.sh` validates the desktop entry and
//! metainfo, checks the MIME type of an HDF5 file with a user block and no extension, makes
//! hdfscope the default handler in a throwaway XDG tree, and opens a file through the entry's
//! Exec line under Xvfb (the window must name the file). Skips, saying why, on a machine
//! without the freedesktop tools.

use std::process::Command;

const TOOLS: [&str; 5] = [
    "desktop-file-validate",
    "appstreamcli",
    "xdg-mime",
    "update-mime-database",
    "gio",
];

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn desktop_entry_mime_type_and_exec_line_work() {
    let missing: Vec<&str> = TOOLS.into_iter().filter(|t| !have(t)).collect();
    if !missing.is_empty() {
        eprintln!(
            "SKIPPED: missing {} (desktop-file-utils, appstream, xdg-utils, shared-mime-info, libglib2.0-bin)",
            missing.join(", ")
        );
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/linux/check.sh");
    let out = Command::new("bash")
        .arg(script)
        .args(["--binary", env!("CARGO_BIN_EXE_hdfscope")])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("application/x-hdf5"), "{stdout}");
    assert!(
        stdout.contains("io.github.hdfscope.Hdfscope.desktop"),
        "{stdout}"
    );
    // The window check runs only where Xvfb and xdotool are installed.
    if have("Xvfb") && have("xdotool") {
        assert!(
            stdout.contains("window: double-clicked.h5 — hdfscope"),
            "{stdout}"
        );
    }
}

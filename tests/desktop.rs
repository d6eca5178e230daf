//! Desktop integration. On Linux, `packaging/linux/check.sh` builds the .deb (when cargo-deb
//! is installed) and unpacks it into a temporary root, validates the desktop entry and
//! metainfo, checks the MIME type of an HDF5 file with a user block and no extension, makes
//! hdfscope the default handler in a throwaway XDG tree, opens a file through the entry's
//! Exec line under Xvfb (the window must name the file) and hands a second launch's files to
//! that window. Skips, saying why, on a machine without the freedesktop tools. Also checks
//! that the macOS bundle names the same app id and version as the binary.

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
    // The package itself when cargo-deb is there (.ci/run installs it); else the files laid
    // out as the package would, with the binary under test.
    let deb = Command::new("cargo")
        .args(["deb", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !deb {
        eprintln!("cargo-deb is not installed: checking the files without building the .deb");
    }
    let mode: &[&str] = if deb {
        &["--deb"]
    } else {
        &["--binary", env!("CARGO_BIN_EXE_hdfscope")]
    };
    let out = Command::new("bash")
        .arg(script)
        .args(mode)
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
    if deb {
        assert!(
            stdout.contains("unpacked into a temporary root"),
            "{stdout}"
        );
    }
    // The window checks run only where Xvfb and xdotool are installed.
    if have("Xvfb") && have("xdotool") {
        assert!(
            stdout.contains("window: double-clicked.h5 — hdfscope"),
            "{stdout}"
        );
        assert!(
            stdout.contains("the running window now shows third.h5"),
            "{stdout}"
        );
    }
}

/// The value of `key` in a flat Info.plist (`<key>K</key><string>V</string>`).
fn plist_string(plist: &str, key: &str) -> Option<String> {
    let after = plist.split(&format!("<key>{key}</key>")).nth(1)?;
    let value = after.split("<string>").nth(1)?.split("</string>").next()?;
    Some(value.to_owned())
}

#[test]
fn the_macos_bundle_names_the_app_id_version_and_hdf5_type() {
    let plist = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/packaging/macos/Info.plist"
    ))
    .unwrap();
    assert_eq!(
        plist_string(&plist, "CFBundleIdentifier").as_deref(),
        Some(hdfscope::app::APP_ID)
    );
    for key in ["CFBundleShortVersionString", "CFBundleVersion"] {
        assert_eq!(
            plist_string(&plist, key).as_deref(),
            Some(env!("CARGO_PKG_VERSION")),
            "{key}"
        );
    }
    assert_eq!(
        plist_string(&plist, "CFBundleExecutable").as_deref(),
        Some("hdfscope")
    );
    // The document type and the imported UTI it names.
    assert!(plist.contains("<key>LSItemContentTypes</key><array><string>org.hdfgroup.hdf5"));
    assert!(plist.contains("<key>UTTypeIdentifier</key><string>org.hdfgroup.hdf5"));
}

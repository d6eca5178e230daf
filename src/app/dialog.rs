//! The native Open and Save dialogs, run on their own thread so the UI never waits for them.
//!
//! rfd's portal backend returns at once when no desktop portal (or zenity) exists; a
//! dialog that comes back empty that fast is reported as unavailable rather than cancelled.
//! Must never block the UI thread.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError, bounded};

/// Faster than any person can cancel a dialog: the dialog never appeared.
const NO_DIALOG: Duration = Duration::from_millis(300);

/// What came back from the dialog.
#[derive(Debug, PartialEq)]
pub enum DialogResult {
    Picked(Vec<PathBuf>),
    Cancelled,
    Unavailable,
}

/// Which dialog to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Pick HDF5 files to open.
    Open,
    /// Pick where to save data, suggesting `name` (its extension picks the format).
    SaveData { name: String },
    /// Pick where to save a figure (PNG, or SVG for plots).
    SaveFigure { name: String },
    /// Pick where to save a copy of objects as a new HDF5 file.
    SaveCopy { name: String },
}

/// A dialog in flight, if any.
#[derive(Default)]
pub struct OpenDialog {
    waiting: Option<Receiver<DialogResult>>,
}

impl OpenDialog {
    /// Shows the dialog (unless one is already up); `wake` is called when it closes.
    pub fn start(&mut self, mode: Mode, wake: impl Fn() + Send + 'static) -> std::io::Result<()> {
        if self.waiting.is_some() {
            return Ok(());
        }
        let (tx, rx) = bounded(1);
        std::thread::Builder::new()
            .name("hdfscope-dialog".to_owned())
            .spawn(move || {
                let started = Instant::now();
                let picked = match mode {
                    Mode::Open => rfd::FileDialog::new()
                        .set_title("Open HDF5 files")
                        .add_filter("HDF5", &["h5", "hdf5", "he5", "nxs", "nc", "hdf", "mat"])
                        .add_filter("All files", &["*"])
                        .pick_files(),
                    Mode::SaveData { name } => rfd::FileDialog::new()
                        .set_title("Export data")
                        .set_file_name(name)
                        .add_filter("CSV", &["csv"])
                        .add_filter("NumPy array", &["npy"])
                        .add_filter("HDF5 copy of the dataset", &["h5"])
                        .save_file()
                        .map(|p| vec![p]),
                    Mode::SaveFigure { name } => rfd::FileDialog::new()
                        .set_title("Export figure")
                        .set_file_name(name)
                        .add_filter("PNG image", &["png"])
                        .add_filter("SVG drawing", &["svg"])
                        .save_file()
                        .map(|p| vec![p]),
                    Mode::SaveCopy { name } => rfd::FileDialog::new()
                        .set_title("Save a copy as HDF5")
                        .set_file_name(name)
                        .add_filter("HDF5", &["h5", "hdf5", "nxs"])
                        .save_file()
                        .map(|p| vec![p]),
                };
                let result = match picked {
                    Some(paths) if !paths.is_empty() => DialogResult::Picked(paths),
                    _ if started.elapsed() < NO_DIALOG => DialogResult::Unavailable,
                    _ => DialogResult::Cancelled,
                };
                // The app may have quit meanwhile; nothing to tell then.
                let _ = tx.send(result);
                wake();
            })?;
        self.waiting = Some(rx);
        Ok(())
    }

    /// The dialog's result once it has closed.
    pub fn poll(&mut self) -> Option<DialogResult> {
        let rx = self.waiting.as_ref()?;
        match rx.try_recv() {
            Ok(r) => {
                self.waiting = None;
                Some(r)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.waiting = None;
                Some(DialogResult::Unavailable)
            }
        }
    }
}

//! Single-instance forwarding: `hdfscope FILE…` while a window runs hands the files to that
//! window over a local socket and exits, so opening several files from a file manager (or
//! double-clicking one after another) fills one window instead of starting many.
//!
//! The socket lives where only the user can reach it: the private runtime directory on
//! Linux (`$XDG_RUNTIME_DIR`, mode 0700), the per-user `$TMPDIR` on macOS, a per-user named
//! pipe on Windows. With no such place every launch gets its own window. Messages are framed
//! like the worker's, bounded in size, and a peer that stalls is dropped after a timeout.
//! Must never let a peer block the UI, and never act on what it sends except by queueing
//! read-only opens.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use interprocess::local_socket::traits::{ListenerExt as _, Stream as _};
use interprocess::local_socket::{GenericFilePath, ListenerOptions, Name, Stream, ToFsName as _};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{APP_ID, OpenRequest, open_queue::OpenQueue};
use crate::loader::protocol::{FrameError, read_frame_within, write_frame};

/// Bumped when the messages change: a window of another version refuses, and the new
/// launch opens its own window.
const PROTOCOL: u32 = 1;
/// Far above any real list of paths, far below memory trouble.
const MAX_MESSAGE: u32 = 1 << 20;
const MAX_FILES: usize = 4096;
/// How long either side waits for the other before giving up.
const PEER_TIMEOUT: Duration = Duration::from_secs(3);

/// What a launch sends to the running window.
#[derive(Debug, Serialize, Deserialize)]
struct Forward {
    protocol: u32,
    files: Vec<WireRequest>,
}

/// An open request with its path as the platform's raw bytes (paths need not be UTF-8).
#[derive(Debug, Serialize, Deserialize)]
struct WireRequest {
    #[serde(with = "serde_bytes")]
    path: Vec<u8>,
    select: Option<String>,
}

/// The running window's answer.
#[derive(Debug, Serialize, Deserialize)]
enum Answer {
    Queued(usize),
    Refused(String),
}

/// Why files could not be handed to a running window.
#[derive(Debug, Error)]
pub enum ForwardError {
    #[error("cannot connect to {endpoint}: {source}")]
    Connect { endpoint: String, source: io::Error },
    #[error("talking to the running window at {endpoint} failed: {source}")]
    Exchange {
        endpoint: String,
        source: FrameError,
    },
    #[error("the running window at {endpoint} hung up without an answer")]
    NoAnswer { endpoint: String },
    #[error("the running window at {endpoint} refused the files: {reason}")]
    Refused { endpoint: String, reason: String },
}

impl ForwardError {
    /// No window is running (nobody listens, or a crashed one left its socket behind):
    /// the normal case for a first launch, not worth a message.
    pub fn no_window(&self) -> bool {
        matches!(self, Self::Connect { source, .. } if matches!(
            source.kind(),
            io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
        ))
    }
}

/// Where this user's running window listens.
#[derive(Clone, Debug)]
pub struct Endpoint {
    path: PathBuf,
}

/// A bound socket waiting to be served by [`serve`].
pub struct Listening(interprocess::local_socket::Listener);

impl Endpoint {
    /// The current user's endpoint, or `None` where there is no private place for one.
    pub fn for_user() -> Option<Self> {
        user_dir().map(|dir| Self::in_dir(&dir))
    }

    /// The endpoint inside `dir` (which must be private to the user).
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join(format!("{APP_ID}.sock")),
        }
    }

    fn name(&self) -> io::Result<Name<'_>> {
        self.path.as_path().to_fs_name::<GenericFilePath>()
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    /// Hands `requests` (relative paths made absolute here, where they were typed) to the
    /// running window and returns how many it queued.
    pub fn forward(&self, requests: &[OpenRequest]) -> Result<usize, ForwardError> {
        let endpoint = self.describe();
        let connect = |source| ForwardError::Connect {
            endpoint: endpoint.clone(),
            source,
        };
        let conn = Stream::connect(self.name().map_err(connect)?).map_err(connect)?;
        conn.set_recv_timeout(Some(PEER_TIMEOUT))
            .and_then(|()| conn.set_send_timeout(Some(PEER_TIMEOUT)))
            .map_err(connect)?;
        let exchange = |source| ForwardError::Exchange {
            endpoint: endpoint.clone(),
            source,
        };
        let message = encode_message(requests).map_err(exchange)?;
        (&conn)
            .write_all(&message)
            .map_err(|e| exchange(FrameError::Io(e)))?;
        match read_frame_within::<Answer>(&mut &conn, MAX_MESSAGE).map_err(exchange)? {
            Some(Answer::Queued(n)) => Ok(n),
            Some(Answer::Refused(reason)) => Err(ForwardError::Refused { endpoint, reason }),
            None => Err(ForwardError::NoAnswer { endpoint }),
        }
    }

    /// Binds the endpoint for this window, replacing a socket a crashed window left behind.
    pub fn listen(&self) -> io::Result<Listening> {
        ListenerOptions::new()
            .name(self.name()?)
            .try_overwrite(true)
            .max_spin_time(Duration::from_secs(1))
            .create_sync()
            .map(Listening)
    }
}

/// The per-user directory only its owner can enter.
#[cfg(all(unix, not(target_os = "macos")))]
fn user_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute() && d.is_dir())
}

/// macOS gives every user a private `$TMPDIR` under /var/folders.
#[cfg(target_os = "macos")]
fn user_dir() -> Option<PathBuf> {
    Some(std::env::temp_dir())
}

/// Windows has no private socket directory here; one window per launch (named pipes would
/// need their own access-control setup to be private).
#[cfg(not(unix))]
fn user_dir() -> Option<PathBuf> {
    None
}

impl WireRequest {
    fn from_request(r: &OpenRequest) -> Self {
        let path = std::path::absolute(&r.path).unwrap_or_else(|_| r.path.clone());
        Self {
            path: path_bytes(&path),
            select: r.select.clone(),
        }
    }

    fn into_request(self) -> OpenRequest {
        OpenRequest {
            path: path_from_bytes(self.path),
            select: self.select,
        }
    }
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt as _;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt as _;
    std::ffi::OsString::from_vec(bytes).into()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    String::from_utf8_lossy(&bytes).into_owned().into()
}

/// Serves the socket on a thread of its own, queueing what launches send into `queue`.
pub fn serve(listening: Listening, queue: OpenQueue) -> io::Result<()> {
    std::thread::Builder::new()
        .name("hdfscope-instance".to_owned())
        .spawn(move || {
            for conn in listening.0.incoming() {
                match conn {
                    // A peer's failure is its own (it opens its own window); nothing to report.
                    Ok(conn) => {
                        let _ = answer(&conn, &queue);
                    }
                    // Out of descriptors and the like: do not spin.
                    Err(_) => std::thread::sleep(Duration::from_millis(100)),
                }
            }
        })
        .map(drop)
}

/// The framed message a launch sends for `requests` (relative paths made absolute here,
/// where they were typed).
pub fn encode_message(requests: &[OpenRequest]) -> Result<Vec<u8>, FrameError> {
    let message = Forward {
        protocol: PROTOCOL,
        files: requests.iter().map(WireRequest::from_request).collect(),
    };
    let mut out = Vec::new();
    write_frame(&mut out, &message)?;
    Ok(out)
}

/// Reads one launch's message: its files, or why they are refused; `Ok(None)` when the
/// launch hung up without one. Never trusts the peer: the frame is size-checked before it
/// is read.
pub fn read_message(
    input: &mut impl std::io::Read,
) -> Result<Option<Result<Vec<OpenRequest>, String>>, FrameError> {
    let Some(message) = read_frame_within::<Forward>(input, MAX_MESSAGE)? else {
        return Ok(None);
    };
    Ok(Some(if message.protocol != PROTOCOL {
        Err(format!(
            "it speaks protocol {PROTOCOL}, the launch {}",
            message.protocol
        ))
    } else if message.files.len() > MAX_FILES {
        Err(format!(
            "{} files at once is over the limit of {MAX_FILES}",
            message.files.len()
        ))
    } else {
        Ok(message
            .files
            .into_iter()
            .map(WireRequest::into_request)
            .collect())
    }))
}

/// Reads one launch's message, queues its files and says how many.
fn answer(conn: &Stream, queue: &OpenQueue) -> Result<(), FrameError> {
    conn.set_recv_timeout(Some(PEER_TIMEOUT))?;
    conn.set_send_timeout(Some(PEER_TIMEOUT))?;
    let Some(files) = read_message(&mut &*conn)? else {
        return Ok(());
    };
    let answer = match files {
        Ok(requests) => {
            let n = requests.len();
            queue.push(requests);
            Answer::Queued(n)
        }
        Err(why) => Answer::Refused(why),
    };
    write_frame(&mut &*conn, &answer)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn listening(dir: &Path) -> (Endpoint, OpenQueue) {
        let endpoint = Endpoint::in_dir(dir);
        let queue = OpenQueue::default();
        serve(endpoint.listen().unwrap(), queue.clone()).unwrap();
        (endpoint, queue)
    }

    #[test]
    fn forwarded_files_reach_the_running_windows_queue() {
        let dir = tempfile::tempdir().unwrap();
        let (endpoint, queue) = listening(dir.path());
        let sent = [
            OpenRequest {
                path: PathBuf::from("relative/a.h5"),
                select: None,
            },
            OpenRequest {
                path: PathBuf::from("/data/b.nxs"),
                select: Some("/entry/data".to_owned()),
            },
        ];
        assert_eq!(endpoint.forward(&sent).unwrap(), 2);
        let got = queue.take().unwrap();
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            got,
            vec![
                OpenRequest {
                    path: cwd.join("relative/a.h5"),
                    select: None,
                },
                OpenRequest {
                    path: PathBuf::from("/data/b.nxs"),
                    select: Some("/entry/data".to_owned()),
                },
            ]
        );
        // A bare launch asks only for the window.
        assert_eq!(endpoint.forward(&[]).unwrap(), 0);
        assert_eq!(queue.take(), Some(Vec::new()));
    }

    #[cfg(unix)]
    #[test]
    fn paths_that_are_not_utf8_arrive_unchanged() {
        use std::os::unix::ffi::OsStrExt as _;
        let dir = tempfile::tempdir().unwrap();
        let (endpoint, queue) = listening(dir.path());
        let path = PathBuf::from(std::ffi::OsStr::from_bytes(b"/data/caf\xe9.h5"));
        let req = OpenRequest { path, select: None };
        endpoint.forward(std::slice::from_ref(&req)).unwrap();
        assert_eq!(queue.take().unwrap()[0].path, req.path);
    }

    #[test]
    fn no_listener_is_no_window() {
        let dir = tempfile::tempdir().unwrap();
        let err = Endpoint::in_dir(dir.path()).forward(&[]).unwrap_err();
        assert!(err.no_window(), "{err}");
        // A crashed window's socket file: refused, still "no window", and a new window
        // takes the name over.
        let endpoint = Endpoint::in_dir(dir.path());
        drop(std::os::unix::net::UnixListener::bind(&endpoint.path).unwrap());
        let err = endpoint.forward(&[]).unwrap_err();
        assert!(err.no_window(), "{err}");
        let (endpoint, queue) = listening(dir.path());
        assert_eq!(endpoint.forward(&[]).unwrap(), 0);
        assert_eq!(queue.take(), Some(Vec::new()));
    }

    #[test]
    fn garbage_and_oversized_messages_are_dropped_and_the_window_keeps_listening() {
        let dir = tempfile::tempdir().unwrap();
        let (endpoint, queue) = listening(dir.path());
        for junk in [
            (64u32 << 20).to_le_bytes().to_vec(),
            [5u32.to_le_bytes().as_slice(), b"\xc1\xc1\xc1\xc1\xc1"].concat(),
            b"GET / HTTP/1.0\r\n\r\n".to_vec(),
        ] {
            let mut conn = Stream::connect(endpoint.name().unwrap()).unwrap();
            conn.write_all(&junk).unwrap();
            drop(conn);
        }
        let wrong = Forward {
            protocol: PROTOCOL + 1,
            files: Vec::new(),
        };
        let conn = Stream::connect(endpoint.name().unwrap()).unwrap();
        write_frame(&mut &conn, &wrong).unwrap();
        let reply = read_frame_within::<Answer>(&mut &conn, MAX_MESSAGE).unwrap();
        assert!(matches!(reply, Some(Answer::Refused(r)) if r.contains("protocol")));
        assert_eq!(queue.take(), None);
        let req = OpenRequest {
            path: PathBuf::from("/x.h5"),
            select: None,
        };
        assert_eq!(endpoint.forward(&[req]).unwrap(), 1);
    }
}

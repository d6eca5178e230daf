//! The loader's handle on one reader worker: a child process (or, for tests, a thread)
//! that takes one job at a time.
//!
//! Replies and the worker's end arrive as [`Event`]s on a channel shared by all workers,
//! tagged with the worker's slot and generation, so answers from a worker that was killed
//! and replaced are recognised and dropped. A child is started confined (see
//! [`super::sandbox`]). Must never block the loader on a worker that has
//! stopped answering: jobs are tiny frames, and killing is always possible.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};

use crossbeam_channel::{Sender, bounded};

use super::protocol::{Job, Reply, read_frame, write_frame};
use super::sandbox::{describe_exit, reader_command};
use super::server::{Server, Step, WORKER_ARG};

/// How reader workers run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkerKind {
    /// Child processes of this executable (the hdfscope binary) in worker mode.
    Process(PathBuf),
    /// Threads in this process: no isolation, for tests of the loader itself.
    InProcess,
}

/// What a worker reports to the loader.
#[derive(Debug)]
pub enum Event {
    Reply {
        slot: usize,
        generation: u64,
        reply: Reply,
    },
    /// The worker's pipe closed (`why` is `None`: it died) or a frame was bad (`why` says
    /// how); either way the worker is gone or useless.
    Ended {
        slot: usize,
        generation: u64,
        why: Option<String>,
    },
}

/// One running worker.
pub struct Worker {
    conn: Conn,
}

enum Conn {
    Pipe { stdin: ChildStdin, child: Child },
    Thread(Sender<Job>),
}

impl Worker {
    /// Starts a worker whose events go to `events`.
    pub fn spawn(
        kind: &WorkerKind,
        slot: usize,
        generation: u64,
        memory_limit: Option<u64>,
        events: Sender<Event>,
    ) -> std::io::Result<Self> {
        match kind {
            WorkerKind::Process(exe) => spawn_process(exe, slot, generation, memory_limit, events),
            WorkerKind::InProcess => spawn_thread(slot, generation, events),
        }
    }

    /// Hands the worker a job; an error means the worker is gone.
    pub fn send(&mut self, job: &Job) -> Result<(), String> {
        match &mut self.conn {
            Conn::Pipe { stdin, .. } => write_frame(stdin, job).map_err(|e| e.to_string()),
            Conn::Thread(tx) => tx
                .send(job.clone())
                .map_err(|_| "the reader thread has stopped".to_owned()),
        }
    }

    /// Stops the worker now and says how it ended. A thread cannot be stopped: it is
    /// abandoned (it only ever blocks in a test hook).
    pub fn kill(self) -> String {
        match self.conn {
            Conn::Pipe { stdin, mut child } => {
                drop(stdin);
                // Already exited is fine: kill only fails then.
                let _ = child.kill();
                child
                    .wait()
                    .map_or_else(|e| format!("cannot wait for it: {e}"), describe_exit)
            }
            Conn::Thread(_) => "thread abandoned".to_owned(),
        }
    }
}

fn spawn_process(
    exe: &Path,
    slot: usize,
    generation: u64,
    memory_limit: Option<u64>,
    events: Sender<Event>,
) -> std::io::Result<Worker> {
    let mut child = reader_command(exe, memory_limit)
        .arg(WORKER_ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        return Err(std::io::Error::other("the worker's pipes are missing"));
    };
    std::thread::Builder::new()
        .name(format!("hdfscope-worker-{slot}"))
        .spawn(move || {
            let mut input = BufReader::with_capacity(1 << 20, stdout);
            let why = loop {
                match read_frame::<Reply>(&mut input) {
                    Ok(Some(reply)) => {
                        if !forward(&events, slot, generation, reply) {
                            return;
                        }
                    }
                    Ok(None) => break None,
                    Err(e) => break Some(e.to_string()),
                }
            };
            let _ = events.send(Event::Ended {
                slot,
                generation,
                why,
            });
        })?;
    Ok(Worker {
        conn: Conn::Pipe { stdin, child },
    })
}

fn spawn_thread(slot: usize, generation: u64, events: Sender<Event>) -> std::io::Result<Worker> {
    let (tx, rx) = bounded::<Job>(4);
    std::thread::Builder::new()
        .name(format!("hdfscope-reader-{slot}"))
        .spawn(move || {
            let mut server = Server::default();
            while let Ok(job) = rx.recv() {
                match server.handle(job) {
                    Step::Reply(reply) => {
                        if !forward(&events, slot, generation, reply) {
                            return;
                        }
                    }
                    Step::Die => break,
                }
            }
            // The thread ending is this transport's crash.
            let _ = events.send(Event::Ended {
                slot,
                generation,
                why: None,
            });
        })?;
    Ok(Worker {
        conn: Conn::Thread(tx),
    })
}

/// Passes a reply to the loader; false when the loader is gone.
fn forward(events: &Sender<Event>, slot: usize, generation: u64, reply: Reply) -> bool {
    let e = Event::Reply {
        slot,
        generation,
        reply,
    };
    events.send(e).is_ok()
}

//! One line streamed from the loader: its min/max pyramid, and raw samples of the range on
//! screen once zoomed in closer than the pyramid. Keeps the requests it has in flight so
//! they can be cancelled. Never reads data itself and never waits on the pyramid's lock.

use std::sync::Arc;

use crate::loader::{LineSource, Loader, Outcome, ReqId, Request, SharedLod, View};

/// Raw samples `start..start+values.len()`.
pub(super) struct Raw {
    pub start: u64,
    pub values: Arc<[f64]>,
}

impl Raw {
    /// The sample at index `i`, when `i` is a whole index these samples cover.
    pub fn at(&self, i: f64) -> Option<f64> {
        if i.fract() != 0.0 || i < self.start as f64 {
            return None;
        }
        self.values.get((i - self.start as f64) as usize).copied()
    }

    /// Whether these samples cover the indices `x0..x1` of a line `len` long.
    pub fn covers(&self, x0: f64, x1: f64, len: u64) -> bool {
        self.start as f64 <= x0.floor()
            && (self.start + self.values.len() as u64) as f64 >= x1.ceil().min(len as f64)
    }
}

/// What an answer meant to a stream.
pub(super) enum Answer {
    /// The overview request ended (the pyramid is kept when it came).
    Overview(Outcome),
    /// Raw samples arrived.
    Raw,
    /// Reading raw samples failed.
    RawFailed(String),
}

pub(super) struct Stream {
    pub source: LineSource,
    /// The loader views of the overview and of raw samples: a newer request replaces an
    /// older one of the same view.
    views: (View, View),
    req: Option<ReqId>,
    pub lod: Option<SharedLod>,
    /// Windows merged into the pyramid, of all.
    pub progress: (u64, u64),
    pub raw: Option<Raw>,
    /// The raw request in flight and the range it covers.
    raw_req: Option<(ReqId, u64, u64)>,
}

impl Stream {
    pub fn new(source: LineSource, views: (View, View)) -> Self {
        Self {
            source,
            views,
            req: None,
            lod: None,
            progress: (0, 0),
            raw: None,
            raw_req: None,
        }
    }

    /// Asks for the pyramid (again).
    pub fn load(&mut self, loader: &mut Loader, next_req: &mut ReqId) {
        let req = take(next_req);
        self.req = Some(req);
        self.progress = (0, 0);
        loader.send(Request::Overview {
            req,
            view: self.views.0,
            source: self.source.clone(),
        });
    }

    /// Asks for raw samples `start..start+count` unless a request in flight covers them.
    pub fn want_raw(&mut self, start: u64, count: u64, loader: &mut Loader, next_req: &mut ReqId) {
        if (self.raw_req).is_some_and(|(_, s, c)| s <= start && s + c >= start + count) {
            return;
        }
        let req = take(next_req);
        self.raw_req = Some((req, start, count));
        loader.send(Request::Samples {
            req,
            view: self.views.1,
            source: self.source.clone(),
            start,
            count,
        });
    }

    /// The requests in flight.
    pub fn requests(&self) -> impl Iterator<Item = ReqId> + '_ {
        self.req.into_iter().chain(self.raw_req.map(|r| r.0))
    }

    pub fn owns(&self, req: ReqId) -> bool {
        self.requests().any(|r| r == req)
    }

    /// Stops whatever is in flight.
    pub fn cancel(&mut self, loader: &mut Loader) {
        for req in self.requests().collect::<Vec<_>>() {
            loader.send(Request::Cancel { req });
        }
        self.req = None;
        self.raw_req = None;
    }

    /// A progress report: true when it was this stream's (its pyramid grew).
    pub fn on_progress(&mut self, req: ReqId, lod: &SharedLod, done: u64, total: u64) -> bool {
        if self.req != Some(req) {
            return false;
        }
        self.lod = Some(lod.clone());
        self.progress = (done, total);
        true
    }

    /// A final answer, `None` when it is not this stream's.
    pub fn on_data(&mut self, req: ReqId, outcome: Outcome) -> Option<Answer> {
        if self.raw_req.is_some_and(|r| r.0 == req) {
            self.raw_req = None;
            return match outcome {
                Outcome::Samples { start, values } => {
                    self.raw = Some(Raw { start, values });
                    Some(Answer::Raw)
                }
                Outcome::Failed(e) => Some(Answer::RawFailed(e)),
                _ => None,
            };
        }
        if self.req != Some(req) {
            return None;
        }
        self.req = None;
        if let Outcome::Overview(lod) = &outcome {
            self.lod = Some(lod.clone());
        }
        Some(Answer::Overview(outcome))
    }

    /// The raw sample at index `i`, when one is at hand.
    pub fn raw_at(&self, i: f64) -> Option<f64> {
        self.raw.as_ref().and_then(|r| r.at(i))
    }
}

/// The next request id.
pub(super) fn take(next: &mut ReqId) -> ReqId {
    *next += 1;
    *next
}

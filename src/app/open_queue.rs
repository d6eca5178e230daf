//! Files asked for from outside the window while it runs: a second `hdfscope FILE` launch
//! (forwarded over the single-instance socket) and, on macOS, Finder's open-documents event.
//!
//! Any thread may push; the UI takes everything at the start of a frame and opens it like a
//! drop. Pushing wakes the UI. Must never block a pusher for longer than a push, and never
//! hold the lock while waking.

use std::sync::{Arc, Mutex, PoisonError};

use super::OpenRequest;

/// A cloneable handle on the one queue of outside open requests.
#[derive(Clone, Default)]
pub struct OpenQueue(Arc<Mutex<State>>);

#[derive(Default)]
struct State {
    /// `Some` once anything arrived, even an empty list (a bare second launch: bring the
    /// window forward).
    pending: Option<Vec<OpenRequest>>,
    /// Wakes the UI; `None` until the window exists (pushes wait for its first frame).
    waker: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl OpenQueue {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind: still usable.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets what wakes the UI after a push.
    pub fn set_waker(&self, waker: impl Fn() + Send + Sync + 'static) {
        self.state().waker = Some(Arc::new(waker));
    }

    /// Queues `requests` and wakes the UI.
    pub fn push(&self, requests: Vec<OpenRequest>) {
        let waker = {
            let mut state = self.state();
            state.pending.get_or_insert_default().extend(requests);
            state.waker.clone()
        };
        if let Some(wake) = waker {
            wake();
        }
    }

    /// Everything pushed since the last take; `None` when nothing arrived.
    pub fn take(&self) -> Option<Vec<OpenRequest>> {
        self.state().pending.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn req(p: &str) -> OpenRequest {
        OpenRequest {
            path: PathBuf::from(p),
            select: None,
        }
    }

    #[test]
    fn pushes_before_the_window_wait_and_later_ones_wake_it() {
        let q = OpenQueue::default();
        q.push(vec![req("/a.h5")]);
        let woken = Arc::new(AtomicUsize::new(0));
        let w = Arc::clone(&woken);
        q.set_waker(move || {
            w.fetch_add(1, Ordering::SeqCst);
        });
        let other = q.clone();
        std::thread::spawn(move || other.push(vec![req("/b.h5"), req("/c.h5")]))
            .join()
            .unwrap();
        assert_eq!(woken.load(Ordering::SeqCst), 1);
        assert_eq!(
            q.take().unwrap(),
            vec![req("/a.h5"), req("/b.h5"), req("/c.h5")]
        );
        assert_eq!(q.take(), None);
        // A bare launch asks for nothing but the window.
        q.push(Vec::new());
        assert_eq!(q.take(), Some(Vec::new()));
    }
}

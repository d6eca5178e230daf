//! macOS: files opened from Finder (double-click, "Open With", a drop on the Dock icon) reach
//! the app as an open-documents Apple Event, which AppKit hands to the application
//! delegate's `application:openURLs:`. winit 0.30 (under eframe 0.37) installs a delegate
//! without that method and never forwards the event (egui#7057, winit#1751), so a
//! double-clicked file would be silently dropped.
//!
//! The fix: before the event loop exists, `-[NSApplication setDelegate:]` is wrapped so
//! that whatever delegate winit installs gains an `application:openURLs:` that pushes the
//! files into the app's [`OpenQueue`] (the same queue other launches use). Wrapping
//! `setDelegate:` rather than polling for winit's class makes the method present before
//! `finishLaunching`, where the cold-start event arrives. `class_addMethod` never replaces:
//! a delegate that already answers the event (winit 0.31 lets apps set their own) keeps its
//! own. Must never run anywhere but the main thread before `eframe::run_native`, and never
//! do more in the callback than queue paths. Not testable on Linux: compile-checked with
//! `cargo check --target aarch64-apple-darwin` (see packaging/macos/README.md).

use std::sync::OnceLock;

use objc2::runtime::{AnyClass, AnyObject, Imp, Sel};
use objc2::{ffi, sel};
use objc2_foundation::{NSArray, NSURL};

use super::{OpenQueue, OpenRequest};

/// `-[NSApplication setDelegate:]`: void, self, _cmd, the delegate.
type SetDelegate = unsafe extern "C-unwind" fn(*mut AnyObject, Sel, *mut AnyObject);
/// `-[NSApplicationDelegate application:openURLs:]`: void, self, _cmd, NSApplication, NSArray.
type OpenUrls =
    unsafe extern "C-unwind" fn(*mut AnyObject, Sel, *mut AnyObject, *mut NSArray<NSURL>);
/// The Objective-C type encoding of [`OpenUrls`].
const OPEN_URLS_TYPES: &std::ffi::CStr = c"v@:@@";

/// Where Finder's files go.
static QUEUE: OnceLock<OpenQueue> = OnceLock::new();
/// AppKit's own `setDelegate:`, called after ours.
static ORIGINAL_SET_DELEGATE: OnceLock<Imp> = OnceLock::new();

/// Routes Finder's open-documents events into `queue`. Call once, on the main thread,
/// before the event loop is created.
pub fn install(queue: OpenQueue) {
    if QUEUE.set(queue).is_err() {
        return;
    }
    let Some(method) =
        AnyClass::get(c"NSApplication").and_then(|c| c.instance_method(sel!(setDelegate:)))
    else {
        return;
    };
    let ours: SetDelegate = set_delegate;
    // SAFETY: `set_delegate` has exactly the signature of the method it replaces, and the
    // original is stored before the event loop (the only caller of setDelegate:) exists.
    let original =
        unsafe { method.set_implementation(std::mem::transmute::<SetDelegate, Imp>(ours)) };
    let _ = ORIGINAL_SET_DELEGATE.set(original);
}

/// Gives the new delegate `application:openURLs:`, then lets AppKit set it.
unsafe extern "C-unwind" fn set_delegate(app: *mut AnyObject, cmd: Sel, delegate: *mut AnyObject) {
    // SAFETY: AppKit passes a valid object or nil.
    if let Some(delegate) = unsafe { delegate.as_ref() } {
        let imp: OpenUrls = open_urls;
        let class: *const AnyClass = delegate.class();
        // SAFETY: the encoding matches `open_urls`; adding a method to a registered class
        // is what the runtime allows at any time, and is a no-op when it already has one.
        unsafe {
            ffi::class_addMethod(
                class.cast_mut(),
                sel!(application:openURLs:),
                std::mem::transmute::<OpenUrls, Imp>(imp),
                OPEN_URLS_TYPES.as_ptr(),
            );
        }
    }
    if let Some(&original) = ORIGINAL_SET_DELEGATE.get() {
        // SAFETY: the stored implementation is AppKit's setDelegate:, of this signature.
        let original = unsafe { std::mem::transmute::<Imp, SetDelegate>(original) };
        unsafe { original(app, cmd, delegate) }
    }
}

/// Queues the files Finder asks the app to open.
unsafe extern "C-unwind" fn open_urls(
    _delegate: *mut AnyObject,
    _cmd: Sel,
    _app: *mut AnyObject,
    urls: *mut NSArray<NSURL>,
) {
    // SAFETY: AppKit passes a valid array of URLs.
    let Some(urls) = (unsafe { urls.as_ref() }) else {
        return;
    };
    let requests = urls
        .iter()
        .filter_map(|url| url.to_file_path())
        .map(|path| OpenRequest { path, select: None })
        .collect();
    if let Some(queue) = QUEUE.get() {
        queue.push(requests);
    }
}

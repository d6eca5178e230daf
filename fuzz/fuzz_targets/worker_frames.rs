//! Fuzzes `hdfscope::fuzzing::worker_frames` (see that function for what it drives).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hdfscope::fuzzing::worker_frames(data));

//! Fuzzes `hdfscope::fuzzing::target_argument` (see that function for what it drives).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hdfscope::fuzzing::target_argument(data));

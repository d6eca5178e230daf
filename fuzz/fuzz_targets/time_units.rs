//! Fuzzes `hdfscope::fuzzing::time_units` (see that function for what it drives).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hdfscope::fuzzing::time_units(data));

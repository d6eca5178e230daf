//! Fuzzes `hdfscope::fuzzing::instance_message` (see that function for what it drives).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hdfscope::fuzzing::instance_message(data));

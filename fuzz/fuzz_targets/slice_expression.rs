//! Fuzzes `hdfscope::fuzzing::slice_expression` (see that function for what it drives).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hdfscope::fuzzing::slice_expression(data));

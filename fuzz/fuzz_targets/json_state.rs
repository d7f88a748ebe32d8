//! Fuzz target: see `visionone_fuzz::json_state` for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| visionone_fuzz::json_state(data));

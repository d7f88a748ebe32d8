//! Fuzz target: see `visionone_fuzz::client_errors` for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| visionone_fuzz::client_errors(data));

//! Fuzz target: see `visionone_fuzz::api_responses` for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| visionone_fuzz::api_responses(data));

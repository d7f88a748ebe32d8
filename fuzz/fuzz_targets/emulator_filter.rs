//! Fuzz target: see `visionone_fuzz::emulator_filter` for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| visionone_fuzz::emulator_filter(data));

//! Fuzz target: see `visionone_fuzz::msgpack_value` for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| visionone_fuzz::msgpack_value(data));

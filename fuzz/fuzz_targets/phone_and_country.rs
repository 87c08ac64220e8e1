#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    shared::testing::fuzz::phone_and_country(data);
});

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    shared::testing::fuzz::customer_body(data);
});

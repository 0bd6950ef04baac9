//! The import path on arbitrary bytes: format sniffing, the zip pre-flight,
//! calamine or csv, the limits, then question detection. Any panic, abort,
//! timeout or allocation over `-rss_limit_mb` is a bug; an `Err` is fine.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use vetted::sheet;

fuzz_target!(|data: &[u8]| {
    // A panic that `read_bytes` catches (in calamine, on hostile input) is
    // printed and fuzzing goes on; one that escapes still aborts.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let _ = std::panic::take_hook();
    });
    let Ok(workbook) = sheet::read_bytes(Path::new("fuzz.xlsx"), data.to_vec()) else {
        return;
    };
    let _ = sheet::detect(&workbook, &sheet::Overrides::default());
});

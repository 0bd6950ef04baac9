//! `cargo bench`: wall time of the main operations, release build.
//!
//! Prints the median and min of repeated runs for: loading the bundled KB,
//! building the matcher (tantivy index + vocabulary), matching one question,
//! and filling whole questionnaires (read + detect + match + draft + report),
//! the Instructure CAIQ among them when the shared folder is present.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vetted::fill::{FillOptions, fill};
use vetted::matcher::{Matcher, Options};

fn time<T>(name: &str, runs: usize, mut f: impl FnMut() -> T) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "{name:<58} median {:>9.2} ms   min {:>9.2} ms   ({runs} runs)",
        times[runs / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3
    );
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let kb_dir = root.join("knowledge_base");
    let kb = vetted::kb::load(&kb_dir).expect("bundled KB");
    println!("knowledge base: {} entries", kb.entries.len());
    time("kb: load and validate", 20, || {
        vetted::kb::load(&kb_dir).unwrap()
    });
    time("matcher: build index + vocabulary", 20, || {
        Matcher::new(kb.clone(), Options::default()).unwrap()
    });
    let matcher = Matcher::new(kb.clone(), Options::default()).unwrap();
    time("match: one question", 200, || {
        matcher
            .match_question("Is multi-factor authentication enforced for all remote access?")
            .unwrap()
    });

    let out = tempfile::tempdir().unwrap();
    let shared = std::env::var_os("VETTED_QUESTIONNAIRES")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/questionnaires"));
    let mut inputs = vec![
        root.join("samples/northwind-vendor-assessment.xlsx"),
        root.join("samples/vendor-security-review.csv"),
    ];
    for rel in [
        "instructure-filled/Instructure CAIQ.xlsx",
        "educause-hecvat-v4/HECVAT414.xlsx",
    ] {
        if shared.join(rel).is_file() {
            inputs.push(shared.join(rel));
        }
    }
    for input in &inputs {
        let name = input.file_name().unwrap().to_string_lossy();
        let draft = out.path().join("draft.xlsx");
        let options = FillOptions {
            overwrite: true,
            ..FillOptions::default()
        };
        let n = fill(input, &matcher, &options)
            .unwrap()
            .report
            .summary
            .questions;
        time(&format!("fill: {name} ({n} q)"), 10, || {
            let filled = fill(Path::new(input), &matcher, &options).unwrap();
            filled.write_draft(&draft).unwrap();
        });
    }
}

//! `cargo bench`: wall time of the main operations, release build.
//!
//! Prints the median and min of repeated runs for: loading the bundled KB,
//! building the matcher (tantivy index + vocabulary), matching one question,
//! and filling whole questionnaires (read + detect + match + draft + report),
//! the Instructure CAIQ among them when the shared folder is present.
//!
//! With a model (`VETTED_MODEL` or `VETTED_TEST_MODEL`): loading it,
//! embedding the KB, embedding the CAIQ's questions, and the semantic fill.
//! Then scale: 10,000 questions against a generated 50,000-entry KB,
//! lexical (`VETTED_BENCH_SCALE=0` skips it).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vetted::embed::Model;
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
    import(&matcher, &shared);
    semantic(&kb, &inputs, out.path());
    if std::env::var("VETTED_BENCH_SCALE").as_deref() != Ok("0") {
        scale(&kb, &inputs);
    }
}

/// `kb import` of two filled questionnaires (read, detect, compare):
/// against no KB, and against the bundled one with the lexical matcher.
fn import(matcher: &Matcher, shared: &Path) {
    let files: Vec<PathBuf> = [
        "instructure-filled/Instructure CAIQ.xlsx",
        "instructure-filled/Canvas LMS HECVAT Full.xlsx",
    ]
    .iter()
    .map(|rel| shared.join(rel))
    .filter(|p| p.is_file())
    .collect();
    if files.len() < 2 {
        println!("import: skipped (the shared questionnaires are absent)");
        return;
    }
    let answered = || -> Vec<vetted::harvest::Answered> {
        files
            .iter()
            .flat_map(|f| {
                let wb = vetted::sheet::read(f).unwrap();
                let (layouts, _) =
                    vetted::sheet::detect(&wb, &vetted::sheet::Overrides::default()).unwrap();
                vetted::harvest::answered(&wb, &layouts, "bench")
            })
            .collect()
    };
    let n = answered().len();
    let empty = vetted::kb::KnowledgeBase::default();
    time(&format!("import: {n} answered, no KB"), 10, || {
        vetted::harvest::harvest(&empty, None, &answered()).unwrap()
    });
    time(
        &format!("import: {n} answered, bundled KB, lexical"),
        10,
        || vetted::harvest::harvest(matcher.kb(), Some(matcher), &answered()).unwrap(),
    );
}

fn semantic(kb: &vetted::kb::KnowledgeBase, inputs: &[PathBuf], out: &Path) {
    let Some(dir) = ["VETTED_MODEL", "VETTED_TEST_MODEL"]
        .iter()
        .find_map(|k| std::env::var_os(k).map(PathBuf::from))
    else {
        println!("semantic: skipped (set VETTED_MODEL to a model directory)");
        return;
    };
    time("semantic: load the model", 5, || Model::load(&dir).unwrap());
    let model = Model::load(&dir).unwrap();
    time(
        "semantic: matcher with the KB embedded (no cache)",
        3,
        || {
            Matcher::semantic(
                kb.clone(),
                Options::default(),
                Model::load(&dir).unwrap(),
                None,
            )
            .unwrap()
        },
    );
    let (matcher, _) = Matcher::semantic(kb.clone(), Options::default(), model, None).unwrap();
    time("semantic: match one question", 20, || {
        matcher
            .match_question("Is multi-factor authentication enforced for all remote access?")
            .unwrap()
    });
    let options = FillOptions {
        overwrite: true,
        ..FillOptions::default()
    };
    for input in inputs {
        let name = input.file_name().unwrap().to_string_lossy();
        let draft = out.join("semantic.xlsx");
        time(&format!("semantic fill: {name}"), 5, || {
            let filled = fill(Path::new(input), &matcher, &options).unwrap();
            filled.write_draft(&draft).unwrap();
        });
    }
}

/// A deterministic pseudo-random sequence (xorshift), so runs compare.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 as usize
    }
}

/// 50,000 entries made from the bundled KB's phrasings with words swapped
/// in from other entries; 10,000 questions made the same way from the
/// questionnaires' questions.
fn scale(kb: &vetted::kb::KnowledgeBase, inputs: &[PathBuf]) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let words: Vec<&str> = kb
        .entries
        .iter()
        .flat_map(|e| e.question.split_whitespace())
        .collect();
    let vary = |text: &str, rng: &mut Rng| -> String {
        let mut w: Vec<&str> = text.split_whitespace().collect();
        for _ in 0..2 {
            if !w.is_empty() {
                let at = rng.next() % w.len();
                w[at] = words[rng.next() % words.len()];
            }
        }
        w.join(" ")
    };
    let mut big = kb.clone();
    big.entries.clear();
    for i in 0..50_000 {
        let mut e = kb.entries[i % kb.entries.len()].clone();
        e.id = format!("{}-{i}", e.id);
        e.question = vary(&e.question, &mut rng);
        e.alternates = e.alternates.iter().map(|a| vary(a, &mut rng)).collect();
        big.entries.push(e);
    }
    let mut questions: Vec<String> = Vec::new();
    let options = FillOptions {
        overwrite: true,
        ..FillOptions::default()
    };
    let small = Matcher::new(kb.clone(), Options::default()).unwrap();
    for input in inputs {
        let filled = fill(input, &small, &options).unwrap();
        questions.extend(filled.report.questions.iter().map(|q| q.question.clone()));
    }
    let seed: Vec<String> = questions.clone();
    while questions.len() < 10_000 {
        let q = &seed[rng.next() % seed.len()];
        questions.push(vary(q, &mut rng));
    }
    questions.truncate(10_000);
    let texts: Vec<&str> = questions.iter().map(String::as_str).collect();
    let start = Instant::now();
    let matcher = Matcher::new(big, Options::default()).unwrap();
    let built = start.elapsed();
    let start = Instant::now();
    let matches = matcher.match_questions(&texts).unwrap();
    let matched = start.elapsed();
    std::hint::black_box(matches);
    println!(
        "scale: 50,000-entry KB built in {:.2} s; 10,000 questions matched in {:.2} s (lexical); total {:.2} s",
        built.as_secs_f64(),
        matched.as_secs_f64(),
        (built + matched).as_secs_f64()
    );
}

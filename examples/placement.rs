//! Measures where `vetted kb accept` files new entries: each entry of a KB
//! is left out in turn and placed as if it were a proposal
//! ([`Matcher::home_file`]); the figure is how often it lands in the file it
//! came from. Also prints how often an entry's area (`Matcher::area_of`)
//! names its file, for KBs filed by area.
//!
//! ```console
//! $ cargo run --release --example placement -- KB_DIR [MODEL_DIR] [STEP]
//! ```
//!
//! With `STEP`, only every STEP-th entry is left out (with a model each
//! placement rebuilds the matcher, about a second).

use std::path::Path;

use vetted::embed::{Cache, Model};
use vetted::kb::KnowledgeBase;
use vetted::matcher::{Matcher, Options};

/// File stems of the two labeled KBs that name an area another way.
const STEMS: [(&str, &str); 8] = [
    ("bcdr", "continuity"),
    ("contacts", "company"),
    ("datacenter", "physical"),
    ("hr", "people"),
    ("iam", "identity"),
    ("network", "infrastructure"),
    ("portability", "data"),
    ("crypto", "encryption"),
];

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(kb_dir) = args.first() else {
        anyhow::bail!("usage: placement KB_DIR [MODEL_DIR] [STEP]");
    };
    let model_dir = args.get(1).filter(|m| !m.is_empty());
    let step: usize = args.get(2).map_or(Ok(1), |s| s.parse())?;
    let kb = vetted::kb::load(Path::new(kb_dir))?;
    let cache_dir = std::env::temp_dir().join("vetted-placement-cache");
    let build = |kb: KnowledgeBase| -> anyhow::Result<Matcher> {
        Ok(match model_dir {
            Some(dir) => {
                let model = Model::load(Path::new(dir))?;
                let cache = Cache::new(&cache_dir, &model);
                Matcher::semantic(kb, Options::default(), model, Some(&cache))?.0
            }
            None => Matcher::new(kb, Options::default())?,
        })
    };
    let stem = |p: &Path| p.file_stem().map(|s| s.to_string_lossy().into_owned());

    let full = build(kb.clone())?;
    let questions: Vec<&str> = kb.entries.iter().map(|e| e.question.as_str()).collect();
    let agree = kb
        .entries
        .iter()
        .zip(full.area_of(&questions))
        .filter(|(e, area)| {
            let stem = stem(&e.location.file).unwrap_or_default();
            let want = STEMS
                .iter()
                .find(|(s, _)| *s == stem)
                .map_or(stem.as_str(), |(_, a)| a);
            area.map(|a| a.name()) == Some(want)
        })
        .count();
    println!("area names the file: {agree}/{}", kb.entries.len());

    let (mut home, mut tried) = (0, 0);
    for i in (0..kb.entries.len()).step_by(step.max(1)) {
        let mut rest = kb.clone();
        let left_out = rest.entries.remove(i);
        let placed = build(rest)?.home_file(&left_out.question);
        tried += 1;
        if placed.as_deref() == Some(left_out.location.file.as_path()) {
            home += 1;
        }
    }
    println!("left out and placed again: {home}/{tried} in their own file");
    Ok(())
}

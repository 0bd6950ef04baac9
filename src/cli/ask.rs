//! `vetted ask`: the best matches for one question.
//!
//! `--json` prints one object on stdout:
//! `{"question": "...", "status": "auto"|"review"|"unmatched", "reasons": [...],
//!   "candidates": [{"entry", "score", "parts", "answer", "question", "details", "evidence", "stale"}]}`.
//! `parts` are the score's parts as `vetted eval --dump` records them
//! (`lexical`, `coverage`, `retrieval`, `semantic`, `context`, `bridge`,
//! `topic`, `verbatim`; see `docs/matching.md`).

use clap::Args;

use super::{Failure, KbArgs, ModelArgs, Printer, ThresholdArgs, load_matcher};

#[derive(Debug, Args)]
pub struct AskArgs {
    /// The question, as a questionnaire would ask it.
    #[arg(value_parser = non_blank)]
    question: String,
    #[command(flatten)]
    kb: KbArgs,
    /// How many candidates to show.
    #[arg(short = 'n', long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=50))]
    limit: u16,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    thresholds: ThresholdArgs,
}

pub fn run(args: AskArgs, printer: Printer) -> Result<(), Failure> {
    let mut options = args.thresholds.options()?;
    options.candidates = usize::from(args.limit);
    let matcher = load_matcher(&args.kb, &args.model, options, printer)?;
    let found = matcher.match_question(&args.question).map_err(|e| {
        printer.error(e);
        Failure::Reported
    })?;
    let today = matcher.options().today;
    if args.json {
        let candidates: Vec<serde_json::Value> = found
            .candidates
            .iter()
            .map(|c| {
                let e = matcher.entry(c);
                serde_json::json!({
                    "entry": e.id,
                    "score": (f64::from(c.score) * 1000.0).round() / 1000.0,
                    "parts": c.parts,
                    "answer": e.answer,
                    "question": e.question,
                    "details": e.details,
                    "evidence": e.evidence,
                    "stale": e.is_stale(today),
                })
            })
            .collect();
        let out = serde_json::json!({
            "question": args.question,
            "status": found.status.as_str(),
            "reasons": found.reasons,
            "candidates": candidates,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(());
    }
    println!("status: {}", found.status.as_str());
    for reason in &found.reasons {
        println!("  ({reason})");
    }
    if found.candidates.is_empty() {
        println!("no entry of the knowledge base shares a word with this question");
    }
    for (i, c) in found.candidates.iter().enumerate() {
        let e = matcher.entry(c);
        let stale = if e.is_stale(today) { "  [stale]" } else { "" };
        println!(
            "{}. {:.2}  {}  answer: {}{stale}",
            i + 1,
            c.score,
            e.id,
            e.answer
        );
        println!("   {}", e.question);
    }
    Ok(())
}

fn non_blank(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err("the question is empty".into())
    } else {
        Ok(s.to_string())
    }
}

//! `vetted eval`: matching quality on labeled questionnaires.
//!
//! Prints, per labels file and overall: questions, answerable questions,
//! top-1 and top-3 accuracy, `auto` precision and coverage, unanswerable
//! questions marked `auto`, then the worst misses. `--json` prints
//! `{"files": [{"labels", "questionnaire", "metrics"}], "overall": metrics,
//! "worst": [...]}` instead, where metrics are the fields of
//! [`crate::eval::Metrics`]. With `--warm`, each questionnaire is then
//! learned from its own labels as a reviewer would teach the KB
//! ([`crate::eval::taught`]) and matched again: a second table (`"warm"` in
//! JSON, with `"alternates"`, `"not_answered"` and `"asked"` learned per file). With
//! `--min-*` floors the exit status is 1 when a figure falls below its
//! floor (the cold figures).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{Failure, KbArgs, ModelArgs, Printer, ThresholdArgs, build_matcher, load_matcher};
use crate::eval::{self, Labels, Metrics, Outcome};
use crate::matcher::Status;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labels files (CSV: `sheet,row,labels[,question]`, after a `# questionnaire: PATH` line or named like the questionnaire).
    #[arg(required = true, value_name = "LABELS.csv")]
    labels: Vec<PathBuf>,
    #[command(flatten)]
    kb: KbArgs,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    thresholds: ThresholdArgs,
    /// Where questionnaires named in labels files are found (unless next to the labels file).
    #[arg(
        long,
        env = "VETTED_QUESTIONNAIRES",
        default_value = "../shared/questionnaires",
        value_name = "DIR"
    )]
    questionnaires: PathBuf,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
    /// How many of the worst misses to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    worst: usize,
    /// Also print auto precision and coverage for a range of auto thresholds.
    #[arg(long)]
    sweep: bool,
    /// Then learn each questionnaire from its labels, as a reviewer's approvals and rejections would teach the KB (in memory), and match it again: the warm start.
    #[arg(long)]
    warm: bool,
    /// Write every question's labels, the reasons it was kept from `auto`, and its top candidates with their score parts as JSON lines (with `--warm`, the warm outcomes follow, marked `"warm": true`).
    #[arg(long, value_name = "FILE")]
    dump: Option<PathBuf>,
    /// Fail when top-1 accuracy is below this share.
    #[arg(long, value_name = "SHARE", help_heading = "Floors", value_parser = parse_share)]
    min_top1: Option<f64>,
    /// Fail when top-3 accuracy is below this share.
    #[arg(long, value_name = "SHARE", help_heading = "Floors", value_parser = parse_share)]
    min_top3: Option<f64>,
    /// Fail when auto precision is below this share.
    #[arg(long, value_name = "SHARE", help_heading = "Floors", value_parser = parse_share)]
    min_auto_precision: Option<f64>,
    /// Fail when auto coverage is below this share.
    #[arg(long, value_name = "SHARE", help_heading = "Floors", value_parser = parse_share)]
    min_auto_coverage: Option<f64>,
    /// Fail when one questionnaire has more unanswerable questions marked auto.
    #[arg(long, value_name = "N", help_heading = "Floors")]
    max_unanswerable_auto: Option<usize>,
}

/// Warnings of one kind listed one by one per labels file; the rest are
/// counted.
const LISTED: usize = 10;

pub fn run(args: EvalArgs, printer: Printer) -> Result<(), Failure> {
    let mut options = args.thresholds.options()?;
    options.candidates = if args.dump.is_some() { 20 } else { 3 };
    let sweep_matcher = args.sweep;
    if sweep_matcher {
        // Let every question through the auto checks, to see what caps it.
        options.auto_threshold = Some(0.0);
        options.review_threshold = Some(0.0);
    }
    let matcher = load_matcher(&args.kb, &args.model, options, printer)?;
    let mut files = Vec::new();
    // Per file, for `--warm`: its labels, questionnaire and cold outcomes.
    let mut learned: Vec<(Labels, PathBuf, Vec<Outcome>)> = Vec::new();
    let mut all: Vec<Outcome> = Vec::new();
    for path in &args.labels {
        let mut labels = Labels::read(path).map_err(|e| {
            printer.error(e);
            Failure::Reported
        })?;
        // Ids as the KB spells them; an id the KB lacks can never be the
        // first candidate, so the question counts as missed, with a warning.
        let mut unknown = Vec::new();
        for l in &mut labels.labels {
            for id in &mut l.entries {
                let known = matcher
                    .kb()
                    .entries
                    .iter()
                    .find(|e| e.id.eq_ignore_ascii_case(id));
                match known {
                    Some(e) => e.id.clone_into(id),
                    None => unknown.push(format!(
                        "`{}` line {}: no entry `{id}` in the knowledge base; it counts as never found",
                        path.display(),
                        l.line
                    )),
                }
            }
        }
        printer.warnings(&unknown, LISTED, |n| {
            format!(
                "`{}`: {n} more labels name no entry of the knowledge base",
                path.display()
            )
        });
        let questionnaire = labels
            .questionnaire_path(&args.questionnaires)
            .map_err(|e| {
                printer.error(e);
                printer.hint(
                    "name the questionnaire in a first line `# questionnaire: PATH`, \
                     or pass its folder with `--questionnaires DIR`",
                );
                Failure::Reported
            })?;
        let evaluated = eval::evaluate(&labels, &questionnaire, &matcher).map_err(|e| {
            printer.error(e);
            if !questionnaire.exists() {
                printer.hint("pass the questionnaires folder with `--questionnaires DIR`");
            }
            Failure::Reported
        })?;
        printer.warnings(&evaluated.warnings, LISTED, |n| {
            format!(
                "`{}`: {n} more labels do not fit the import as written",
                path.display()
            )
        });
        let outcomes = evaluated.outcomes;
        let outcomes = if sweep_matcher {
            with_thresholds(outcomes, matcher_defaults(&args, &matcher))
        } else {
            outcomes
        };
        files.push((path.clone(), questionnaire.clone(), Metrics::of(&outcomes)));
        if args.warm {
            learned.push((labels, questionnaire, outcomes.clone()));
        }
        all.extend(outcomes);
    }
    let mut warm: Vec<(PathBuf, Metrics, crate::kb::Learned)> = Vec::new();
    let mut warm_all: Vec<Outcome> = Vec::new();
    for (labels, questionnaire, outcomes) in &learned {
        let (kb, taught) = eval::taught(matcher.kb(), outcomes);
        let again = build_matcher(kb, &args.model, options, printer)?;
        let evaluated = eval::evaluate(labels, questionnaire, &again).map_err(|e| {
            printer.error(e);
            Failure::Reported
        })?;
        warm.push((
            labels.path.clone(),
            Metrics::of(&evaluated.outcomes),
            taught,
        ));
        warm_all.extend(evaluated.outcomes);
    }
    let overall = Metrics::of(&all);
    if let Some(dump) = &args.dump {
        write_dump(dump, &all, &warm_all).map_err(|e| {
            printer.error(format!("cannot write `{}`: {e}", dump.display()));
            Failure::Reported
        })?;
    }
    let worst = eval::worst(&all, args.worst);
    let mode = if matcher.is_semantic() {
        "semantic"
    } else {
        "lexical"
    };
    if args.json {
        let out = serde_json::json!({
            "mode": mode,
            "files": files.iter().map(|(l, q, m)| serde_json::json!({
                "labels": l.display().to_string(),
                "questionnaire": q.display().to_string(),
                "metrics": m,
            })).collect::<Vec<_>>(),
            "overall": overall,
            "worst": worst.iter().map(|o| miss_json(o)).collect::<Vec<_>>(),
        });
        let mut out = out;
        if args.warm {
            out["warm"] = serde_json::json!({
                "files": warm.iter().map(|(l, m, t)| serde_json::json!({
                    "labels": l.display().to_string(),
                    "alternates": t.alternates.len(),
                    "not_answered": t.not_answered.len(),
                    "asked": t.asked.len(),
                    "metrics": m,
                })).collect::<Vec<_>>(),
                "overall": Metrics::of(&warm_all),
            });
        }
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        let (auto, review) = matcher_defaults(&args, &matcher);
        let bank = matcher
            .bank_links()
            .map(|(linked, all)| format!(", question bank: {linked} of {all} topics linked"))
            .unwrap_or_default();
        println!(
            "matching: {mode}, auto ≥ {auto:.2}, review ≥ {review:.2}, {} entries{bank}",
            matcher.kb().entries.len()
        );
        println!(
            "{:<34} {:>5} {:>5} {:>6} {:>6} {:>5} {:>6} {:>6} {:>5}",
            "labels", "qs", "ans", "top1", "top3", "auto", "prec", "cover", "unans"
        );
        for (path, _, m) in &files {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            println!("{}", row(&name, m));
        }
        println!("{}", row("overall", &overall));
        if args.warm {
            println!(
                "\nwarm start: each questionnaire filled again after learning its reviewed answers"
            );
            println!(
                "{:<34} {:>5} {:>5} {:>6} {:>6} {:>5} {:>6} {:>6} {:>5} {:>6} {:>6} {:>6}",
                "labels",
                "qs",
                "ans",
                "top1",
                "top3",
                "auto",
                "prec",
                "cover",
                "unans",
                "+alt",
                "+not",
                "+asked"
            );
            for (path, m, t) in &warm {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                println!(
                    "{} {:>6} {:>6} {:>6}",
                    row(&name, m),
                    t.alternates.len(),
                    t.not_answered.len(),
                    t.asked.len()
                );
            }
            println!("{}", row("overall", &Metrics::of(&warm_all)));
        }
        if args.sweep {
            sweep(&all);
        }
        if !worst.is_empty() {
            println!("\nworst misses:");
            for o in &worst {
                print_miss(o);
            }
        }
    }
    check_floors(&args, &overall, printer)
}

/// The thresholds the matcher would use without the sweep's overrides.
fn matcher_defaults(args: &EvalArgs, matcher: &crate::matcher::Matcher) -> (f32, f32) {
    let defaults = if matcher.is_semantic() {
        crate::matcher::SEMANTIC_THRESHOLDS
    } else {
        crate::matcher::LEXICAL_THRESHOLDS
    };
    (
        args.thresholds.auto_threshold.unwrap_or(defaults.auto),
        args.thresholds.review_threshold.unwrap_or(defaults.review),
    )
}

/// Statuses as the given thresholds would set them; a question the matcher
/// capped (stale, ambiguous, no agreeing phrasing, ...) never becomes `auto`.
fn with_thresholds(outcomes: Vec<Outcome>, (auto, review): (f32, f32)) -> Vec<Outcome> {
    outcomes
        .into_iter()
        .map(|mut o| {
            o.status = status_at(&o, auto, review);
            o
        })
        .collect()
}

fn status_at(o: &Outcome, auto: f32, review: f32) -> Status {
    let score = o.candidates.first().map_or(0.0, |(_, c)| c.score);
    if score >= auto && !o.capped() {
        Status::Auto
    } else if score >= review && !o.candidates.is_empty() {
        Status::Review
    } else {
        Status::Unmatched
    }
}

fn sweep(all: &[Outcome]) {
    println!(
        "\n{:>9} {:>6} {:>6} {:>6} {:>6}",
        "auto ≥", "auto", "wrong", "prec", "cover"
    );
    for step in (50..=98).step_by(2) {
        let t = step as f32 / 100.0;
        let at: Vec<Outcome> = all
            .iter()
            .map(|o| {
                let mut o = o.clone();
                o.status = status_at(&o, t, 0.0);
                o
            })
            .collect();
        let m = Metrics::of(&at);
        println!(
            "{t:>9.2} {:>6} {:>6} {:>5.1}% {:>5.1}%",
            m.auto,
            m.auto_wrong,
            m.auto_precision * 100.0,
            m.auto_coverage * 100.0
        );
    }
}

fn row(name: &str, m: &Metrics) -> String {
    format!(
        "{:<34} {:>5} {:>5} {:>5.1}% {:>5.1}% {:>5} {:>5.1}% {:>5.1}% {:>5}",
        eval::shorten(name, 34),
        m.questions,
        m.answerable,
        m.top1 * 100.0,
        m.top3 * 100.0,
        m.auto,
        m.auto_precision * 100.0,
        m.auto_coverage * 100.0,
        m.unanswerable_auto
    )
}

fn print_miss(o: &Outcome) {
    let expected = if o.labels.is_empty() {
        "NONE".to_owned()
    } else {
        o.labels.join(";")
    };
    let got: Vec<String> = o
        .candidates
        .iter()
        .take(3)
        .map(|(id, c)| format!("{id} {:.2}", c.score))
        .collect();
    println!(
        "- [{}] {} `{}` row {}: {}",
        o.status.as_str(),
        o.file,
        o.sheet,
        o.row,
        eval::shorten(&o.question, 90)
    );
    println!("    expected {expected}; got {}", got.join(", "));
}

fn miss_json(o: &Outcome) -> serde_json::Value {
    serde_json::json!({
        "file": o.file,
        "sheet": o.sheet,
        "row": o.row,
        "question": o.question,
        "labels": o.labels,
        "status": o.status.as_str(),
        "candidates": o.candidates.iter().take(3).map(|(id, c)| serde_json::json!({
            "entry": id, "score": c.score,
        })).collect::<Vec<_>>(),
    })
}

fn write_dump(path: &std::path::Path, all: &[Outcome], warm: &[Outcome]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let cold = all.iter().map(|o| (o, false));
    for (o, warm) in cold.chain(warm.iter().map(|o| (o, true))) {
        let line = serde_json::json!({
            "warm": warm,
            "file": o.file,
            "sheet": o.sheet,
            "row": o.row,
            "question": o.question,
            "labels": o.labels,
            "status": o.status.as_str(),
            "capped": o.capped(),
            "reasons": o.reasons,
            "candidates": o.candidates.iter().map(|(id, c)| serde_json::json!({
                "entry": id,
                "score": c.score,
                "parts": c.parts,
            })).collect::<Vec<_>>(),
        });
        writeln!(out, "{line}")?;
    }
    out.flush()
}

fn check_floors(args: &EvalArgs, m: &Metrics, printer: Printer) -> Result<(), Failure> {
    let mut failed = Vec::new();
    let mut floor = |name: &str, value: f64, min: Option<f64>| {
        if let Some(min) = min
            && value < min
        {
            failed.push(format!(
                "{name} {:.1}% is below the floor {:.1}%",
                value * 100.0,
                min * 100.0
            ));
        }
    };
    floor("top-1", m.top1, args.min_top1);
    floor("top-3", m.top3, args.min_top3);
    floor("auto precision", m.auto_precision, args.min_auto_precision);
    floor("auto coverage", m.auto_coverage, args.min_auto_coverage);
    if let Some(max) = args.max_unanswerable_auto
        && m.unanswerable_auto_max_per_file > max
    {
        failed.push(format!(
            "{} unanswerable questions marked auto in one questionnaire (at most {max} allowed)",
            m.unanswerable_auto_max_per_file
        ));
    }
    for f in &failed {
        printer.error(f);
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::Reported)
    }
}

/// A floor: a share from 0 to 1.
fn parse_share(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("`{s}` is not a share between 0 and 1"))
    }
}

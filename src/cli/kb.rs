//! `vetted kb ...`: knowledge base maintenance.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{Failure, KbArgs, Printer, load_kb};
use crate::kb::{Approved, Date, KnowledgeBase, Severity, learn, scan_with};
use crate::sheet::{Reviewed, read_reviewed};

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Validate the knowledge base: syntax, required fields, ids, URLs, dates; list stale entries
    /// and proposed entries awaiting approval in `_inbox/`.
    Check(CheckArgs),
    /// Learn from a draft reviewed in Excel: approved wordings become alternates, edited answers
    /// become proposed entries in `_inbox/`.
    Learn(LearnArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    kb: KbArgs,
    /// Also list the entries whose review date falls within this many days, with their owners:
    /// once it passes, they are never auto-filled.
    #[arg(long, value_name = "DAYS")]
    due_within: Option<u32>,
}

#[derive(Debug, Args)]
pub struct LearnArgs {
    /// A draft workbook written by `vetted fill`, with reviewed rows marked in its Status column
    /// (`approved`, `accepted`, `ok`, `done`, `yes` or ✓).
    #[arg(value_name = "DRAFT.xlsx")]
    draft: PathBuf,
    #[command(flatten)]
    kb: KbArgs,
    /// Show what would change without writing anything.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(cmd: KbCommand, printer: Printer) -> Result<(), Failure> {
    match cmd {
        KbCommand::Check(args) => check(&args, printer),
        KbCommand::Learn(args) => learn_from(&args, printer),
    }
}

/// The Status values that mark a row as approved by the reviewer.
pub const APPROVED: [&str; 10] = [
    "approved", "approve", "accepted", "accept", "ok", "done", "yes", "y", "✓", "✔",
];

fn is_approved(status: &str) -> bool {
    let s = status.trim().to_lowercase();
    APPROVED.contains(&s.as_str())
}

fn same(a: &str, b: &str) -> bool {
    let n = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    n(a) == n(b)
}

/// What the reviewer approved on one row of the draft.
fn approved(row: &Reviewed, label: &str, kb: &KnowledgeBase) -> Approved {
    let entry = row
        .entry
        .trim()
        .strip_prefix("suggested:")
        .map(|s| s.split(" (").next().unwrap_or("").trim())
        .unwrap_or(row.entry.trim())
        .to_owned();
    let entry = (!entry.is_empty()).then_some(entry);
    let answer = row
        .answer
        .clone()
        .unwrap_or_else(|| row.drafted_answer.clone());
    let found = entry
        .as_deref()
        .and_then(|id| kb.entries.iter().find(|e| e.id == id));
    let choice = match (found.filter(|e| !e.proposed), &row.allowed) {
        (Some(e), Some(allowed)) => crate::fill::reviewer_choice(&answer, &row.details, e, allowed),
        _ => None,
    };
    let edited = choice.is_none()
        && match entry.as_deref() {
            Some(id) if id == row.drafted_entry => {
                !same(&answer, &row.drafted_answer)
                    || !(row.details.is_empty() || same(&row.details, &row.drafted_details))
            }
            Some(_) => match found {
                Some(e) => {
                    !same(&answer, &e.answer)
                        || !(row.details.is_empty()
                            || same(&row.details, e.details.as_deref().unwrap_or("")))
                }
                None => false,
            },
            None => true,
        };
    Approved {
        source: format!("`{label}`, sheet `{}`, row {}", row.sheet, row.row),
        question: row.question.clone(),
        entry,
        answer,
        details: row.details.clone(),
        edited,
        choice,
    }
}

fn learn_from(args: &LearnArgs, printer: Printer) -> Result<(), Failure> {
    let kb = load_kb(&args.kb, true, printer)?;
    let rows = read_reviewed(&args.draft).map_err(|e| {
        printer.error(e);
        Failure::Reported
    })?;
    let label = args
        .draft
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let approved: Vec<Approved> = rows
        .iter()
        .filter(|r| is_approved(&r.status))
        .map(|r| approved(r, &label, &kb))
        .collect();
    if approved.is_empty() {
        printer.warning(format!(
            "`{}` has no approved rows: nothing to learn",
            args.draft.display()
        ));
        printer.tip(format!(
            "mark reviewed rows in the Status column as `approved` (or {})",
            APPROVED[2..].join(", ")
        ));
        return Ok(());
    }
    let learned = learn(&kb, &approved, &label, Date::today(), args.dry_run).map_err(|e| {
        printer.error(e);
        Failure::Reported
    })?;
    for (source, id) in &learned.unknown {
        printer.warning(format!(
            "{source}: no entry `{id}` in the knowledge base; skipped"
        ));
    }
    for source in &learned.unanswered {
        printer.warning(format!(
            "{source}: approved with an empty answer; nothing to learn"
        ));
    }
    let verb = if args.dry_run { "would add" } else { "added" };
    for (id, wording) in &learned.alternates {
        println!("{verb} alternate to `{id}`: {wording}");
    }
    for (id, wording, choice) in &learned.choices {
        println!("{verb} choice `{choice}` to `{id}` for: {wording}");
    }
    for (id, base) in &learned.proposals {
        match base {
            Some(b) => println!("{verb} proposed entry `{id}` (edits `{b}`)"),
            None => println!("{verb} proposed entry `{id}`"),
        }
    }
    printer.info(format!(
        "{} approved: {} alternate{} {verb}{}, {} already known, {} proposed entr{} {}",
        approved.len(),
        learned.alternates.len(),
        if learned.alternates.len() == 1 {
            ""
        } else {
            "s"
        },
        if learned.choices.is_empty() {
            String::new()
        } else {
            format!(
                ", {} choice{} {verb}",
                learned.choices.len(),
                if learned.choices.len() == 1 { "" } else { "s" }
            )
        },
        learned.duplicates,
        learned.proposals.len(),
        if learned.proposals.len() == 1 {
            "y"
        } else {
            "ies"
        },
        match &learned.inbox_file {
            Some(f) => format!("in `{}`", f.display()),
            None => String::new(),
        }
        .trim_end(),
    ));
    if !learned.proposals.is_empty() && !args.dry_run {
        printer.tip("review the proposals with `git diff`, then move the approved ones into the knowledge base");
    }
    Ok(())
}

fn check(args: &CheckArgs, printer: Printer) -> Result<(), Failure> {
    let today = Date::today();
    let (args, due_within) = (&args.kb, args.due_within);
    let scan = scan_with(&args.kb, today, true).map_err(|e| {
        printer.error(e);
        Failure::Reported
    })?;
    let mut errors = 0;
    for d in &scan.diagnostics {
        match d.severity {
            Severity::Error => {
                errors += 1;
                printer.error(d);
            }
            Severity::Warning => printer.warning(d),
        }
    }
    let stale = scan
        .kb
        .entries
        .iter()
        .filter(|e| !e.proposed && e.is_stale(today))
        .count();
    let approved = scan.kb.entries.iter().filter(|e| !e.proposed).count();
    // Entries that go stale within `--due-within` days, soonest first.
    let mut due: Vec<_> = due_within
        .map(|days| {
            let until = today.plus_days(i64::from(days));
            scan.kb
                .entries
                .iter()
                .filter(|e| !e.proposed && !e.is_stale(today))
                .filter_map(|e| e.review_by.filter(|by| *by <= until).map(|by| (by, e)))
                .collect()
        })
        .unwrap_or_default();
    due.sort_by_key(|(by, e)| (*by, e.id.clone()));
    let mut summary = format!(
        "`{}`: {} entries in {} files, {} synonym groups: {errors} error{}, {stale} stale",
        args.kb.display(),
        approved,
        scan.files,
        scan.kb.synonyms.len(),
        if errors == 1 { "" } else { "s" },
    );
    if let Some(days) = due_within {
        summary.push_str(&format!(", {} due within {days} days", due.len()));
    }
    if errors > 0 {
        printer.error(summary);
        return Err(Failure::Reported);
    }
    if approved == 0 {
        printer.error(format!("`{}` holds no entries", args.kb.display()));
        return Err(Failure::Reported);
    }
    for (by, e) in &due {
        let days = today.days_until(*by);
        printer.info(format!(
            "{}: entry `{}` is due for review by {by} ({}){}",
            e.location,
            e.id,
            match days {
                0 => "today".to_owned(),
                1 => "tomorrow".to_owned(),
                n => format!("in {n} days"),
            },
            e.owner
                .as_deref()
                .map(|o| format!(", owner {o}"))
                .unwrap_or_default()
        ));
    }
    printer.info(summary);
    let proposed: Vec<_> = scan.kb.entries.iter().filter(|e| e.proposed).collect();
    for e in &proposed {
        printer.warning(format!(
            "{}: proposed entry `{}` awaits approval (not matched unless `--include-inbox`)",
            e.location, e.id
        ));
    }
    Ok(())
}

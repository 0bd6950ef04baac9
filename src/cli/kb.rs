//! `vetted kb ...`: knowledge base maintenance.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{Failure, KbArgs, ModelArgs, Printer, build_matcher, kb_failure, load_kb};
use crate::kb::{
    Approved, Date, Entry, KbError, KnowledgeBase, Left, Rejected, Severity, learn, scan_with,
};
use crate::sheet::{Reviewed, read_reviewed};

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Validate the knowledge base: syntax, required fields, ids, URLs, dates; list stale entries
    /// and proposed entries awaiting approval in `_inbox/`.
    Check(CheckArgs),
    /// Learn from a draft reviewed in Excel: approved wordings become alternates, edited answers
    /// become proposed entries in `_inbox/`.
    Learn(LearnArgs),
    /// Import questionnaires your company already answered: each answered question the KB does
    /// not hold becomes a proposed entry in `_inbox/`, for the security team to approve.
    Import(ImportArgs),
    /// Approve proposed entries from `_inbox/`: one based on an approved entry updates it, any
    /// other becomes a new entry (or, with `--as-alternate-of`, wordings of an existing one).
    Accept(AcceptArgs),
    /// Delete proposed entries from `_inbox/`.
    Reject(RejectArgs),
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

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Answered questionnaires (xlsx, xlsm, xlsb, xls, ods, csv): the answers already in them are
    /// imported.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    kb: KbArgs,
    /// Only read this sheet of each file (also a hidden one).
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// The sentence-embedding model directory, to name the entry each proposal resembles
    /// [default: `VETTED_MODEL`, else the one `vetted model install` installed].
    #[arg(long, value_name = "DIR", conflicts_with = "lexical")]
    model: Option<PathBuf>,
    /// Compare with the KB on words only, even when a model is installed.
    #[arg(long)]
    lexical: bool,
    /// The owner of every proposal: who answers for them once approved.
    #[arg(long, value_name = "EMAIL")]
    owner: Option<String>,
    /// The review date of every proposal (YYYY-MM-DD): past it, an approved answer is never
    /// `auto` until reviewed again.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    review_by: Option<Date>,
    /// Show what would be proposed without writing anything.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
pub struct AcceptArgs {
    /// Proposals to approve: their ids, or inbox files (every proposal left in them).
    #[arg(required = true, value_name = "PROPOSAL")]
    proposals: Vec<String>,
    #[command(flatten)]
    kb: KbArgs,
    /// The KB file for new entries, relative to the KB folder (made when missing) [default: the
    /// file of an approved entry asking nearly the same, else the file holding the entries of its
    /// area (identity, encryption, ...), else `<area>.toml`].
    #[arg(long, value_name = "FILE")]
    into: Option<PathBuf>,
    /// Add the proposals' wordings to the alternates of this approved entry instead (its answer
    /// stays).
    #[arg(long, value_name = "ENTRY", conflicts_with_all = ["into", "as_new"])]
    as_alternate_of: Option<String>,
    /// Make a new entry even of a proposal based on an approved entry, instead of updating that
    /// entry.
    #[arg(long)]
    as_new: bool,
    /// The sentence-embedding model directory, to place each new entry by meaning [default:
    /// `VETTED_MODEL`, else the one `vetted model install` installed].
    #[arg(long, value_name = "DIR", conflicts_with = "lexical")]
    model: Option<PathBuf>,
    /// Place each new entry on words only, even when a model is installed.
    #[arg(long)]
    lexical: bool,
    /// Show what would change without writing anything.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
pub struct RejectArgs {
    /// Proposals to delete: their ids, or inbox files (every proposal left in them).
    #[arg(required = true, value_name = "PROPOSAL")]
    proposals: Vec<String>,
    #[command(flatten)]
    kb: KbArgs,
    /// Show what would be deleted without writing anything.
    #[arg(long)]
    dry_run: bool,
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

pub fn run(cmd: KbCommand, printer: Printer) -> Result<(), Failure> {
    match cmd {
        KbCommand::Check(args) => check(&args, printer),
        KbCommand::Learn(args) => learn_from(&args, printer),
        KbCommand::Import(args) => import(&args, printer),
        KbCommand::Accept(args) => accept(&args, printer),
        KbCommand::Reject(args) => reject(&args, printer),
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

/// The entry a KB entry cell names (`suggested: ID (0.55)` for a
/// suggestion below the review threshold).
fn cell_entry(cell: &str) -> Option<String> {
    let cell = cell.trim();
    let entry = cell
        .strip_prefix("suggested:")
        .map(|s| s.split(" (").next().unwrap_or("").trim())
        .unwrap_or(cell);
    (!entry.is_empty()).then(|| entry.to_owned())
}

/// Where a row of the draft `label` is, for messages.
fn source(row: &Reviewed, label: &str) -> String {
    format!("`{label}`, sheet `{}`, row {}", row.sheet, row.row)
}

/// What the reviewer rejected on one row of the draft: the entry the row
/// names, or else the one drafted.
fn rejected(row: &Reviewed, label: &str, after: Option<String>) -> Option<Rejected> {
    let entry = cell_entry(&row.entry).or_else(|| cell_entry(&row.drafted_entry))?;
    Some(Rejected {
        source: source(row, label),
        question: row.question.clone(),
        entry,
        after,
    })
}

/// Whether `answer` and `details` are entry `e`'s, as it would be drafted
/// in a cell that takes only `allowed`: `Yes` with `Quarterly. ...` in the
/// details for an entry answering `Yes, quarterly` in a `Yes`/`No` cell.
/// Empty details count as the entry's.
fn as_entry_answers(answer: &str, details: &str, e: &Entry, allowed: Option<&[String]>) -> bool {
    let own_details = e.details.as_deref().unwrap_or("");
    let details_kept =
        |fitted: &str| details.is_empty() || same(details, own_details) || same(details, fitted);
    if same(answer, &e.answer) && details_kept(own_details) {
        return true;
    }
    match allowed
        .map(|allowed| crate::fill::fit_to_dropdown(&e.answer, e.details.as_deref(), allowed))
    {
        Some(crate::fill::Fitted::Spelled(spelled)) => {
            same(answer, spelled) && details_kept(own_details)
        }
        Some(crate::fill::Fitted::Split {
            choice,
            details: fitted,
        }) => same(answer, choice) && details_kept(&fitted),
        _ => false,
    }
}

/// What the reviewer approved on one row of the draft.
fn approved(row: &Reviewed, label: &str, kb: &KnowledgeBase, after: Option<String>) -> Approved {
    let entry = cell_entry(&row.entry);
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
                Some(e) => !as_entry_answers(&answer, &row.details, e, row.allowed.as_deref()),
                None => false,
            },
            None => true,
        };
    Approved {
        source: source(row, label),
        question: row.question.clone(),
        entry,
        answer,
        details: row.details.clone(),
        edited,
        choice,
        after,
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
    // Where each row was asked: the question before it that the draft asks
    // only once.
    let questions: Vec<&str> = rows.iter().map(|r| r.question.as_str()).collect();
    let afters = crate::kb::placed_after_texts(&questions);
    // Each row approved, rejected from an entry, or left without one.
    let (mut approved, mut rejected, mut left) = (Vec::new(), Vec::new(), Vec::new());
    for (r, after) in rows.iter().zip(afters) {
        if is_approved(&r.status) {
            approved.push(self::approved(r, &label, &kb, after));
        } else if let Some(rejection) = crate::sheet::original::is_rejected(&r.status)
            .then(|| self::rejected(r, &label, after))
            .flatten()
        {
            rejected.push(rejection);
        } else {
            left.push(Left {
                source: source(r, &label),
                question: r.question.clone(),
            });
        }
    }
    if approved.is_empty() && rejected.is_empty() {
        printer.warning(format!(
            "`{}` has no approved or rejected rows: nothing to learn",
            args.draft.display()
        ));
        printer.tip(format!(
            "mark reviewed rows in the Status column as `approved` (or {}), or `rejected` where the drafted entry does not answer",
            APPROVED[2..].join(", ")
        ));
        return Ok(());
    }
    let learned = learn(
        &kb,
        &approved,
        &rejected,
        &left,
        &label,
        Date::today(),
        args.dry_run,
    )
    .map_err(|e| {
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
    for (id, wording) in &learned.not_answered {
        println!("{verb} `does_not_answer` to `{id}`: {wording}");
    }
    for (id, a) in &learned.asked {
        let how = if a.answers {
            "answers"
        } else {
            "does not answer"
        };
        println!(
            "{verb} where asked to `{id}`: {how} {} after {}",
            a.question, a.after
        );
    }
    for (source, id, wording) in &learned.contested {
        printer.warning(format!(
            "{source}: entry `{id}` is both taken and not for `{wording}`: it is held at review for this wording, except after the questions it was reviewed after"
        ));
        printer.tip(format!(
            "if `{id}` answers it wherever it is asked, remove it from `does_not_answer`; if it never does, from its phrasings"
        ));
    }
    for (id, base) in &learned.proposals {
        match base {
            Some(b) => println!("{verb} proposed entry `{id}` (edits `{b}`)"),
            None => println!("{verb} proposed entry `{id}`"),
        }
    }
    printer.info(format!(
        "{} approved, {} rejected: {} {verb}{}{}, {} already known, {}{}",
        approved.len(),
        rejected.len(),
        plural(learned.alternates.len(), "alternate", "alternates"),
        if learned.choices.is_empty() {
            String::new()
        } else {
            format!(
                ", {} {verb}",
                plural(learned.choices.len(), "choice", "choices")
            )
        },
        if learned.not_answered.is_empty() {
            String::new()
        } else {
            format!(
                ", {} {verb} to `does_not_answer`",
                plural(learned.not_answered.len(), "wording", "wordings")
            )
        },
        learned.duplicates,
        plural(
            learned.proposals.len(),
            "proposed entry",
            "proposed entries"
        ),
        learned
            .inbox_file
            .as_ref()
            .map(|f| format!(" in `{}`", f.display()))
            .unwrap_or_default(),
    ));
    if !learned.proposals.is_empty() && !args.dry_run {
        printer.tip("review the proposals with `git diff`, then approve them with `vetted kb accept ID...` or delete them with `vetted kb reject ID...`");
    }
    Ok(())
}

/// How many proposed entries `kb check` names one by one.
const PROPOSALS_LISTED: usize = 20;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn import(args: &ImportArgs, printer: Printer) -> Result<(), Failure> {
    use crate::harvest;
    let today = Date::today();
    if let Some(by) = args.review_by.filter(|by| *by <= today) {
        return Err(Failure::Usage(format!(
            "--review-by {by} is not after today ({today}): imported answers would be stale at once"
        )));
    }
    let root = &args.kb.kb;
    // A company without a KB starts one from its past answers: a folder
    // that does not exist yet, or holds no entries, is an empty KB (the
    // folder is made when the proposals are written).
    let new_kb = !root.exists();
    let kb = match crate::kb::load_with_inbox(root) {
        Ok(kb) => kb,
        Err(KbError::NotFound(_) | KbError::Empty(_)) => KnowledgeBase {
            root: root.clone(),
            ..KnowledgeBase::default()
        },
        Err(e) => return Err(kb_failure(&e, &args.kb, printer)),
    };
    let names: Vec<String> = args
        .files
        .iter()
        .map(|f| {
            f.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    // Read every file first: nothing is written unless all of them read.
    let overrides = crate::sheet::Overrides {
        sheet: args.sheet.clone(),
        ..crate::sheet::Overrides::default()
    };
    let mut answered = Vec::new();
    let mut failed = 0;
    for (file, label) in args.files.iter().zip(&names) {
        let read = crate::sheet::read(file)
            .and_then(|wb| crate::sheet::detect(&wb, &overrides).map(|(layouts, _)| (wb, layouts)));
        match read {
            Ok((wb, layouts)) => {
                let found = harvest::answered(&wb, &layouts, label);
                let questions: usize = layouts.iter().map(|l| l.questions.len()).sum();
                printer.info(format!(
                    "`{}`: {} of {} answered",
                    file.display(),
                    found.len(),
                    plural(questions, "question", "questions")
                ));
                answered.extend(found);
            }
            Err(e) => {
                failed += 1;
                printer.error(&e);
                if let Some(hint) = e.hint() {
                    printer.hint(hint);
                }
            }
        }
    }
    if failed > 0 {
        printer.error(format!(
            "nothing imported: {} of {} could not be read",
            failed,
            plural(args.files.len(), "file", "files")
        ));
        return Err(Failure::Reported);
    }
    if answered.is_empty() {
        printer.warning("no answered questions found: nothing to import");
        printer.tip("import questionnaires your company has filled in, with the answers in them");
        return Ok(());
    }
    // Name the entry each new question resembles, when there are entries.
    let (matcher, plain) = if kb.entries.iter().any(|e| !e.proposed) {
        let model = ModelArgs {
            model: args.model.clone(),
            lexical: args.lexical,
            include_inbox: true,
        };
        let options = crate::matcher::Options {
            candidates: 5,
            ..crate::matcher::Options::default()
        };
        (Some(build_matcher(kb, &model, options, printer)?), None)
    } else {
        (None, Some(kb))
    };
    let kb_ref = matcher
        .as_ref()
        .map(crate::matcher::Matcher::kb)
        .or(plain.as_ref())
        .expect("the matcher's KB, or the KB without one");
    let mut found = harvest::harvest(kb_ref, matcher.as_ref(), &answered).map_err(|e| {
        printer.error(e);
        Failure::Reported
    })?;
    for p in &mut found.proposals {
        p.owner.clone_from(&args.owner);
        p.review_by = args.review_by;
    }
    let verb = if args.dry_run {
        "would propose"
    } else {
        "proposed"
    };
    let written =
        harvest::write(kb_ref, &found.proposals, &names, today, args.dry_run).map_err(|e| {
            printer.error(e);
            Failure::Reported
        })?;
    if let Some(w) = &written {
        if new_kb && !args.dry_run {
            printer.info(format!(
                "created the knowledge base folder `{}`",
                root.display()
            ));
        }
        for (id, p) in w.ids.iter().zip(&found.proposals) {
            println!("{verb} `{id}`: {}", crate::sheet::one_line(&p.question));
        }
    }
    let inbox = written.map(|w| w.path);
    printer.info(format!(
        "{}: {} {}{}, {} already in the knowledge base, {} already proposed, {} folded into another's proposal{}",
        plural(answered.len(), "answered question", "answered questions"),
        plural(found.proposals.len(), "entry", "entries"),
        if args.dry_run {
            "would be proposed"
        } else {
            "proposed"
        },
        inbox
            .as_ref()
            .map(|p| format!(" in `{}`", p.display()))
            .unwrap_or_default(),
        found.known.len(),
        found.already_proposed.len(),
        found.merged,
        if found.conflicting > 0 {
            format!(
                "; {} answered differently elsewhere in the import",
                plural(found.conflicting, "proposal was", "proposals were")
            )
        } else {
            String::new()
        },
    ));
    if inbox.is_some() && !args.dry_run {
        printer.tip(
            "review the proposals with the security team: `vetted kb accept ID...` approves, `vetted kb reject ID...` deletes (or edit the inbox file and approve it whole)",
        );
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
    let proposed: Vec<_> = scan.kb.entries.iter().filter(|e| e.proposed).collect();
    if approved == 0 {
        printer.error(format!("`{}` holds no entries", args.kb.display()));
        if !proposed.is_empty() {
            printer.hint(format!(
                "{} await approval in `_inbox/`: approve them with `vetted kb accept`",
                plural(proposed.len(), "proposed entry", "proposed entries")
            ));
        }
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
    printer.warnings(
        proposed.iter().map(|e| {
            format!(
                "{}: proposed entry `{}` awaits approval (not matched unless `--include-inbox`)",
                e.location, e.id
            )
        }),
        PROPOSALS_LISTED,
        |n| format!("{n} more proposed entries await approval in `_inbox/`"),
    );
    if !proposed.is_empty() {
        printer.tip(
            "approve proposals with `vetted kb accept ID...` (or an inbox file), delete them with `vetted kb reject ID...`",
        );
    }
    Ok(())
}

/// The proposal ids named on the command line: ids as they are, inbox
/// files as every proposal left in them.
fn proposal_ids(kb: &KnowledgeBase, named: &[String]) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    for name in named {
        let path = std::path::Path::new(name);
        if name.ends_with(".toml") || path.is_file() {
            if !path.is_file() {
                return Err(format!("`{name}`: no such file"));
            }
            let found = crate::kb::proposals_in(kb, path);
            if found.is_empty() {
                return Err(format!(
                    "`{name}` holds no proposed entries (proposals live in `{}`)",
                    kb.root.join(crate::kb::INBOX_DIR).display()
                ));
            }
            ids.extend(found.into_iter().map(|e| e.id.clone()));
        } else {
            ids.push(name.clone());
        }
    }
    Ok(ids)
}

/// Loads the KB with its inbox and resolves the named proposals.
fn proposals(
    kb: &KbArgs,
    named: &[String],
    printer: Printer,
) -> Result<(KnowledgeBase, Vec<String>), Failure> {
    let knowledge = load_kb(kb, true, printer)?;
    let ids = proposal_ids(&knowledge, named).map_err(|e| {
        printer.error(e);
        Failure::Reported
    })?;
    Ok((knowledge, ids))
}

fn accept_failure(e: &crate::kb::AcceptError, kb: &KnowledgeBase, printer: Printer) -> Failure {
    use crate::kb::AcceptError;
    printer.error(e);
    match e {
        AcceptError::NoProposal(_) => printer.hint(format!(
            "`vetted kb check --kb {}` lists the proposals awaiting approval",
            kb.root.display()
        )),
        AcceptError::Opposite { .. } => printer.hint(
            "approve it as an entry of its own (without `--as-alternate-of`), or correct its answer first",
        ),
        AcceptError::BadTarget(_) => {
            printer.hint("name a file of the knowledge base, e.g. `--into identity.toml`");
        }
        _ => {}
    }
    Failure::Reported
}

fn accept(args: &AcceptArgs, printer: Printer) -> Result<(), Failure> {
    use crate::kb::{Approval, Outcome};
    let (kb, ids) = proposals(&args.kb, &args.proposals, printer)?;
    let root = kb.root.clone();
    let into = args.into.as_ref().map(|p| {
        if p.is_absolute() || p.starts_with(&root) {
            p.clone()
        } else {
            root.join(p)
        }
    });
    let approvals = |place: &dyn Fn(&str) -> Option<PathBuf>| -> Vec<(String, Approval)> {
        ids.iter()
            .map(|id| {
                let approval = match &args.as_alternate_of {
                    Some(target) => Approval::AlternateOf(target.clone()),
                    None => {
                        let into = into.clone().or_else(|| place(id));
                        if args.as_new {
                            Approval::AsNew { into }
                        } else {
                            Approval::Approve { into }
                        }
                    }
                };
                (id.clone(), approval)
            })
            .collect()
    };
    // Every check first, in memory: a request that fails says so before a
    // model is loaded to place the new entries.
    let today = Date::today();
    crate::kb::accept(&kb, &approvals(&|_| None), today, true)
        .map_err(|e| accept_failure(&e, &kb, printer))?;
    // Where new entries go without `--into`: beside an entry asking nearly
    // the same, else with the entries of their area, else in the area's own
    // file (by meaning with a model, else on words; `Matcher::home_file`).
    let approved = KnowledgeBase {
        entries: kb.entries.iter().filter(|e| !e.proposed).cloned().collect(),
        ..kb.clone()
    };
    let matcher = if into.is_none() && args.as_alternate_of.is_none() {
        let model = ModelArgs {
            model: args.model.clone(),
            lexical: args.lexical,
            include_inbox: false,
        };
        Some(build_matcher(
            approved,
            &model,
            crate::matcher::Options::default(),
            printer,
        )?)
    } else {
        None
    };
    // One batch for all the proposals (each question embedded once).
    let homes: std::collections::HashMap<&str, PathBuf> = match &matcher {
        Some(matcher) => {
            let asked: Vec<(&str, &str)> = ids
                .iter()
                .filter_map(|id| {
                    let p = crate::kb::find_proposal(&kb, id).ok()?;
                    Some((id.as_str(), p.question.as_str()))
                })
                .collect();
            let questions: Vec<&str> = asked.iter().map(|(_, q)| *q).collect();
            let (_, homes) = matcher.match_and_place(&questions).unwrap_or_default();
            asked
                .iter()
                .zip(homes)
                .filter_map(|((id, _), home)| Some((*id, home?)))
                .collect()
        }
        None => std::collections::HashMap::new(),
    };
    let approvals = approvals(&|id: &str| homes.get(id).cloned());
    let done = crate::kb::accept(&kb, &approvals, today, args.dry_run)
        .map_err(|e| accept_failure(&e, &kb, printer))?;
    let would = |done: &str, would: &str| if args.dry_run { would } else { done }.to_owned();
    let (mut added, mut updated, mut wordings) = (0, 0, 0);
    for (id, outcome) in &done.outcomes {
        match outcome {
            Outcome::Added { id: new, file } => {
                added += 1;
                println!(
                    "{} `{new}` to `{}`",
                    would("added", "would add"),
                    file.display()
                );
                if new != id {
                    printer.info(format!("proposal `{id}` is entry `{new}`"));
                }
            }
            Outcome::Updated {
                id: entry,
                was,
                alternates,
            } => {
                updated += 1;
                wordings += alternates;
                println!(
                    "{} `{entry}` from `{id}`: it answered `{}`{}",
                    would("updated", "would update"),
                    crate::sheet::one_line(was),
                    if *alternates > 0 {
                        format!(
                            ", {}",
                            plural(*alternates, "wording added", "wordings added")
                        )
                    } else {
                        String::new()
                    }
                );
            }
            Outcome::Alternates {
                id: entry,
                alternates,
                differs,
            } => {
                wordings += alternates;
                println!(
                    "{} {} of `{id}` to `{entry}`",
                    would("added", "would add"),
                    plural(*alternates, "wording", "wordings")
                );
                if let Some((kept, proposed)) = differs {
                    printer.warning(format!(
                        "`{id}` answers `{}` and `{entry}` answers `{}`: the entry's answer is kept",
                        crate::sheet::one_line(proposed),
                        crate::sheet::one_line(kept)
                    ));
                }
            }
        }
    }
    for file in &done.deleted {
        printer.info(format!(
            "{} `{}`: no proposals left in it",
            would("deleted", "would delete"),
            file.display()
        ));
    }
    printer.info(format!(
        "{} {}: {}, {} updated, {} added as alternates",
        plural(done.outcomes.len(), "proposal", "proposals"),
        would("approved", "would be approved"),
        plural(added, "new entry", "new entries"),
        plural(updated, "entry", "entries"),
        plural(wordings, "wording", "wordings"),
    ));
    if !args.dry_run {
        // The edit keeps the KB valid; should it not, say so at once.
        if let Err(e) = crate::kb::load_with_inbox(&root) {
            printer.error(format!("the knowledge base no longer loads: {e}"));
            printer.hint(format!(
                "run `vetted kb check --kb {}`, and `git diff` to see the change",
                root.display()
            ));
            return Err(Failure::Reported);
        }
        printer.tip("review the change with `git diff`, then commit it");
    }
    Ok(())
}

fn reject(args: &RejectArgs, printer: Printer) -> Result<(), Failure> {
    let (kb, ids) = proposals(&args.kb, &args.proposals, printer)?;
    let done =
        crate::kb::reject(&kb, &ids, args.dry_run).map_err(|e| accept_failure(&e, &kb, printer))?;
    let verb = if args.dry_run {
        "would delete"
    } else {
        "deleted"
    };
    for id in &ids {
        println!("{verb} proposal `{id}`");
    }
    for file in &done.deleted {
        printer.info(format!(
            "{verb} `{}`: no proposals left in it",
            file.display()
        ));
    }
    printer.info(format!(
        "{} {verb}",
        plural(ids.len(), "proposal", "proposals")
    ));
    Ok(())
}

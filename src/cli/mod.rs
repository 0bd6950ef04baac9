//! The command line (clap). Exit codes, a contract:
//!
//! - `0`: everything done (`kb check`: the KB is valid);
//! - `1`: a failure: some input could not be filled, the KB is invalid, ...;
//! - `2`: a usage error (bad flags or arguments).

mod ask;
mod eval;
mod fill;
mod finish;
mod kb;
mod model;
mod output;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::embed::Cache;
use crate::kb::KnowledgeBase;
use crate::matcher::{self, Matcher};
pub use output::Printer;

/// Security questionnaire answer engine: drafts answers from your approved
/// knowledge base, offline.
#[derive(Debug, Parser)]
#[command(name = "vetted", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print only errors: no progress bar, no summary lines.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Draft answers for questionnaires: writes a draft workbook (or the questionnaire itself, answered) and a JSON report per input.
    Fill(fill::FillArgs),
    /// Write the questionnaire itself with the answers of a draft reviewed in Excel.
    Finish(finish::FinishArgs),
    /// Show the best knowledge-base matches for one question.
    Ask(ask::AskArgs),
    /// Work with the knowledge base.
    #[command(subcommand)]
    Kb(kb::KbCommand),
    /// Measure matching quality against labeled questionnaires.
    Eval(eval::EvalArgs),
    /// Install or inspect the sentence-embedding model used for semantic matching.
    #[command(subcommand)]
    Model(model::ModelCommand),
    /// Serve the review web UI and its JSON API.
    Serve(serve::ServeArgs),
}

/// Where the knowledge base is.
#[derive(Debug, Clone, Args)]
struct KbArgs {
    /// Knowledge base directory.
    #[arg(
        long,
        env = "VETTED_KB",
        default_value = "knowledge_base",
        value_name = "DIR"
    )]
    kb: PathBuf,
}

/// Which matcher: semantic with a model, or lexical.
#[derive(Debug, Clone, Args)]
struct ModelArgs {
    /// The sentence-embedding model directory [default: `VETTED_MODEL`, else the one `vetted model install` installed].
    // `VETTED_MODEL` is read when the model is looked up, not by clap: a
    // model set in the environment must not conflict with `--lexical`.
    #[arg(long, value_name = "DIR", conflicts_with = "lexical")]
    model: Option<PathBuf>,
    /// Match on words only, even when a model is installed or `VETTED_MODEL` is set.
    #[arg(long)]
    lexical: bool,
    /// Also match against proposed entries in `_inbox/`.
    #[arg(long)]
    include_inbox: bool,
}

/// Confidence thresholds.
#[derive(Debug, Clone, Args)]
struct ThresholdArgs {
    /// Minimum score (0-1) for `auto`: the answer is drafted as is [default: 0.80 lexical, calibrated for semantic].
    #[arg(long, value_name = "SCORE", value_parser = parse_score)]
    auto_threshold: Option<f32>,
    /// Minimum score (0-1) for `review`: the answer is drafted and flagged for a human.
    #[arg(long, value_name = "SCORE", value_parser = parse_score)]
    review_threshold: Option<f32>,
}

fn parse_score(s: &str) -> Result<f32, String> {
    let v: f32 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("`{s}` is not between 0 and 1"))
    }
}

impl ThresholdArgs {
    fn options(&self) -> Result<matcher::Options, Failure> {
        if let (Some(review), Some(auto)) = (self.review_threshold, self.auto_threshold)
            && review > auto
        {
            return Err(Failure::Usage(format!(
                "--review-threshold ({review}) is above --auto-threshold ({auto})"
            )));
        }
        Ok(matcher::Options {
            auto_threshold: self.auto_threshold,
            review_threshold: self.review_threshold,
            ..matcher::Options::default()
        })
    }
}

/// How a command failed.
enum Failure {
    /// Exit 2, with the message.
    Usage(String),
    /// Exit 1; the command has already printed what went wrong.
    Reported,
}

/// Runs the command line and returns the process exit status.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let printer = Printer::new(cli.quiet);
    let result = match cli.command {
        Command::Fill(args) => fill::run(args, printer),
        Command::Finish(args) => finish::run(args, printer),
        Command::Ask(args) => ask::run(args, printer),
        Command::Kb(cmd) => kb::run(cmd, printer),
        Command::Eval(args) => eval::run(args, printer),
        Command::Model(cmd) => model::run(cmd, printer),
        Command::Serve(args) => serve::run(args, printer),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Reported) => ExitCode::from(1),
        Err(Failure::Usage(message)) => {
            printer.error(message);
            printer.hint("see `vetted --help`");
            ExitCode::from(2)
        }
    }
}

/// Loads the KB and builds the matcher (semantic when a model is available),
/// reporting failures.
fn load_matcher(
    kb: &KbArgs,
    model: &ModelArgs,
    options: matcher::Options,
    printer: Printer,
) -> Result<Matcher, Failure> {
    let knowledge = load_kb(kb, model.include_inbox, printer)?;
    build_matcher(knowledge, model, options, printer)
}

/// Builds the matcher for a loaded KB (semantic when a model is available),
/// reporting failures.
fn build_matcher(
    knowledge: KnowledgeBase,
    model: &ModelArgs,
    options: matcher::Options,
    printer: Printer,
) -> Result<Matcher, Failure> {
    let report = |e: matcher::MatchError| {
        printer.error(e);
        Failure::Reported
    };
    let Some(loaded) = model::load_for_matching(model, printer)? else {
        return Matcher::new(knowledge, options).map_err(report);
    };
    let cache = Cache::in_home(&loaded);
    let (matcher, outcome) =
        Matcher::semantic(knowledge, options, loaded, cache.as_ref()).map_err(report)?;
    if let Some(e) = outcome.write_error {
        printer.warning(format!(
            "{e}; the knowledge base will be embedded again next time"
        ));
    }
    Ok(matcher)
}

fn load_kb(kb: &KbArgs, include_inbox: bool, printer: Printer) -> Result<KnowledgeBase, Failure> {
    read_kb(&kb.kb, include_inbox).map_err(|e| kb_failure(&e, kb, printer))
}

/// The KB in `root` for matching, with the inbox's proposals or without.
fn read_kb(
    root: &std::path::Path,
    include_inbox: bool,
) -> Result<KnowledgeBase, crate::kb::KbError> {
    if include_inbox {
        crate::kb::load_with_inbox(root)
    } else {
        crate::kb::load(root)
    }
}

/// Reports a KB that did not load, with a hint where there is one.
fn kb_failure(e: &crate::kb::KbError, kb: &KbArgs, printer: Printer) -> Failure {
    printer.error(e);
    match e {
        crate::kb::KbError::NotFound(_) => {
            printer.hint("pass the knowledge base folder with `--kb DIR` or set `VETTED_KB`")
        }
        crate::kb::KbError::Invalid { .. } => printer.hint(format!(
            "run `vetted kb check --kb {}` to list every problem",
            kb.kb.display()
        )),
        _ => {}
    }
    Failure::Reported
}

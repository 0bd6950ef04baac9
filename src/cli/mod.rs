//! The command line (clap). Exit codes, a contract:
//!
//! - `0`: everything done (`kb check`: the KB is valid);
//! - `1`: a failure: some input could not be filled, the KB is invalid, ...;
//! - `2`: a usage error (bad flags or arguments).

mod ask;
mod fill;
mod kb;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

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
    /// Draft answers for questionnaires: writes a draft workbook and a JSON report per input.
    Fill(fill::FillArgs),
    /// Show the best knowledge-base matches for one question.
    Ask(ask::AskArgs),
    /// Work with the knowledge base.
    #[command(subcommand)]
    Kb(kb::KbCommand),
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

/// Confidence thresholds.
#[derive(Debug, Clone, Args)]
struct ThresholdArgs {
    /// Minimum score (0-1) for `auto`: the answer is drafted as is.
    #[arg(long, default_value_t = matcher::DEFAULT_AUTO_THRESHOLD, value_name = "SCORE", value_parser = parse_score)]
    auto_threshold: f32,
    /// Minimum score (0-1) for `review`: the answer is drafted and flagged for a human.
    #[arg(long, default_value_t = matcher::DEFAULT_REVIEW_THRESHOLD, value_name = "SCORE", value_parser = parse_score)]
    review_threshold: f32,
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
        if self.review_threshold > self.auto_threshold {
            return Err(Failure::Usage(format!(
                "--review-threshold ({}) is above --auto-threshold ({})",
                self.review_threshold, self.auto_threshold
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
        Command::Ask(args) => ask::run(args, printer),
        Command::Kb(cmd) => kb::run(cmd, printer),
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

/// Loads the KB and builds the matcher, reporting failures.
fn load_matcher(
    kb: &KbArgs,
    options: matcher::Options,
    printer: Printer,
) -> Result<Matcher, Failure> {
    let knowledge = load_kb(kb, printer)?;
    Matcher::new(knowledge, options).map_err(|e| {
        printer.error(e);
        Failure::Reported
    })
}

fn load_kb(kb: &KbArgs, printer: Printer) -> Result<KnowledgeBase, Failure> {
    crate::kb::load(&kb.kb).map_err(|e| {
        printer.error(&e);
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
    })
}

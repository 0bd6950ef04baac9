//! `vetted fill`: draft answers for one or more questionnaires.

use std::path::{Path, PathBuf};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Failure, KbArgs, ModelArgs, Printer, ThresholdArgs, load_matcher};
use crate::fill::{FillOptions, fill};
use crate::report::Status;
use crate::sheet::{Overrides, SheetError, original, parse_column};

#[derive(Debug, Args)]
pub struct FillArgs {
    /// Questionnaires to fill (xlsx, xlsm, xlsb, xls, ods, csv).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    kb: KbArgs,
    /// The file to write (one input only). Default: `<input stem>.draft.xlsx`, or with `--format original` `<input stem>.filled.<ext>`, next to the input.
    #[arg(short, long, value_name = "OUT", conflicts_with = "out_dir")]
    output: Option<PathBuf>,
    /// What to write: a review draft (Summary sheet, status, confidence, entry and evidence per answer), or the questionnaire itself with the answers written in and everything else untouched.
    #[arg(long, value_enum, default_value_t = OutputFormat::Draft)]
    format: OutputFormat,
    /// With `--format original`: the statuses whose drafted answers are written.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "auto,review",
        value_name = "LIST"
    )]
    statuses: Vec<DraftStatus>,
    /// Write drafts and reports into this directory.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// The JSON report to write (one input only). Default: `<input stem>.report.json` next to the draft.
    #[arg(long, value_name = "REPORT.json")]
    report: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    thresholds: ThresholdArgs,
    /// Replace answers the questionnaire already holds, and their details where the KB has some (default: keep them, status `answered`).
    #[arg(long)]
    overwrite: bool,
    #[command(flatten)]
    layout: LayoutArgs,
}

/// What `vetted fill` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Draft,
    Original,
}

/// A status whose answers `--format original` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DraftStatus {
    Auto,
    Review,
}

impl From<DraftStatus> for Status {
    fn from(s: DraftStatus) -> Status {
        match s {
            DraftStatus::Auto => Status::Auto,
            DraftStatus::Review => Status::Review,
        }
    }
}

/// Where the questions and answers are, when detection needs help.
#[derive(Debug, Clone, Args)]
pub struct LayoutArgs {
    /// Only read this sheet (also a hidden one).
    #[arg(long, value_name = "NAME", help_heading = "Layout overrides")]
    sheet: Option<String>,
    /// The column holding the questions (letter or 1-based number).
    #[arg(long, value_name = "COL", value_parser = column, help_heading = "Layout overrides")]
    question_col: Option<u32>,
    /// The column the answers go into.
    #[arg(long, value_name = "COL", value_parser = column, help_heading = "Layout overrides")]
    answer_col: Option<u32>,
    /// The column the narrative details go into.
    #[arg(long, value_name = "COL", value_parser = column, help_heading = "Layout overrides")]
    details_col: Option<u32>,
    /// The 1-based row of the column headers.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_048_576), help_heading = "Layout overrides")]
    header_row: Option<u32>,
}

impl LayoutArgs {
    /// The overrides, refused when two of them name the same column.
    pub fn overrides(&self) -> Result<Overrides, Failure> {
        let named = [
            ("--question-col", self.question_col),
            ("--answer-col", self.answer_col),
            ("--details-col", self.details_col),
        ];
        for (i, (a, col_a)) in named.iter().enumerate() {
            for (b, col_b) in &named[i + 1..] {
                if let (Some(x), Some(y)) = (col_a, col_b)
                    && x == y
                {
                    return Err(Failure::Usage(format!(
                        "{a} and {b} both name column {}",
                        crate::sheet::column_name(*x)
                    )));
                }
            }
        }
        Ok(Overrides {
            sheet: self.sheet.clone(),
            question_col: self.question_col,
            answer_col: self.answer_col,
            details_col: self.details_col,
            header_row: self.header_row.map(|r| r - 1),
        })
    }
}

fn column(s: &str) -> Result<u32, String> {
    parse_column(s)
        .ok_or_else(|| format!("`{s}` is not a column: use a letter like C or a number like 3"))
}

pub fn run(args: FillArgs, printer: Printer) -> Result<(), Failure> {
    if args.inputs.len() > 1 && args.output.is_some() {
        return Err(Failure::Usage(
            "--output takes one input; use --out-dir for several".into(),
        ));
    }
    if args.inputs.len() > 1 && args.report.is_some() {
        return Err(Failure::Usage(
            "--report takes one input; reports of several inputs go next to their drafts".into(),
        ));
    }
    if let (Some(o), Some(r)) = (&args.output, &args.report)
        && (o == r || same_file(o, r))
    {
        return Err(Failure::Usage(format!(
            "--output and --report both name `{}`",
            o.display()
        )));
    }
    // Each input as given and as the file it is, resolved once.
    let inputs: Vec<(PathBuf, &Path)> = args
        .inputs
        .iter()
        .map(|p| (p.canonicalize().unwrap_or_else(|_| p.clone()), p.as_path()))
        .collect();
    for (i, (file, given)) in inputs.iter().enumerate() {
        if inputs[..i].iter().any(|(other, _)| other == file) {
            return Err(Failure::Usage(format!(
                "`{}` is given twice",
                given.display()
            )));
        }
    }
    let options = FillOptions {
        overrides: args.layout.overrides()?,
        overwrite: args.overwrite,
        max_questions: None,
    };
    let statuses: Vec<Status> = args.statuses.iter().map(|&s| s.into()).collect();
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| {
            printer.error(format!("cannot create `{}`: {e}", dir.display()));
            Failure::Reported
        })?;
    }
    let matcher = load_matcher(&args.kb, &args.model, args.thresholds.options()?, printer)?;

    let bar = (printer.progress() && args.inputs.len() > 1).then(|| {
        let bar = ProgressBar::new(args.inputs.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let mut failed = 0;
    // What this run wrote (resolved), and for which input: no input
    // overwrites another's output.
    let mut written: Vec<(PathBuf, &Path)> = Vec::new();
    for input in &args.inputs {
        if let Some(bar) = &bar {
            bar.set_message(input.display().to_string());
        }
        let line = |f: &dyn Fn()| match &bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        };
        let target = Target {
            format: args.format,
            statuses: &statuses,
            output: args.output.clone(),
            dir: args.out_dir.clone(),
            report: args.report.clone(),
            inputs: &inputs,
            written: &written,
        };
        match fill_one(input, &target, &matcher, &options) {
            Ok(done) => {
                line(&|| {
                    printer.info(format!(
                        "`{}`: {} → `{}`",
                        input.display(),
                        done.summary,
                        done.output.display()
                    ));
                    if let Some(outcome) = &done.original {
                        tell_original(printer, input, &done.output, outcome);
                    }
                });
                for file in [done.output, done.report] {
                    written.push((file.canonicalize().unwrap_or(file), input));
                }
            }
            Err(e) => {
                failed += 1;
                line(&|| {
                    printer.error(&e);
                    if let Some(hint) = hint_for(&e) {
                        printer.hint(hint);
                    }
                });
            }
        }
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if failed > 0 {
        if args.inputs.len() > 1 {
            printer.error(format!(
                "{failed} of {} questionnaires failed",
                args.inputs.len()
            ));
        }
        return Err(Failure::Reported);
    }
    Ok(())
}

fn hint_for(e: &FillOneError) -> Option<&'static str> {
    match e {
        FillOneError::Fill(crate::fill::FillError::Sheet(SheetError::NoQuestions { .. })) => {
            Some("name the columns with --sheet, --header-row, --question-col and --answer-col")
        }
        FillOneError::Fill(crate::fill::FillError::Sheet(e)) => e.hint(),
        FillOneError::Collision { .. } => {
            Some("give the inputs different names, or fill them into different --out-dir folders")
        }
        _ => None,
    }
}

/// What to write for each input.
struct Target<'a> {
    format: OutputFormat,
    statuses: &'a [Status],
    output: Option<PathBuf>,
    dir: Option<PathBuf>,
    report: Option<PathBuf>,
    /// All the inputs of this run: the file each is, and as given.
    inputs: &'a [(PathBuf, &'a Path)],
    /// The files written so far in this run, and their inputs.
    written: &'a [(PathBuf, &'a Path)],
}

/// What was written for one input.
struct Done {
    summary: crate::report::Summary,
    output: PathBuf,
    report: PathBuf,
    original: Option<original::Outcome>,
}

#[derive(Debug, thiserror::Error)]
enum FillOneError {
    #[error(transparent)]
    Fill(#[from] crate::fill::FillError),
    #[error("refusing to overwrite the input `{}`", .0.display())]
    WouldOverwriteInput(PathBuf),
    #[error("`{}` would be written twice: for `{}` and for `{}`", path.display(), first.display(), second.display())]
    Collision {
        path: PathBuf,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("cannot write report `{}`: {detail}", path.display())]
    Report { path: PathBuf, detail: String },
}

impl From<SheetError> for FillOneError {
    fn from(e: SheetError) -> FillOneError {
        FillOneError::Fill(e.into())
    }
}

fn fill_one(
    input: &Path,
    target: &Target<'_>,
    matcher: &crate::matcher::Matcher,
    options: &FillOptions,
) -> Result<Done, FillOneError> {
    let filled = fill(input, matcher, options)?;
    // The original writer copies the input's own bytes.
    let bytes = match target.format {
        OutputFormat::Draft => None,
        OutputFormat::Original => Some(read_input(input)?),
    };
    let output = match (&target.output, &bytes) {
        (Some(o), _) => o.clone(),
        (None, None) => original::output_path(input, target.dir.as_deref(), "draft", "xlsx"),
        (None, Some(bytes)) => {
            let ext = original::extension(&filled.workbook, bytes);
            original::output_path(input, target.dir.as_deref(), "filled", ext)
        }
    };
    let report_path = target
        .report
        .clone()
        .unwrap_or_else(|| original::output_path(input, output.parent(), "report", "json"));
    if output == report_path || same_file(&output, &report_path) {
        return Err(FillOneError::Collision {
            path: output,
            first: input.to_path_buf(),
            second: input.to_path_buf(),
        });
    }
    for out in [&output, &report_path] {
        // An output not written yet is no input and no earlier output.
        let Ok(file) = out.canonicalize() else {
            continue;
        };
        if let Some((_, given)) = target.inputs.iter().find(|(i, _)| *i == file) {
            return Err(FillOneError::WouldOverwriteInput(given.to_path_buf()));
        }
        if let Some((_, first)) = target.written.iter().find(|(w, _)| *w == file) {
            return Err(FillOneError::Collision {
                path: out.clone(),
                first: first.to_path_buf(),
                second: input.to_path_buf(),
            });
        }
    }
    // The report's directory is known writable before the draft is
    // written: a run that cannot write its report leaves nothing behind.
    let report_file =
        crate::files::Pending::new(&report_path).map_err(|e| FillOneError::Report {
            path: report_path.clone(),
            detail: e.to_string(),
        })?;
    let original = match &bytes {
        None => {
            filled.write_draft(&output)?;
            None
        }
        Some(bytes) => Some(filled.write_original(bytes, target.statuses, &output)?),
    };
    let mut report = filled.report;
    report.original = original.as_ref().map(|o| o.to_report(&output));
    let json = serde_json::to_vec_pretty(&report).map_err(|e| FillOneError::Report {
        path: report_path.clone(),
        detail: e.to_string(),
    })?;
    let json = [json.as_slice(), b"\n"].concat();
    report_file
        .commit(&json)
        .map_err(|e| FillOneError::Report {
            path: report_path.clone(),
            detail: e.to_string(),
        })?;
    Ok(Done {
        summary: report.summary,
        output,
        report: report_path,
        original,
    })
}

fn read_input(input: &Path) -> Result<Vec<u8>, SheetError> {
    std::fs::read(input).map_err(|source| SheetError::Io {
        path: input.to_path_buf(),
        source,
    })
}

/// Says what writing the original did: a summary, a warning per cell left
/// alone, and what a conversion loses.
pub(super) fn tell_original(
    printer: Printer,
    input: &Path,
    output: &Path,
    outcome: &original::Outcome,
) {
    /// Cells listed one by one; the rest are counted.
    const LISTED: usize = 20;
    printer.info(format!("  {}", outcome.summary()));
    if let original::Kind::Converted(from) = outcome.kind {
        printer.warning(format!(
            "`{}` is {}, which cannot be patched in place: `{}` is a new xlsx with the same sheets and values; formatting, formulas, merged cells and macros are not kept",
            input.display(),
            original::format_name(from),
            output.display()
        ));
    }
    // Computed answers need nothing from the reviewer: the summary counts
    // them, the report lists them.
    let skipped = outcome
        .skipped
        .iter()
        .filter(|s| s.reason != original::Skip::Computed)
        .map(|s| {
            format!(
                "`{}`, sheet `{}`, cell {} left alone: {}",
                input.display(),
                s.sheet,
                s.cell,
                s.reason
            )
        });
    printer.warnings(skipped, LISTED, |n| {
        format!("`{}`: {n} more cells left alone", input.display())
    });
}

pub(super) fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

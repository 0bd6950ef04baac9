//! `vetted fill`: draft answers for one or more questionnaires.

use std::path::{Path, PathBuf};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Failure, KbArgs, ModelArgs, Printer, ThresholdArgs, load_matcher};
use crate::fill::{FillOptions, fill};
use crate::sheet::{Overrides, SheetError, parse_column};

#[derive(Debug, Args)]
pub struct FillArgs {
    /// Questionnaires to fill (xlsx, xlsm, xlsb, xls, ods, csv).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    kb: KbArgs,
    /// The draft workbook to write (one input only). Default: `<input stem>.draft.xlsx` next to the input.
    #[arg(short, long, value_name = "OUT.xlsx", conflicts_with = "out_dir")]
    output: Option<PathBuf>,
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
    /// Replace answers the questionnaire already holds (default: keep them, status `answered`).
    #[arg(long)]
    overwrite: bool,
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
    let options = FillOptions {
        overrides: Overrides {
            sheet: args.sheet.clone(),
            question_col: args.question_col,
            answer_col: args.answer_col,
            details_col: args.details_col,
            header_row: args.header_row.map(|r| r - 1),
        },
        overwrite: args.overwrite,
    };
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
    for input in &args.inputs {
        if let Some(bar) = &bar {
            bar.set_message(input.display().to_string());
        }
        let (draft, report) = output_paths(&args, input);
        let outcome = fill_one(input, &draft, &report, &matcher, &options);
        let line = |f: &dyn Fn()| match &bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        };
        match outcome {
            Ok(summary) => line(&|| {
                printer.info(format!(
                    "`{}`: {summary} → `{}`",
                    input.display(),
                    draft.display()
                ));
            }),
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
        _ => None,
    }
}

/// Draft and report paths for one input.
fn output_paths(args: &FillArgs, input: &Path) -> (PathBuf, PathBuf) {
    let stem = input.file_stem().map_or_else(
        || "questionnaire".into(),
        |s| s.to_string_lossy().into_owned(),
    );
    let dir = match &args.out_dir {
        Some(d) => d.clone(),
        None => input.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let draft = args
        .output
        .clone()
        .unwrap_or_else(|| dir.join(format!("{stem}.draft.xlsx")));
    let report = args.report.clone().unwrap_or_else(|| {
        let draft_dir = draft.parent().map(Path::to_path_buf).unwrap_or_default();
        draft_dir.join(format!("{stem}.report.json"))
    });
    (draft, report)
}

#[derive(Debug, thiserror::Error)]
enum FillOneError {
    #[error(transparent)]
    Fill(#[from] crate::fill::FillError),
    #[error("refusing to overwrite the input `{}` with the draft", .0.display())]
    WouldOverwriteInput(PathBuf),
    #[error("cannot write report `{}`: {detail}", path.display())]
    Report { path: PathBuf, detail: String },
}

fn fill_one(
    input: &Path,
    draft: &Path,
    report_path: &Path,
    matcher: &crate::matcher::Matcher,
    options: &FillOptions,
) -> Result<crate::report::Summary, FillOneError> {
    for out in [draft, report_path] {
        if same_file(input, out) {
            return Err(FillOneError::WouldOverwriteInput(input.to_path_buf()));
        }
    }
    let filled = fill(input, matcher, options)?;
    let json = serde_json::to_vec_pretty(&filled.report).map_err(|e| FillOneError::Report {
        path: report_path.to_path_buf(),
        detail: e.to_string(),
    })?;
    filled
        .write_draft(draft)
        .map_err(|e| FillOneError::Fill(e.into()))?;
    write_atomic(report_path, &json).map_err(|e| FillOneError::Report {
        path: report_path.to_path_buf(),
        detail: e.to_string(),
    })?;
    Ok(filled.report.summary.clone())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Writes a file so that it appears complete or not at all.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".vetted-report")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.write_all(b"\n")?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

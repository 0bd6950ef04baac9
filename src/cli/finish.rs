//! `vetted finish`: the questionnaire itself, with the answers of a draft
//! that a reviewer worked on in Excel.

use std::path::PathBuf;

use clap::Args;

use super::fill::{LayoutArgs, same_file, tell_original};
use super::{Failure, Printer};
use crate::sheet::{self, SheetError, original};

#[derive(Debug, Args)]
pub struct FinishArgs {
    /// The reviewed draft, as written by `vetted fill` and edited in Excel.
    #[arg(value_name = "DRAFT.xlsx")]
    draft: PathBuf,
    /// The questionnaire the draft was made from.
    #[arg(long, value_name = "INPUT")]
    original: PathBuf,
    /// The file to write. Default: `<input stem>.final.<ext>` next to the input (xlsm stays xlsm, csv stays csv; xls and ods become xlsx).
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
    /// The layout overrides the draft was filled with, if any.
    #[command(flatten)]
    layout: LayoutArgs,
}

pub fn run(args: FinishArgs, printer: Printer) -> Result<(), Failure> {
    let report = |e: SheetError| {
        printer.error(&e);
        match &e {
            SheetError::NotTheDraftOf { .. } => printer.hint(
                "pass the questionnaire the draft was made from with --original, and the same layout overrides as `vetted fill`",
            ),
            SheetError::NotADraft(_) => {
                printer.hint("the first argument is the draft `vetted fill` wrote, not the questionnaire")
            }
            other => {
                if let Some(hint) = other.hint() {
                    printer.hint(hint);
                }
            }
        }
        Failure::Reported
    };
    let wb = sheet::read(&args.original).map_err(report)?;
    let (layouts, _) = sheet::detect(&wb, &args.layout.overrides()?).map_err(report)?;
    let draft = sheet::read(&args.draft).map_err(report)?;
    let edits = original::reviewed_edits(&wb, &layouts, &draft, &args.draft).map_err(report)?;
    let bytes = std::fs::read(&args.original).map_err(|source| {
        report(SheetError::Io {
            path: args.original.clone(),
            source,
        })
    })?;
    let output = args.output.clone().unwrap_or_else(|| {
        original::output_path(
            &args.original,
            None,
            "final",
            original::extension(&wb, &bytes),
        )
    });
    for input in [&args.original, &args.draft] {
        if same_file(input, &output) {
            printer.error(format!("refusing to overwrite `{}`", input.display()));
            printer.hint("choose another file with --output");
            return Err(Failure::Reported);
        }
    }
    let outcome =
        original::write_original(&wb, &layouts, &bytes, &edits, &output).map_err(report)?;
    printer.info(format!(
        "`{}`: {} answer cells carried into `{}` → `{}`",
        args.draft.display(),
        edits.len(),
        args.original.display(),
        output.display()
    ));
    tell_original(printer, &args.original, &output, &outcome);
    Ok(())
}

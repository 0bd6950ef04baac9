//! `vetted kb ...`: knowledge base maintenance.

use clap::Subcommand;

use super::{Failure, KbArgs, Printer};
use crate::kb::{Date, Severity, scan};

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Validate the knowledge base: syntax, required fields, ids, URLs, dates; list stale entries.
    Check(KbArgs),
}

pub fn run(cmd: KbCommand, printer: Printer) -> Result<(), Failure> {
    match cmd {
        KbCommand::Check(args) => check(&args, printer),
    }
}

fn check(args: &KbArgs, printer: Printer) -> Result<(), Failure> {
    let scan = scan(&args.kb, Date::today()).map_err(|e| {
        printer.error(e);
        Failure::Reported
    })?;
    let mut errors = 0;
    let mut stale = 0;
    for d in &scan.diagnostics {
        match d.severity {
            Severity::Error => {
                errors += 1;
                printer.error(d);
            }
            Severity::Warning => {
                stale += 1;
                printer.warning(d);
            }
        }
    }
    let summary = format!(
        "`{}`: {} entries in {} files, {} synonym groups: {errors} error{}, {stale} stale",
        args.kb.display(),
        scan.kb.entries.len(),
        scan.files,
        scan.kb.synonyms.len(),
        if errors == 1 { "" } else { "s" },
    );
    if errors > 0 {
        printer.error(summary);
        return Err(Failure::Reported);
    }
    if scan.kb.entries.is_empty() {
        printer.error(format!("`{}` holds no entries", args.kb.display()));
        return Err(Failure::Reported);
    }
    printer.info(summary);
    Ok(())
}

//! The finished questionnaire: the customer's own file with the reviewed
//! answers written in (the original writer of `sheet::original`), and the
//! review draft with the decisions applied.

use std::path::Path;

use super::decision::{Action, Decision, apply};
use crate::report::{Report, Status};
use crate::sheet::original::{self, CellEdit, Outcome};
use crate::sheet::{self, SheetError};

/// Writes the original file (`file_name`, content `original`) to `path`
/// with the answers that are decided: accepted, edited and chosen answers
/// (and their details, which replace what the details cell held), plus
/// undecided `auto` answers. A cleared question's answer cell (or mark
/// cells) is emptied. Undecided `review` answers and flagged questions are
/// not written: nobody has vouched for them. Returns what was written and
/// the file's extension (`xlsx`, `xlsm` or `csv`).
pub fn write_finished(
    file_name: &str,
    original: Vec<u8>,
    report: &Report,
    decisions: &[Option<Decision>],
    path: &Path,
) -> Result<(Outcome, &'static str), SheetError> {
    let mut wb = sheet::read_bytes(Path::new(file_name), original.clone())?;
    let (layouts, _) = sheet::detect(&wb, &sheet::Overrides::default())?;
    let mut finished = apply(report, decisions);
    let mut clears = Vec::new();
    for (q, d) in finished.questions.iter_mut().zip(decisions) {
        let action = d.as_ref().map(|d| d.action);
        let Some((_, layout)) = original::layout_of(&wb, &layouts, &q.sheet) else {
            continue;
        };
        let row = q.row.saturating_sub(1);
        match action {
            Some(Action::Accept | Action::Edit | Action::Choose) if q.details.is_some() => {
                // The reviewer's details replace the cell's.
                wb.sheets[layout.sheet].clear(row, layout.details_col);
            }
            Some(Action::Clear) => {
                let cols: Vec<u32> = if layout.marks.is_empty() {
                    vec![layout.answer_col]
                } else {
                    layout.marks.iter().map(|(c, _)| *c).collect()
                };
                for col in cols {
                    clears.push(CellEdit {
                        sheet: q.sheet.clone(),
                        row,
                        col,
                        value: None,
                        joins: false,
                    });
                }
            }
            Some(Action::Flag) => q.status = Status::Unmatched,
            None if q.status == Status::Review => q.status = Status::Unmatched,
            _ => {}
        }
    }
    let outcome = original::write_drafted(
        &wb,
        &layouts,
        &original,
        &finished,
        &[Status::Auto],
        clears,
        path,
    )?;
    Ok((outcome, original::extension(&wb, &original)))
}

/// Writes the review draft of the original with the decisions applied:
/// every drafted answer, with its status, confidence, entry and evidence.
pub fn write_finished_draft(
    file_name: &str,
    original: Vec<u8>,
    report: &Report,
    decisions: &[Option<Decision>],
    path: &Path,
) -> Result<(), SheetError> {
    let mut wb = sheet::read_bytes(Path::new(file_name), original)?;
    let (layouts, _) = sheet::detect(&wb, &sheet::Overrides::default())?;
    for (q, d) in report.questions.iter().zip(decisions) {
        let Some(d) = d else { continue };
        let Some((_, layout)) = original::layout_of(&wb, &layouts, &q.sheet) else {
            continue;
        };
        let row = q.row.saturating_sub(1);
        let sheet = &mut wb.sheets[layout.sheet];
        match d.action {
            Action::Accept | Action::Edit | Action::Choose if d.details.is_some() => {
                sheet.clear(row, layout.details_col);
            }
            Action::Clear => {
                sheet.clear(row, layout.answer_col);
                for (col, _) in &layout.marks {
                    sheet.clear(row, *col);
                }
            }
            _ => {}
        }
    }
    let finished = apply(report, decisions);
    sheet::write_draft(&wb, &layouts, &finished, path)
}

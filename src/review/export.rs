//! The finished workbook: the draft writer run on the original with the
//! decisions applied.

use std::path::Path;

use super::decision::{Action, Decision, apply};
use crate::report::Report;
use crate::sheet::{self, SheetError};

/// Writes the finished workbook of `original` (named `file_name`) to `path`.
///
/// The draft writer keeps what the file already holds in details cells, and
/// in answer cells of questions it does not answer. A reviewer's decision
/// replaces them: the details cell of an accepted, edited or chosen answer
/// that has details, and the answer cells of a cleared question, are emptied
/// first.
pub fn write_finished(
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
        let Some(layout) = layouts
            .iter()
            .find(|l| wb.sheets.get(l.sheet).is_some_and(|s| s.name == q.sheet))
        else {
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

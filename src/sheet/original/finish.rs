//! `vetted finish`: the answers of a draft a reviewer worked on in Excel,
//! carried into the original.
//!
//! The draft holds every input sheet with its values in the same cells, so
//! for each question the answer, mark and details cells of the draft are
//! compared with the original's: whatever differs (an answer drafted,
//! accepted, edited or cleared by the reviewer) becomes an edit. A row whose
//! Status the reviewer set to a rejection (`rejected`, `reject`, `no`, `x`,
//! `✗`) is left as the original has it.

use std::path::Path;

use super::{CellEdit, add_headers, details_join_answer, layout_of};
use crate::sheet::SheetError;
use crate::sheet::detect::Layout;
use crate::sheet::draft::sheet_names;
use crate::sheet::read::{Sheet, Workbook};
use crate::sheet::review::reviewed;

/// Status values by which a reviewer rejects a drafted answer.
pub const REJECTED: [&str; 5] = ["rejected", "reject", "no", "x", "✗"];

/// Whether a Status cell says the drafted answer is rejected ([`REJECTED`]).
pub fn is_rejected(status: &str) -> bool {
    REJECTED.contains(&status.trim().to_lowercase().as_str())
}

/// The edits that bring `original` (with its `layouts`) to the answers of
/// the reviewed `draft` (read from `draft_path`).
pub fn reviewed_edits(
    original: &Workbook,
    layouts: &[Layout],
    draft: &Workbook,
    draft_path: &Path,
) -> Result<Vec<CellEdit>, SheetError> {
    let rows = reviewed(draft, draft_path)?;
    let draft_names = sheet_names(original);
    let mismatch = |detail: String| SheetError::NotTheDraftOf {
        draft: draft_path.to_path_buf(),
        original: original.path.clone(),
        detail,
    };
    let mut edits = Vec::new();
    for q in rows {
        // The draft names sheets as the original does, made valid for Excel.
        let Some(i) = original
            .sheets
            .iter()
            .position(|s| s.name == q.sheet)
            .or_else(|| draft_names.iter().position(|n| *n == q.sheet))
        else {
            return Err(mismatch(format!("the original has no sheet `{}`", q.sheet)));
        };
        let name = original.sheets[i].name.clone();
        let Some((_, layout)) = layout_of(original, layouts, &name) else {
            return Err(mismatch(format!(
                "no questions were found on sheet `{name}`"
            )));
        };
        let row = q.row.saturating_sub(1);
        let asked = original.sheets[i].get(row, layout.question_col).display();
        if comparable(&asked) != comparable(&q.question) {
            return Err(mismatch(format!(
                "sheet `{name}` row {} asks `{}` in the original",
                q.row,
                crate::sheet::one_line(&asked)
            )));
        }
        if is_rejected(&q.status) {
            continue;
        }
        let Some(draft_sheet) = draft.sheets.iter().find(|s| s.name == q.sheet) else {
            continue;
        };
        let orig = &original.sheets[i];
        let mut cells: Vec<u32> = if layout.marks.is_empty() {
            vec![layout.answer_col]
        } else {
            layout.marks.iter().map(|(c, _)| *c).collect()
        };
        let details_col = !layout.details_is_new || layout.answer_is_new;
        if details_col {
            cells.push(layout.details_col);
        }
        let dropdown = original
            .lists
            .dropdown(&name, row, layout.answer_col)
            .is_some();
        let joined = details_join_answer(layout, dropdown, &asked)
            .then(|| value(draft_sheet, row, layout.details_col))
            .filter(|d| !d.is_empty());
        for col in cells {
            let mut now = value(draft_sheet, row, col);
            if let Some(details) = joined
                .as_deref()
                .filter(|_| col == layout.answer_col && !now.is_empty())
            {
                now = super::join_sentences(&now, details);
            }
            if now != value(orig, row, col) {
                edits.push(CellEdit {
                    sheet: name.clone(),
                    row,
                    col,
                    value: (!now.is_empty()).then_some(now),
                    joins: col == layout.details_col && super::asks(&asked),
                });
            }
        }
    }
    add_headers(original, layouts, &mut edits);
    Ok(edits)
}

fn value(sheet: &Sheet, row: u32, col: u32) -> String {
    sheet.get(row, col).display().trim().to_string()
}

/// A question's text for comparison: letters and digits, lowercased.
fn comparable(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

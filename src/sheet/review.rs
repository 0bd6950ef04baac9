//! Reading back a draft workbook after a reviewer worked on it in Excel.
//!
//! The draft carries a very hidden sheet ([`super::draft::MAP_SHEET`]) that
//! says where each question's cells are and what was drafted; the values
//! the cells hold now are the reviewer's.

use std::path::Path;

use super::SheetError;
use super::draft::{MAP_HEADERS, MAP_SHEET};
use super::read::{Sheet, read};
use super::validation::parse_cell;

/// One question of a reviewed draft.
#[derive(Debug, Clone, PartialEq)]
pub struct Reviewed {
    pub sheet: String,
    /// 1-based row.
    pub row: u32,
    pub question: String,
    /// The Status cell as the reviewer left it.
    pub status: String,
    /// The KB entry cell as the reviewer left it.
    pub entry: String,
    /// The answer and details cells as they stand (`None` for mark columns).
    pub answer: Option<String>,
    /// The values the answer cell's dropdown takes, when it takes nothing
    /// else.
    pub allowed: Option<Vec<String>>,
    pub details: String,
    pub drafted_status: String,
    pub drafted_entry: String,
    pub drafted_answer: String,
    pub drafted_details: String,
}

/// Reads the questions of a draft written by `vetted fill`.
pub fn read_reviewed(path: &Path) -> Result<Vec<Reviewed>, SheetError> {
    reviewed(&read(path)?, path)
}

/// The questions of the draft `wb`, read from `path`.
pub(super) fn reviewed(
    wb: &super::read::Workbook,
    path: &Path,
) -> Result<Vec<Reviewed>, SheetError> {
    let not_a_draft = || SheetError::NotADraft(path.to_path_buf());
    let map = wb
        .sheets
        .iter()
        .find(|s| s.name == MAP_SHEET)
        .ok_or_else(not_a_draft)?;
    let header: Vec<String> = map.row(0).iter().map(|v| v.display()).collect();
    if header.iter().map(String::as_str).ne(MAP_HEADERS) {
        return Err(not_a_draft());
    }
    let cell = |sheet: &Sheet, at: &str| -> String {
        parse_cell(at)
            .map(|(r, c)| sheet.get(r, c).display().trim().to_owned())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for r in 1..map.height() {
        let f = |c: u32| map.get(r, c).display();
        let sheet_name = f(0);
        let Some(sheet) = wb.sheets.iter().find(|s| s.name == sheet_name) else {
            return Err(SheetError::Corrupt {
                path: path.to_path_buf(),
                detail: format!("the draft's sheet `{sheet_name}` is missing"),
            });
        };
        let answer_cell = f(3);
        let allowed = parse_cell(&answer_cell)
            .and_then(|(r, c)| wb.lists.dropdown(&sheet_name, r, c))
            .filter(|d| d.strict)
            .map(|d| d.values.to_vec());
        out.push(Reviewed {
            sheet: sheet_name.clone(),
            row: f(1).parse().unwrap_or(0),
            question: f(2),
            status: cell(sheet, &f(5)),
            entry: cell(sheet, &f(6)),
            answer: (!answer_cell.is_empty()).then(|| cell(sheet, &answer_cell)),
            allowed,
            details: cell(sheet, &f(4)),
            drafted_status: f(7),
            drafted_entry: f(8),
            drafted_answer: f(9),
            drafted_details: f(10),
        });
    }
    Ok(out)
}

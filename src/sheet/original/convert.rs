//! xls, ods and xlsb files cannot be patched: they become an xlsx with the
//! same sheets (hidden ones stay hidden) and the same values, with the
//! answers written in. Formatting, formulas (their values are kept), merged
//! cells and macros are not carried over; the caller says so.

use rust_xlsxwriter::Workbook as XlsxWorkbook;

use super::{CellEdit, Kind, Outcome, Skip, Skipped};
use crate::sheet::cell_ref;
use crate::sheet::draft::{sheet_names, write_value};
use crate::sheet::read::{Value, Workbook};

pub(super) fn to_xlsx(
    wb: &Workbook,
    edits: &[CellEdit],
) -> Result<(Vec<u8>, Outcome), rust_xlsxwriter::XlsxError> {
    let mut outcome = Outcome::new(Kind::Converted(wb.format));
    let mut sheets = wb.sheets.clone();
    for e in edits {
        let Some(sheet) = sheets.iter_mut().find(|s| s.name == e.sheet) else {
            continue;
        };
        if sheet.is_formula(e.row, e.col) {
            outcome.skipped.push(Skipped {
                sheet: e.sheet.clone(),
                cell: cell_ref(e.row, e.col),
                reason: Skip::Formula,
            });
            continue;
        }
        let had_value = !sheet.get(e.row, e.col).is_empty();
        match &e.value {
            Some(text) => {
                sheet.set(e.row, e.col, Value::Text(text.clone()));
                outcome.written += 1;
            }
            None if had_value => {
                sheet.clear(e.row, e.col);
                outcome.cleared += 1;
            }
            None => {}
        }
    }
    let names = sheet_names(wb);
    let mut book = XlsxWorkbook::new();
    for (sheet, name) in sheets.iter().zip(&names) {
        let ws = book.add_worksheet();
        ws.set_name(name)?;
        if !sheet.visible {
            ws.set_hidden(true);
        }
        for r in 0..sheet.height() {
            for (c, v) in sheet.row(r).iter().enumerate() {
                write_value(ws, r, c as u16, v, None)?;
            }
        }
    }
    Ok((book.save_to_buffer()?, outcome))
}

//! The customer's own file with the answers written in: the other output
//! beside the draft.
//!
//! - **xlsx, xlsm**: the package is patched ([`xlsx`]): only the answer
//!   cells change; styles, dropdowns, formulas, hidden sheets, merged cells,
//!   comments, defined names, macros and every other part stay as they were.
//! - **csv**: the answer fields are filled in the original text ([`csv`]);
//!   every other byte stays, quoting included. Cells a spreadsheet program
//!   would run as a formula are neutralised.
//! - **xls, ods, xlsb** cannot be patched: they become an xlsx with the same
//!   sheets and values ([`convert`]).
//!
//! Invariant: a formula cell is never overwritten, and a cell hidden inside
//! a merged range is never written; both are reported as [`Skipped`].

mod convert;
mod csv;
mod finish;
mod xlsx;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use finish::{REJECTED, is_rejected, reviewed_edits};

use super::detect::Layout;
use super::read::{Format, Workbook};
use super::validation::parse_cell;
use super::{SheetError, cell_ref};
use crate::report::{JoinedCell, OriginalReport, Report, SkippedCell, Status};

/// One cell to change in the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellEdit {
    pub sheet: String,
    /// 0-based row and column.
    pub row: u32,
    pub col: u32,
    /// The text to write; `None` empties the cell.
    pub value: Option<String>,
    /// Whether the text may join the visible cell of a merged range that
    /// hides this cell, when that cell is written too: the details of a
    /// question whose answer cell is merged across the details column.
    pub joins: bool,
}

/// Words that open a request for an answer (`Describe ...`).
pub(crate) const REQUESTS: [&str; 20] = [
    "describe",
    "provide",
    "explain",
    "list",
    "state",
    "identify",
    "detail",
    "specify",
    "outline",
    "indicate",
    "summarize",
    "summarise",
    "give",
    "share",
    "attach",
    "include",
    "please",
    "define",
    "confirm",
    "elaborate",
];

/// Whether a question's text asks something (a question, or a request such
/// as `Describe your backups` or `Use this area to ...`) rather than naming a value, as a form's
/// label does (`Vendor Name`, `Date`): details belong with the answer to the
/// former, not in a name or date field.
pub(crate) fn asks(text: &str) -> bool {
    let t = text.trim();
    if t.contains('?') || t.to_lowercase().starts_with("use this") {
        return true;
    }
    REQUESTS.contains(&first_word(t).as_str())
}

/// Words that open a question asking for more than yes or no.
pub(crate) const OPEN_WORDS: [&str; 8] = [
    "how", "what", "which", "who", "when", "where", "why", "whom",
];

/// The first word of a text, lowercased, without the punctuation around it.
pub(crate) fn first_word(text: &str) -> String {
    text.split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// `first` and then `second` in one cell, as sentences.
pub(super) fn join_sentences(first: &str, second: &str) -> String {
    let first = first.trim_end();
    if first.ends_with(['.', '!', '?', ':', ';']) {
        format!("{first} {}", second.trim_start())
    } else {
        format!("{first}. {}", second.trim_start())
    }
}

/// Whether a question asks for more than yes or no: a request (`Describe
/// ...`) or an open question (`How often ...?`).
fn asks_open(text: &str) -> bool {
    let first = first_word(text);
    OPEN_WORDS.contains(&first.as_str()) || REQUESTS.contains(&first.as_str())
}

/// Whether a question's details go into its answer cell, after the answer:
/// the customer's sheet has an answer column but no details column, the
/// answer cell takes free text (no dropdown, no mark columns), and the
/// question asks for more than yes or no, so the answer alone (`Yes` for
/// `Describe your incident response process.`) would say too little.
pub(super) fn details_join_answer(layout: &Layout, dropdown: bool, question: &str) -> bool {
    layout.details_is_new
        && !layout.answer_is_new
        && layout.marks.is_empty()
        && !dropdown
        && asks_open(question)
}

/// Why a cell was left as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The row reads like a question, but a formula computes its answer
    /// (HECVAT 4 copies its START HERE fields onto every sheet): nothing
    /// for a reviewer to do.
    Computed,
    Formula,
    SharedFormula,
    ArrayFormula,
    /// Inside this merged range, not its top-left cell: hidden.
    Merged(String),
    /// The row or its cells carry no references, so a new cell's place is
    /// ambiguous.
    NoReferences,
    /// The drafted answer is none of the values the cell's dropdown allows.
    NotAllowed(String),
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::Computed => f.write_str("its answer is computed by a formula"),
            Skip::Formula => f.write_str("it holds a formula"),
            Skip::SharedFormula => f.write_str("it holds a shared formula"),
            Skip::ArrayFormula => f.write_str("it is part of an array formula"),
            Skip::Merged(range) => write!(f, "it is hidden inside the merged range {range}"),
            Skip::NoReferences => {
                f.write_str("its row has cells without references, so it cannot be placed")
            }
            Skip::NotAllowed(answer) => write!(
                f,
                "the drafted answer `{answer}` is not one of the values its dropdown allows"
            ),
        }
    }
}

/// A cell left alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub sheet: String,
    /// `C12`.
    pub cell: String,
    pub reason: Skip,
}

/// How the original was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The xlsx/xlsm package, patched.
    Patched,
    /// The csv text, patched.
    Csv,
    /// An xls, ods or xlsb converted to xlsx.
    Converted(Format),
}

/// What writing the original did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub kind: Kind,
    /// Cells written and emptied.
    pub written: usize,
    pub cleared: usize,
    pub skipped: Vec<Skipped>,
    /// Text for cells hidden inside a merged range, written into the
    /// range's visible cell after its own (a details cell under a free-text
    /// answer merged across both): (sheet, hidden cell, visible cell).
    pub joined: Vec<(String, String, String)>,
    /// The sheets whose XML was patched (xlsx/xlsm).
    pub sheets: Vec<String>,
    /// csv: the customer's cells prefixed with `'` so that no spreadsheet
    /// program runs them as formulas (written answers are always
    /// neutralised; these are the file's own cells).
    pub neutralised: usize,
}

impl Outcome {
    /// Nothing written yet.
    pub(super) fn new(kind: Kind) -> Outcome {
        Outcome {
            kind,
            written: 0,
            cleared: 0,
            skipped: Vec::new(),
            joined: Vec::new(),
            sheets: Vec::new(),
            neutralised: 0,
        }
    }

    /// The cells left alone because a formula computes the row's answer.
    pub fn computed(&self) -> impl Iterator<Item = &Skipped> {
        self.skipped.iter().filter(|s| s.reason == Skip::Computed)
    }

    /// A one-line summary: `patched 2 sheets: 120 cells written, 3 left alone`.
    pub fn summary(&self) -> String {
        let mut s = match self.kind {
            Kind::Patched => format!(
                "patched {} sheet{}: {} cell{} written",
                self.sheets.len(),
                plural(self.sheets.len()),
                self.written,
                plural(self.written)
            ),
            Kind::Csv => format!("{} field{} written", self.written, plural(self.written)),
            Kind::Converted(from) => format!(
                "converted from {} to xlsx: {} cell{} written",
                format_name(from),
                self.written,
                plural(self.written)
            ),
        };
        if self.cleared > 0 {
            s.push_str(&format!(", {} emptied", self.cleared));
        }
        if !self.joined.is_empty() {
            s.push_str(&format!(
                ", {} joined into a merged cell",
                self.joined.len()
            ));
        }
        let computed = self.computed().count();
        let left = self.skipped.len() - computed;
        if left > 0 {
            s.push_str(&format!(", {left} left alone"));
        }
        if computed > 0 {
            s.push_str(&format!(
                ", {computed} computed answer{} kept",
                plural(computed)
            ));
        }
        if self.neutralised > 0 {
            s.push_str(&format!(
                ", {} formula-like cell{} neutralised",
                self.neutralised,
                plural(self.neutralised)
            ));
        }
        s
    }
}

impl Outcome {
    /// The report's account of it, for the original written to `path`.
    pub fn to_report(&self, path: &Path) -> OriginalReport {
        OriginalReport {
            path: path.display().to_string(),
            how: match self.kind {
                Kind::Patched => "patched",
                Kind::Csv => "csv",
                Kind::Converted(_) => "converted",
            }
            .to_string(),
            written: self.written,
            cleared: self.cleared,
            sheets: self.sheets.clone(),
            skipped: self
                .skipped
                .iter()
                .map(|s| SkippedCell {
                    sheet: s.sheet.clone(),
                    cell: s.cell.clone(),
                    reason: s.reason.to_string(),
                })
                .collect(),
            joined: self
                .joined
                .iter()
                .map(|(sheet, cell, into)| JoinedCell {
                    sheet: sheet.clone(),
                    cell: cell.clone(),
                    into: into.clone(),
                })
                .collect(),
            neutralised: self.neutralised,
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub fn format_name(f: Format) -> &'static str {
    match f {
        Format::Xlsx => "xlsx",
        Format::Xlsb => "xlsb",
        Format::Xls => "xls",
        Format::Ods => "ods",
        Format::Csv => "csv",
    }
}

/// The file extension of the original written for `wb` (`bytes` are its
/// file): xlsm stays xlsm, csv stays csv, the rest becomes xlsx.
pub fn extension(wb: &Workbook, bytes: &[u8]) -> &'static str {
    match wb.format {
        Format::Csv => "csv",
        Format::Xlsx if xlsx::is_macro_enabled(bytes) => "xlsm",
        _ => "xlsx",
    }
}

/// Writes `wb` (read from `bytes`) with `edits` applied to `path`,
/// atomically. The question rows of `layouts` whose answer cell holds a
/// formula are reported as left alone.
pub fn write_original(
    wb: &Workbook,
    layouts: &[Layout],
    bytes: &[u8],
    edits: &[CellEdit],
    path: &Path,
) -> Result<Outcome, SheetError> {
    let fail = |detail: String| SheetError::Write {
        path: path.to_path_buf(),
        detail,
    };
    for e in edits {
        if !wb.sheets.iter().any(|s| s.name == e.sheet) {
            return Err(fail(format!(
                "the questionnaire has no sheet `{}`",
                e.sheet
            )));
        }
    }
    let (out, outcome) = match wb.format {
        Format::Xlsx => {
            let mut by_sheet: BTreeMap<String, Vec<xlsx::CellChange>> = BTreeMap::new();
            for e in edits {
                by_sheet
                    .entry(e.sheet.clone())
                    .or_default()
                    .push(xlsx::CellChange {
                        row: e.row,
                        col: e.col,
                        value: e.value.clone(),
                        joins: e.joins,
                    });
            }
            let (out, patches) =
                xlsx::patch_package(bytes, &by_sheet).map_err(|detail| SheetError::Corrupt {
                    path: wb.path.clone(),
                    detail,
                })?;
            let mut outcome = Outcome::new(Kind::Patched);
            // In workbook order.
            for sheet in &wb.sheets {
                let Some(p) = patches.get(&sheet.name) else {
                    continue;
                };
                outcome.written += p.written;
                outcome.cleared += p.cleared;
                if p.written + p.cleared > 0 {
                    outcome.sheets.push(sheet.name.clone());
                }
                outcome
                    .skipped
                    .extend(p.skipped.iter().map(|(r, c, why)| Skipped {
                        sheet: sheet.name.clone(),
                        cell: cell_ref(*r, *c),
                        reason: why.clone(),
                    }));
                outcome.joined.extend(
                    p.joined.iter().map(|&(r, c, into)| {
                        (sheet.name.clone(), cell_ref(r, c), cell_ref(r, into))
                    }),
                );
            }
            (out, outcome)
        }
        Format::Csv => csv::patch(&wb.path, bytes, edits)?,
        Format::Xls | Format::Ods | Format::Xlsb => {
            convert::to_xlsx(wb, edits).map_err(|e| fail(e.to_string()))?
        }
    };
    crate::files::replace(path, &out).map_err(|e| fail(e.to_string()))?;
    let mut outcome = outcome;
    for layout in layouts {
        let Some(sheet) = wb.sheets.get(layout.sheet) else {
            continue;
        };
        outcome
            .skipped
            .extend(layout.computed.iter().map(|&row| Skipped {
                sheet: sheet.name.clone(),
                cell: cell_ref(row, layout.answer_col),
                reason: Skip::Computed,
            }));
    }
    Ok(outcome)
}

/// Writes the original (`bytes`) to `path` with the drafted answers of
/// `report` whose status is one of `statuses` (see `draft_edits`), then
/// `extra` edits (which win over a drafted one in the same cell). Answers
/// the cell's dropdown does not allow are reported as skipped.
pub fn write_drafted(
    wb: &Workbook,
    layouts: &[Layout],
    bytes: &[u8],
    report: &Report,
    statuses: &[Status],
    extra: Vec<CellEdit>,
    path: &Path,
) -> Result<Outcome, SheetError> {
    let (mut edits, not_allowed) = draft_edits(wb, layouts, report, statuses);
    edits.extend(extra);
    let mut outcome = write_original(wb, layouts, bytes, &edits, path)?;
    outcome.skipped.extend(not_allowed);
    Ok(outcome)
}

/// The edits that write a fill's drafted answers into the original: the
/// answers of the questions whose status is one of `statuses` (only `auto`
/// and `review` draft answers), and their details where the questionnaire
/// has an empty details cell, or after the answer in a free-text answer
/// cell of a sheet without details column ([`details_join_answer`]). Mark columns get an `x` in the answer's
/// column. A sheet without an answer column gets one, with an `Answer`
/// header (and its details a `Details` column). An answer the cell's
/// dropdown does not allow (one that takes only its values) is not written
/// into the customer's file: it is returned as skipped, with its details.
fn draft_edits(
    wb: &Workbook,
    layouts: &[Layout],
    report: &Report,
    statuses: &[Status],
) -> (Vec<CellEdit>, Vec<Skipped>) {
    let mut edits = Vec::new();
    let mut skipped = Vec::new();
    for q in &report.questions {
        if !(q.status.drafts_answer() && statuses.contains(&q.status)) {
            continue;
        }
        let Some(answer) = &q.answer else { continue };
        let Some((i, layout)) = layout_of(wb, layouts, &q.sheet) else {
            continue;
        };
        if q.allowed_only && q.allowed.as_ref().is_some_and(|a| !a.contains(answer)) {
            skipped.push(Skipped {
                sheet: q.sheet.clone(),
                cell: q.answer_cell.clone(),
                reason: Skip::NotAllowed(answer.clone()),
            });
            continue;
        }
        let sheet = &wb.sheets[i];
        let row = q.row.saturating_sub(1);
        let edit = |col: u32, value: Option<String>| CellEdit {
            sheet: q.sheet.clone(),
            row,
            col,
            value,
            joins: false,
        };
        if layout.marks.is_empty() {
            let text = match &q.details {
                Some(details)
                    if details_join_answer(layout, q.allowed.is_some(), &q.question)
                        && !details.trim().is_empty() =>
                {
                    join_sentences(answer, details)
                }
                _ => answer.clone(),
            };
            if let Some((_, col)) = parse_cell(&q.answer_cell) {
                edits.push(edit(col, Some(text)));
            }
        } else {
            for (col, value) in &layout.marks {
                let marked = value == answer;
                if marked || !sheet.get(row, *col).is_empty() {
                    edits.push(edit(*col, marked.then(|| "x".to_string())));
                }
            }
        }
        let details_col = !layout.details_is_new || layout.answer_is_new;
        if let Some(details) = &q.details
            && details_col
            && layout.details_free(sheet, row)
        {
            edits.push(CellEdit {
                joins: asks(&q.question),
                ..edit(layout.details_col, Some(details.clone()))
            });
        }
    }
    add_headers(wb, layouts, &mut edits);
    (edits, skipped)
}

/// `Answer` and `Details` headers over columns the fill adds.
fn add_headers(wb: &Workbook, layouts: &[Layout], edits: &mut Vec<CellEdit>) {
    let mut headers = Vec::new();
    for layout in layouts {
        let (Some(h), Some(sheet)) = (layout.header_row, wb.sheets.get(layout.sheet)) else {
            continue;
        };
        if !layout.answer_is_new {
            continue;
        }
        let used = |col: u32| edits.iter().any(|e| e.sheet == sheet.name && e.col == col);
        for (col, title) in [
            (layout.answer_col, "Answer"),
            (layout.details_col, "Details"),
        ] {
            if used(col) && sheet.get(h, col).is_empty() {
                headers.push(CellEdit {
                    sheet: sheet.name.clone(),
                    row: h,
                    col,
                    value: Some(title.to_string()),
                    joins: false,
                });
            }
        }
    }
    edits.extend(headers);
}

/// The index and layout of the sheet named `sheet`.
pub fn layout_of<'a>(
    wb: &Workbook,
    layouts: &'a [Layout],
    sheet: &str,
) -> Option<(usize, &'a Layout)> {
    let i = wb.sheets.iter().position(|s| s.name == sheet)?;
    Some((i, layouts.iter().find(|l| l.sheet == i)?))
}

/// The default name of the original written for `input`: `<stem>.filled.<ext>`
/// (or `<stem>.<suffix>.<ext>`) in `dir`, or next to the input.
pub fn output_path(input: &Path, dir: Option<&Path>, suffix: &str, ext: &str) -> PathBuf {
    let stem = input.file_stem().map_or_else(
        || "questionnaire".into(),
        |s| s.to_string_lossy().into_owned(),
    );
    let name = format!("{stem}.{suffix}.{ext}");
    match dir {
        Some(d) => d.join(name),
        None => input.with_file_name(name),
    }
}

#[cfg(test)]
mod tests {
    use super::asks;

    #[test]
    fn questions_and_requests_ask_labels_do_not() {
        for text in [
            "Do you encrypt data at rest?",
            "Describe your organization's ownership structure.",
            "Please provide your SOC 2 report",
            "Use this area to share information about your environment.",
            "  list all subprocessors",
        ] {
            assert!(asks(text), "{text}");
        }
        for text in [
            "Vendor Name",
            "Date",
            "Product Name and Version Information",
            "",
        ] {
            assert!(!asks(text), "{text}");
        }
    }
}

//! Spreadsheets: reading questionnaires, finding their questions and answer
//! columns, and writing draft workbooks.
//!
//! Invariant: calamine, csv and rust_xlsxwriter types never leave this
//! module. Rows and columns are 0-based inside; [`cell_ref`] renders the
//! Excel form (`C12`) and reports use 1-based rows.

mod detect;
mod draft;
pub mod original;
mod read;
mod review;
mod validation;

use std::path::{Path, PathBuf};

pub use detect::{Layout, Overrides, Question, Skipped, detect, parse_column};
pub use draft::write_draft;
pub use read::{
    Format, MAX_CELL_CHARS, MAX_COMPRESSION_RATIO, MAX_ENTRY_BYTES, MAX_FILE_BYTES,
    MAX_SHEET_CELLS, MAX_SHEET_ROWS, MAX_TEXT_BYTES, MAX_UNZIPPED_BYTES, MAX_WORKBOOK_CELLS, Sheet,
    Value, Workbook, read, read_bytes,
};
pub use review::{Reviewed, read_reviewed};
pub use validation::Lists;

/// Why a questionnaire could not be read or a draft not written.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` does not exist", .0.display())]
    NotFound(PathBuf),
    #[error("`{}` is a directory, not a questionnaire file", .0.display())]
    NotAFile(PathBuf),
    #[error("`{}` is empty", .0.display())]
    EmptyFile(PathBuf),
    #[error("`{}` is larger than the {limit_mb} MB limit", path.display())]
    TooLarge { path: PathBuf, limit_mb: u64 },
    #[error("`{}` is not a spreadsheet: it is {what}", path.display())]
    NotASpreadsheet { path: PathBuf, what: &'static str },
    #[error("`{}` is password-protected (encrypted), so it cannot be read", .0.display())]
    Encrypted(PathBuf),
    #[error("`{}` is refused as a likely zip bomb: {detail}", path.display())]
    ZipBomb { path: PathBuf, detail: String },
    #[error("`{}` is damaged or not a valid workbook: {detail}", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error("`{}`, sheet `{sheet}`: {cells} cells exceed the limit of {limit}", path.display())]
    SheetTooLarge {
        path: PathBuf,
        sheet: String,
        cells: u64,
        limit: u64,
    },
    #[error("`{}`, sheet `{sheet}`: values go past row {limit}, the most a questionnaire may have", path.display())]
    TooManyRows {
        path: PathBuf,
        sheet: String,
        limit: u64,
    },
    #[error("`{}`, sheet `{sheet}`: the workbook holds {detail}, more than can be read", path.display())]
    WorkbookTooLarge {
        path: PathBuf,
        sheet: String,
        detail: String,
    },
    #[error("`{}`, sheet `{sheet}`, cell {cell}: holds more than the {} characters a spreadsheet cell can", path.display(), read::MAX_CELL_CHARS)]
    CellTooLong {
        path: PathBuf,
        sheet: String,
        cell: String,
    },
    #[error("`{}` has no sheet named `{sheet}` (sheets: {available})", path.display())]
    NoSuchSheet {
        path: PathBuf,
        sheet: String,
        available: String,
    },
    #[error("`{}`: no questions found{detail}", path.display())]
    NoQuestions { path: PathBuf, detail: String },
    #[error("`{}` is not a draft written by `vetted fill` (no `vetted map` sheet)", .0.display())]
    NotADraft(PathBuf),
    #[error("`{}` is a draft written by `vetted fill`, not a questionnaire", .0.display())]
    IsADraft(PathBuf),
    #[error("`{}` is not a draft of `{}`: {detail}", draft.display(), original.display())]
    NotTheDraftOf {
        draft: PathBuf,
        original: PathBuf,
        detail: String,
    },
    #[error("cannot write `{}`: {detail}", path.display())]
    Write { path: PathBuf, detail: String },
}

impl SheetError {
    /// How the user can fix the file, where there is a fix.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            SheetError::Encrypted(_) => {
                "remove the password in Excel: File > Info > Protect Workbook > Encrypt with Password, clear it, and save"
            }
            SheetError::Corrupt { .. } => {
                "the file may be incomplete: download or copy it again, or open it in Excel and save it as .xlsx"
            }
            SheetError::NotASpreadsheet { .. } | SheetError::EmptyFile(_) => {
                "vetted reads xlsx, xlsm, xlsb, xls, ods and csv files"
            }
            SheetError::IsADraft(_) => {
                "after a review, `vetted finish DRAFT --original QUESTIONNAIRE` writes the answers into the questionnaire, and `vetted kb learn DRAFT` learns from it"
            }
            SheetError::ZipBomb { .. } => {
                "if the file is genuine, open it in Excel and save it again; limits are in docs/limits.md"
            }
            SheetError::CellTooLong { .. } => {
                "no spreadsheet program writes such a cell: ask for the file again, or delete the cell"
            }
            SheetError::TooLarge { .. }
            | SheetError::SheetTooLarge { .. }
            | SheetError::TooManyRows { .. }
            | SheetError::WorkbookTooLarge { .. } => {
                "delete unused rows, columns and sheets (or save only the questionnaire sheets as csv); limits are in docs/limits.md"
            }
            _ => return None,
        })
    }

    fn io(path: &Path, source: std::io::Error) -> SheetError {
        match source.kind() {
            std::io::ErrorKind::NotFound => SheetError::NotFound(path.to_path_buf()),
            _ => SheetError::Io {
                path: path.to_path_buf(),
                source,
            },
        }
    }
}

/// An option without its number: `1) Yes` → `Yes`, `2. No` → `No`.
pub(crate) fn unnumbered(text: &str) -> &str {
    match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) if i > 0 && text[i..].starts_with([')', '.']) => text[i + 1..].trim(),
        _ => text,
    }
}

/// Yes (0), no (1) or not applicable (2), from a lowercase answer or
/// dropdown value. A control's status
/// (`Implemented`, `Not in place`, `Non-compliant`) is the same choice: a
/// buyer's form that asks for it takes `Implemented` for a yes.
pub(crate) fn choice(text: &str) -> Option<u8> {
    let t = unnumbered(text).trim_end_matches('.');
    match t {
        "yes" | "y" | "true" | "implemented" | "fully implemented" | "in place" | "compliant"
        | "fully compliant" => Some(0),
        "no" | "n" | "false" | "not implemented" | "not in place" | "non-compliant"
        | "noncompliant" | "not compliant" => Some(1),
        "n/a" | "na" | "n.a." | "n.a" | "not applicable" | "n / a" => Some(2),
        _ => None,
    }
}

/// The Excel reference of a 0-based cell: `(11, 2)` → `C12`.
pub fn cell_ref(row: u32, col: u32) -> String {
    format!("{}{}", column_name(col), row + 1)
}

/// The Excel name of a 0-based column: 0 → `A`, 27 → `AB`.
/// A cell's text on one line, cut at 60 characters, for messages.
pub fn one_line(text: &str) -> String {
    let t: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > 60 {
        format!("{}…", t.chars().take(60).collect::<String>())
    } else {
        t
    }
}

pub fn column_name(col: u32) -> String {
    let mut n = col + 1;
    let mut name = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        name.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_refs() {
        assert_eq!(cell_ref(11, 2), "C12");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
        for c in [0, 25, 26, 701, 702, 16_383] {
            assert_eq!(parse_column(&column_name(c)), Some(c));
        }
    }
}

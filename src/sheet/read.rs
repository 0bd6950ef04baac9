//! Reading questionnaires: xlsx, xlsm, xlsb, xls, ods (calamine) and csv,
//! recognised by content, not by file name.

use std::collections::HashSet;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, SheetVisible};

use super::SheetError;

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// Sheets whose used range spans more cells than this are refused.
pub const MAX_SHEET_CELLS: u64 = 20_000_000;

/// The container format of a questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Office Open XML workbook (xlsx or xlsm).
    Xlsx,
    Xlsb,
    /// Legacy binary Excel 97-2003.
    Xls,
    Ods,
    Csv,
}

/// A cell value as read (formulas as their cached value).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date or date-time, as ISO 8601 text.
    Date(String),
    /// A formula error such as `#REF!`.
    Error(String),
}

impl Value {
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The text a person sees in the cell.
    pub fn display(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(s) | Value::Date(s) | Value::Error(s) => s.clone(),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        }
    }

    /// The text of a text cell, else `None`.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// One worksheet: a dense grid of values from A1 to its last used cell.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub visible: bool,
    rows: Vec<Vec<Value>>,
    width: u32,
    /// Cells (0-based row, column) that hold a formula.
    formulas: HashSet<(u32, u32)>,
}

impl Sheet {
    pub fn new(name: impl Into<String>, rows: Vec<Vec<Value>>) -> Sheet {
        let width = rows.iter().map(Vec::len).max().unwrap_or(0) as u32;
        Sheet {
            name: name.into(),
            visible: true,
            rows,
            width,
            formulas: HashSet::new(),
        }
    }

    /// Number of rows (0-based rows `0..height`).
    pub fn height(&self) -> u32 {
        self.rows.len() as u32
    }

    /// Number of columns of the widest row.
    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn get(&self, row: u32, col: u32) -> &Value {
        static EMPTY: Value = Value::Empty;
        self.rows
            .get(row as usize)
            .and_then(|r| r.get(col as usize))
            .unwrap_or(&EMPTY)
    }

    pub fn row(&self, row: u32) -> &[Value] {
        self.rows.get(row as usize).map_or(&[], Vec::as_slice)
    }

    pub fn is_formula(&self, row: u32, col: u32) -> bool {
        self.formulas.contains(&(row, col))
    }

    /// Empties a cell (a reviewer's decision replaces what the file held).
    pub fn clear(&mut self, row: u32, col: u32) {
        if let Some(cell) = self
            .rows
            .get_mut(row as usize)
            .and_then(|r| r.get_mut(col as usize))
        {
            *cell = Value::Empty;
        }
        self.formulas.remove(&(row, col));
    }
}

/// A questionnaire file, read.
#[derive(Debug, Clone)]
pub struct Workbook {
    pub path: PathBuf,
    pub format: Format,
    pub sheets: Vec<Sheet>,
    /// The dropdown lists of the answer cells (xlsx/xlsm only).
    pub lists: super::validation::Lists,
}

/// Reads a questionnaire file of any supported format.
pub fn read(path: &Path) -> Result<Workbook, SheetError> {
    let meta = std::fs::metadata(path).map_err(|e| SheetError::io(path, e))?;
    if meta.is_dir() {
        return Err(SheetError::NotAFile(path.to_path_buf()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(SheetError::TooLarge {
            path: path.to_path_buf(),
            limit_mb: MAX_FILE_BYTES / (1024 * 1024),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| SheetError::io(path, e))?;
    read_bytes(path, bytes)
}

/// Reads a questionnaire from memory; `path` names it in messages and, for
/// csv, gives the sheet its name.
pub fn read_bytes(path: &Path, bytes: Vec<u8>) -> Result<Workbook, SheetError> {
    let format = sniff(path, &bytes)?;
    let lists = (format == Format::Xlsx).then(|| super::validation::scan(&bytes));
    let sheets = match format {
        Format::Csv => vec![read_csv(path, &bytes)?],
        _ => read_workbook(path, format, bytes)?,
    };
    let lists = lists
        .map(|raw| super::validation::resolve(raw, &sheets))
        .unwrap_or_default();
    Ok(Workbook {
        path: path.to_path_buf(),
        format,
        sheets,
        lists,
    })
}

/// Recognises the format from the first bytes.
fn sniff(path: &Path, bytes: &[u8]) -> Result<Format, SheetError> {
    let not = |what: &'static str| SheetError::NotASpreadsheet {
        path: path.to_path_buf(),
        what,
    };
    if bytes.is_empty() {
        return Err(SheetError::EmptyFile(path.to_path_buf()));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        if bytes.len() > 38 && &bytes[30..38] == b"mimetype" {
            let head = &bytes[38..bytes.len().min(120)];
            if contains(head, b"opendocument.spreadsheet") {
                return Ok(Format::Ods);
            }
            return Err(not("an OpenDocument file that is not a spreadsheet"));
        }
        if contains(bytes, b"xl/workbook.bin") {
            return Ok(Format::Xlsb);
        }
        if contains(bytes, b"xl/workbook.xml") || contains(bytes, b"[Content_Types].xml") {
            return Ok(Format::Xlsx);
        }
        return Err(not("a zip archive that is not a workbook"));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // OLE compound file: legacy xls, or an encrypted OOXML workbook.
        if contains(bytes, &utf16("EncryptedPackage")) {
            return Err(SheetError::Encrypted(path.to_path_buf()));
        }
        return Ok(Format::Xls);
    }
    if bytes.starts_with(b"%PDF") {
        return Err(not("a PDF document"));
    }
    if bytes.starts_with(b"\x1F\x8B") || bytes.starts_with(b"7z\xBC\xAF") {
        return Err(not("a compressed archive"));
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<html") {
        return Err(not("an HTML page"));
    }
    if head.starts_with("<?xml") || head.starts_with('<') {
        return Err(not("an XML document"));
    }
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(not("a binary file"));
    }
    Ok(Format::Csv)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn read_workbook(path: &Path, format: Format, bytes: Vec<u8>) -> Result<Vec<Sheet>, SheetError> {
    let corrupt = |e: &dyn std::fmt::Display| classify_calamine_error(path, &e.to_string());
    let cursor = Cursor::new(bytes);
    let mut wb: calamine::Sheets<Cursor<Vec<u8>>> = match format {
        Format::Xlsx => calamine::Sheets::Xlsx(
            calamine::open_workbook_from_rs(cursor)
                .map_err(|e: calamine::XlsxError| corrupt(&e))?,
        ),
        Format::Xlsb => calamine::Sheets::Xlsb(
            calamine::open_workbook_from_rs(cursor)
                .map_err(|e: calamine::XlsbError| corrupt(&e))?,
        ),
        Format::Xls => calamine::Sheets::Xls(
            calamine::open_workbook_from_rs(cursor).map_err(|e: calamine::XlsError| corrupt(&e))?,
        ),
        Format::Ods => calamine::Sheets::Ods(
            calamine::open_workbook_from_rs(cursor).map_err(|e: calamine::OdsError| corrupt(&e))?,
        ),
        Format::Csv => unreachable!("csv is read by read_csv"),
    };
    let metadata: Vec<(String, bool)> = wb
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == calamine::SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    let mut sheets = Vec::with_capacity(metadata.len());
    for (name, visible) in metadata {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| corrupt(&format!("sheet `{name}`: {e}")))?;
        let formulas = wb.worksheet_formula(&name).unwrap_or_default();
        sheets.push(to_sheet(path, name, visible, &range, &formulas)?);
    }
    Ok(sheets)
}

fn classify_calamine_error(path: &Path, message: &str) -> SheetError {
    let lower = message.to_lowercase();
    if lower.contains("password") || lower.contains("encrypt") {
        return SheetError::Encrypted(path.to_path_buf());
    }
    SheetError::Corrupt {
        path: path.to_path_buf(),
        detail: message.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

fn to_sheet(
    path: &Path,
    name: String,
    visible: bool,
    range: &calamine::Range<Data>,
    formulas: &calamine::Range<String>,
) -> Result<Sheet, SheetError> {
    let Some((r0, c0)) = range.start() else {
        let mut sheet = Sheet::new(name, Vec::new());
        sheet.visible = visible;
        return Ok(sheet);
    };
    let (h, w) = range.get_size();
    let total = (u64::from(r0) + h as u64) * (u64::from(c0) + w as u64);
    if total > MAX_SHEET_CELLS {
        return Err(SheetError::SheetTooLarge {
            path: path.to_path_buf(),
            sheet: name,
            cells: total,
            limit: MAX_SHEET_CELLS,
        });
    }
    let mut rows: Vec<Vec<Value>> = vec![Vec::new(); r0 as usize + h];
    for (dr, cells) in range.rows().enumerate() {
        // Trim trailing empties so that formatting-only columns cost nothing.
        let last = cells.iter().rposition(|c| !matches!(c, Data::Empty));
        let Some(last) = last else { continue };
        let row = &mut rows[r0 as usize + dr];
        row.resize(c0 as usize, Value::Empty);
        row.extend(cells[..=last].iter().map(convert));
    }
    while rows.last().is_some_and(|r| r.iter().all(Value::is_empty)) {
        rows.pop();
    }
    let mut sheet = Sheet::new(name, rows);
    sheet.visible = visible;
    if let Some((fr, fc)) = formulas.start() {
        sheet.formulas = formulas
            .used_cells()
            .filter(|(_, _, f)| !f.is_empty())
            .map(|(r, c, _)| (fr + r as u32, fc + c as u32))
            .collect();
    }
    Ok(sheet)
}

fn convert(data: &Data) -> Value {
    match data {
        Data::Empty => Value::Empty,
        Data::String(s) => Value::Text(s.clone()),
        Data::Int(i) => Value::Number(*i as f64),
        Data::Float(f) => Value::Number(*f),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(dt) => Value::Date(excel_serial_to_iso(dt.as_f64())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Value::Date(s.clone()),
        Data::Error(e) => Value::Error(format!("{e}")),
    }
}

/// An Excel serial date (1900 system) as ISO 8601 text.
fn excel_serial_to_iso(serial: f64) -> String {
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return serial.to_string();
    }
    let days = serial.floor() as i64 - 25_569;
    let date = crate::kb::Date::from_days_since_epoch(days);
    let secs = ((serial.fract()) * 86_400.0).round() as i64;
    if secs == 0 || secs == 86_400 {
        date.to_string()
    } else {
        format!("{date} {:02}:{:02}", secs / 3600, (secs % 3600) / 60)
    }
}

fn read_csv(path: &Path, bytes: &[u8]) -> Result<Sheet, SheetError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        // Spreadsheet programs on Windows still export cp1252.
        Err(_) => std::borrow::Cow::Owned(bytes.iter().map(|&b| cp1252(b)).collect::<String>()),
    };
    let text = text.trim_start_matches('\u{feff}');
    let delimiter = sniff_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| SheetError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("record {}: {e}", i + 1),
        })?;
        rows.push(
            record
                .iter()
                .map(|f| {
                    if f.is_empty() {
                        Value::Empty
                    } else {
                        Value::Text(f.to_string())
                    }
                })
                .collect(),
        );
        if rows.len() as u64 * 16 > MAX_SHEET_CELLS {
            return Err(SheetError::SheetTooLarge {
                path: path.to_path_buf(),
                sheet: csv_sheet_name(path),
                cells: rows.len() as u64 * 16,
                limit: MAX_SHEET_CELLS,
            });
        }
    }
    Ok(Sheet::new(csv_sheet_name(path), rows))
}

/// The sheet name of a csv file: its file name.
pub fn csv_sheet_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| "csv".to_string(), |n| n.to_string_lossy().into_owned())
}

/// Picks `,`, `;` or tab: the one that splits the first lines most consistently.
fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b',', 0usize);
    for d in [b',', b';', b'\t'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| l.bytes().filter(|&b| b == d).count())
            .collect();
        let consistent = counts.iter().filter(|&&c| c > 0 && c == counts[0]).count();
        if consistent > best.1 {
            best = (d, consistent);
        }
    }
    best.0
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[(b - 0x80) as usize],
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_formats_by_content() {
        let p = Path::new("x.xlsx");
        assert!(matches!(
            sniff(p, b"<html><body>hi</body></html>"),
            Err(SheetError::NotASpreadsheet { .. })
        ));
        assert!(matches!(
            sniff(p, b"%PDF-1.7"),
            Err(SheetError::NotASpreadsheet { .. })
        ));
        assert_eq!(
            sniff(p, b"\xEF\xBB\xBFid,question\n1,Do you?\n").unwrap(),
            Format::Csv
        );
        assert!(matches!(sniff(p, b""), Err(SheetError::EmptyFile(_))));
    }

    #[test]
    fn csv_keeps_multiline_cells_and_record_numbers() {
        let sheet = read_csv(
            Path::new("q.csv"),
            "\u{feff}ID;Question;Answer\n1;\"Line one\nline two\";\n2;Second?;Yes\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(sheet.height(), 3);
        assert_eq!(sheet.get(1, 1), &Value::Text("Line one\nline two".into()));
        assert_eq!(sheet.get(2, 2), &Value::Text("Yes".into()));
        assert_eq!(sheet.get(0, 0), &Value::Text("ID".into()));
    }

    #[test]
    fn excel_serials_become_dates() {
        assert_eq!(excel_serial_to_iso(45_658.0), "2025-01-01");
        assert_eq!(excel_serial_to_iso(45_658.5), "2025-01-01 12:00");
    }
}

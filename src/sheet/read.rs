//! Reading questionnaires: xlsx, xlsm, xlsb, xls, ods (calamine) and csv,
//! recognised by content, not by file name.

use std::collections::HashSet;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Data, DataRef, Reader, SheetVisible};

use super::SheetError;

// Limits on what reading one questionnaire may cost. A real questionnaire
// is a few MB and a few thousand rows; these leave two orders of magnitude
// of room and bound the memory of reading any input (about 2 GB for the
// worst crafted file within them; see `docs/limits.md`).

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// A zip-based workbook (xlsx, xlsm, xlsb, ods) may not expand to more than
/// this in total, as declared by its entries.
pub const MAX_UNZIPPED_BYTES: u64 = 512 * 1024 * 1024;
/// Nor may any one entry expand to more than this.
pub const MAX_ENTRY_BYTES: u64 = 256 * 1024 * 1024;
/// An entry larger than [`RATIO_FREE_BYTES`] may not be compressed more than
/// this (uncompressed size : compressed size). Spreadsheet XML compresses
/// about 10:1; zip bombs compress about 1000:1.
pub const MAX_COMPRESSION_RATIO: u64 = 100;
/// Entries up to this uncompressed size are exempt from the ratio check.
pub const RATIO_FREE_BYTES: u64 = 16 * 1024 * 1024;
/// A workbook may not have more zip entries than this.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// A sheet with values past this row is refused: no questionnaire is that
/// long, and matching a million questions would take many minutes.
pub const MAX_SHEET_ROWS: u64 = 100_000;
/// Sheets whose used range (from A1 to the last value) spans more cells than
/// this are refused.
pub const MAX_SHEET_CELLS: u64 = 20_000_000;
/// The cells kept in memory for a whole workbook (each row's cells up to its
/// last value, plus one per row) may not exceed this (about 32 bytes each).
pub const MAX_WORKBOOK_CELLS: u64 = 10_000_000;
/// The most characters a cell may hold: Excel's own limit. A longer one is
/// not a questionnaire's and would ride along into every report and page.
pub const MAX_CELL_CHARS: usize = 32_767;
/// The text kept in memory for a whole workbook may not exceed this.
pub const MAX_TEXT_BYTES: u64 = 256 * 1024 * 1024;

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

    /// Sets a cell's value, growing the sheet as needed.
    pub fn set(&mut self, row: u32, col: u32, value: Value) {
        put(&mut self.rows, row as usize, col as usize, value);
        self.width = self.width.max(col + 1);
        self.formulas.remove(&(row, col));
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

/// Stores a cell, growing the rows as needed.
fn put(rows: &mut Vec<Vec<Value>>, r: usize, c: usize, value: Value) {
    if rows.len() <= r {
        rows.resize_with(r + 1, Vec::new);
    }
    let cells = &mut rows[r];
    if cells.len() <= c {
        cells.resize(c + 1, Value::Empty);
    }
    cells[c] = value;
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
        // A panic in a parser on hostile input is a bug there, but it
        // must not take the whole run down: it fails this file only.
        _ => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_workbook(path, format, bytes)
        }))
        .map_err(|_| SheetError::Corrupt {
            path: path.to_path_buf(),
            detail: "the spreadsheet reader failed on it".into(),
        })??,
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
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return sniff_zip(path, bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // OLE compound file: legacy xls, or an encrypted OOXML workbook.
        if contains(bytes, &utf16("EncryptedPackage")) {
            return Err(SheetError::Encrypted(path.to_path_buf()));
        }
        check_xls(path, bytes)?;
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
    // Excel's "Unicode Text" export: tab-separated UTF-16 with a BOM.
    if utf16_bom(bytes).is_some() {
        return Ok(Format::Csv);
    }
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(not("a binary file"));
    }
    if (head.starts_with('{') || head.starts_with('['))
        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    {
        return Err(not("a JSON document"));
    }
    // Text is read as a table only under a name that says it is one (or
    // an xls that is really csv, as some web apps export).
    let tabular = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_none_or(|e| TEXT_TABLES.contains(&e.as_str()));
    if !tabular {
        return Err(not(
            "a text file whose name does not end in .csv, .tsv or .txt",
        ));
    }
    Ok(Format::Csv)
}

/// Extensions under which a text file is read as csv (or tsv).
const TEXT_TABLES: &[&str] = &["csv", "tsv", "tab", "txt", "xls", "xlsx"];

/// Whether `bytes` open with a UTF-16 byte-order mark: `Some(true)` for
/// little-endian.
fn utf16_bom(bytes: &[u8]) -> Option<bool> {
    match bytes {
        [0xFF, 0xFE, ..] => Some(true),
        [0xFE, 0xFF, ..] => Some(false),
        _ => None,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Recognises a zip-based workbook by its entries, after checking that it
/// is sound and cannot expand beyond the limits (a zip bomb).
///
/// Checking the declared sizes is enough to bound the real work: the `zip`
/// crate, through which calamine reads every entry, fails an entry as soon
/// as it inflates past the uncompressed size declared in the central
/// directory. A lying header therefore costs at most its declared size.
fn sniff_zip(path: &Path, bytes: &[u8]) -> Result<Format, SheetError> {
    let not = |what: &'static str| SheetError::NotASpreadsheet {
        path: path.to_path_buf(),
        what,
    };
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| SheetError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("the zip archive is truncated or damaged ({})", one_line(&e)),
        })?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(SheetError::ZipBomb {
            path: path.to_path_buf(),
            detail: format!(
                "it has {} zip entries (limit {MAX_ZIP_ENTRIES})",
                archive.len()
            ),
        });
    }
    let mut names = HashSet::new();
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_data(i).map_err(|e| SheetError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("zip entry {}: {}", i + 1, one_line(&e)),
        })?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let (size, packed) = (entry.size(), entry.compressed_size());
        if size > MAX_ENTRY_BYTES {
            return Err(SheetError::ZipBomb {
                path: path.to_path_buf(),
                detail: format!(
                    "entry `{name}` expands to {} MB (limit {} MB)",
                    size / MIB,
                    MAX_ENTRY_BYTES / MIB
                ),
            });
        }
        if size > RATIO_FREE_BYTES && size / packed.max(1) > MAX_COMPRESSION_RATIO {
            return Err(SheetError::ZipBomb {
                path: path.to_path_buf(),
                detail: format!(
                    "entry `{name}` is compressed {}:1 (limit {MAX_COMPRESSION_RATIO}:1)",
                    size / packed.max(1)
                ),
            });
        }
        total = total.saturating_add(size);
        if total > MAX_UNZIPPED_BYTES {
            return Err(SheetError::ZipBomb {
                path: path.to_path_buf(),
                detail: format!("it expands to over {} MB", MAX_UNZIPPED_BYTES / MIB),
            });
        }
        names.insert(name);
    }
    let has = |n: &str| names.contains(n);
    if has("xl/workbook.xml") {
        check_shared_strings(path, &mut archive, &names)?;
        Ok(Format::Xlsx)
    } else if has("xl/workbook.bin") {
        Ok(Format::Xlsb)
    } else if has("content.xml") && contains(bytes, b"opendocument.spreadsheet") {
        check_ods(path, &mut archive)?;
        Ok(Format::Ods)
    } else if has("content.xml") && has("mimetype") {
        Err(not("an OpenDocument file that is not a spreadsheet"))
    } else if has("word/document.xml") {
        Err(not("a Word document"))
    } else if has("ppt/presentation.xml") {
        Err(not("a PowerPoint presentation"))
    } else {
        Err(not("a zip archive that is not a workbook"))
    }
}

/// Checks the string count that an xlsx's shared strings table declares:
/// calamine reserves room for that many strings up front, so a 1 KB file
/// declaring `uniqueCount="6179606299213"` aborts the process (found by
/// `cargo fuzz`). Each string takes at least 5 bytes (`<si/>`), which bounds
/// a true count.
fn check_shared_strings<R: std::io::Read + std::io::Seek>(
    path: &Path,
    archive: &mut zip::ZipArchive<R>,
    names: &HashSet<String>,
) -> Result<(), SheetError> {
    use quick_xml::events::Event;
    for name in names
        .iter()
        .filter(|n| n.to_lowercase().ends_with("sharedstrings.xml"))
    {
        let Ok(entry) = archive.by_name(name) else {
            continue;
        };
        let possible = entry.size() / 5 + 1;
        let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(entry));
        let mut buf = Vec::new();
        let declared = loop {
            buf.clear();
            match xml.read_event_into(&mut buf) {
                Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                    break e
                        .try_get_attribute("uniqueCount")
                        .ok()
                        .flatten()
                        .and_then(|a| {
                            // Its leading digits, as a lenient parser reads them.
                            let v = a.value.trim_start_matches('+');
                            let end = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
                            v[..end].parse::<u64>().ok()
                        });
                }
                Ok(Event::Eof) | Err(_) => break None,
                _ => {}
            }
        };
        if let Some(declared) = declared.filter(|&d| d > possible) {
            return Err(SheetError::Corrupt {
                path: path.to_path_buf(),
                detail: format!(
                    "`{name}` declares {declared} strings but has room for at most {possible}"
                ),
            });
        }
    }
    Ok(())
}

/// Checks a legacy xls file before calamine parses it. calamine trusts the
/// OLE container's sector chains (a loop in one grows memory without end),
/// reserves cell storage from each sheet's DIMENSIONS record, and lays cells
/// out as a dense range: a file of a few KB can ask for terabytes. This
/// walks the container's chains (each sector at most once), reads the
/// `Workbook` stream and checks every sheet's dimensions and cell positions
/// against [`MAX_SHEET_ROWS`] and, summed over the sheets,
/// [`MAX_WORKBOOK_CELLS`].
fn check_xls(path: &Path, bytes: &[u8]) -> Result<(), SheetError> {
    let damaged = |detail: &str| SheetError::Corrupt {
        path: path.to_path_buf(),
        detail: format!("the xls container is damaged ({detail})"),
    };
    let stream = ole_workbook_stream(bytes).map_err(damaged)?;
    let mut sheets = Vec::new();
    let mut total = 0u64;
    for (typ, data) in BiffRecords(&stream) {
        match typ {
            // BoundSheet8: the sheet's position in the stream.
            0x0085 if data.len() < 8 => return Err(damaged("a sheet record is too short")),
            0x0085 => sheets.push(le_u32(data, 0) as usize),
            // FilePass: the rest of the stream is encrypted.
            0x002F => return Err(SheetError::Encrypted(path.to_path_buf())),
            0x000A => break,
            _ => {}
        }
    }
    for (n, &pos) in sheets.iter().enumerate() {
        let sheet = format!("sheet {}", n + 1);
        let Some(records) = stream.get(pos..) else {
            return Err(damaged(&format!(
                "{sheet} starts past the end of the workbook"
            )));
        };
        // calamine keeps each sheet as a dense range over its cells'
        // bounding box, all sheets at once: their sum is bounded.
        let too_large = |rows: u64, cells: u64| {
            if rows > MAX_SHEET_ROWS {
                Err(SheetError::TooManyRows {
                    path: path.to_path_buf(),
                    sheet: sheet.clone(),
                    limit: MAX_SHEET_ROWS,
                })
            } else if total.saturating_add(cells) > MAX_WORKBOOK_CELLS {
                Err(SheetError::SheetTooLarge {
                    path: path.to_path_buf(),
                    sheet: sheet.clone(),
                    cells: total.saturating_add(cells),
                    limit: MAX_WORKBOOK_CELLS,
                })
            } else {
                Ok(())
            }
        };
        let mut reserved = 0u64;
        let (mut first, mut last) = ((u32::MAX, u32::MAX), (0u32, 0u32));
        let (mut depth, mut seen_bof) = (0usize, false);
        for (typ, data) in BiffRecords(records) {
            // Nested substreams (charts) are skipped, as calamine does.
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let at = |row: u32, col: u32| ((row, col), (row, col));
            let cells = match typ {
                0x0809 if seen_bof => {
                    depth += 1;
                    continue;
                }
                0x0809 => {
                    seen_bof = true;
                    continue;
                }
                0x000A => break,
                // Dimensions: calamine reserves rows × columns cells.
                0x0200 => {
                    let (r0, r1, c0, c1) = match data.len() {
                        10 => (
                            le_u16(data, 0),
                            le_u16(data, 2),
                            le_u16(data, 4),
                            le_u16(data, 6),
                        ),
                        14 | 16 => (
                            le_u32(data, 0),
                            le_u32(data, 4),
                            le_u16(data, 8),
                            le_u16(data, 10),
                        ),
                        _ => continue,
                    };
                    let c0 = if c0 > 0xFF || c1 < c0 { 0 } else { c0 };
                    if r1 >= 1 && r1 - 1 < r0 {
                        return Err(damaged(&format!("{sheet} has negative dimensions")));
                    }
                    let rows = u64::from(r1.saturating_sub(r0));
                    let cols = u64::from(c1.saturating_sub(c0));
                    reserved = rows.saturating_mul(cols);
                    too_large(u64::from(r1), reserved)?;
                    continue;
                }
                // Cell records: row and column first.
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 if data.len() >= 4 => {
                    at(le_u16(data, 0), le_u16(data, 2))
                }
                // MulRk: row, first column, ..., last column.
                0x00BD if data.len() >= 6 => (
                    (le_u16(data, 0), le_u16(data, 2)),
                    (le_u16(data, 0), le_u16(data, data.len() - 2)),
                ),
                _ => continue,
            };
            first = (first.0.min(cells.0.0), first.1.min(cells.0.1));
            last = (last.0.max(cells.1.0), last.1.max(cells.1.1));
            let cells = (u64::from(last.0.saturating_sub(first.0)) + 1)
                * (u64::from(last.1.saturating_sub(first.1)) + 1);
            too_large(u64::from(last.0) + 1, cells.max(reserved))?;
        }
        total += reserved.max(
            (u64::from(last.0.saturating_sub(first.0)) + 1)
                * (u64::from(last.1.saturating_sub(first.1)) + 1),
        );
    }
    Ok(())
}

/// The `Workbook` (or `Book`) stream of an OLE compound file, reading every
/// sector chain so that a loop or an out-of-range sector is an error.
fn ole_workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, &'static str> {
    const END: u32 = 0xFFFF_FFFE;
    const LAST_REGULAR: u32 = 0xFFFF_FFFA;
    if bytes.len() < 512 {
        return Err("too short");
    }
    let shift = le_u16(bytes, 0x1E);
    if shift != 9 && shift != 12 {
        return Err("bad sector size");
    }
    let size = 1usize << shift;
    let sector = |id: u32| -> Result<&[u8], &'static str> {
        let start = (id as usize + 1) * size;
        if id > LAST_REGULAR || start >= bytes.len() {
            return Err("a sector is past the end of the file");
        }
        Ok(&bytes[start..bytes.len().min(start + size)])
    };
    // Follows a chain through `table`, each entry at most once.
    let chain = |start: u32, table: &[u32], max: usize| -> Result<Vec<u32>, &'static str> {
        let mut ids = Vec::new();
        let mut seen = HashSet::new();
        let mut id = start;
        while id != END && ids.len() < max {
            if !seen.insert(id) {
                return Err("a sector chain loops");
            }
            ids.push(id);
            id = *table
                .get(id as usize)
                .ok_or("a sector chain leaves the table")?;
        }
        Ok(ids)
    };
    let read = |ids: &[u32], len: usize| -> Result<Vec<u8>, &'static str> {
        let mut out = Vec::new();
        for &id in ids {
            out.extend_from_slice(sector(id)?);
        }
        out.truncate(len);
        Ok(out)
    };
    let sectors = bytes.len() / size + 1;
    // The FAT's sectors: 109 in the header, then a DIFAT chain.
    let mut difat: Vec<u32> = (0..109).map(|i| le_u32(bytes, 0x4C + 4 * i)).collect();
    let mut next = le_u32(bytes, 0x44);
    let mut hops = 0;
    while next < LAST_REGULAR {
        hops += 1;
        if hops > sectors {
            return Err("the DIFAT chain loops");
        }
        let s = sector(next)?;
        let n = s.len() / 4;
        difat.extend((0..n.saturating_sub(1)).map(|i| le_u32(s, 4 * i)));
        next = if n > 0 { le_u32(s, 4 * (n - 1)) } else { END };
    }
    let mut fat = Vec::new();
    for &id in difat.iter().filter(|&&id| id < 0xFFFF_FFFC) {
        let s = sector(id)?;
        fat.extend((0..s.len() / 4).map(|i| le_u32(s, 4 * i)));
    }
    let dirs = read(&chain(le_u32(bytes, 0x30), &fat, sectors)?, usize::MAX)?;
    let entries: Vec<(String, u32, usize)> = dirs
        .chunks_exact(128)
        .map(|d| {
            let name: String = char::decode_utf16((0..32).map(|i| le_u16(d, 2 * i) as u16))
                .map_while(|c| c.ok().filter(|&c| c != '\0'))
                .collect();
            let len = if shift == 9 {
                le_u32(d, 120) as usize
            } else {
                usize::try_from(u64::from(le_u32(d, 120)) | u64::from(le_u32(d, 124)) << 32)
                    .unwrap_or(usize::MAX)
            };
            (name, le_u32(d, 116), len)
        })
        .collect();
    let root = entries.first().ok_or("no root directory")?;
    let find = |name: &str| entries.iter().find(|e| e.0.eq_ignore_ascii_case(name));
    let (_, start, len) = find("Workbook")
        .or_else(|| find("Book"))
        .ok_or("no Workbook stream")?;
    if *len > bytes.len() * 2 {
        return Err("the Workbook stream is larger than the file");
    }
    if *len >= 4096 {
        return read(&chain(*start, &fat, sectors)?, *len);
    }
    // Small streams live in 64-byte sectors of the root's mini stream.
    let mini_len = le_u32(bytes, 0x40) as usize;
    if mini_len == 0 {
        return Err("no mini stream");
    }
    let ministream = read(&chain(root.1, &fat, sectors)?, root.2.min(bytes.len()))?;
    let minifat_bytes = read(
        &chain(le_u32(bytes, 0x3C), &fat, sectors)?,
        mini_len.saturating_mul(size),
    )?;
    let minifat: Vec<u32> = (0..minifat_bytes.len() / 4)
        .map(|i| le_u32(&minifat_bytes, 4 * i))
        .collect();
    let mut out = Vec::new();
    for id in chain(*start, &minifat, sectors * (size / 64))? {
        let at = id as usize * 64;
        out.extend_from_slice(
            ministream
                .get(at..at + 64)
                .ok_or("a mini sector is past the mini stream")?,
        );
    }
    out.truncate(*len);
    Ok(out)
}

/// BIFF records (type, data) as calamine reads them, stopping at the first
/// one that is cut short.
struct BiffRecords<'a>(&'a [u8]);

impl<'a> Iterator for BiffRecords<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.0;
        if s.len() < 4 {
            return None;
        }
        let len = le_u16(s, 2) as usize;
        let data = s.get(4..4 + len)?;
        self.0 = &s[4 + len..];
        Some((le_u16(s, 0) as u16, data))
    }
}

fn le_u16(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 2)
        .map_or(0, |b| u32::from(u16::from_le_bytes([b[0], b[1]])))
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Checks an OpenDocument spreadsheet before calamine parses it. calamine
/// expands `number-columns-repeated` and `number-rows-repeated` by cloning
/// the repeated cell, for all sheets at once: one 1 MB cell repeated across
/// a row is 16 GB. This streams `content.xml` and charges every cell that
/// holds something, times its repeats, to [`MAX_TEXT_BYTES`] (its attribute
/// and text bytes, an upper bound on what calamine copies), and each sheet's
/// used range from A1 to [`MAX_SHEET_ROWS`] and [`MAX_WORKBOOK_CELLS`].
/// XML that does not parse is left to calamine, which reports it.
fn check_ods<R: std::io::Read + std::io::Seek>(
    path: &Path,
    archive: &mut zip::ZipArchive<R>,
) -> Result<(), SheetError> {
    use quick_xml::events::{BytesStart, Event};
    const MAX_ODS_ROWS: u64 = 1_048_576;
    const MAX_ODS_COLUMNS: u64 = 16_384;
    let Ok(content) = archive.by_name("content.xml") else {
        return Ok(());
    };
    let number = |e: &BytesStart<'_>, name: &str, max: u64| -> u64 {
        e.try_get_attribute(name)
            .ok()
            .flatten()
            .and_then(|a| a.value.trim().parse::<u64>().ok())
            .map_or(1, |n| n.clamp(1, max))
    };
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(content));
    let mut buf = Vec::new();
    let (mut cells, mut text) = (0u64, 0u64);
    let mut sheet = String::new();
    // The current table: rows read (with repeats), last row and column used.
    let (mut rows, mut height, mut width) = (0u64, 0u64, 0u64);
    // The current row: its repeats, next column, text and last column used.
    let (mut row_repeat, mut col, mut row_text, mut row_width) = (1u64, 0u64, 0u64, 0u64);
    // The current cell: its repeats, bytes and whether it holds anything.
    let mut cell: Option<(u64, u64, bool)> = None;
    loop {
        buf.clear();
        let Ok(event) = xml.read_event_into(&mut buf) else {
            return Ok(());
        };
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        let mut end = match &event {
            Event::End(e) => Some(e.name().as_ref().to_string()),
            Event::Eof => break,
            _ => None,
        };
        match &event {
            Event::Text(t) => {
                if let Some(c) = &mut cell {
                    c.1 += t.len() as u64;
                    c.2 = true;
                }
            }
            Event::CData(t) => {
                if let Some(c) = &mut cell {
                    c.1 += t.len() as u64;
                    c.2 = true;
                }
            }
            Event::GeneralRef(t) => {
                if let Some(c) = &mut cell {
                    c.1 += t.len() as u64;
                    c.2 = true;
                }
            }
            _ => {}
        }
        if let Some(e) = &start {
            match e.name().as_ref() {
                "table:table" => {
                    (rows, height, width) = (0, 0, 0);
                    sheet = e
                        .try_get_attribute("table:name")
                        .ok()
                        .flatten()
                        .map(|a| a.value.into_owned())
                        .unwrap_or_default();
                }
                "table:table-row" => {
                    row_repeat = number(e, "table:number-rows-repeated", MAX_ODS_ROWS);
                    (col, row_text, row_width) = (0, 0, 0);
                }
                "table:table-cell" | "table:covered-table-cell" if cell.is_none() => {
                    let repeat = number(e, "table:number-columns-repeated", MAX_ODS_COLUMNS);
                    let attrs: u64 = e.attributes().flatten().map(|a| a.value.len() as u64).sum();
                    let holds = e
                        .attributes()
                        .flatten()
                        .any(|a| matches!(a.key.as_ref(), "office:value-type" | "table:formula"));
                    cell = Some((repeat, attrs, holds));
                }
                _ => {}
            }
            if empty {
                end = Some(e.name().as_ref().to_string());
            }
        }
        let Some(name) = end else { continue };
        match name.as_str() {
            "table:table-cell" | "table:covered-table-cell" => {
                if let Some((repeat, bytes, holds)) = cell.take() {
                    let repeat = repeat.min(MAX_ODS_COLUMNS.saturating_sub(col));
                    if holds {
                        row_width = col + repeat;
                        row_text = row_text.saturating_add(bytes.saturating_mul(repeat));
                    }
                    col += repeat;
                }
            }
            "table:table-row" => {
                let repeat = row_repeat.min(MAX_ODS_ROWS.saturating_sub(rows));
                if row_width > 0 {
                    height = rows + repeat;
                    width = width.max(row_width);
                    text = text.saturating_add(row_text.saturating_mul(repeat));
                }
                rows += repeat;
                let over = |cells: u64| cells.saturating_add(height.saturating_mul(width));
                if height > MAX_SHEET_ROWS {
                    return Err(SheetError::TooManyRows {
                        path: path.to_path_buf(),
                        sheet,
                        limit: MAX_SHEET_ROWS,
                    });
                }
                if over(cells) > MAX_WORKBOOK_CELLS {
                    return Err(SheetError::SheetTooLarge {
                        path: path.to_path_buf(),
                        sheet,
                        cells: over(cells),
                        limit: MAX_WORKBOOK_CELLS,
                    });
                }
                if text > MAX_TEXT_BYTES {
                    return Err(SheetError::WorkbookTooLarge {
                        path: path.to_path_buf(),
                        sheet,
                        detail: format!("over {} MB of text", MAX_TEXT_BYTES / MIB),
                    });
                }
            }
            "table:table" => {
                cells = cells.saturating_add(height.saturating_mul(width));
            }
            _ => {}
        }
    }
    Ok(())
}

const MIB: u64 = 1024 * 1024;

/// An error's message on one line.
fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn read_workbook(path: &Path, format: Format, bytes: Vec<u8>) -> Result<Vec<Sheet>, SheetError> {
    let corrupt = |e: &dyn std::fmt::Display| classify_calamine_error(path, &e.to_string());
    let in_sheet = |name: &str, e: &dyn std::fmt::Display| corrupt(&format!("sheet `{name}`: {e}"));
    let cursor = Cursor::new(bytes);
    let mut budget = Budget::default();
    let mut sheets = Vec::new();
    match format {
        // xlsx and xlsb are streamed cell by cell, so that a sheet over the
        // limits is refused before it is in memory (calamine's ranges are
        // dense: two cells at A1 and XFD1048576 would take 500 GB).
        Format::Xlsx => {
            let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(cursor)
                .map_err(|e: calamine::XlsxError| corrupt(&e))?;
            for (name, visible) in worksheets(&wb) {
                let mut sheet = SheetBuilder::new(path, &name, &mut budget);
                let mut cells = wb
                    .worksheet_cells_reader(&name)
                    .map_err(|e| in_sheet(&name, &e))?;
                while let Some(cell) = cells
                    .next_cell_with_formula_metadata()
                    .map_err(|e| in_sheet(&name, &e))?
                {
                    let formula = match &cell.formula {
                        None => false,
                        Some(calamine::XlsxFormulaMetadata::Normal { formula }) => {
                            !formula.is_empty()
                        }
                        Some(_) => true,
                    };
                    sheet.push(cell.pos, convert_ref(cell.value), formula)?;
                }
                sheets.push(sheet.finish(visible));
            }
        }
        Format::Xlsb => {
            let mut wb: calamine::Xlsb<_> = calamine::open_workbook_from_rs(cursor)
                .map_err(|e: calamine::XlsbError| corrupt(&e))?;
            for (name, visible) in worksheets(&wb) {
                let mut sheet = SheetBuilder::new(path, &name, &mut budget);
                let mut cells = wb
                    .worksheet_cells_reader(&name)
                    .map_err(|e| in_sheet(&name, &e))?;
                while let Some(cell) = cells.next_cell().map_err(|e| in_sheet(&name, &e))? {
                    sheet.push(
                        cell.get_position(),
                        convert_ref(cell.get_value().clone()),
                        false,
                    )?;
                }
                drop(cells);
                let mut cells = wb
                    .worksheet_cells_reader(&name)
                    .map_err(|e| in_sheet(&name, &e))?;
                while let Some(cell) = cells.next_formula().map_err(|e| in_sheet(&name, &e))? {
                    if !cell.get_value().is_empty() {
                        sheet.push(cell.get_position(), Value::Empty, true)?;
                    }
                }
                sheets.push(sheet.finish(visible));
            }
        }
        // calamine reads xls and ods whole when opening them; its own caps
        // apply there, and ours to what is kept.
        Format::Xls | Format::Ods => {
            let mut wb: calamine::Sheets<Cursor<Vec<u8>>> = if format == Format::Xls {
                calamine::Sheets::Xls(
                    calamine::open_workbook_from_rs(cursor)
                        .map_err(|e: calamine::XlsError| corrupt(&e))?,
                )
            } else {
                calamine::Sheets::Ods(
                    calamine::open_workbook_from_rs(cursor)
                        .map_err(|e: calamine::OdsError| corrupt(&e))?,
                )
            };
            for (name, visible) in worksheets(&wb) {
                let range = wb.worksheet_range(&name).map_err(|e| in_sheet(&name, &e))?;
                let formulas = wb.worksheet_formula(&name).unwrap_or_default();
                let mut sheet = SheetBuilder::new(path, &name, &mut budget);
                if let Some((r0, c0)) = range.start() {
                    for (r, c, data) in range.used_cells() {
                        sheet.push((r0 + r as u32, c0 + c as u32), convert(data), false)?;
                    }
                }
                if let Some((r0, c0)) = formulas.start() {
                    for (r, c, f) in formulas.used_cells() {
                        if !f.is_empty() {
                            sheet.push((r0 + r as u32, c0 + c as u32), Value::Empty, true)?;
                        }
                    }
                }
                sheets.push(sheet.finish(visible));
            }
        }
        Format::Csv => unreachable!("csv is read by read_csv"),
    }
    Ok(sheets)
}

/// The worksheets (not chart sheets) of a workbook, with their visibility.
fn worksheets<RS, R: Reader<RS>>(wb: &R) -> Vec<(String, bool)>
where
    RS: std::io::Read + std::io::Seek,
{
    wb.sheets_metadata()
        .iter()
        .filter(|s| s.typ == calamine::SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect()
}

fn classify_calamine_error(path: &Path, message: &str) -> SheetError {
    let lower = message.to_lowercase();
    if lower.contains("password") || lower.contains("encrypt") {
        return SheetError::Encrypted(path.to_path_buf());
    }
    // The zip crate stops an entry that inflates past its declared size.
    if lower.contains("larger than its declared uncompressed size") {
        return SheetError::ZipBomb {
            path: path.to_path_buf(),
            detail: "an entry inflates past its declared size".into(),
        };
    }
    SheetError::Corrupt {
        path: path.to_path_buf(),
        detail: one_line(&message),
    }
}

/// What a whole workbook has used of [`MAX_WORKBOOK_CELLS`] and [`MAX_TEXT_BYTES`].
#[derive(Debug, Default)]
struct Budget {
    cells: u64,
    text: u64,
}

/// Builds a [`Sheet`] from cells in any order, refusing it as soon as it
/// goes over a limit, before the memory is spent.
struct SheetBuilder<'a> {
    path: &'a Path,
    name: String,
    budget: &'a mut Budget,
    rows: Vec<Vec<Value>>,
    formulas: HashSet<(u32, u32)>,
    /// The used range so far: last row and column (0-based) plus one.
    height: u64,
    width: u64,
}

impl<'a> SheetBuilder<'a> {
    fn new(path: &'a Path, name: &str, budget: &'a mut Budget) -> SheetBuilder<'a> {
        SheetBuilder {
            path,
            name: name.to_string(),
            budget,
            rows: Vec::new(),
            formulas: HashSet::new(),
            height: 0,
            width: 0,
        }
    }

    /// Adds a value at the 0-based `(row, column)`; empty values only mark
    /// formula cells.
    fn push(
        &mut self,
        (row, col): (u32, u32),
        value: Value,
        formula: bool,
    ) -> Result<(), SheetError> {
        let stored = !matches!(value, Value::Empty);
        if !stored && !formula {
            return Ok(());
        }
        self.extend_to(u64::from(row) + 1, u64::from(col) + 1)?;
        self.check_length(row, col, &value)?;
        let (r, c) = (row as usize, col as usize);
        let mut added = u64::from(formula);
        if stored {
            added += (r + 1).saturating_sub(self.rows.len()) as u64;
            added += (c + 1).saturating_sub(self.rows.get(r).map_or(0, Vec::len)) as u64;
        }
        self.spend(added, text_len(&value))?;
        if formula {
            self.formulas.insert((row, col));
        }
        if stored {
            put(&mut self.rows, r, c, value);
        }
        Ok(())
    }

    /// Appends a whole row (csv), keeping its empty cells.
    fn push_row(&mut self, row: Vec<Value>) -> Result<(), SheetError> {
        self.extend_to(self.rows.len() as u64 + 1, row.len() as u64)?;
        for (c, value) in row.iter().enumerate() {
            self.check_length(self.rows.len() as u32, c as u32, value)?;
        }
        let text = row.iter().map(text_len).sum();
        self.spend(row.len() as u64 + 1, text)?;
        self.rows.push(row);
        Ok(())
    }

    /// Refuses a cell longer than [`MAX_CELL_CHARS`].
    fn check_length(&self, row: u32, col: u32, value: &Value) -> Result<(), SheetError> {
        let long = |s: &str| s.len() > MAX_CELL_CHARS && s.chars().count() > MAX_CELL_CHARS;
        match value {
            Value::Text(s) | Value::Date(s) | Value::Error(s) if long(s) => {
                Err(SheetError::CellTooLong {
                    path: self.path.to_path_buf(),
                    sheet: self.name.clone(),
                    cell: super::cell_ref(row, col),
                })
            }
            _ => Ok(()),
        }
    }

    /// Grows the used range to at least `height` rows and `width` columns.
    fn extend_to(&mut self, height: u64, width: u64) -> Result<(), SheetError> {
        let height = self.height.max(height);
        let width = self.width.max(width);
        if height > MAX_SHEET_ROWS {
            return Err(SheetError::TooManyRows {
                path: self.path.to_path_buf(),
                sheet: self.name.clone(),
                limit: MAX_SHEET_ROWS,
            });
        }
        if height.saturating_mul(width) > MAX_SHEET_CELLS {
            return Err(SheetError::SheetTooLarge {
                path: self.path.to_path_buf(),
                sheet: self.name.clone(),
                cells: height.saturating_mul(width),
                limit: MAX_SHEET_CELLS,
            });
        }
        (self.height, self.width) = (height, width);
        Ok(())
    }

    /// Charges cells and text bytes to the workbook's budget.
    fn spend(&mut self, cells: u64, text: u64) -> Result<(), SheetError> {
        self.budget.cells += cells;
        self.budget.text += text;
        if self.budget.cells > MAX_WORKBOOK_CELLS || self.budget.text > MAX_TEXT_BYTES {
            return Err(SheetError::WorkbookTooLarge {
                path: self.path.to_path_buf(),
                sheet: self.name.clone(),
                detail: if self.budget.text > MAX_TEXT_BYTES {
                    format!("over {} MB of text", MAX_TEXT_BYTES / MIB)
                } else {
                    format!("over {MAX_WORKBOOK_CELLS} cells")
                },
            });
        }
        Ok(())
    }

    fn finish(self, visible: bool) -> Sheet {
        let mut rows = self.rows;
        while rows.last().is_some_and(|r| r.iter().all(Value::is_empty)) {
            rows.pop();
        }
        let mut sheet = Sheet::new(self.name, rows);
        sheet.visible = visible;
        sheet.formulas = self.formulas;
        sheet
    }
}

fn text_len(value: &Value) -> u64 {
    match value {
        Value::Text(s) | Value::Date(s) | Value::Error(s) => s.len() as u64,
        _ => 0,
    }
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

fn convert_ref(data: DataRef<'_>) -> Value {
    match data {
        DataRef::Empty => Value::Empty,
        DataRef::String(s) => Value::Text(s),
        DataRef::SharedString(s) => Value::Text(s.to_string()),
        DataRef::Int(i) => Value::Number(i as f64),
        DataRef::Float(f) => Value::Number(f),
        DataRef::Bool(b) => Value::Bool(b),
        DataRef::DateTime(dt) => Value::Date(excel_serial_to_iso(dt.as_f64())),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Value::Date(s),
        DataRef::Error(e) => Value::Error(format!("{e}")),
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
    let text = match (utf16_bom(bytes), std::str::from_utf8(bytes)) {
        (Some(little), _) => {
            let units = bytes[2..].chunks_exact(2).map(|p| {
                let pair = [p[0], p[1]];
                if little {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            });
            std::borrow::Cow::Owned(
                char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect::<String>(),
            )
        }
        (None, Ok(t)) => std::borrow::Cow::Borrowed(t),
        // Spreadsheet programs on Windows still export cp1252.
        (None, Err(_)) => {
            std::borrow::Cow::Owned(bytes.iter().map(|&b| cp1252(b)).collect::<String>())
        }
    };
    let text = text.trim_start_matches('\u{feff}');
    let delimiter = sniff_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let name = csv_sheet_name(path);
    let mut budget = Budget::default();
    let mut sheet = SheetBuilder::new(path, &name, &mut budget);
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| SheetError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("record {}: {}", i + 1, one_line(&e)),
        })?;
        let row = record
            .iter()
            .map(|f| {
                if f.is_empty() {
                    Value::Empty
                } else {
                    Value::Text(f.to_string())
                }
            })
            .collect();
        sheet.push_row(row)?;
    }
    Ok(Sheet::new(name, sheet.rows))
}

/// The sheet name of a csv file: its file name.
pub fn csv_sheet_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| "csv".to_string(), |n| n.to_string_lossy().into_owned())
}

/// Picks `,`, `;` or tab: the one that splits the first lines most consistently.
pub(super) fn sniff_delimiter(text: &str) -> u8 {
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

pub(super) fn cp1252(b: u8) -> char {
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

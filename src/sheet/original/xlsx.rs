//! Patching an xlsx or xlsm package in place: the answer cells of the
//! worksheets that receive answers are spliced into their XML, and every
//! other zip entry is copied as it is (its compressed bytes, untouched).
//!
//! The worksheet XML is not re-serialised: one pass with quick-xml finds the
//! byte offsets of rows, cells, the dimension and the merged ranges, and the
//! output is the input with a few slices replaced or inserted. Everything
//! between those slices (other cells, formulas, validations, conditional
//! formats, extensions) stays byte for byte.
//!
//! Rules for a cell edit:
//! - an answer is written as an inline string (`t="inlineStr"`), so the
//!   shared strings table and `calcChain.xml` never change, and a text that
//!   starts with `=` stays text;
//! - an existing cell keeps its style index; a new cell takes the row's
//!   style (when the row has a custom format) or its column's, and goes in
//!   column order, in a new `<row>` in row order when needed;
//! - a formula cell (plain, shared or part of an array), or a cell hidden
//!   inside a merged range (not its top-left cell), is left alone and
//!   reported as [`Skip`].

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write as _};

use quick_xml::Reader;
use quick_xml::events::Event;

use super::{Skip, join_sentences};
use crate::sheet::column_name;
use crate::sheet::validation::{self, Area, attr, parse_area, parse_cell};

/// Excel's limit on the text of one cell.
const MAX_CELL_CHARS: usize = 32_767;
/// No worksheet part is patched beyond this size (inflated).
const MAX_SHEET_PART_BYTES: u64 = 256 * 1024 * 1024;

/// One cell to change on one sheet: `Some(text)` writes it, `None` empties
/// a cell that holds a value (keeping its style).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CellChange {
    pub row: u32,
    pub col: u32,
    pub value: Option<String>,
    /// See [`super::CellEdit::joins`].
    pub joins: bool,
}

/// What patching one worksheet did.
#[derive(Debug, Default)]
pub(super) struct SheetPatch {
    pub written: usize,
    pub cleared: usize,
    pub skipped: Vec<(u32, u32, Skip)>,
    /// Cells hidden inside a merged range whose text went into the range's
    /// visible cell: (row, col, visible col).
    pub joined: Vec<(u32, u32, u32)>,
    /// Whether the sheet holds formulas (whose cached values may now be
    /// stale).
    pub formulas: bool,
}

/// Patches the package `bytes`: `changes` maps a sheet name to its cell
/// changes. Returns the new package and, per sheet name, what was done.
pub(super) fn patch_package(
    bytes: &[u8],
    changes: &BTreeMap<String, Vec<CellChange>>,
) -> Result<(Vec<u8>, BTreeMap<String, SheetPatch>), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("the zip archive is damaged ({e})"))?;
    let workbook = validation::read_part(&mut zip, "xl/workbook.xml")
        .ok_or("it has no readable `xl/workbook.xml`")?;
    let rels = validation::read_part(&mut zip, "xl/_rels/workbook.xml.rels").unwrap_or_default();
    let targets = validation::relationships(&rels);
    let (sheets, _) =
        validation::workbook_parts(&workbook).ok_or("its `xl/workbook.xml` cannot be parsed")?;

    // Patch the worksheet parts first, then copy the package around them.
    let mut patched: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut outcomes = BTreeMap::new();
    for (sheet, cells) in changes {
        if cells.is_empty() {
            continue;
        }
        let part = sheets
            .iter()
            .find(|(name, _)| name == sheet)
            .and_then(|(_, rel)| validation::part_path(&targets, rel))
            .ok_or_else(|| format!("it has no worksheet named `{sheet}`"))?;
        let mut xml = Vec::new();
        zip.by_name(&part)
            .map_err(|e| format!("sheet `{sheet}`: part `{part}`: {e}"))?
            .take(MAX_SHEET_PART_BYTES)
            .read_to_end(&mut xml)
            .map_err(|e| format!("sheet `{sheet}`: part `{part}`: {e}"))?;
        let (new_xml, outcome) =
            patch_sheet(&xml, cells).map_err(|e| format!("sheet `{sheet}`: {e}"))?;
        if outcome.written + outcome.cleared > 0 {
            patched.insert(part, new_xml);
        }
        outcomes.insert(sheet.clone(), outcome);
    }

    // Formulas that read the answers (a questionnaire's scores) keep their
    // cached values until the workbook is recalculated: ask for that on open.
    let formulas = zip.index_for_name("xl/calcChain.xml").is_some()
        || outcomes.values().any(|o: &SheetPatch| o.formulas);
    if !patched.is_empty()
        && formulas
        && let Some(xml) = recalculate_on_load(workbook.as_bytes())
            .map_err(|e| format!("its `xl/workbook.xml` {e}"))?
    {
        patched.insert("xl/workbook.xml".to_string(), xml);
    }

    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len() + 4096)));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        // Level 3: a third of the default's time for a few percent more bytes.
        .compression_level(Some(3));
    for i in 0..zip.len() {
        let name = zip
            .by_index_data(i)
            .map_err(|e| format!("zip entry {}: {e}", i + 1))?
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_default();
        match patched.get(&name) {
            Some(xml) => {
                out.start_file(name.as_str(), options)
                    .and_then(|()| out.write_all(xml).map_err(Into::into))
                    .map_err(|e| format!("writing `{name}`: {e}"))?;
            }
            None => {
                let entry = zip
                    .by_index_raw(i)
                    .map_err(|e| format!("zip entry `{name}`: {e}"))?;
                out.raw_copy_file(entry)
                    .map_err(|e| format!("copying `{name}`: {e}"))?;
            }
        }
    }
    let bytes = out
        .finish()
        .map_err(|e| format!("finishing the zip archive: {e}"))?
        .into_inner();
    Ok((bytes, outcomes))
}

/// Elements of a workbook that come after `calcPr` (ECMA-376 part 1,
/// 18.2.28): a missing `calcPr` goes before the first of them.
const AFTER_CALC_PR: &[&str] = &[
    "oleSize",
    "customWorkbookViews",
    "pivotCaches",
    "smartTagPr",
    "smartTagTypes",
    "webPublishing",
    "fileRecoveryPr",
    "webPublishObjects",
    "extLst",
];

/// The workbook XML with `fullCalcOnLoad="1"` on its `calcPr` (added when
/// missing), so that Excel recalculates every formula when the file is
/// opened; `None` when it already says so. Only that attribute changes.
fn recalculate_on_load(xml: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let Some(splice) = calc_pr_splice(xml)? else {
        return Ok(None);
    };
    apply_splices(xml, vec![splice]).map(Some)
}

/// The one splice that sets `fullCalcOnLoad="1"`; `None` when it is set.
fn calc_pr_splice(xml: &[u8]) -> Result<Option<(usize, usize, Vec<u8>)>, String> {
    let mut reader = Reader::from_reader(xml);
    let mut depth = 0usize;
    let mut prefix = Vec::new();
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| format!("is malformed at byte {start}: {e}"))?;
        let end = reader.buffer_position() as usize;
        match event {
            Event::Eof => return Err("has no `workbook` element".into()),
            Event::Start(e) | Event::Empty(e)
                if depth == 1 && e.local_name().as_ref() == "calcPr" =>
            {
                let Some(a) = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == "fullCalcOnLoad")
                else {
                    // Right after the element's name.
                    let at = start + 1 + e.name().as_ref().len();
                    return Ok(Some((at, at, b" fullCalcOnLoad=\"1\"".to_vec())));
                };
                if matches!(&*a.value, "1" | "true") {
                    return Ok(None);
                }
                // The attribute's value, between its quotes in the tag.
                let unreadable = || "has an unreadable `calcPr`".to_string();
                let tag = &xml[start..end];
                let key = find(tag, b"fullCalcOnLoad").ok_or_else(unreadable)?;
                let open = key
                    + tag[key..]
                        .iter()
                        .position(|b| matches!(b, b'"' | b'\''))
                        .ok_or_else(unreadable)?;
                let close = open
                    + 1
                    + tag[open + 1..]
                        .iter()
                        .position(|&b| b == tag[open])
                        .ok_or_else(unreadable)?;
                return Ok(Some((start + open + 1, start + close, b"1".to_vec())));
            }
            Event::Start(e) | Event::Empty(e)
                if depth == 1 && AFTER_CALC_PR.contains(&e.local_name().as_ref()) =>
            {
                return Ok(Some((start, start, calc_pr(&prefix))));
            }
            Event::End(e) if depth == 1 && e.local_name().as_ref() == "workbook" => {
                return Ok(Some((start, start, calc_pr(&prefix))));
            }
            Event::Start(e) => {
                if depth == 0 {
                    prefix = e
                        .name()
                        .prefix()
                        .map(|p| format!("{}:", p.as_ref()).into_bytes())
                        .unwrap_or_default();
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
}

fn calc_pr(prefix: &[u8]) -> Vec<u8> {
    [b"<", prefix, b"calcPr fullCalcOnLoad=\"1\"/>"].concat()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether the package is a macro-enabled workbook (xlsm).
pub(super) fn is_macro_enabled(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes))
        .ok()
        .and_then(|mut zip| validation::read_part(&mut zip, "[Content_Types].xml"))
        .is_some_and(|types| types.contains("macroEnabled"))
}

/// A `<c>` element of a row that receives changes.
#[derive(Debug)]
struct CellInfo {
    col: u32,
    start: usize,
    end: usize,
    /// Whether the element carried its own `r`.
    referenced: bool,
    style: Option<String>,
    has_value: bool,
    formula: Option<Skip>,
}

#[derive(Debug)]
struct RowInfo {
    num: u32,
    start: usize,
    /// End of the start tag (== `end` for `<row/>`).
    open_end: usize,
    /// Start of `</row>` (== `end` for `<row/>`).
    close_start: usize,
    end: usize,
    empty: bool,
    referenced: bool,
    style: Option<String>,
    cells: Vec<CellInfo>,
}

#[derive(Debug)]
enum SheetData {
    /// `<sheetData/>` at this span.
    Empty(usize, usize),
    /// The end of `<sheetData>` and the start of `</sheetData>`.
    Open(usize, usize),
}

#[derive(Debug, Default)]
struct Scan {
    /// The element prefix of the sheet (`x:` in some generators' files).
    prefix: String,
    dimension: Option<(usize, usize, String)>,
    sheet_data: Option<SheetData>,
    rows: Vec<RowInfo>,
    /// (first column, last column, style) of `<col>` elements, 0-based.
    cols: Vec<(u32, u32, String)>,
    merges: Vec<Area>,
    arrays: Vec<Area>,
    /// Whether any cell of the sheet holds a formula.
    formulas: bool,
}

/// One pass over the worksheet XML, recording what a patch needs.
fn scan(xml: &[u8]) -> Result<Scan, String> {
    let mut reader = Reader::from_reader(xml);
    let mut out = Scan::default();
    let mut in_sheet_data = false;
    let mut row: Option<RowInfo> = None;
    let mut cell: Option<CellInfo> = None;
    let mut next_row = 0u32;
    let mut next_col = 0u32;
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| format!("its XML is malformed at byte {start}: {e}"))?;
        let end = reader.buffer_position() as usize;
        // A self-closing element (`<c .../>`).
        let closed = matches!(event, Event::Empty(_));
        if let Event::Start(e) | Event::Empty(e) = &event
            && e.local_name().as_ref() == "f"
        {
            out.formulas = true;
        }
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheetData" => {
                out.prefix = e
                    .name()
                    .prefix()
                    .map(|p| format!("{}:", p.as_ref() as &str))
                    .unwrap_or_default();
                if closed {
                    out.sheet_data = Some(SheetData::Empty(start, end));
                } else {
                    in_sheet_data = true;
                    out.sheet_data = Some(SheetData::Open(end, end));
                }
            }
            Event::End(e) if e.local_name().as_ref() == "sheetData" => {
                in_sheet_data = false;
                if let Some(SheetData::Open(open, _)) = out.sheet_data {
                    out.sheet_data = Some(SheetData::Open(open, start));
                }
            }
            Event::Start(e) | Event::Empty(e)
                if in_sheet_data && e.local_name().as_ref() == "row" =>
            {
                let given = attr(&e, "r").and_then(|r| r.trim().parse::<u32>().ok());
                let num = match given {
                    Some(n) if n >= 1 => n - 1,
                    _ => next_row,
                };
                if out.rows.last().is_some_and(|r| r.num >= num) {
                    return Err(format!("its rows are out of order at row {}", num + 1));
                }
                next_row = num + 1;
                next_col = 0;
                let custom = attr(&e, "customFormat").is_some_and(|v| v == "1" || v == "true");
                let info = RowInfo {
                    num,
                    start,
                    open_end: end,
                    close_start: end,
                    end,
                    empty: closed,
                    referenced: given.is_some(),
                    style: attr(&e, "s").filter(|_| custom),
                    cells: Vec::new(),
                };
                if closed {
                    out.rows.push(info);
                } else {
                    row = Some(info);
                }
            }
            Event::End(e) if e.local_name().as_ref() == "row" => {
                if let Some(mut r) = row.take() {
                    r.close_start = start;
                    r.end = end;
                    out.rows.push(r);
                }
            }
            Event::Start(e) | Event::Empty(e)
                if row.is_some() && e.local_name().as_ref() == "c" =>
            {
                let reference = attr(&e, "r").and_then(|r| parse_cell(&r));
                let col = reference.map_or(next_col, |(_, c)| c);
                next_col = col + 1;
                let info = CellInfo {
                    col,
                    start,
                    end,
                    referenced: reference.is_some(),
                    style: attr(&e, "s"),
                    has_value: false,
                    formula: None,
                };
                if closed {
                    if let Some(r) = row.as_mut() {
                        r.cells.push(info);
                    }
                } else {
                    cell = Some(info);
                }
            }
            Event::Start(e) | Event::Empty(e)
                if cell.is_some() && e.local_name().as_ref() == "f" =>
            {
                let kind = attr(&e, "t").unwrap_or_default();
                if let Some(c) = cell.as_mut() {
                    c.formula = Some(match kind.as_str() {
                        "shared" => Skip::SharedFormula,
                        "array" | "dataTable" => Skip::ArrayFormula,
                        _ => Skip::Formula,
                    });
                }
                if matches!(kind.as_str(), "array" | "dataTable")
                    && let Some(area) = attr(&e, "ref").and_then(|r| parse_area(&r))
                {
                    out.arrays.push(area);
                }
            }
            Event::Start(e) | Event::Empty(e)
                if cell.is_some() && matches!(e.local_name().as_ref(), "v" | "is") =>
            {
                if let Some(c) = cell.as_mut() {
                    c.has_value = true;
                }
            }
            Event::End(e) if e.local_name().as_ref() == "c" => {
                if let Some(mut c) = cell.take() {
                    c.end = end;
                    if let Some(r) = row.as_mut() {
                        r.cells.push(c);
                    }
                }
            }
            Event::Empty(e) if e.local_name().as_ref() == "dimension" => {
                out.dimension = Some((start, end, attr(&e, "ref").unwrap_or_default()));
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "col" => {
                let bound = |k: &str| attr(&e, k).and_then(|v| v.trim().parse::<u32>().ok());
                if let (Some(min), Some(max), Some(style)) =
                    (bound("min"), bound("max"), attr(&e, "style"))
                    && min >= 1
                {
                    out.cols.push((min - 1, max.saturating_sub(1), style));
                }
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "mergeCell" => {
                if let Some(area) = attr(&e, "ref").and_then(|r| parse_area(&r)) {
                    out.merges.push(area);
                }
            }
            _ => {}
        }
    }
    if out.sheet_data.is_none() {
        return Err("it has no `sheetData`".into());
    }
    Ok(out)
}

/// Patches one worksheet's XML.
fn patch_sheet(xml: &[u8], changes: &[CellChange]) -> Result<(Vec<u8>, SheetPatch), String> {
    let scan = scan(xml)?;
    let p = scan.prefix.as_str();
    let mut outcome = SheetPatch {
        formulas: scan.formulas,
        ..SheetPatch::default()
    };
    let mut splices: Vec<(usize, usize, Vec<u8>)> = Vec::new();

    // The changes by row, then column; the last change of a cell wins.
    // (text, whether it may join a merged range's visible cell) per cell.
    let mut by_row: BTreeMap<u32, BTreeMap<u32, (Option<&str>, bool)>> = BTreeMap::new();
    for c in changes {
        by_row
            .entry(c.row)
            .or_default()
            .insert(c.col, (c.value.as_deref(), c.joins));
    }
    let col_style = |col: u32| -> Option<&str> {
        scan.cols
            .iter()
            .find(|(min, max, _)| (*min..=*max).contains(&col))
            .map(|(_, _, s)| s.as_str())
    };
    let all_rows_referenced = scan.rows.iter().all(|r| r.referenced);
    let mut bounds: Option<Area> = None;

    for (&row_num, cols) in &by_row {
        let hidden_in = |col: u32| {
            scan.merges
                .iter()
                .find(|m| m.contains(row_num, col) && (m.first_row, m.first_col) != (row_num, col))
        };
        // Text for a cell hidden inside a merged range goes into the range's
        // visible cell when that cell is written too: a free-text answer
        // merged over its details column (HECVAT 3) keeps its details.
        let mut joined: BTreeMap<u32, String> = BTreeMap::new();
        let mut moved: Vec<u32> = Vec::new();
        for (&col, &(value, joins)) in cols {
            if let (Some(m), Some(text), true) = (hidden_in(col), value, joins)
                && m.first_row == row_num
                && let Some((Some(visible), _)) = cols.get(&m.first_col)
            {
                let so_far = joined
                    .entry(m.first_col)
                    .or_insert_with(|| (*visible).to_string());
                *so_far = join_sentences(so_far, text);
                moved.push(col);
            }
        }
        // Cells that may not be written, whatever the row holds.
        let mut wanted: Vec<(u32, Option<&str>)> = Vec::new();
        for (&col, &(value, _)) in cols {
            if let Some(m) = hidden_in(col) {
                if moved.contains(&col) {
                    outcome.joined.push((row_num, col, m.first_col));
                } else {
                    outcome
                        .skipped
                        .push((row_num, col, Skip::Merged(area_text(m))));
                }
            } else if scan.arrays.iter().any(|a| a.contains(row_num, col)) {
                outcome.skipped.push((row_num, col, Skip::ArrayFormula));
            } else {
                wanted.push((col, joined.get(&col).map(String::as_str).or(value)));
            }
        }
        let found = scan
            .rows
            .binary_search_by_key(&row_num, |r| r.num)
            .ok()
            .map(|i| &scan.rows[i]);
        match found {
            Some(row) => patch_row(
                xml,
                p,
                row,
                &wanted,
                col_style,
                &mut splices,
                &mut outcome,
                &mut bounds,
            ),
            None => {
                let cells: Vec<(u32, &str)> = wanted
                    .iter()
                    .filter_map(|&(c, v)| v.map(|v| (c, v)))
                    .collect();
                if cells.is_empty() {
                    continue;
                }
                if !all_rows_referenced {
                    for (c, _) in cells {
                        outcome.skipped.push((row_num, c, Skip::NoReferences));
                    }
                    continue;
                }
                let mut new_row = format!("<{p}row r=\"{}\">", row_num + 1).into_bytes();
                for &(col, value) in &cells {
                    new_row.extend(cell_xml(p, row_num, col, col_style(col), value));
                    outcome.written += 1;
                    grow(&mut bounds, row_num, col);
                }
                new_row.extend(format!("</{p}row>").into_bytes());
                let next = scan.rows.iter().find(|r| r.num > row_num);
                match (next, &scan.sheet_data) {
                    (Some(next), _) => splices.push((next.start, next.start, new_row)),
                    (None, Some(SheetData::Open(_, close))) => {
                        splices.push((*close, *close, new_row));
                    }
                    (None, Some(SheetData::Empty(start, end))) => {
                        let mut whole = format!("<{p}sheetData>").into_bytes();
                        whole.extend(new_row);
                        whole.extend(format!("</{p}sheetData>").into_bytes());
                        splices.push((*start, *end, whole));
                    }
                    (None, None) => unreachable!("scan requires sheetData"),
                }
            }
        }
    }

    if let (Some(new), Some((start, end, old))) = (bounds, &scan.dimension) {
        let merged = match parse_area(old) {
            Some(old) => Area {
                first_row: old.first_row.min(new.first_row),
                first_col: old.first_col.min(new.first_col),
                last_row: old.last_row.max(new.last_row),
                last_col: old.last_col.max(new.last_col),
            },
            None => new,
        };
        if parse_area(old) != Some(merged) {
            splices.push((
                *start,
                *end,
                format!("<{p}dimension ref=\"{}\"/>", area_text(&merged)).into_bytes(),
            ));
        }
    }

    outcome.skipped.sort_by_key(|s| (s.0, s.1));
    Ok((apply_splices(xml, splices)?, outcome))
}

/// `xml` with each `(start, end, bytes)` range replaced by `bytes` (an
/// insertion when `start == end`); overlapping ranges are an error.
fn apply_splices(xml: &[u8], mut splices: Vec<(usize, usize, Vec<u8>)>) -> Result<Vec<u8>, String> {
    // By position; an insertion before a cell sorts before the cell's
    // replacement, and equal positions keep their (column) order.
    splices.sort_by_key(|s| (s.0, s.1));
    let extra: usize = splices.iter().map(|s| s.2.len()).sum();
    let mut out = Vec::with_capacity(xml.len() + extra);
    let mut cursor = 0;
    for (start, end, bytes) in splices {
        if start < cursor {
            return Err(format!("two changes overlap at byte {start}"));
        }
        out.extend_from_slice(&xml[cursor..start]);
        out.extend_from_slice(&bytes);
        cursor = end;
    }
    out.extend_from_slice(&xml[cursor..]);
    Ok(out)
}

/// Changes the cells of one existing row.
#[allow(clippy::too_many_arguments)]
fn patch_row<'a>(
    xml: &[u8],
    p: &str,
    row: &RowInfo,
    wanted: &[(u32, Option<&str>)],
    col_style: impl Fn(u32) -> Option<&'a str>,
    splices: &mut Vec<(usize, usize, Vec<u8>)>,
    outcome: &mut SheetPatch,
    bounds: &mut Option<Area>,
) {
    let r = row.num;
    let all_cells_referenced = row.cells.iter().all(|c| c.referenced);
    let new_style = |col: u32| row.style.as_deref().or_else(|| col_style(col));
    let mut inserts: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut max_new_col: Option<u32> = None;
    for &(col, value) in wanted {
        match row.cells.iter().find(|c| c.col == col) {
            Some(cell) => {
                if let Some(why) = &cell.formula {
                    outcome.skipped.push((r, col, why.clone()));
                    continue;
                }
                match value {
                    Some(text) => {
                        splices.push((
                            cell.start,
                            cell.end,
                            cell_xml(p, r, col, cell.style.as_deref(), text),
                        ));
                        outcome.written += 1;
                        grow(bounds, r, col);
                    }
                    None if cell.has_value => {
                        let style = cell
                            .style
                            .as_deref()
                            .map(|s| format!(" s=\"{}\"", escape_attr(s)))
                            .unwrap_or_default();
                        splices.push((
                            cell.start,
                            cell.end,
                            format!("<{p}c r=\"{}\"{style}/>", cell_name(r, col)).into_bytes(),
                        ));
                        outcome.cleared += 1;
                    }
                    None => {}
                }
            }
            None => {
                let Some(text) = value else { continue };
                if !all_cells_referenced {
                    outcome.skipped.push((r, col, Skip::NoReferences));
                    continue;
                }
                let at = row
                    .cells
                    .iter()
                    .find(|c| c.col > col)
                    .map_or(row.close_start, |c| c.start);
                inserts.push((at, cell_xml(p, r, col, new_style(col), text)));
                outcome.written += 1;
                grow(bounds, r, col);
                max_new_col = Some(max_new_col.map_or(col, |m| m.max(col)));
            }
        }
    }
    if inserts.is_empty() {
        return;
    }
    // The start tag: widen `spans` to the new cells; `<row/>` opens up.
    let tag = &xml[row.start..row.open_end];
    let mut tag = String::from_utf8_lossy(tag).into_owned();
    if row.empty {
        tag.truncate(tag.len() - 2);
        tag = tag.trim_end().to_string();
        tag.push('>');
    }
    if let Some(max) = max_new_col {
        tag = widen_spans(&tag, max + 1);
    }
    if row.empty {
        let mut whole = tag.into_bytes();
        for (_, cell) in inserts {
            whole.extend(cell);
        }
        whole.extend(format!("</{p}row>").into_bytes());
        splices.push((row.start, row.end, whole));
    } else {
        if tag.as_bytes() != &xml[row.start..row.open_end] {
            splices.push((row.start, row.open_end, tag.into_bytes()));
        }
        for (at, cell) in inserts {
            splices.push((at, at, cell));
        }
    }
}

/// A row start tag with `spans="a:b"` widened to include 1-based column
/// `col`; spans are an optional hint, so a tag without them is kept.
fn widen_spans(tag: &str, col: u32) -> String {
    let Some(i) = tag.find("spans=\"") else {
        return tag.to_string();
    };
    let from = i + "spans=\"".len();
    let Some(len) = tag[from..].find('"') else {
        return tag.to_string();
    };
    let value = &tag[from..from + len];
    let numbers: Vec<u32> = value
        .split([':', ' '])
        .filter_map(|n| n.parse().ok())
        .collect();
    let (Some(&lo), Some(&hi)) = (numbers.iter().min(), numbers.iter().max()) else {
        return tag.to_string();
    };
    if (lo..=hi).contains(&col) {
        return tag.to_string();
    }
    format!(
        "{}{}:{}{}",
        &tag[..from],
        lo.min(col),
        hi.max(col),
        &tag[from + len..]
    )
}

fn grow(bounds: &mut Option<Area>, row: u32, col: u32) {
    let b = bounds.get_or_insert(Area {
        first_row: row,
        first_col: col,
        last_row: row,
        last_col: col,
    });
    b.first_row = b.first_row.min(row);
    b.first_col = b.first_col.min(col);
    b.last_row = b.last_row.max(row);
    b.last_col = b.last_col.max(col);
}

fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", column_name(col), row + 1)
}

fn area_text(a: &Area) -> String {
    let first = cell_name(a.first_row, a.first_col);
    if (a.first_row, a.first_col) == (a.last_row, a.last_col) {
        first
    } else {
        format!("{first}:{}", cell_name(a.last_row, a.last_col))
    }
}

/// An inline-string cell.
fn cell_xml(p: &str, row: u32, col: u32, style: Option<&str>, text: &str) -> Vec<u8> {
    let style = style
        .map(|s| format!(" s=\"{}\"", escape_attr(s)))
        .unwrap_or_default();
    format!(
        "<{p}c r=\"{}\"{style} t=\"inlineStr\"><{p}is><{p}t xml:space=\"preserve\">{}</{p}t></{p}is></{p}c>",
        cell_name(row, col),
        escape_text(text)
    )
    .into_bytes()
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// Escapes cell text for SpreadsheetML: XML entities; characters XML 1.0
/// cannot hold as `_xHHHH_`; a literal `_xHHHH_` as `_x005F_xHHHH_` so Excel
/// does not decode it. Longer texts are cut at Excel's cell limit.
fn escape_text(text: &str) -> String {
    let text: String = if text.chars().count() > MAX_CELL_CHARS {
        let mut t: String = text.chars().take(MAX_CELL_CHARS - 12).collect();
        t.push_str(" [truncated]");
        t
    } else {
        text.to_string()
    };
    let mut out = String::with_capacity(text.len() + 16);
    let bytes = text.as_bytes();
    for (i, ch) in text.char_indices() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("_x{:04X}_", c as u32));
            }
            '_' if is_escape_sequence(&bytes[i..]) => out.push_str("_x005F_"),
            c => out.push(c),
        }
    }
    out
}

/// Whether `s` starts with `_xHHHH_`.
fn is_escape_sequence(s: &[u8]) -> bool {
    s.len() >= 7 && s[1] == b'x' && s[2..6].iter().all(u8::is_ascii_hexdigit) && s[6] == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(cell: &str, value: Option<&str>) -> CellChange {
        let (row, col) = parse_cell(cell).unwrap();
        CellChange {
            row,
            col,
            value: value.map(str::to_string),
            joins: false,
        }
    }

    fn patch(xml: &str, changes: &[CellChange]) -> (String, SheetPatch) {
        let (out, outcome) = patch_sheet(xml.as_bytes(), changes).unwrap();
        (String::from_utf8(out).unwrap(), outcome)
    }

    const SHEET: &str = concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
        r#"<dimension ref="A1:C3"/><cols><col min="3" max="3" width="20" style="7" customWidth="1"/></cols>"#,
        r#"<sheetData>"#,
        r#"<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="C1" s="4" t="s"><v>1</v></c></row>"#,
        r#"<row r="3" spans="1:3"><c r="A3" t="s"><v>2</v></c><c r="B3" s="2"><f>A3&amp;"x"</f><v>1</v></c><c r="C3" s="5"/></row>"#,
        r#"</sheetData><mergeCells count="1"><mergeCell ref="D1:E1"/></mergeCells>"#,
        r#"<dataValidations count="1"><dataValidation type="list" sqref="C1:C3"><formula1>"Yes,No"</formula1></dataValidation></dataValidations>"#,
        r#"</worksheet>"#
    );

    #[test]
    fn replaces_inserts_and_keeps_the_rest() {
        let (out, o) = patch(
            SHEET,
            &[
                change("C1", Some("Yes")),
                change("C3", Some("No & <maybe>")),
                change("C2", Some("=1+1")),
                change("F3", Some("far")),
            ],
        );
        assert_eq!(o.written, 4, "{out}");
        assert!(o.skipped.is_empty());
        // The existing cells keep their styles, the new one takes its column's.
        assert!(out.contains(r#"<c r="C1" s="4" t="inlineStr"><is><t xml:space="preserve">Yes</t></is></c></row>"#), "{out}");
        assert!(out.contains(r#"<c r="C3" s="5" t="inlineStr"><is><t xml:space="preserve">No &amp; &lt;maybe&gt;</t></is></c>"#), "{out}");
        assert!(out.contains(r#"<row r="2"><c r="C2" s="7" t="inlineStr"><is><t xml:space="preserve">=1+1</t></is></c></row><row r="3" spans="1:6">"#), "{out}");
        assert!(out.contains(r#"<c r="F3" t="inlineStr">"#), "{out}");
        assert!(out.contains(r#"<dimension ref="A1:F3"/>"#), "{out}");
        // Untouched: the formula, the validation, the merge.
        assert!(out.contains(r#"<c r="B3" s="2"><f>A3&amp;"x"</f><v>1</v></c>"#));
        assert!(out.contains(r#"<dataValidation type="list" sqref="C1:C3"><formula1>"Yes,No"</formula1></dataValidation>"#));
    }

    #[test]
    fn text_for_a_hidden_merged_cell_joins_the_visible_one() {
        let (out, o) = patch(
            SHEET,
            &[
                change("D1", Some("Yes")),
                CellChange {
                    joins: true,
                    ..change("E1", Some("Keys rotate yearly."))
                },
            ],
        );
        assert_eq!((o.written, o.skipped.len()), (1, 0), "{out}");
        assert_eq!(o.joined, [(0, 4, 3)]);
        assert!(
            out.contains(r#"<c r="D1" t="inlineStr"><is><t xml:space="preserve">Yes. Keys rotate yearly.</t></is></c>"#),
            "{out}"
        );
        assert_eq!(
            join_sentences("Annually: ", "by the CISO"),
            "Annually: by the CISO"
        );
    }

    #[test]
    fn formulas_and_hidden_merged_cells_are_left_alone() {
        let (out, o) = patch(
            SHEET,
            &[
                change("B3", Some("x")),
                change("E1", None),
                change("D1", Some("top-left")),
            ],
        );
        assert_eq!(o.written, 1);
        assert_eq!(
            o.skipped,
            vec![(0, 4, Skip::Merged("D1:E1".into())), (2, 1, Skip::Formula)]
        );
        assert!(out.contains(r#"<c r="C1" s="4" t="s"><v>1</v></c><c r="D1" t="inlineStr">"#));
    }

    #[test]
    fn shared_and_array_formulas() {
        let xml = concat!(
            r#"<worksheet><sheetData><row r="2">"#,
            r#"<c r="A2"><f t="shared" ref="A2:A3" si="0">B2</f><v>1</v></c>"#,
            r#"<c r="C2"><f t="array" ref="C2:C3">B2:B3*2</f><v>2</v></c></row>"#,
            r#"<row r="3"><c r="A3"><f t="shared" si="0"/><v>1</v></c><c r="C3"><v>4</v></c></row>"#,
            r#"</sheetData></worksheet>"#
        );
        let (out, o) = patch(
            xml,
            &[
                change("A2", Some("x")),
                change("A3", Some("x")),
                change("C3", Some("x")),
            ],
        );
        assert_eq!(o.written, 0);
        assert_eq!(
            o.skipped,
            vec![
                (1, 0, Skip::SharedFormula),
                (2, 0, Skip::SharedFormula),
                (2, 2, Skip::ArrayFormula)
            ]
        );
        assert_eq!(out, xml);
    }

    #[test]
    fn prefixed_elements_empty_rows_and_empty_sheet_data() {
        let xml = r#"<x:worksheet xmlns:x="urn:x"><x:sheetData><x:row r="2" spans="1:1" /></x:sheetData></x:worksheet>"#;
        let (out, _) = patch(xml, &[change("B2", Some("a")), change("A5", Some("b"))]);
        assert_eq!(
            out,
            concat!(
                r#"<x:worksheet xmlns:x="urn:x"><x:sheetData><x:row r="2" spans="1:2">"#,
                r#"<x:c r="B2" t="inlineStr"><x:is><x:t xml:space="preserve">a</x:t></x:is></x:c></x:row>"#,
                r#"<x:row r="5"><x:c r="A5" t="inlineStr"><x:is><x:t xml:space="preserve">b</x:t></x:is></x:c></x:row>"#,
                r#"</x:sheetData></x:worksheet>"#
            )
        );
        let (out, _) = patch(
            "<worksheet><sheetData/></worksheet>",
            &[change("A1", Some("a"))],
        );
        assert_eq!(
            out,
            r#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">a</t></is></c></row></sheetData></worksheet>"#
        );
    }

    #[test]
    fn a_cell_inserted_before_a_cleared_one() {
        // A mark moving from C3 to B3: B3 goes in right before C3 empties.
        let (out, o) = patch(SHEET, &[change("B1", Some("x")), change("C1", None)]);
        assert_eq!((o.written, o.cleared), (1, 1));
        assert!(
            out.contains(r#"<c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t xml:space="preserve">x</t></is></c><c r="C1" s="4"/></row>"#),
            "{out}"
        );
    }

    #[test]
    fn clearing_keeps_the_style_and_skips_empty_cells() {
        let (out, o) = patch(
            SHEET,
            &[change("C1", None), change("C3", None), change("B2", None)],
        );
        assert_eq!((o.written, o.cleared), (0, 1));
        assert!(out.contains(r#"<c r="C1" s="4"/></row>"#), "{out}");
        assert!(out.contains(r#"<c r="C3" s="5"/>"#));
    }

    #[test]
    fn text_escapes() {
        assert_eq!(escape_text("a\u{1}b"), "a_x0001_b");
        assert_eq!(escape_text("_x0041_ and _x"), "_x005F_x0041_ and _x");
        assert_eq!(escape_text("tab\there"), "tab\there");
        let long = "é".repeat(40_000);
        assert_eq!(escape_text(&long).chars().count(), MAX_CELL_CHARS);
    }

    #[test]
    fn rows_out_of_order_are_refused() {
        let xml = r#"<worksheet><sheetData><row r="3"/><row r="2"/></sheetData></worksheet>"#;
        let err = patch_sheet(xml.as_bytes(), &[change("A1", Some("a"))]).unwrap_err();
        assert!(err.contains("out of order"), "{err}");
    }

    #[test]
    fn workbooks_are_recalculated_on_open() {
        let recalc = |xml: &str| {
            recalculate_on_load(xml.as_bytes())
                .unwrap()
                .map(|b| String::from_utf8(b).unwrap())
        };
        let head = r#"<?xml version="1.0"?><workbook xmlns="m"><bookViews><workbookView><extLst/></workbookView></bookViews><sheets/>"#;
        // An existing calcPr gains the attribute, and nothing else changes.
        assert_eq!(
            recalc(&format!(
                r#"{head}<calcPr calcId="191029"/><extLst/></workbook>"#
            ))
            .unwrap(),
            format!(r#"{head}<calcPr fullCalcOnLoad="1" calcId="191029"/><extLst/></workbook>"#)
        );
        assert_eq!(
            recalc(&format!(
                r#"{head}<calcPr fullCalcOnLoad='0' calcId="1"/></workbook>"#
            ))
            .unwrap(),
            format!(r#"{head}<calcPr fullCalcOnLoad='1' calcId="1"/></workbook>"#)
        );
        assert_eq!(
            recalc(&format!(r#"{head}<calcPr fullCalcOnLoad="1"/></workbook>"#)),
            None
        );
        // A missing one goes where the schema wants it: before the first
        // element that follows it (not one nested deeper), else at the end.
        assert_eq!(
            recalc(&format!(
                r#"{head}<definedNames/><pivotCaches/><extLst/></workbook>"#
            ))
            .unwrap(),
            format!(
                r#"{head}<definedNames/><calcPr fullCalcOnLoad="1"/><pivotCaches/><extLst/></workbook>"#
            )
        );
        assert_eq!(
            recalc(&format!("{head}</workbook>")).unwrap(),
            format!(r#"{head}<calcPr fullCalcOnLoad="1"/></workbook>"#)
        );
        assert_eq!(
            recalc(r#"<x:workbook xmlns:x="m"><x:sheets/></x:workbook>"#).unwrap(),
            r#"<x:workbook xmlns:x="m"><x:sheets/><x:calcPr fullCalcOnLoad="1"/></x:workbook>"#
        );
        assert!(recalculate_on_load(b"<workbook><sheets>").is_err());
    }

    #[test]
    fn spans() {
        assert_eq!(
            widen_spans(r#"<row r="1" spans="2:3">"#, 5),
            r#"<row r="1" spans="2:5">"#
        );
        assert_eq!(
            widen_spans(r#"<row r="1" spans="2:3">"#, 3),
            r#"<row r="1" spans="2:3">"#
        );
        assert_eq!(widen_spans(r#"<row r="1">"#, 3), r#"<row r="1">"#);
    }
}

//! Allowed answer values: the list data validations (dropdowns) of an xlsx
//! workbook, read from the sheet XML, since calamine does not expose them.
//!
//! Both forms are read: classic `<dataValidation type="list" sqref="C3:C9">
//! <formula1>...</formula1>` and the Excel 2010 extension
//! `<x14:dataValidation type="list"><x14:formula1><xm:f>...</xm:f>
//! </x14:formula1><xm:sqref>C3:C9</xm:sqref>` inside `extLst`. A list is an
//! inline `"Yes,No,NA"`, a range (`'Auto Responses'!$J$3:$J$5`, on any sheet,
//! hidden ones included) or a defined name (`yes` → `Values!$A$4:$A$5`,
//! sheet-local names first). Anything else (`INDIRECT(...)`, external
//! workbooks `[1]Values!...`, `#REF!`) is unresolvable: no allowed values.
//!
//! A list either stops other values (Excel's default: `showErrorMessage="1"`
//! with the `stop` error style) or only suggests its values: with the
//! `warning` or `information` style, or with no error message at all, Excel
//! takes anything typed into the cell, so an answer outside the list can be
//! drafted there as it is.
//!
//! Reading validations is best effort: a workbook whose validation XML cannot
//! be parsed is still imported, without allowed values.

use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

use super::detect::{is_prompt, parse_column};
use super::read::Sheet;

/// No XML part read here may inflate beyond this.
const MAX_PART_BYTES: u64 = 128 * 1024 * 1024;
/// Ranges larger than this are not lists of answers.
const MAX_LIST_CELLS: u64 = 1_000;

/// A rectangle of cells, 0-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Area {
    pub first_row: u32,
    pub first_col: u32,
    pub last_row: u32,
    pub last_col: u32,
}

impl Area {
    pub fn contains(&self, row: u32, col: u32) -> bool {
        (self.first_row..=self.last_row).contains(&row)
            && (self.first_col..=self.last_col).contains(&col)
    }

    fn cells(&self) -> u64 {
        (u64::from(self.last_row - self.first_row) + 1)
            * (u64::from(self.last_col - self.first_col) + 1)
    }
}

/// One list validation: the cells it covers, its values when resolved, and
/// whether it refuses other values.
#[derive(Debug, Clone, PartialEq)]
struct Rule {
    areas: Vec<Area>,
    values: Option<Vec<String>>,
    strict: bool,
}

/// A list validation as written: where, its `formula1`, and whether Excel
/// refuses a value outside the list.
#[derive(Debug, Clone, PartialEq)]
struct RawRule {
    sqref: String,
    formula: String,
    strict: bool,
}

/// The dropdown of one cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dropdown<'a> {
    pub values: &'a [String],
    /// Whether the cell takes only `values` (else they are suggestions).
    pub strict: bool,
}

/// The list validations of a workbook, by sheet name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lists {
    by_sheet: HashMap<String, Vec<Rule>>,
}

impl Lists {
    /// A cell's dropdown, or `None` when it has none or its list could not
    /// be resolved.
    pub fn dropdown(&self, sheet: &str, row: u32, col: u32) -> Option<Dropdown<'_>> {
        let rule = self
            .by_sheet
            .get(sheet)?
            .iter()
            .find(|r| r.areas.iter().any(|a| a.contains(row, col)))?;
        Some(Dropdown {
            values: rule.values.as_deref()?,
            strict: rule.strict,
        })
    }

    /// The values a cell's dropdown offers.
    #[cfg(test)]
    fn allowed(&self, sheet: &str, row: u32, col: u32) -> Option<&[String]> {
        self.dropdown(sheet, row, col).map(|d| d.values)
    }

    /// Whether no sheet has a list.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.by_sheet.is_empty()
    }
}

/// The validations as written in the file, before resolving their lists.
#[derive(Debug, Default)]
pub struct RawLists {
    /// Sheet name → its list validations.
    sheets: Vec<(String, Vec<RawRule>)>,
    /// (name lowercased, local sheet name, formula).
    names: Vec<(String, Option<String>, String)>,
}

/// Reads the list validations and defined names of an xlsx/xlsm workbook.
pub fn scan(bytes: &[u8]) -> RawLists {
    scan_zip(bytes).unwrap_or_default()
}

fn scan_zip(bytes: &[u8]) -> Option<RawLists> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let workbook = read_part(&mut zip, "xl/workbook.xml")?;
    let rels = read_part(&mut zip, "xl/_rels/workbook.xml.rels").unwrap_or_default();
    let targets = relationships(&rels);
    let (sheets, names) = workbook_parts(&workbook)?;
    let mut raw = RawLists::default();
    for (name, rel) in &sheets {
        let Some(path) = part_path(&targets, rel) else {
            continue;
        };
        let Some(xml) = read_part(&mut zip, &path) else {
            continue;
        };
        // Validations follow the cell data; most sheets have none.
        if !xml.contains("dataValidation") {
            continue;
        }
        let tail = xml
            .find("</sheetData>")
            .map_or(xml.as_str(), |i| &xml[i + "</sheetData>".len()..]);
        let rules = sheet_validations(tail);
        if !rules.is_empty() {
            raw.sheets.push((name.clone(), rules));
        }
    }
    raw.names = names
        .into_iter()
        .map(|(name, local, formula)| {
            let local = local
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| sheets.get(i))
                .map(|(n, _)| n.clone());
            (name.to_lowercase(), local, formula)
        })
        .collect();
    Some(raw)
}

/// The zip path of the part a workbook relationship points to.
pub(super) fn part_path(targets: &HashMap<String, String>, rel: &str) -> Option<String> {
    let target = targets.get(rel)?;
    Some(match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => format!("xl/{target}"),
    })
}

pub(super) fn read_part<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    path: &str,
) -> Option<String> {
    let file = zip.by_name(path).ok()?;
    let mut text = String::new();
    file.take(MAX_PART_BYTES).read_to_string(&mut text).ok()?;
    Some(text)
}

/// The text of an element, with entity references resolved.
fn push_ref(out: &mut String, name: &str) {
    match name {
        "amp" => out.push('&'),
        "lt" => out.push('<'),
        "gt" => out.push('>'),
        "quot" => out.push('"'),
        "apos" => out.push('\''),
        _ => {
            let code = name
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()));
            if let Some(c) = code.and_then(char::from_u32) {
                out.push(c);
            }
        }
    }
}

pub(super) fn attr(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.as_ref() == key).then(|| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_default()
        })
    })
}

/// Relationship id → target, from `xl/_rels/workbook.xml.rels`.
pub(super) fn relationships(xml: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut reader = Reader::from_reader(BufReader::new(xml.as_bytes()));
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                if let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) {
                    out.insert(id, target);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

pub(super) type SheetRefs = Vec<(String, String)>;
pub(super) type Names = Vec<(String, Option<String>, String)>;

/// The sheets (name, relationship id) in order and the defined names
/// (name, localSheetId, formula) of `xl/workbook.xml`.
pub(super) fn workbook_parts(xml: &str) -> Option<(SheetRefs, Names)> {
    let mut sheets = Vec::new();
    let mut names = Vec::new();
    let mut reader = Reader::from_reader(BufReader::new(xml.as_bytes()));
    let mut buf = Vec::new();
    let mut current: Option<(String, Option<String>, String)> = None;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sheet" => {
                let rel = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == "id")
                    .map(|a| a.value.to_string());
                if let (Some(name), Some(rel)) = (attr(&e, "name"), rel) {
                    sheets.push((name, rel));
                }
            }
            Ok(Event::Start(e)) if e.local_name().as_ref() == "definedName" => {
                if let Some(name) = attr(&e, "name") {
                    current = Some((name, attr(&e, "localSheetId"), String::new()));
                }
            }
            Ok(Event::Text(t)) => {
                if let Some((_, _, f)) = current.as_mut() {
                    f.push_str(&t.xml10_content());
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some((_, _, f)) = current.as_mut() {
                    push_ref(f, &r.into_inner());
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == "definedName" => {
                names.extend(current.take());
            }
            Ok(Event::Eof) => break,
            Err(_) => return None,
            _ => {}
        }
        buf.clear();
    }
    Some((sheets, names))
}

/// The list validations of one sheet's XML.
fn sheet_validations(xml: &str) -> Vec<RawRule> {
    #[derive(PartialEq)]
    enum In {
        Nothing,
        Formula,
        Sqref,
    }
    let mut out = Vec::new();
    let mut reader = Reader::from_reader(BufReader::new(xml.as_bytes()));
    let mut buf = Vec::new();
    // Whether it is a list, and the rule, of the validation being read.
    let mut current: Option<(bool, RawRule)> = None;
    let mut inside = In::Nothing;
    loop {
        let event = reader.read_event_into(&mut buf);
        match event {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                "dataValidation" => {
                    let list = attr(&e, "type").as_deref() == Some("list");
                    let flag = |v: Option<String>| matches!(v.as_deref(), Some("1" | "true"));
                    let strict = flag(attr(&e, "showErrorMessage"))
                        && matches!(attr(&e, "errorStyle").as_deref(), None | Some("stop"));
                    let rule = RawRule {
                        sqref: attr(&e, "sqref").unwrap_or_default(),
                        formula: String::new(),
                        strict,
                    };
                    current = Some((list, rule));
                }
                "formula1" if current.is_some() => inside = In::Formula,
                "sqref" if current.is_some() => inside = In::Sqref,
                _ => {}
            },
            Ok(Event::Text(t)) => {
                if let Some((_, rule)) = current.as_mut() {
                    match inside {
                        In::Formula => rule.formula.push_str(&t.xml10_content()),
                        In::Sqref => rule.sqref.push_str(&t.xml10_content()),
                        In::Nothing => {}
                    }
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some((_, rule)) = current.as_mut() {
                    match inside {
                        In::Formula => push_ref(&mut rule.formula, &r.into_inner()),
                        In::Sqref => push_ref(&mut rule.sqref, &r.into_inner()),
                        In::Nothing => {}
                    }
                }
            }
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                "dataValidation" => {
                    if let Some((true, mut rule)) = current.take()
                        && !rule.sqref.trim().is_empty()
                    {
                        rule.formula = rule.formula.trim().to_string();
                        out.push(rule);
                    }
                    inside = In::Nothing;
                }
                "formula1" | "sqref" => inside = In::Nothing,
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// Resolves the lists of `raw` against the workbook's values.
pub fn resolve(raw: RawLists, sheets: &[Sheet]) -> Lists {
    let mut lists = Lists::default();
    for (sheet, rules) in &raw.sheets {
        let resolved: Vec<Rule> = rules
            .iter()
            .map(|raw_rule| Rule {
                areas: raw_rule
                    .sqref
                    .split_whitespace()
                    .filter_map(parse_area)
                    .collect(),
                // A list's prompt (`-- Select --`) is no value to answer with.
                values: list_values(&raw_rule.formula, sheet, &raw.names, sheets, 0)
                    .map(|v| v.into_iter().filter(|x| !is_prompt(x)).collect::<Vec<_>>())
                    .filter(|v| !v.is_empty()),
                strict: raw_rule.strict,
            })
            .filter(|r| !r.areas.is_empty())
            .collect();
        if !resolved.is_empty() {
            lists.by_sheet.insert(sheet.clone(), resolved);
        }
    }
    lists
}

fn list_values(
    formula: &str,
    sheet: &str,
    names: &[(String, Option<String>, String)],
    sheets: &[Sheet],
    depth: u8,
) -> Option<Vec<String>> {
    let f = formula.trim().trim_start_matches('=').trim();
    if let Some(inline) = f.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        let values: Vec<String> = inline
            .replace("\"\"", "\"")
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        return (!values.is_empty()).then_some(values);
    }
    if let Some((on, area)) = parse_reference(f, sheet) {
        return range_values(sheets, &on, area);
    }
    // A defined name: the sheet's own first, then the workbook's.
    if depth < 3 && !f.is_empty() && f.chars().all(|c| c.is_alphanumeric() || "_.\\".contains(c)) {
        let key = f.to_lowercase();
        let named = names
            .iter()
            .find(|(n, local, _)| *n == key && local.as_deref() == Some(sheet))
            .or_else(|| {
                names
                    .iter()
                    .find(|(n, local, _)| *n == key && local.is_none())
            })?;
        return list_values(&named.2, sheet, names, sheets, depth + 1);
    }
    None
}

/// `Values!$A$4:$A$5`, `'Auto Responses'!$J$3:$J$5` or `$A$1:$A$3` (on
/// `sheet`) → (sheet name, area). External (`[1]Values!...`) and broken
/// (`#REF!`) references are `None`.
fn parse_reference(f: &str, sheet: &str) -> Option<(String, Area)> {
    let (on, cells) = match f.rfind('!') {
        Some(i) => {
            let name = &f[..i];
            let name = match name.strip_prefix('\'').and_then(|n| n.strip_suffix('\'')) {
                Some(quoted) => quoted.replace("''", "'"),
                None => name.to_string(),
            };
            if name.starts_with('[') || name.is_empty() {
                return None;
            }
            (name, &f[i + 1..])
        }
        None => (sheet.to_string(), f),
    };
    Some((on, parse_area(cells)?))
}

/// Excel's last row (0-based).
const LAST_ROW: u32 = 1_048_575;

/// `C3`, `$C$3:$C$263`, or whole columns `$A:$A` → an area.
pub(super) fn parse_area(text: &str) -> Option<Area> {
    let t = text.trim().replace('$', "");
    if let Some((a, b)) = t.split_once(':')
        && !a.is_empty()
        && !b.is_empty()
        && a.chars().chain(b.chars()).all(|c| c.is_ascii_alphabetic())
    {
        let (a, b) = (parse_column(a)?, parse_column(b)?);
        return Some(Area {
            first_row: 0,
            first_col: a.min(b),
            last_row: LAST_ROW,
            last_col: a.max(b),
        });
    }
    let mut parts = text.split(':');
    let first = parse_cell(parts.next()?)?;
    let last = match parts.next() {
        Some(p) => parse_cell(p)?,
        None => first,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(Area {
        first_row: first.0.min(last.0),
        first_col: first.1.min(last.1),
        last_row: first.0.max(last.0),
        last_col: first.1.max(last.1),
    })
}

/// `$C$12` → (11, 2).
pub(super) fn parse_cell(text: &str) -> Option<(u32, u32)> {
    let t = text.trim().replace('$', "");
    let split = t.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = t.split_at(split);
    if letters.is_empty() || !letters.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, parse_column(letters)?))
}

fn range_values(sheets: &[Sheet], on: &str, mut area: Area) -> Option<Vec<String>> {
    let sheet = sheets
        .iter()
        .find(|s| s.name == on)
        .or_else(|| sheets.iter().find(|s| s.name.eq_ignore_ascii_case(on)))?;
    // Only the used rows of a whole column.
    area.last_row = area.last_row.min(sheet.height().saturating_sub(1));
    if area.first_row > area.last_row || area.cells() > MAX_LIST_CELLS {
        return None;
    }
    let mut values: Vec<String> = Vec::new();
    for r in area.first_row..=area.last_row {
        for c in area.first_col..=area.last_col {
            let v = sheet.get(r, c).display().trim().to_string();
            if !v.is_empty() && !values.contains(&v) {
                values.push(v);
            }
        }
    }
    (!values.is_empty()).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::super::read::Value;
    use super::*;

    #[test]
    fn references_and_areas() {
        assert_eq!(
            parse_reference("'Auto Responses'!$J$3:$J$5", "S"),
            Some((
                "Auto Responses".to_string(),
                Area {
                    first_row: 2,
                    first_col: 9,
                    last_row: 4,
                    last_col: 9
                }
            ))
        );
        assert_eq!(parse_reference("[1]Values!$A$4:$A$5", "S"), None);
        assert_eq!(parse_reference("#REF!", "S"), None);
        assert_eq!(parse_area("C85").map(|a| a.cells()), Some(1));
        assert_eq!(parse_area("nonsense"), None);
        let column = parse_area("$B:$B").unwrap();
        assert_eq!(
            (column.first_col, column.last_col, column.last_row),
            (1, 1, LAST_ROW)
        );
        let sheets = vec![Sheet::new(
            "L",
            vec![
                vec![Value::Empty, Value::Text("High".into())],
                vec![Value::Empty, Value::Text("Low".into())],
            ],
        )];
        assert_eq!(
            range_values(&sheets, "L", column),
            Some(vec!["High".to_string(), "Low".to_string()])
        );
    }

    #[test]
    fn classic_and_x14_validations() {
        let xml = r#"<worksheet><dataValidations count="2">
            <dataValidation type="list" showErrorMessage="1" sqref="C3:C5 C9"><formula1>"Yes,No,NA"</formula1></dataValidation>
            <dataValidation sqref="D3"><formula1>1</formula1></dataValidation>
            <dataValidation type="list" showErrorMessage="1" errorStyle="warning" sqref="E3"><formula1>yes</formula1></dataValidation>
            </dataValidations><extLst><ext><x14:dataValidations><x14:dataValidation type="list" allowBlank="1">
            <x14:formula1><xm:f>'Auto Responses'!$J$3:$J$5</xm:f></x14:formula1><xm:sqref>F3:F4</xm:sqref>
            </x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>"#;
        let rules = sheet_validations(xml);
        let rule = |sqref: &str, formula: &str, strict| RawRule {
            sqref: sqref.into(),
            formula: formula.into(),
            strict,
        };
        assert_eq!(
            rules,
            vec![
                rule("C3:C5 C9", "\"Yes,No,NA\"", true),
                rule("E3", "yes", false),
                rule("F3:F4", "'Auto Responses'!$J$3:$J$5", false),
            ]
        );
        let text = |s: &str| Value::Text(s.into());
        let sheets = vec![
            Sheet::new("Q", vec![]),
            Sheet::new(
                "Auto Responses",
                vec![
                    vec![],
                    vec![],
                    vec![Value::Empty; 9]
                        .into_iter()
                        .chain([text("Yes")])
                        .collect(),
                    vec![Value::Empty; 9]
                        .into_iter()
                        .chain([text("No")])
                        .collect(),
                    vec![Value::Empty; 9]
                        .into_iter()
                        .chain([text("N/A")])
                        .collect(),
                ],
            ),
            Sheet::new("Values", vec![vec![text("Y")], vec![text("N")]]),
        ];
        let raw = RawLists {
            sheets: vec![("Q".into(), rules)],
            names: vec![
                ("yes".into(), None, "Values!$A$1:$A$2".into()),
                ("yes".into(), Some("Other".into()), "#REF!".into()),
            ],
        };
        let lists = resolve(raw, &sheets);
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            lists.allowed("Q", 8, 2),
            Some(&strings(&["Yes", "No", "NA"])[..])
        );
        assert_eq!(lists.allowed("Q", 2, 4), Some(&strings(&["Y", "N"])[..]));
        assert_eq!(
            lists.allowed("Q", 3, 5),
            Some(&strings(&["Yes", "No", "N/A"])[..])
        );
        assert_eq!(lists.allowed("Q", 5, 2), None);
        assert_eq!(lists.allowed("Q", 2, 3), None, "not a list");
        let strict = |row, col| lists.dropdown("Q", row, col).map(|d| d.strict);
        assert_eq!(strict(8, 2), Some(true), "stops other values");
        assert_eq!(strict(2, 4), Some(false), "only warns");
        assert_eq!(strict(3, 5), Some(false), "no error message at all");
        assert!(!lists.is_empty());
    }
}

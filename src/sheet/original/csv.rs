//! Filling the answer fields of a csv file in its own text.
//!
//! Records are found with the same reader settings as the import (so record
//! numbers agree), then each record is split into its raw fields. Only the
//! fields that change are rewritten; every other byte stays, quoting, line
//! endings, a byte-order mark and a cp1252 encoding included.
//!
//! Formula injection: a spreadsheet program runs a csv cell that starts
//! with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula. Every
//! such cell of the output is neutralised with a leading `'` (and quoted):
//! the written answers, and the file's own cells, which are counted in
//! [`Outcome::neutralised`]. Plain numbers such as `-5` are left as they are.

use std::collections::BTreeMap;
use std::path::Path;

use super::{CellEdit, Kind, Outcome, Skip, Skipped};
use crate::sheet::SheetError;
use crate::sheet::cell_ref;
use crate::sheet::read::{cp1252, sniff_delimiter};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A field's raw span in a record, and whether it was quoted.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Field {
    start: usize,
    end: usize,
    quoted: bool,
}

pub(super) fn patch(
    path: &Path,
    bytes: &[u8],
    edits: &[CellEdit],
) -> Result<(Vec<u8>, Outcome), SheetError> {
    let (bom, body) = match bytes.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => (&[][..], bytes),
    };
    let text = match std::str::from_utf8(body) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => std::borrow::Cow::Owned(body.iter().map(|&b| cp1252(b)).collect::<String>()),
    };
    let utf8 = matches!(text, std::borrow::Cow::Borrowed(_));
    let delimiter = sniff_delimiter(text.trim_start_matches('\u{feff}'));

    // Record starts, by the import's reader.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body);
    let mut starts = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => starts.push(record.position().map_or(0, |p| p.byte() as usize)),
            Ok(false) => break,
            Err(e) => {
                return Err(SheetError::Corrupt {
                    path: path.to_path_buf(),
                    detail: format!("record {}: {e}", starts.len() + 1),
                });
            }
        }
    }

    let mut outcome = Outcome::new(Kind::Csv);
    // Record → column → value; the last edit of a field wins.
    let mut by_record: BTreeMap<usize, BTreeMap<usize, Option<&str>>> = BTreeMap::new();
    for e in edits {
        by_record
            .entry(e.row as usize)
            .or_default()
            .insert(e.col as usize, e.value.as_deref());
    }
    let mut out = Vec::with_capacity(bytes.len() + edits.len() * 64);
    out.extend_from_slice(bom);
    let mut cursor = 0;
    for (r, &start) in starts.iter().enumerate() {
        let end = starts.get(r + 1).copied().unwrap_or(body.len());
        // A record's position may include the line ending before it.
        let start = start
            + body[start..end]
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
        let raw = &body[start..end];
        let (fields, content_end) = split(raw, delimiter);
        let changes: Vec<(usize, Option<&str>)> = by_record
            .get(&r)
            .map(|cols| cols.iter().map(|(&c, &v)| (c, v)).collect())
            .unwrap_or_default();

        // Rebuild the record only when something in it changes.
        let mut rebuilt: Vec<u8> = Vec::new();
        let mut changed = false;
        let width = fields.len().max(changes.last().map_or(0, |c| c.0 + 1));
        for i in 0..width {
            if i > 0 {
                rebuilt.push(delimiter);
            }
            let field = fields.get(i);
            let change = changes.iter().find(|c| c.0 == i);
            match (change, field) {
                (Some(&(_, value)), _) => {
                    let old = field.map(|f| unquote(&raw[f.start..f.end], f.quoted));
                    let new = value.map(neutralise);
                    match &new {
                        Some(_) => outcome.written += 1,
                        None if old.as_deref().is_some_and(|o| !o.is_empty()) => {
                            outcome.cleared += 1;
                        }
                        None => {}
                    }
                    let quoted = field.is_some_and(|f| f.quoted);
                    rebuilt.extend(encode(
                        new.as_deref().unwrap_or(""),
                        quoted,
                        delimiter,
                        utf8,
                    ));
                    changed = true;
                }
                (None, Some(f)) => {
                    let content = unquote(&raw[f.start..f.end], f.quoted);
                    if is_formula_like(&content) {
                        outcome.neutralised += 1;
                        rebuilt.extend(encode(&neutralise(&content), true, delimiter, utf8));
                        changed = true;
                    } else {
                        rebuilt.extend_from_slice(&raw[f.start..f.end]);
                    }
                }
                (None, None) => {}
            }
        }
        out.extend_from_slice(&body[cursor..start]);
        if changed {
            out.extend_from_slice(&rebuilt);
            out.extend_from_slice(&raw[content_end..]);
        } else {
            out.extend_from_slice(raw);
        }
        cursor = end;
    }
    out.extend_from_slice(&body[cursor..]);

    let sheet = edits.first().map(|e| e.sheet.clone()).unwrap_or_default();
    for e in edits.iter().filter(|e| e.row as usize >= starts.len()) {
        outcome.skipped.push(Skipped {
            sheet: sheet.clone(),
            cell: cell_ref(e.row, e.col),
            reason: Skip::NoReferences,
        });
    }
    Ok((out, outcome))
}

/// Splits one raw record into its fields; also returns where the record's
/// content ends (its line ending and any blank lines follow).
fn split(raw: &[u8], delimiter: u8) -> (Vec<Field>, usize) {
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        let quoted = raw.get(i) == Some(&b'"');
        if quoted {
            i += 1;
            while i < raw.len() {
                if raw[i] == b'"' {
                    if raw.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
        }
        while i < raw.len() && raw[i] != delimiter && raw[i] != b'\n' && raw[i] != b'\r' {
            i += 1;
        }
        fields.push(Field {
            start,
            end: i,
            quoted,
        });
        if i < raw.len() && raw[i] == delimiter {
            i += 1;
            continue;
        }
        return (fields, i);
    }
}

/// A raw field's text: quotes removed and `""` unescaped; cp1252 decoded.
fn unquote(raw: &[u8], quoted: bool) -> String {
    let inner = if quoted {
        let body = &raw[1..];
        match body.iter().rposition(|&b| b == b'"') {
            Some(close) => &body[..close],
            None => body,
        }
    } else {
        raw
    };
    let text = match std::str::from_utf8(inner) {
        Ok(t) => t.to_string(),
        Err(_) => inner.iter().map(|&b| cp1252(b)).collect(),
    };
    if quoted {
        text.replace("\"\"", "\"")
    } else {
        text
    }
}

/// Whether a spreadsheet program would run the cell as a formula.
fn is_formula_like(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if !matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r') {
        return false;
    }
    // A plain number (`-5`, `+1.5e3`) is a number, not a formula.
    let numeric = text
        .chars()
        .all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
        && text.parse::<f64>().is_ok();
    !numeric
}

fn neutralise(text: &str) -> String {
    if is_formula_like(text) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// A field's raw form: quoted when it was, or when it must be.
fn encode(text: &str, quoted: bool, delimiter: u8, utf8: bool) -> Vec<u8> {
    let must = text
        .bytes()
        .any(|b| b == delimiter || b == b'"' || b == b'\n' || b == b'\r')
        || text.starts_with(' ')
        || text.ends_with(' ')
        || text.starts_with('\'');
    let body = if quoted || must {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    };
    if utf8 {
        body.into_bytes()
    } else {
        body.chars().map(to_cp1252).collect()
    }
}

/// The cp1252 byte of a character (`?` when it has none).
fn to_cp1252(c: char) -> u8 {
    let code = c as u32;
    if code < 0x80 || (0xA0..=0xFF).contains(&code) {
        return code as u8;
    }
    (0x80..=0x9F_u8).find(|&b| cp1252(b) == c).unwrap_or(b'?')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(row: u32, col: u32, value: Option<&str>) -> CellEdit {
        CellEdit {
            sheet: "q.csv".into(),
            row,
            col,
            value: value.map(str::to_string),
            joins: false,
        }
    }

    fn run(input: &[u8], edits: &[CellEdit]) -> (String, Outcome) {
        let (out, o) = patch(Path::new("q.csv"), input, edits).unwrap();
        (String::from_utf8_lossy(&out).into_owned(), o)
    }

    #[test]
    fn fills_fields_and_keeps_every_other_byte() {
        let input = "\u{feff}ID,\"Question\",Answer\r\n1,\"Do you, encrypt?\",\r\n\r\n2,Plain,\"\"\r\n3,Short\r\n";
        let (out, o) = run(
            input.as_bytes(),
            &[
                edit(1, 2, Some("Yes")),
                edit(2, 2, Some("Yes, \"AES\"")),
                edit(3, 3, Some("x")),
            ],
        );
        assert_eq!(
            out,
            "\u{feff}ID,\"Question\",Answer\r\n1,\"Do you, encrypt?\",Yes\r\n\r\n2,Plain,\"Yes, \"\"AES\"\"\"\r\n3,Short,,x\r\n"
        );
        assert_eq!((o.written, o.neutralised), (3, 0));
    }

    #[test]
    fn formula_like_cells_are_neutralised() {
        let input = "Q,A\n=HYPERLINK(\"http://x\"),\n\"@SUM(1)\",-5\n";
        let (out, o) = run(
            input.as_bytes(),
            &[edit(1, 1, Some("=1+1")), edit(2, 1, Some("+1 555 0100"))],
        );
        assert_eq!(
            out,
            "Q,A\n\"'=HYPERLINK(\"\"http://x\"\")\",\"'=1+1\"\n\"'@SUM(1)\",\"'+1 555 0100\"\n"
        );
        assert_eq!(o.neutralised, 2);
        assert!(!is_formula_like("-5"));
        assert!(is_formula_like("-inf"));
        assert!(is_formula_like("\tx"));
    }

    #[test]
    fn semicolons_and_cp1252_survive() {
        let input = b"Frage;Antwort\nVerschl\xfcsselung?;\n";
        let (out, _) = patch(
            Path::new("q.csv"),
            input,
            &[edit(1, 1, Some("Ja, \u{fc}berall"))],
        )
        .unwrap();
        assert_eq!(out, b"Frage;Antwort\nVerschl\xfcsselung?;Ja, \xfcberall\n");
    }

    #[test]
    fn clearing_a_field() {
        let (out, o) = run(b"Q,A\nq,old\n", &[edit(1, 1, None)]);
        assert_eq!(out, "Q,A\nq,\n");
        assert_eq!(o.cleared, 1);
    }

    #[test]
    fn splitting() {
        let (f, end) = split(b"a,\"b,\"\"c\"\"\",\r\nrest", b',');
        assert_eq!(f.len(), 3);
        assert_eq!(end, 12);
        assert_eq!(
            unquote(&b"a,\"b,\"\"c\"\"\","[f[1].start..f[1].end], true),
            "b,\"c\""
        );
    }
}

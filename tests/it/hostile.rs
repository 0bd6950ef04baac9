//! Hostile and broken inputs: each gets one `error:` line that names the
//! file, a `hint:` where there is a fix, and a failing exit code; never a
//! panic, never unbounded memory. Inputs are generated here, at test time.

use std::io::Write as _;

use rust_xlsxwriter::{Formula, Workbook};
use zip::write::SimpleFileOptions;

use crate::support::{Run, Test, repo};

/// The exit code of `fill` when an input cannot be processed (`src/cli`).
const FAILED: i32 = 1;

fn kb_arg() -> String {
    repo().join("knowledge_base").display().to_string()
}

/// Runs `vetted fill` on `name`, holding `bytes`.
fn fill(name: &str, bytes: impl AsRef<[u8]>) -> (Test, Run) {
    let t = Test::new()
        .file(name, bytes)
        .args(["fill", name, "--kb", &kb_arg()]);
    let run = t.run();
    (t, run)
}

/// Asserts a refusal: the exit code, one error line naming the file and
/// containing `message`, no draft or report left behind.
fn refused(name: &str, bytes: impl AsRef<[u8]>, message: &str) -> String {
    let (t, run) = fill(name, bytes);
    let run = run.expect(FAILED);
    let stderr = run.stderr();
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line:\n{stderr}");
    assert!(
        errors[0].contains(&format!("`{name}`")),
        "names the file:\n{stderr}"
    );
    assert!(errors[0].contains(message), "says `{message}`:\n{stderr}");
    let stem = name.split('.').next().unwrap();
    for leftover in [format!("{stem}.draft.xlsx"), format!("{stem}.report.json")] {
        assert!(!t.path(&leftover).exists(), "{leftover} left behind");
    }
    stderr
}

/// A questionnaire written by rust_xlsxwriter: header row and `rows` questions.
fn questionnaire(rows: u32) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Security").unwrap();
    ws.write_row(0, 0, ["ID", "Question", "Answer", "Comments"])
        .unwrap();
    for r in 1..=rows {
        ws.write(r, 0, format!("Q-{r}")).unwrap();
        ws.write(r, 1, format!("Do you encrypt customer data at rest? ({r})"))
            .unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// A minimal xlsx put together by hand, with the given worksheets
/// (name, state, sheet XML) and extra entries.
fn handmade(sheets: &[(&str, &str, &str)], extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut put = |name: &str, body: &[u8]| {
        zip.start_file(name, opts).unwrap();
        zip.write_all(body).unwrap();
    };
    let mut types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    );
    let mut book = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for (i, (name, state, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        types.push_str(&format!(r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#));
        book.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" state="{state}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#));
    }
    types.push_str("</Types>");
    book.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    put("[Content_Types].xml", types.as_bytes());
    put(
        "_rels/.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    put("xl/workbook.xml", book.as_bytes());
    put("xl/_rels/workbook.xml.rels", rels.as_bytes());
    for (i, (_, _, xml)) in sheets.iter().enumerate() {
        put(&format!("xl/worksheets/sheet{}.xml", i + 1), xml.as_bytes());
    }
    for (name, body) in extra {
        put(name, body);
    }
    zip.finish().unwrap().into_inner()
}

/// Sheet XML with inline-string rows of cells `(ref, text)`.
fn sheet_xml(cells: &[(&str, &str)]) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, text) in cells {
        xml.push_str(&format!(
            r#"<row><c r="{r}" t="inlineStr"><is><t>{text}</t></is></c></row>"#
        ));
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

const QUESTIONS: &[(&str, &str)] = &[
    ("A1", "Question"),
    ("B1", "Answer"),
    ("A2", "Do you encrypt customer data at rest?"),
    ("A3", "Do you perform annual penetration tests?"),
];

/// Overwrites a little-endian u32 at `at`.
fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// The offsets of the local header and the central directory header of the
/// zip entry `name`.
fn headers(bytes: &[u8], name: &str) -> (usize, usize) {
    let find = |sig: &[u8], name_at: usize| {
        (0..bytes.len() - name_at - name.len())
            .find(|&i| {
                bytes[i..].starts_with(sig) && bytes[i + name_at..].starts_with(name.as_bytes())
            })
            .unwrap_or_else(|| panic!("no header for {name}"))
    };
    (find(b"PK\x03\x04", 30), find(b"PK\x01\x02", 46))
}

#[test]
fn handmade_workbooks_are_valid() {
    // The control for the crafted files below.
    let xlsx = handmade(&[("Security", "visible", &sheet_xml(QUESTIONS))], &[]);
    let (_, run) = fill("ok.xlsx", xlsx);
    let run = run.expect(0);
    assert!(run.stderr().contains("2 questions"), "{}", run.stderr());
}

#[test]
fn zip_bomb_by_ratio_is_refused() {
    // 64 MB of spaces deflate to about 64 KB: 1000:1.
    let padding = " ".repeat(64 << 20);
    let xml = sheet_xml(QUESTIONS).replace("<sheetData>", &format!("{padding}<sheetData>"));
    let stderr = refused(
        "bomb.xlsx",
        handmade(&[("Security", "visible", &xml)], &[]),
        "refused as a likely zip bomb: entry `xl/worksheets/sheet1.xml` is compressed",
    );
    assert!(stderr.contains("(limit 100:1)"), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
}

#[test]
fn zip_bomb_declaring_huge_sizes_is_refused() {
    // A header that declares 4 GB: refused before anything is inflated.
    let mut xlsx = handmade(&[("Security", "visible", &sheet_xml(QUESTIONS))], &[]);
    let (_, central) = headers(&xlsx, "xl/worksheets/sheet1.xml");
    put_u32(&mut xlsx, central + 24, u32::MAX);
    refused(
        "declared.xlsx",
        xlsx,
        "refused as a likely zip bomb: entry `xl/worksheets/sheet1.xml` expands to 4095 MB (limit 256 MB)",
    );
}

#[test]
fn zip_bomb_with_lying_sizes_stops_at_the_declared_size() {
    // The headers declare 1 KB (under every limit) but the entry inflates
    // to 32 MB: reading stops after 1 KB.
    let padding = " ".repeat(32 << 20);
    let xml = sheet_xml(QUESTIONS).replace("<sheetData>", &format!("<sheetData>{padding}"));
    let mut xlsx = handmade(&[("Security", "visible", &xml)], &[]);
    let (local, central) = headers(&xlsx, "xl/worksheets/sheet1.xml");
    put_u32(&mut xlsx, local + 22, 1024);
    put_u32(&mut xlsx, central + 24, 1024);
    refused(
        "liar.xlsx",
        xlsx,
        "refused as a likely zip bomb: an entry inflates past its declared size",
    );
}

#[test]
fn password_protected_workbook_says_how_to_remove_the_password() {
    // Excel saves an encrypted xlsx as an OLE compound file holding an
    // `EncryptedPackage` stream.
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(1024, 0);
    ole.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    ole.resize(4096, 0);
    let stderr = refused("locked.xlsx", ole, "is password-protected");
    assert!(
        stderr.contains("hint: remove the password in Excel: File > Info > Protect Workbook"),
        "{stderr}"
    );
}

#[test]
fn truncated_workbook_is_damaged() {
    let mut xlsx = questionnaire(50);
    xlsx.truncate(xlsx.len() / 2);
    let stderr = refused(
        "cut.xlsx",
        xlsx,
        "is damaged or not a valid workbook: the zip archive is truncated or damaged",
    );
    assert!(
        stderr.contains("hint: the file may be incomplete"),
        "{stderr}"
    );
}

#[test]
fn csv_named_xlsx_is_read_as_csv() {
    let csv = "ID,Question,Answer\n1,Do you encrypt customer data at rest?,\n2,Do you perform annual penetration tests?,\n";
    let (t, run) = fill("export.xlsx", csv);
    let run = run.expect(0);
    assert!(run.stderr().contains("2 questions"), "{}", run.stderr());
    assert!(t.path("export.draft.xlsx").exists());
}

#[test]
fn html_named_xlsx_is_refused() {
    let html =
        "<!DOCTYPE html>\n<html><body><table><tr><td>Question</td></tr></table></body></html>";
    let stderr = refused(
        "portal.xlsx",
        html,
        "is not a spreadsheet: it is an HTML page",
    );
    assert!(stderr.contains("hint: "), "{stderr}");
}

#[test]
fn empty_file_is_refused() {
    refused("empty.xlsx", b"", "is empty");
}

#[test]
fn zip_that_is_not_a_workbook_is_refused() {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("readme.txt", SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"not a workbook").unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    refused(
        "archive.xlsx",
        bytes,
        "is not a spreadsheet: it is a zip archive that is not a workbook",
    );
    // A Word document has `[Content_Types].xml` too.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for name in ["[Content_Types].xml", "word/document.xml"] {
        zip.start_file(name, SimpleFileOptions::default()).unwrap();
        zip.write_all(b"<x/>").unwrap();
    }
    refused(
        "letter.xlsx",
        zip.finish().unwrap().into_inner(),
        "is not a spreadsheet: it is a Word document",
    );
}

#[test]
fn workbook_without_sheets_is_refused() {
    refused(
        "nosheets.xlsx",
        handmade(&[], &[]),
        "no questions found (the workbook has no visible sheets)",
    );
}

#[test]
fn workbook_with_only_hidden_sheets_is_refused_unless_one_is_named() {
    let xml = sheet_xml(QUESTIONS);
    let xlsx = handmade(
        &[("Security", "hidden", &xml), ("Lists", "veryHidden", &xml)],
        &[],
    );
    refused(
        "hidden.xlsx",
        &xlsx,
        "no questions found (the workbook has no visible sheets)",
    );
    let t = Test::new().file("hidden.xlsx", &xlsx).args([
        "fill",
        "hidden.xlsx",
        "--kb",
        &kb_arg(),
        "--sheet",
        "Security",
    ]);
    let run = t.run().expect(0);
    assert!(run.stderr().contains("2 questions"), "{}", run.stderr());
}

#[test]
fn sheet_past_the_row_limit_is_refused_while_streaming() {
    // One million rows; refused at row 100,001 without reading the rest.
    let xlsx = questionnaire(1_000_000);
    let stderr = refused(
        "huge.xlsx",
        xlsx,
        "sheet `Security`: values go past row 100000, the most a questionnaire may have",
    );
    assert!(stderr.contains("docs/limits.md"), "{stderr}");
}

#[test]
fn far_apart_cells_are_refused_without_allocating_the_range() {
    // A1 and XFD1048576: a dense range would be 17 billion cells.
    let xml = sheet_xml(&[("A1", "Question"), ("XFD90000", "x")]);
    refused(
        "sparse.xlsx",
        handmade(&[("Security", "visible", &xml)], &[]),
        "sheet `Security`: 1474560000 cells exceed the limit of 20000000",
    );
}

#[test]
fn one_shared_string_in_many_cells_is_refused_by_the_text_budget() {
    // 10,000 cells that each refer to one 30 KB shared string (within a
    // cell's limit): 300 MB of text from a file of 300 KB.
    let big = words(30_000);
    let strings = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>{big}</t></si></sst>"#
    );
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for r in 1..=10_000 {
        xml.push_str(&format!(
            r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#
        ));
    }
    xml.push_str("</sheetData></worksheet>");
    let mut xlsx = handmade(
        &[("Security", "visible", &xml)],
        &[("xl/sharedStrings.xml", strings.as_bytes())],
    );
    // The workbook's relationships must name the shared strings.
    let rel = r#"<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#;
    xlsx = rezip(&xlsx, "xl/_rels/workbook.xml.rels", |s| {
        s.replace("</Relationships>", &format!("{rel}</Relationships>"))
    });
    refused(
        "amplified.xlsx",
        xlsx,
        "sheet `Security`: the workbook holds over 256 MB of text",
    );
}

/// Rewrites one text entry of a zip.
fn rezip(bytes: &[u8], name: &str, edit: impl Fn(&str) -> String) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let entry_name = entry.name().unwrap().into_owned();
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut body).unwrap();
        if entry_name == name {
            body = edit(&String::from_utf8(body).unwrap()).into_bytes();
        }
        out.start_file(entry_name, opts).unwrap();
        out.write_all(&body).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// About `bytes` of text that compresses like prose, not like a bomb.
fn words(bytes: usize) -> String {
    const WORDS: [&str; 16] = [
        "really", "encrypt", "data", "keys", "rotate", "annually", "vendor", "access", "review",
        "logs", "backup", "restore", "tested", "policy", "incident", "owner",
    ];
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut text = String::with_capacity(bytes + 16);
    while text.len() < bytes {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        text.push_str(WORDS[(seed % 16) as usize]);
        text.push(' ');
    }
    text
}

#[test]
fn a_cell_longer_than_excel_allows_is_refused() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_row(0, 0, ["Question", "Answer"]).unwrap();
    ws.write(1, 0, "Do you encrypt customer data at rest?")
        .unwrap();
    ws.write(2, 0, "Do you perform annual penetration tests?")
        .unwrap();
    let xlsx = wb.save_to_buffer().unwrap();
    // rust_xlsxwriter refuses strings over Excel's 32,767 characters, so the
    // long one goes in by hand as an inline string.
    let long = format!("Do you {}?", words(1 << 20));
    let xlsx = rezip(&xlsx, "xl/worksheets/sheet1.xml", |s| {
        s.replace(
            "</sheetData>",
            &format!(
                r#"<row r="4"><c r="A4" t="inlineStr"><is><t>{long}</t></is></c></row></sheetData>"#
            ),
        )
        .replace(r#"<dimension ref="A1:B3"/>"#, r#"<dimension ref="A1:B4"/>"#)
    });
    // It would ride along into every report, page and database row.
    let stderr = refused(
        "long.xlsx",
        xlsx,
        "sheet `Sheet1`, cell A4: holds more than the 32767 characters a spreadsheet cell can",
    );
    assert!(stderr.contains("hint: "), "{stderr}");
}

#[test]
fn formula_errors_dates_and_numbers_in_question_and_answer_columns() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_row(0, 0, ["Question", "Answer"]).unwrap();
    let questions = [
        "Do you encrypt customer data at rest?",
        "Do you perform annual penetration tests?",
        "Do you have a written incident response plan?",
        "Is multi-factor authentication required for administrators?",
    ];
    for (i, q) in questions.iter().enumerate() {
        ws.write(i as u32 + 1, 0, *q).unwrap();
    }
    // A broken reference in the question column and in an answer cell.
    ws.write_formula(5, 0, Formula::new("=#REF!").set_result("#REF!"))
        .unwrap();
    ws.write_formula(1, 1, Formula::new("=#REF!").set_result("#REF!"))
        .unwrap();
    // A date and a number as answers; a number and a date as questions.
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 1, 31).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_datetime_with_format(2, 1, &date, &fmt).unwrap();
    ws.write(3, 1, 42).unwrap();
    ws.write(6, 0, 12345).unwrap();
    ws.write_datetime_with_format(7, 0, &date, &fmt).unwrap();
    let (t, run) = fill("odd.xlsx", wb.save_to_buffer().unwrap());
    run.expect(0);
    let report = crate::support::report(&t.path("odd.report.json"));
    let qs = report["questions"].as_array().unwrap();
    let texts: Vec<&str> = qs.iter().map(|q| q["question"].as_str().unwrap()).collect();
    // Only real questions; the error, the number and the date are not.
    for q in &texts {
        assert!(questions.contains(q), "not a question: {q}");
    }
    let by_row = |row: u64| qs.iter().find(|q| q["row"] == row);
    // Existing answers, a date and a number, are kept as the user sees them.
    if let Some(q) = by_row(3) {
        assert_eq!(q["status"], "answered");
        assert_eq!(q["answer"], "2025-01-31");
    }
    if let Some(q) = by_row(4) {
        assert_eq!(q["status"], "answered");
        assert_eq!(q["answer"], "42");
    }
    // A formula error is never kept as an answer.
    for q in qs {
        assert_ne!(q["answer"], "#REF!", "{q}");
    }
}

#[test]
fn several_broken_inputs_fail_one_by_one() {
    let t = Test::new()
        .file("empty.csv", b"")
        .file("page.xls", "<html><body>login</body></html>")
        .file(
            "good.xlsx",
            handmade(&[("Security", "visible", &sheet_xml(QUESTIONS))], &[]),
        )
        .args([
            "fill",
            "empty.csv",
            "page.xls",
            "good.xlsx",
            "--kb",
            &kb_arg(),
        ]);
    let run = t.run().expect(FAILED);
    let stderr = run.stderr();
    assert!(stderr.contains("error: `empty.csv` is empty"), "{stderr}");
    assert!(
        stderr.contains("error: `page.xls` is not a spreadsheet: it is an HTML page"),
        "{stderr}"
    );
    assert!(stderr.contains("2 of 3 questionnaires failed"), "{stderr}");
    assert!(t.path("good.draft.xlsx").exists());
}

/// One BIFF8 record.
fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend((data.len() as u16).to_le_bytes());
    r.extend(data);
    r
}

/// A BIFF8 LABEL cell.
fn label(row: u16, col: u16, text: &str) -> Vec<u8> {
    let mut d = [row.to_le_bytes(), col.to_le_bytes(), [0, 0]].concat();
    d.extend((text.len() as u16).to_le_bytes());
    d.push(0);
    d.extend(text.as_bytes());
    record(0x0204, &d)
}

/// A legacy xls workbook with one sheet: a DIMENSIONS record (rows first to
/// last, exclusive; columns likewise) and the given cell records, in an OLE
/// container (512-byte sectors, the stream padded past the 4 KB mini-stream
/// cutoff). `dir_loops` makes the directory's sector chain point to itself;
/// `encrypted` adds the FILEPASS record a password-protected workbook has.
fn xls(
    rows: (u32, u32),
    cols: (u16, u16),
    cells: &[Vec<u8>],
    dir_loops: bool,
    encrypted: bool,
) -> Vec<u8> {
    let bof = |dt: u16| record(0x0809, &[&[0, 6][..], &dt.to_le_bytes(), &[0; 12]].concat());
    let name = b"Security";
    let mut boundsheet = vec![0u8; 4];
    boundsheet.extend([0, 0, name.len() as u8, 0]);
    boundsheet.extend(name);
    // FILEPASS with RC4 encryption: the header only, for the reader to see.
    let filepass = if encrypted {
        record(0x002F, &[&[1, 0, 1, 0, 2, 0][..], &[0; 48]].concat())
    } else {
        Vec::new()
    };
    let globals_len = bof(5).len() + filepass.len() + record(0x0085, &boundsheet).len() + 4;
    boundsheet[..4].copy_from_slice(&(globals_len as u32).to_le_bytes());
    let mut stream = [
        bof(5),
        filepass,
        record(0x0085, &boundsheet),
        record(0x000A, &[]),
    ]
    .concat();
    stream.extend(bof(0x10));
    let dims = [
        rows.0.to_le_bytes().as_slice(),
        &rows.1.to_le_bytes(),
        &cols.0.to_le_bytes(),
        &cols.1.to_le_bytes(),
        &[0, 0],
    ]
    .concat();
    stream.extend(record(0x0200, &dims));
    for c in cells {
        stream.extend(c);
    }
    stream.extend(record(0x000A, &[]));
    let len = stream.len().max(4096);
    stream.resize(len.div_ceil(512) * 512, 0);
    let n = stream.len() / 512;
    assert!(n <= 126, "one FAT sector");

    // Sector 0: the FAT; sector 1: the directory; sectors 2..: the stream.
    let mut fat = vec![0xFFFF_FFFDu32, if dir_loops { 1 } else { 0xFFFF_FFFE }];
    fat.extend((0..n as u32).map(|i| {
        if i + 1 == n as u32 {
            0xFFFF_FFFE
        } else {
            3 + i
        }
    }));
    fat.resize(128, 0xFFFF_FFFF);
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let mut put = |at: usize, bytes: &[u8]| header[at..at + bytes.len()].copy_from_slice(bytes);
    put(0x18, &0x3Eu16.to_le_bytes());
    put(0x1A, &3u16.to_le_bytes());
    put(0x1C, &0xFFFEu16.to_le_bytes());
    put(0x1E, &9u16.to_le_bytes());
    put(0x20, &6u16.to_le_bytes());
    put(0x2C, &1u32.to_le_bytes());
    put(0x30, &1u32.to_le_bytes());
    put(0x38, &4096u32.to_le_bytes());
    put(0x3C, &0xFFFF_FFFEu32.to_le_bytes());
    put(0x44, &0xFFFF_FFFEu32.to_le_bytes());
    put(0x4C, &0u32.to_le_bytes());
    for i in 1..109 {
        put(0x4C + 4 * i, &0xFFFF_FFFFu32.to_le_bytes());
    }
    let entry = |name: &str, typ: u8, child: u32, start: u32, size: u32| {
        let mut e = vec![0u8; 128];
        let units: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        e[..units.len()].copy_from_slice(&units);
        e[64..66].copy_from_slice(&((units.len() + 2) as u16).to_le_bytes());
        e[66] = typ;
        e[67] = 1;
        e[68..72].copy_from_slice(&u32::MAX.to_le_bytes());
        e[72..76].copy_from_slice(&u32::MAX.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    let mut file = header;
    file.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    file.extend(entry("Root Entry", 5, 1, 0xFFFF_FFFE, 0));
    file.extend(entry("Workbook", 2, u32::MAX, 2, len as u32));
    file.extend([0u8; 256]);
    file.extend(stream);
    file
}

fn xls_questions() -> Vec<Vec<u8>> {
    vec![
        label(0, 0, "Question"),
        label(0, 1, "Answer"),
        label(1, 0, "Do you encrypt customer data at rest?"),
        label(2, 0, "Do you perform annual penetration tests?"),
    ]
}

#[test]
fn legacy_xls_is_read() {
    // The control for the crafted xls files below.
    let (_, run) = fill(
        "legacy.xls",
        xls((0, 3), (0, 2), &xls_questions(), false, false),
    );
    let run = run.expect(0);
    assert!(run.stderr().contains("2 questions"), "{}", run.stderr());
}

#[test]
fn password_protected_xls_is_called_encrypted() {
    let stderr = refused(
        "locked.xls",
        xls((0, 3), (0, 2), &xls_questions(), false, true),
        "`locked.xls` is password-protected (encrypted), so it cannot be read",
    );
    assert!(stderr.contains("hint: remove the password"), "{stderr}");
}

#[test]
fn xls_with_huge_dimensions_is_refused_before_parsing() {
    // calamine would reserve 4 billion rows × 255 columns of cells.
    let stderr = refused(
        "dims.xls",
        xls((0, u32::MAX), (0, 255), &xls_questions(), false, false),
        "sheet `sheet 1`: values go past row 100000",
    );
    assert!(stderr.contains("hint: "), "{stderr}");
}

#[test]
fn xls_with_far_apart_cells_is_refused_before_parsing() {
    let mut cells = xls_questions();
    cells.push(label(60_000, 250, "far"));
    refused(
        "far.xls",
        xls((0, 3), (0, 2), &cells, false, false),
        "sheet `sheet 1`: 15060251 cells exceed the limit of 10000000",
    );
}

#[test]
fn xls_with_a_looping_sector_chain_is_damaged() {
    refused(
        "loop.xls",
        xls((0, 3), (0, 2), &xls_questions(), true, false),
        "is damaged or not a valid workbook: the xls container is damaged (a sector chain loops)",
    );
}

/// An OpenDocument spreadsheet with one sheet of the given `<table:table-row>`s.
fn ods(rows: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", deflated).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    zip.start_file("content.xml", deflated).unwrap();
    write!(zip, r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Security">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#).unwrap();
    zip.finish().unwrap().into_inner()
}

/// One ODS row of text cells; `repeat` attributes go on the row and cells.
fn ods_row(cells: &[&str], rows_repeated: u32, columns_repeated: u32) -> String {
    let cells: String = cells
        .iter()
        .map(|c| format!(r#"<table:table-cell table:number-columns-repeated="{columns_repeated}" office:value-type="string"><text:p>{c}</text:p></table:table-cell>"#))
        .collect();
    format!(
        r#"<table:table-row table:number-rows-repeated="{rows_repeated}">{cells}</table:table-row>"#
    )
}

fn ods_questions() -> String {
    [
        ods_row(&["Question", "Answer"], 1, 1),
        ods_row(&["Do you encrypt customer data at rest?"], 1, 1),
        ods_row(&["Do you perform annual penetration tests?"], 1, 1),
    ]
    .concat()
}

#[test]
fn ods_is_read() {
    // The control for the crafted ods files below.
    let (_, run) = fill("sheet.ods", ods(&ods_questions()));
    let run = run.expect(0);
    assert!(run.stderr().contains("2 questions"), "{}", run.stderr());
}

#[test]
fn ods_repeating_a_big_cell_is_refused_before_parsing() {
    // One 1 MB cell repeated across 16,384 columns: 16 GB once expanded.
    let big = words(1 << 20);
    let rows = ods_questions() + &ods_row(&[&big], 1, 16_384);
    refused(
        "repeat.ods",
        ods(&rows),
        "sheet `Security`: the workbook holds over 256 MB of text",
    );
}

#[test]
fn ods_repeating_rows_past_the_limit_is_refused_before_parsing() {
    let rows = ods_questions() + &ods_row(&["x"], 1_000_000, 1);
    refused(
        "rows.ods",
        ods(&rows),
        "sheet `Security`: values go past row 100000",
    );
}

#[test]
fn cell_reference_past_u32_fails_the_file_only() {
    // Found by `cargo fuzz` (targets `import` and `xlsx_parts`): calamine
    // computes the row of `A99999999999` and the column of `AAAAAAAAAAAA1`
    // in a u32. With overflow checks (debug builds) that panics inside
    // calamine, which `read` catches; in release it wraps and the limits
    // apply. Either way the file fails and the run goes on.
    let sheet = |cell: &'static str| {
        let xml = sheet_xml(&[("A1", "Question"), (cell, "Do you encrypt data?")]);
        handmade(&[("Security", "visible", &xml)], &[])
    };
    let t = Test::new()
        .file("row.xlsx", sheet("A99999999999"))
        .file("column.xlsx", sheet("AAAAAAAAAAAA1"))
        .file(
            "good.xlsx",
            handmade(&[("Security", "visible", &sheet_xml(QUESTIONS))], &[]),
        )
        .args([
            "fill",
            "row.xlsx",
            "column.xlsx",
            "good.xlsx",
            "--kb",
            &kb_arg(),
        ]);
    let run = t.run();
    assert_eq!(run.code(), FAILED, "{}", run.stderr());
    let stderr = run.stderr();
    for name in ["row.xlsx", "column.xlsx"] {
        let errors = stderr
            .lines()
            .filter(|l| l.starts_with(&format!("error: `{name}`")))
            .count();
        assert_eq!(errors, 1, "{stderr}");
    }
    if !cfg!(debug_assertions) {
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(t.path("good.draft.xlsx").exists(), "{stderr}");
}

#[test]
fn csv_past_the_row_limit_is_refused() {
    let mut csv = String::from("ID,Question,Answer\n");
    for r in 1..=1_000_000 {
        csv.push_str(&format!(
            "{r},Do you encrypt customer data at rest? ({r}),\n"
        ));
    }
    refused(
        "huge.csv",
        csv,
        "sheet `huge.csv`: values go past row 100000",
    );
}

#[test]
fn shared_strings_declaring_trillions_of_strings_are_refused() {
    // Found by `cargo fuzz` (target `xlsx_parts`): calamine reserves room
    // for `uniqueCount` strings, so this 1 KB file made it ask for 148 TB
    // and abort.
    let strings = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="6179606299213"><si><t>Question</t></si></sst>"#;
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    xml.push_str(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#);
    let xlsx = handmade(
        &[("Security", "visible", &xml)],
        &[("xl/sharedStrings.xml", strings.as_bytes())],
    );
    let xlsx = rezip(&xlsx, "xl/_rels/workbook.xml.rels", |s| {
        s.replace("</Relationships>", r#"<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#)
    });
    refused(
        "count.xlsx",
        xlsx,
        "is damaged or not a valid workbook: `xl/sharedStrings.xml` declares 6179606299213 strings but has room for at most",
    );
}

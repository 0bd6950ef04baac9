//! Structure-aware: the input is a worksheet's XML and, after the first NUL
//! byte, a shared strings table, packed into an otherwise valid xlsx. Random
//! bytes rarely survive the zip layer's checksums; this target goes straight
//! to calamine's XML parsing, the streaming reader and the limits.
//!
//! A workbook that reads is then patched by the original writer (answers
//! into every detected question's cells, plus a few fixed cells), and the
//! patched file must read again: a patch must never break a file.

#![no_main]

use std::io::Write as _;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use vetted::sheet;
use vetted::sheet::original::CellEdit;
use zip::write::SimpleFileOptions;

const TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const BOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Security" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const BOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

fn xlsx(sheet: &[u8], strings: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in [
        ("[Content_Types].xml", TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", BOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", BOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", strings),
    ] {
        zip.start_file(name, stored).expect("zip entry");
        zip.write_all(body).expect("zip write");
    }
    zip.finish().expect("zip").into_inner()
}

fuzz_target!(|data: &[u8]| {
    // A panic that `read_bytes` catches (in calamine, on hostile input) is
    // printed and fuzzing goes on; one that escapes still aborts.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let _ = std::panic::take_hook();
    });
    let (sheet, strings) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let bytes = xlsx(sheet, strings);
    let Ok(workbook) = sheet::read_bytes(Path::new("fuzz.xlsx"), bytes.clone()) else {
        return;
    };
    let layouts = sheet::detect(&workbook, &sheet::Overrides::default())
        .map(|(l, _)| l)
        .unwrap_or_default();
    let mut edits: Vec<CellEdit> = [(0, 0), (2, 2), (99, 25), (4, 1)]
        .into_iter()
        .map(|(row, col)| edit(row, col, Some("Yes & <no>")))
        .collect();
    edits.push(edit(1, 1, None));
    for layout in &layouts {
        for q in &layout.questions {
            edits.push(edit(q.row, layout.answer_col, Some("=1+1")));
            edits.push(edit(q.row, layout.details_col, Some("_x0041_ details\u{1}")));
        }
    }
    let out = std::env::temp_dir().join(format!("vetted-fuzz-{}.xlsx", std::process::id()));
    if sheet::original::write_original(&workbook, &layouts, &bytes, &edits, &out).is_ok() {
        let patched = std::fs::read(&out).expect("the patched file");
        match sheet::read_bytes(Path::new("patched.xlsx"), patched) {
            // A cell written far out can take a sheet past the size limits.
            Ok(_)
            | Err(
                sheet::SheetError::SheetTooLarge { .. }
                | sheet::SheetError::TooManyRows { .. }
                | sheet::SheetError::WorkbookTooLarge { .. },
            ) => {}
            Err(e) => panic!("a workbook that read no longer reads once patched: {e}"),
        }
    }
});

fn edit(row: u32, col: u32, value: Option<&str>) -> CellEdit {
    CellEdit {
        sheet: "Security".into(),
        row,
        col,
        value: value.map(str::to_string),
    }
}

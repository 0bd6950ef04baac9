//! `vetted fill --format original` and `vetted finish`: the customer's own
//! file back with the answers in it, everything else untouched.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use vetted::sheet::{self, Workbook};

use crate::support::{Test, changed_entries, repo, report, shared, zip_entries};

/// One workbook filled with `--format original --overwrite`.
struct Case {
    name: String,
    input: PathBuf,
    output: PathBuf,
    report: Value,
    _t: Test,
}

/// Every xlsx/xlsm of the shared folder, the bundled sample and the xlsm
/// fixture, each filled once for all the tests below.
fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let mut inputs = vec![
            repo().join("samples/northwind-vendor-assessment.xlsx"),
            repo().join("tests/fixtures/formats/questionnaire.xlsm"),
        ];
        if let Some(dir) = shared() {
            let mut found = Vec::new();
            walk(&dir, &mut found);
            found.sort();
            inputs.extend(found);
        }
        inputs.iter().map(|input| fill_original(input)).collect()
    })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "xlsx" || e == "xlsm") {
            out.push(path);
        }
    }
}

/// `vetted fill INPUT --kb knowledge_base ARGS...` in a fresh directory.
fn fill(input: &Path, args: &[&str]) -> Test {
    let kb = repo().join("knowledge_base");
    Test::new()
        .args([
            "fill",
            input.to_str().unwrap(),
            "--kb",
            kb.to_str().unwrap(),
        ])
        .args(args)
}

fn fill_original(input: &Path) -> Case {
    let ext = input.extension().unwrap().to_str().unwrap();
    let t = fill(
        input,
        &[
            "--format",
            "original",
            "--overwrite",
            "--out-dir",
            "out",
            "--report",
            "out/report.json",
        ],
    );
    t.run().expect(0);
    let stem = input.file_stem().unwrap().to_str().unwrap();
    let output = t.path(&format!("out/{stem}.filled.{ext}"));
    assert!(output.is_file(), "no `{}`", output.display());
    Case {
        name: input.file_name().unwrap().to_string_lossy().into_owned(),
        input: input.to_path_buf(),
        output,
        report: report(&t.path("out/report.json")),
        _t: t,
    }
}

/// `C12` → (row 11, column 2).
fn cell(at: &str) -> (u32, u32) {
    let split = at.find(|c: char| c.is_ascii_digit()).unwrap();
    let col = sheet::parse_column(&at[..split]).unwrap();
    (at[split..].parse::<u32>().unwrap() - 1, col)
}

/// The (sheet, hidden cell) → visible cell pairs of `joined`: details whose
/// cell is hidden under the answer's merged range, written after the answer.
fn joined(r: &Value) -> HashMap<(String, String), String> {
    r["original"]["joined"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            let s = |k: &str| j[k].as_str().unwrap().to_string();
            ((s("sheet"), s("cell")), s("into"))
        })
        .collect()
}

/// The cells the fill meant to write: (sheet, cell) → text.
fn expected_answers(r: &Value) -> HashMap<(String, String), String> {
    let skipped = skipped(r);
    let joined = joined(r);
    let answer_column: HashMap<&str, &str> = r["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| Some((s["name"].as_str()?, s["answer_column"].as_str()?)))
        .collect();
    let mut out = HashMap::new();
    for q in r["questions"].as_array().unwrap() {
        let drafted = q["status"] == "auto" || q["status"] == "review";
        let (Some(answer), true) = (q["answer"].as_str(), drafted) else {
            continue;
        };
        let sheet = q["sheet"].as_str().unwrap().to_string();
        let at = q["answer_cell"].as_str().unwrap().to_string();
        if skipped.contains(&(sheet.clone(), at.clone())) {
            continue;
        }
        // In mark columns the answer is an `x` under its value.
        let column = &at[..at.find(|c: char| c.is_ascii_digit()).unwrap()];
        let details = q["details"].as_str().unwrap_or_default();
        let into = joined.get(&(
            sheet.clone(),
            q["details_cell"].as_str().unwrap().to_string(),
        ));
        let text = if into == Some(&at) {
            // One text, as sentences.
            let sep = if answer.ends_with(['.', '!', '?', ':', ';']) {
                " "
            } else {
                ". "
            };
            format!("{answer}{sep}{details}")
        } else if answer_column.get(sheet.as_str()) == Some(&column) {
            answer.to_string()
        } else {
            "x".to_string()
        };
        out.insert((sheet, at), text);
    }
    out
}

fn skipped(r: &Value) -> HashSet<(String, String)> {
    r["original"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["sheet"].as_str().unwrap().to_string(),
                s["cell"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn sheet_of<'a>(wb: &'a Workbook, name: &str) -> &'a sheet::Sheet {
    wb.sheets.iter().find(|s| s.name == name).unwrap()
}

#[test]
fn every_workbook_keeps_all_but_its_answer_cells() {
    for case in cases() {
        let name = &case.name;
        let r = &case.report;
        let original = &r["original"];
        assert_eq!(original["how"], "patched", "{name}");
        let before_bytes = std::fs::read(&case.input).unwrap();
        let after_bytes = std::fs::read(&case.output).unwrap();

        // Only the answered worksheets' XML changed, and, in a workbook
        // with formulas, the one flag that makes Excel recalculate them on
        // open; every other entry (styles, shared strings, calcChain,
        // drawings, macros) is identical.
        let mut changed = changed_entries(&before_bytes, &after_bytes);
        let entries = zip_entries(&before_bytes);
        let formulas = entries.iter().any(|(n, xml)| {
            n == "xl/calcChain.xml"
                || (n.starts_with("xl/worksheets/")
                    && xml.windows(3).any(|w| w == b"<f>" || w == b"<f "))
        });
        let workbook = |entries: Vec<(String, Vec<u8>)>| {
            let entry = entries.into_iter().find(|(n, _)| n == "xl/workbook.xml");
            String::from_utf8(entry.unwrap().1).unwrap()
        };
        let book_after = workbook(zip_entries(&after_bytes));
        let book_before = workbook(entries);
        // HECVAT 4 scores its answers with formulas.
        assert!(formulas || !name.contains("HECVAT414"), "{name}");
        if formulas && !book_before.contains(r#"fullCalcOnLoad="1""#) {
            assert!(changed.contains(&"xl/workbook.xml".to_string()), "{name}");
            let undone = book_after
                .replacen(r#"<calcPr fullCalcOnLoad="1"/>"#, "", 1)
                .replacen(r#" fullCalcOnLoad="1""#, "", 1);
            assert_eq!(
                undone, book_before,
                "{name}: workbook.xml changed more than calcPr"
            );
            changed.retain(|c| c != "xl/workbook.xml");
        } else {
            assert_eq!(book_after, book_before, "{name}");
        }
        assert_eq!(
            changed.len(),
            original["sheets"].as_array().unwrap().len(),
            "{name}: {changed:?}"
        );
        assert!(
            changed.iter().all(|c| c.starts_with("xl/worksheets/sheet")),
            "{name}: {changed:?}"
        );

        // The answers read back where the report says; every other cell of
        // every sheet is as it was.
        let before = sheet::read(&case.input).unwrap();
        let after = sheet::read(&case.output).unwrap();
        let expected = expected_answers(r);
        // Details cell → (the details drafted, the answer cell beside it).
        let details: HashMap<(String, String), (String, String)> = r["questions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| q["status"] == "auto" || q["status"] == "review")
            .filter_map(|q| {
                Some((
                    (
                        q["sheet"].as_str()?.to_string(),
                        q["details_cell"].as_str()?.to_string(),
                    ),
                    (
                        q["details"].as_str()?.to_string(),
                        q["answer_cell"].as_str()?.to_string(),
                    ),
                ))
            })
            .collect();
        let mut written = 0;
        for (b, a) in before.sheets.iter().zip(&after.sheets) {
            assert_eq!(b.name, a.name, "{name}");
            for row in 0..b.height().max(a.height()) {
                for col in 0..b.width().max(a.width()) {
                    let key = (b.name.clone(), sheet::cell_ref(row, col));
                    let (old, new) = (b.get(row, col).display(), a.get(row, col).display());
                    if let Some(answer) = expected.get(&key) {
                        assert_eq!(&new, answer, "{name}: {key:?}");
                        written += 1;
                    } else if old != new {
                        // Details go into an empty cell, or replace those of
                        // an answer drafted over (`--overwrite`).
                        let (detail, answer_cell) = details.get(&key).unwrap_or_else(|| {
                            panic!("{name}: {key:?} changed from {old:?} to {new:?}")
                        });
                        let (r, c) = crate::support::cell(answer_cell);
                        let answered = !b.get(r, c).display().trim().is_empty();
                        assert!(
                            *detail == new && (old.trim().is_empty() || answered),
                            "{name}: {key:?} changed from {old:?} to {new:?}"
                        );
                        written += 1;
                    }
                }
            }
        }
        assert_eq!(original["written"], written, "{name}");
        let drafted =
            r["summary"]["auto"].as_u64().unwrap() + r["summary"]["review"].as_u64().unwrap();
        assert!(drafted == 0 || written > 0, "{name}: nothing written");

        // Outside the cell data (columns, merged ranges, validations,
        // conditional formats, extensions) the XML is byte-identical, and
        // every cell keeps its style index.
        let before_parts: HashMap<String, Vec<u8>> =
            zip_entries(&before_bytes).into_iter().collect();
        let after_parts: HashMap<String, Vec<u8>> = zip_entries(&after_bytes).into_iter().collect();
        for part in &changed {
            let (b, a) = (
                String::from_utf8_lossy(&before_parts[part]).into_owned(),
                String::from_utf8_lossy(&after_parts[part]).into_owned(),
            );
            assert_eq!(outside_cells(&b), outside_cells(&a), "{name}: {part}");
            let (sb, sa) = (styles(&b), styles(&a));
            for (at, style) in &sb {
                assert_eq!(sa.get(at), Some(style), "{name}: {part} {at}");
            }
        }
        eprintln!(
            "{name}: {} questions, {} drafted, {} cells written on {:?}, {} left alone",
            r["summary"]["questions"],
            drafted,
            written,
            original["sheets"],
            original["skipped"].as_array().unwrap().len()
        );
    }
}

/// The worksheet XML without its cell data and dimension.
fn outside_cells(xml: &str) -> String {
    let mut s = xml.to_string();
    if let (Some(first), Some(last)) = (s.find("sheetData"), s.rfind("sheetData")) {
        let start = s[..first].rfind('<').unwrap();
        let end = last + s[last..].find('>').unwrap() + 1;
        s.replace_range(start..end, "");
    }
    if let Some(i) = s.find("dimension ref=") {
        let start = s[..i].rfind('<').unwrap();
        let end = i + s[i..].find("/>").unwrap() + 2;
        s.replace_range(start..end, "");
    }
    s
}

/// Cell reference → style index, of every `<c>` with a style.
fn styles(xml: &str) -> HashMap<String, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = HashMap::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "c" => {
                let get = |k: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .map(|a| a.value.to_string())
                };
                if let (Some(r), Some(s)) = (get("r"), get("s")) {
                    out.insert(r, s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// A reader command, or `None` with a notice; CI sets
/// `VETTED_REQUIRE_READERS=1` so that a missing reader fails instead.
fn reader(program: &str, check: &[&str]) -> bool {
    let ok = Command::new(program)
        .args(check)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("VETTED_REQUIRE_READERS").is_none(),
            "VETTED_REQUIRE_READERS is set but `{program}` does not run"
        );
        eprintln!("notice: skipping: `{program}` not available");
    }
    ok
}

#[test]
fn libreoffice_opens_every_patched_workbook_with_the_answers() {
    if !reader("soffice", &["--version"]) {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("soffice");
    cmd.arg(format!(
        "-env:UserInstallation=file://{}",
        profile.path().display()
    ))
    .args(["--headless", "--convert-to"])
    // Every sheet, UTF-8, comma-separated, quoted text.
    .arg("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1")
    .arg("--outdir")
    .arg(out.path());
    for case in cases() {
        cmd.arg(&case.output);
    }
    let status = cmd.output().unwrap();
    assert!(status.status.success(), "{status:?}");
    for case in cases() {
        let stem = case
            .output
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let mut by_sheet: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for ((sheet, at), text) in expected_answers(&case.report) {
            by_sheet.entry(sheet).or_default().push((at, text));
        }
        for (sheet, cells) in by_sheet {
            let csv_path = out.path().join(format!("{stem}-{sheet}.csv"));
            let text = std::fs::read_to_string(&csv_path)
                .unwrap_or_else(|e| panic!("{}: {e}", csv_path.display()));
            let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes())
                .records()
                .map(|r| r.unwrap().iter().map(str::to_string).collect())
                .collect();
            for (at, answer) in cells {
                let (row, col) = cell(&at);
                let got = rows
                    .get(row as usize)
                    .and_then(|r| r.get(col as usize))
                    .map_or("", String::as_str);
                assert_eq!(got.trim(), answer.trim(), "{}: {sheet}!{at}", case.name);
            }
        }
    }
}

#[test]
fn openpyxl_reads_every_patched_workbook_with_the_answers() {
    if !reader("python3", &["-c", "import openpyxl"]) {
        return;
    }
    let mut wanted = Vec::new();
    for case in cases() {
        for ((sheet, at), text) in expected_answers(&case.report) {
            wanted.push(serde_json::json!([case.output, sheet, at, text]));
        }
    }
    let script = r#"
import json, sys, openpyxl
wanted = json.load(sys.stdin)
books = {}
out = []
for path, sheet, at, _ in wanted:
    if path not in books:
        books[path] = openpyxl.load_workbook(path)
    value = books[path][sheet][at].value
    out.append(None if value is None else str(value))
json.dump(out, sys.stdout)
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    serde_json::to_writer(child.stdin.take().unwrap(), &wanted).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let got: Vec<Option<String>> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(got.len(), wanted.len());
    for (w, g) in wanted.iter().zip(got) {
        assert_eq!(g.as_deref(), w[3].as_str(), "{w}");
    }
}

#[test]
fn the_xlsm_stays_macro_enabled() {
    let case = cases()
        .iter()
        .find(|c| c.name == "questionnaire.xlsm")
        .unwrap();
    assert_eq!(case.output.extension().unwrap(), "xlsm");
    let types = zip_entries(&std::fs::read(&case.output).unwrap())
        .into_iter()
        .find(|(n, _)| n == "[Content_Types].xml")
        .unwrap()
        .1;
    assert!(String::from_utf8_lossy(&types).contains("macroEnabled"));
}

/// HECVAT 3 merges some answer cells across the details column: the
/// details of a question join its answer there, as one text; the value of
/// a form field (`Vendor Name`, `Date`) stays alone, its details left out
/// and reported.
#[test]
fn details_hidden_under_a_merged_answer_join_it_unless_the_row_is_a_field() {
    let Some(case) = cases().iter().find(|c| c.name == "HECVAT-Full-v3.06.xlsx") else {
        return;
    };
    let r = &case.report;
    let question_at = |sheet: &str, cell: &str| {
        r["questions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["sheet"] == sheet && q["details_cell"] == cell)
            .unwrap_or_else(|| panic!("no question with details at {cell}"))
            .clone()
    };
    let after = sheet::read(&case.output).unwrap();
    let joined = r["original"]["joined"].as_array().unwrap();
    assert!(joined.len() >= 8, "{joined:?}");
    for j in joined {
        let (sheet_name, hidden, into) = (
            j["sheet"].as_str().unwrap(),
            j["cell"].as_str().unwrap(),
            j["into"].as_str().unwrap(),
        );
        assert_eq!((&hidden[..1], &hidden[1..]), ("D", &into[1..]), "{j}");
        let q = question_at(sheet_name, hidden);
        assert!(
            q["question"].as_str().unwrap().len() > 40,
            "a question, not a field: {q}"
        );
        let (row, col) = cell(into);
        let text = sheet_of(&after, sheet_name).get(row, col).display();
        let (answer, details) = (
            q["answer"].as_str().unwrap(),
            q["details"].as_str().unwrap(),
        );
        assert!(
            text.starts_with(answer) && text.ends_with(details),
            "{text:?}: {q}"
        );
    }
    let skipped = r["original"]["skipped"].as_array().unwrap();
    let merged: Vec<&Value> = skipped
        .iter()
        .filter(|s| s["reason"].as_str().unwrap().contains("merged"))
        .collect();
    assert!(merged.len() >= 5, "{skipped:?}");
    for s in merged {
        let reason = s["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("it is hidden inside the merged range C"),
            "{s}"
        );
        let hidden = s["cell"].as_str().unwrap();
        let q = question_at(s["sheet"].as_str().unwrap(), hidden);
        assert!(
            !q["question"].as_str().unwrap().contains('?'),
            "a field: {q}"
        );
        let (row, col) = cell(q["answer_cell"].as_str().unwrap());
        let text = sheet_of(&after, s["sheet"].as_str().unwrap())
            .get(row, col)
            .display();
        assert_eq!(text, q["answer"].as_str().unwrap(), "{q}");
    }
    // The other cells left alone are answers its dropdowns do not allow.
    for s in skipped {
        let reason = s["reason"].as_str().unwrap();
        assert!(
            reason.contains("merged")
                || reason.contains("not one of the values its dropdown allows"),
            "{s}"
        );
    }
}

/// A questionnaire with a formula, a shared formula and a merged range in
/// its answer and details columns: built with rust_xlsxwriter, then the
/// shared formula put into the XML by hand (no writer makes them).
fn tricky_workbook(path: &Path) {
    use rust_xlsxwriter::{Formula, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Questions").unwrap();
    for (c, h) in ["ID", "Question", "Answer", "Notes"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let questions = [
        "Do you encrypt customer data at rest?",
        "Do you enforce multi-factor authentication for employees?",
        "Do you perform annual penetration tests by a third party?",
        "Do you have a documented incident response plan?",
        "Do you encrypt data in transit with TLS?",
    ];
    for (i, q) in questions.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, format!("Q-{r}")).unwrap();
        ws.write_string(r, 1, *q).unwrap();
    }
    ws.write_formula(1, 2, Formula::new("=\"Yes\"")).unwrap();
    ws.merge_range(2, 2, 2, 3, "", &rust_xlsxwriter::Format::new())
        .unwrap();
    ws.write_number(3, 2, 1.0).unwrap();
    ws.write_number(4, 2, 2.0).unwrap();
    let bytes = wb.save_to_buffer().unwrap();

    // C4:C5 become a shared formula (master C4), as Excel writes fills.
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in zip_entries(&bytes) {
        let data = if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(data).unwrap();
            let xml = xml
                .replace(
                    r#"<c r="C4"><v>1</v></c>"#,
                    r#"<c r="C4"><f t="shared" ref="C4:C5" si="0">A4&amp;""</f><v>1</v></c>"#,
                )
                .replace(
                    r#"<c r="C5"><v>2</v></c>"#,
                    r#"<c r="C5"><f t="shared" si="0"/><v>2</v></c>"#,
                );
            assert!(xml.contains(r#"si="0"/>"#), "{xml}");
            xml.into_bytes()
        } else {
            data
        };
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut out, &data).unwrap();
    }
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

#[test]
fn formulas_and_shared_formulas_are_left_alone_and_merged_details_join_the_answer() {
    let t = Test::new()
        .file("knowledge_base/security.toml", kb_answers())
        .args([
            "fill",
            "tricky.xlsx",
            "--format",
            "original",
            "--overwrite",
            "--auto-threshold",
            "0.3",
            "--review-threshold",
            "0.1",
        ]);
    tricky_workbook(&t.path("tricky.xlsx"));
    let run = t.run().expect(0);
    let r = report(&t.path("tricky.report.json"));
    let skipped: Vec<(String, String)> = r["original"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["cell"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        skipped.contains(&("C2".into(), "its answer is computed by a formula".into())),
        "{skipped:?}"
    );
    for at in ["C4", "C5"] {
        assert!(
            skipped
                .iter()
                .any(|(c, why)| c == at && why.contains("formula")),
            "{skipped:?}"
        );
    }
    // The details under the merged answer C3:D3 join the answer.
    assert!(!skipped.iter().any(|(c, _)| c == "D3"), "{skipped:?}");
    assert_eq!(
        r["original"]["joined"],
        serde_json::json!([{ "sheet": "Questions", "cell": "D3", "into": "C3" }])
    );
    // A computed answer is counted, not warned about: the reviewer has
    // nothing to do there.
    assert!(!run.stderr().contains("cell C2"), "{}", run.stderr());
    assert!(
        run.stderr().contains("computed answers kept")
            || run.stderr().contains("computed answer kept"),
        "{}",
        run.stderr()
    );

    // The formulas are still there, the merged range's top-left cell and
    // the plain cell got their answers.
    let xml = zip_entries(&std::fs::read(t.path("tricky.filled.xlsx")).unwrap())
        .into_iter()
        .find(|(n, _)| n == "xl/worksheets/sheet1.xml")
        .unwrap()
        .1;
    let xml = String::from_utf8(xml).unwrap();
    assert!(xml.contains(r#"<f t="shared" ref="C4:C5" si="0">"#));
    assert!(xml.contains(r#"<c r="C5"><f t="shared" si="0"/><v>2</v></c>"#));
    let wb = sheet::read(&t.path("tricky.filled.xlsx")).unwrap();
    let s = sheet_of(&wb, "Questions");
    let mfa = r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["row"] == 3)
        .unwrap();
    let details = mfa["details"].as_str().unwrap();
    assert_eq!(s.get(2, 2).display(), format!("Yes. {details}"));
    assert_eq!(s.get(5, 2).display(), "Yes");
    assert_eq!(s.get(5, 3).display(), "TLS 1.2 or later everywhere.");
}

fn kb_answers() -> String {
    let entry = |id: &str, q: &str, details: &str| {
        format!(
            "[[entry]]\nid = \"{id}\"\nquestion = \"{q}\"\nanswer = \"Yes\"\ndetails = \"{details}\"\nowner = \"sec@example.com\"\nreviewed = 2026-10-01\nreview_by = 2027-10-01\n\n"
        )
    };
    [
        entry(
            "enc-rest",
            "Do you encrypt customer data at rest?",
            "AES-256.",
        ),
        entry(
            "mfa",
            "Do you enforce multi-factor authentication for employees?",
            "For all staff.",
        ),
        entry(
            "pentest",
            "Do you perform annual penetration tests by a third party?",
            "Yearly.",
        ),
        entry(
            "ir-plan",
            "Do you have a documented incident response plan?",
            "Tested yearly.",
        ),
        entry(
            "tls",
            "Do you encrypt data in transit with TLS?",
            "TLS 1.2 or later everywhere.",
        ),
    ]
    .concat()
}

#[test]
fn statuses_choose_which_answers_are_written() {
    let sample = repo().join("samples/northwind-vendor-assessment.xlsx");
    let run = |statuses: &str| {
        let t = fill(
            &sample,
            &[
                "--format",
                "original",
                "--statuses",
                statuses,
                "-o",
                "out.xlsx",
                "--report",
                "r.json",
            ],
        );
        t.run().expect(0);
        let r = report(&t.path("r.json"));
        (
            r["summary"].clone(),
            r["original"]["written"].as_u64().unwrap(),
        )
    };
    let (summary, auto_only) = run("auto");
    let (_, both) = run("auto,review");
    assert!(summary["auto"].as_u64().unwrap() > 0);
    assert!(summary["review"].as_u64().unwrap() > 0);
    assert!(auto_only >= summary["auto"].as_u64().unwrap());
    assert!(both > auto_only, "{both} vs {auto_only}");
    fill(
        &sample,
        &["--format", "original", "--statuses", "unmatched"],
    )
    .run()
    .expect(2);
}

#[test]
fn xls_and_ods_become_xlsx_with_a_message() {
    for ext in ["xls", "ods"] {
        let fixture = repo().join(format!("tests/fixtures/formats/questionnaire.{ext}"));
        let t = fill(&fixture, &["--format", "original", "--out-dir", "out"]);
        let run = t.run().expect(0);
        assert!(
            run.stderr()
                .contains(&format!("is {ext}, which cannot be patched in place")),
            "{}",
            run.stderr()
        );
        let out = t.path("out/questionnaire.filled.xlsx");
        let before = sheet::read(&fixture).unwrap();
        let after = sheet::read(&out).unwrap();
        assert_eq!(after.format, sheet::Format::Xlsx);
        let names = |wb: &Workbook| {
            wb.sheets
                .iter()
                .map(|s| (s.name.clone(), s.visible))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&before), names(&after), "{ext}");
        let r = report(&t.path("out/questionnaire.report.json"));
        assert_eq!(r["original"]["how"], "converted");
        for ((sheet, at), answer) in expected_answers(&r) {
            let (row, col) = cell(&at);
            assert_eq!(
                sheet_of(&after, &sheet).get(row, col).display(),
                answer,
                "{ext} {at}"
            );
        }
        assert!(!expected_answers(&r).is_empty());
    }
}

#[test]
fn csv_stays_csv_with_its_quoting_and_no_formula_injection() {
    let csv = "\u{feff}ID;Question;Answer\r\n\
               Q-1;\"Do you encrypt customer data at rest?\";\r\n\
               Q-2;=HYPERLINK(\"http://evil.example\",\"Do you enforce multi-factor authentication for employees?\");\r\n\
               Q-3;\"Do you have a documented incident response plan?\";-5\r\n";
    let kb = kb_answers().replace(
        "question = \"Do you encrypt customer data at rest?\"\nanswer = \"Yes\"",
        "question = \"Do you encrypt customer data at rest?\"\nanswer = \"=1+1; Yes\"",
    );
    let t = Test::new()
        .file("knowledge_base/security.toml", kb)
        .file("q.csv", csv)
        .args([
            "fill",
            "q.csv",
            "--format",
            "original",
            "--overwrite",
            "--auto-threshold",
            "0.3",
            "--review-threshold",
            "0.1",
        ]);
    let run = t.run().expect(0);
    let out = std::fs::read_to_string(t.path("q.filled.csv")).unwrap();
    assert_eq!(
        out,
        "\u{feff}ID;Question;Answer\r\n\
         Q-1;\"Do you encrypt customer data at rest?\";\"'=1+1; Yes\"\r\n\
         Q-2;\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Do you enforce multi-factor authentication for employees?\"\")\";Yes\r\n\
         Q-3;\"Do you have a documented incident response plan?\";Yes\r\n",
        "{}",
        run.stderr()
    );
    let r = report(&t.path("q.report.json"));
    assert_eq!(r["original"]["how"], "csv");
    assert_eq!(r["original"]["neutralised"], 1);
}

#[test]
fn a_real_csv_keeps_every_other_byte() {
    let Some(dir) = shared() else { return };
    let input = dir.join("instructure-filled/Intelligent Insights HECVAT Lite.csv");
    let t = fill(
        &input,
        &[
            "--format",
            "original",
            "--overwrite",
            "-o",
            "out.csv",
            "--report",
            "r.json",
        ],
    );
    t.run().expect(0);
    let r = report(&t.path("r.json"));
    assert!(r["original"]["written"].as_u64().unwrap() > 10);
    // Every record keeps its bytes, but for the fields written into it.
    let before = raw_records(&std::fs::read(&input).unwrap());
    let after = raw_records(&std::fs::read(t.path("out.csv")).unwrap());
    assert_eq!(before.len(), after.len());
    let mut same = 0;
    for ((bf, braw), (af, araw)) in before.iter().zip(&after) {
        if bf == af {
            assert_eq!(braw, araw);
            same += 1;
        }
    }
    assert!(same > 0);
    let wb = sheet::read(&t.path("out.csv")).unwrap();
    for ((_, at), answer) in expected_answers(&r) {
        let (row, col) = cell(&at);
        assert_eq!(wb.sheets[0].get(row, col).display(), answer, "{at}");
    }
}

/// Each csv record: its fields, and its raw bytes.
fn raw_records(bytes: &[u8]) -> Vec<(Vec<Vec<u8>>, Vec<u8>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut out: Vec<(Vec<Vec<u8>>, usize)> = Vec::new();
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).unwrap() {
        let start = record.position().unwrap().byte() as usize;
        out.push((record.iter().map(<[u8]>::to_vec).collect(), start));
    }
    let ends: Vec<usize> = out
        .iter()
        .skip(1)
        .map(|r| r.1)
        .chain([bytes.len()])
        .collect();
    out.into_iter()
        .zip(ends)
        .map(|((fields, start), end)| (fields, bytes[start..end].to_vec()))
        .collect()
}

#[test]
fn finish_carries_a_reviewed_draft_into_the_original() {
    let sample = repo().join("samples/northwind-vendor-assessment.xlsx");
    let t = fill(&sample, &["-o", "draft.xlsx", "--report", "r.json"]);
    t.run().expect(0);
    let r = report(&t.path("r.json"));
    let drafted: Vec<&Value> = r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["status"] == "auto" || q["status"] == "review")
        .collect();
    assert!(drafted.len() >= 3);
    let (edited, cleared, rejected) = (drafted[0], drafted[1], drafted[2]);

    // The reviewer's work in Excel: an edit, a cleared answer, a rejection
    // in the Status column (written here with the patcher, as Excel would
    // save the cells).
    let draft = sheet::read(&t.path("draft.xlsx")).unwrap();
    let status_col = {
        let s = sheet_of(&draft, rejected["sheet"].as_str().unwrap());
        let (row, _) = cell(rejected["answer_cell"].as_str().unwrap());
        (0..s.width())
            .find(|&c| ["auto", "review"].contains(&s.get(row, c).display().as_str()))
            .unwrap()
    };
    let edit = |q: &Value, col: Option<u32>, value: Option<&str>| {
        let (row, c) = cell(q["answer_cell"].as_str().unwrap());
        sheet::original::CellEdit {
            sheet: q["sheet"].as_str().unwrap().to_string(),
            row,
            col: col.unwrap_or(c),
            value: value.map(str::to_string),
            joins: false,
        }
    };
    let edits = vec![
        edit(edited, None, Some("No, not yet")),
        edit(cleared, None, None),
        edit(rejected, Some(status_col), Some("rejected")),
    ];
    let bytes = std::fs::read(t.path("draft.xlsx")).unwrap();
    sheet::original::write_original(&draft, &[], &bytes, &edits, &t.path("reviewed.xlsx")).unwrap();

    let finish = Test::new().args([
        "finish",
        t.path("reviewed.xlsx").to_str().unwrap(),
        "--original",
        sample.to_str().unwrap(),
        "-o",
        "final.xlsx",
    ]);
    let run = finish.run().expect(0);
    assert!(
        run.stderr().contains("answer cells carried into"),
        "{}",
        run.stderr()
    );
    let out = finish.path("final.xlsx");
    let wb = sheet::read(&out).unwrap();
    let at = |q: &Value| {
        let (row, col) = cell(q["answer_cell"].as_str().unwrap());
        sheet_of(&wb, q["sheet"].as_str().unwrap())
            .get(row, col)
            .display()
    };
    assert_eq!(at(edited), "No, not yet");
    assert_eq!(at(cleared), "");
    assert_eq!(at(rejected), "");
    for q in &drafted[3..] {
        assert_eq!(at(q), q["answer"].as_str().unwrap(), "{q}");
    }
    // Still the customer's file: no review columns, no Summary sheet, and
    // only the answered worksheet changed.
    assert!(wb.sheets.iter().all(|s| s.name != "Summary"));
    let changed = changed_entries(
        &std::fs::read(&sample).unwrap(),
        &std::fs::read(&out).unwrap(),
    );
    assert!(
        changed.iter().all(|c| c.starts_with("xl/worksheets/")),
        "{changed:?}"
    );

    // A draft of another questionnaire is refused.
    let other = Test::new()
        .file(
            "other.csv",
            "Question,Answer\nDo you have a SOC 2 report?,\n",
        )
        .args([
            "finish",
            t.path("reviewed.xlsx").to_str().unwrap(),
            "--original",
            "other.csv",
        ]);
    let run = other.run().expect(1);
    assert!(
        run.stderr().contains("is not a draft of"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("hint:"), "{}", run.stderr());
    // The questionnaire given as the draft.
    let run = Test::new()
        .args([
            "finish",
            sample.to_str().unwrap(),
            "--original",
            sample.to_str().unwrap(),
        ])
        .run()
        .expect(1);
    assert!(
        run.stderr()
            .contains("is not a draft written by `vetted fill`")
    );
}

/// `vetted fill FILE --format original`, with thresholds low enough that
/// every match is drafted.
fn fill_original_with(kb: String, file: &str) -> Test {
    Test::new().file("knowledge_base/security.toml", kb).args([
        "fill",
        file,
        "--format",
        "original",
        "--auto-threshold",
        "0.3",
        "--review-threshold",
        "0.1",
    ])
}

/// A one-sheet xlsx at `path`: `header`, one row per question (ID `<id>-N`
/// in column A, the question in B), and a dropdown of `values` on column C
/// of those rows.
fn dropdown_form(
    path: &std::path::Path,
    sheet: &str,
    header: &[&str],
    id: &str,
    questions: &[&str],
    values: &[&str],
) {
    use rust_xlsxwriter::{DataValidation, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).unwrap();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, q) in questions.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, format!("{id}-{r}")).unwrap();
        ws.write_string(r, 1, *q).unwrap();
    }
    let list = DataValidation::new().allow_list_strings(values).unwrap();
    ws.add_data_validation(1, 2, questions.len() as u32, 2, &list)
        .unwrap();
    wb.save(path).unwrap();
}

#[test]
fn answers_the_dropdown_does_not_allow_are_not_written() {
    let kb = kb_answers()
        + "[[entry]]\nid = \"access-review\"\nquestion = \"How often do you review user access rights?\"\nanswer = \"Quarterly\"\n";
    let t = fill_original_with(kb, "dropdown.xlsx");
    dropdown_form(
        &t.path("dropdown.xlsx"),
        "Questions",
        &["ID", "Question", "Answer"],
        "Q",
        &[
            "Do you encrypt customer data at rest?",
            "How often do you review user access rights?",
        ],
        &["Y", "N"],
    );
    let run = t.run().expect(0);
    let r = report(&t.path("dropdown.report.json"));
    let out = sheet::read(&t.path("dropdown.filled.xlsx")).unwrap();
    let s = sheet_of(&out, "Questions");
    assert_eq!(
        s.get(1, 2).display(),
        "Y",
        "`Yes` in the dropdown's spelling"
    );
    assert_eq!(
        s.get(2, 2).display(),
        "",
        "`Quarterly` is not a value of the dropdown"
    );
    let skipped = &r["original"]["skipped"];
    assert_eq!(skipped[0]["cell"], "C3", "{skipped}");
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .contains("`Quarterly`"),
        "{skipped}"
    );
    assert!(
        run.stderr().contains("cell C3 left alone"),
        "{}",
        run.stderr()
    );
}

/// A sheet with an answer column and no details column: the details of an
/// open question follow its answer in the answer cell, in a fill and in a
/// finish; a yes/no question keeps its bare answer.
#[test]
fn details_of_open_questions_join_the_answer_where_the_sheet_has_no_details_column() {
    let kb = [
        crate::support::entry("enc", "Do you encrypt customer data at rest?", "Yes"),
        crate::support::entry("ir", "Describe your incident response process.", "Yes"),
    ]
    .concat()
    .replace(
        "answer = \"Yes\"",
        "answer = \"Yes\"\ndetails = \"On call around the clock.\"",
    );
    let t = Test::new().file("kb/k.toml", &kb);
    let t = t.file(
        "form.xlsx",
        crate::support::table_workbook(&[
            &["#", "Question", "Response"],
            &["1", "Do you encrypt customer data at rest?"],
            &["2", "Describe your incident response process."],
        ]),
    );
    let t = t.args([
        "fill",
        "form.xlsx",
        "--kb",
        "kb",
        "--format",
        "original",
        "-o",
        "filled.xlsx",
    ]);
    t.run().expect(0);
    let filled = sheet::read(&t.path("filled.xlsx")).unwrap();
    let s = &filled.sheets[0];
    assert_eq!(s.get(1, 2).display(), "Yes");
    assert_eq!(s.get(2, 2).display(), "Yes. On call around the clock.");
    assert_eq!(s.width(), 3, "no column added");

    // The same through a reviewed draft.
    let draft = Test::new()
        .file("kb/k.toml", &kb)
        .args(["fill", t.path("form.xlsx").to_str().unwrap(), "--kb", "kb"])
        .args(["-o", "draft.xlsx"]);
    draft.run().expect(0);
    let finish = Test::new().args([
        "finish",
        draft.path("draft.xlsx").to_str().unwrap(),
        "--original",
        t.path("form.xlsx").to_str().unwrap(),
        "-o",
        "final.xlsx",
    ]);
    finish.run().expect(0);
    let fin = sheet::read(&finish.path("final.xlsx")).unwrap();
    let s = &fin.sheets[0];
    assert_eq!(s.get(1, 2).display(), "Yes");
    assert_eq!(s.get(2, 2).display(), "Yes. On call around the clock.");
}

/// A control self-assessment: the answer column is an `Implementation
/// Status` dropdown of control states, and a yes is written as the state
/// that means it.
#[test]
fn a_control_status_dropdown_takes_the_state_that_means_the_answer() {
    let kb = kb_answers()
        + "[[entry]]\nid = \"bounty\"\nquestion = \"Do you run a public bug bounty program?\"\nanswer = \"No\"\n";
    let t = fill_original_with(kb, "controls.xlsx");
    dropdown_form(
        &t.path("controls.xlsx"),
        "Controls",
        &["Ref", "Control", "Implementation Status", "Notes"],
        "C",
        &[
            "Do you encrypt customer data at rest?",
            "Do you run a public bug bounty program?",
        ],
        &["Implemented", "Partially Implemented", "Not Implemented"],
    );
    t.run().expect(0);
    let r = report(&t.path("controls.report.json"));
    assert_eq!(r["sheets"][0]["answer_column"], "C", "{}", r["sheets"]);
    assert_eq!(r["sheets"][0]["details_column"], "D", "{}", r["sheets"]);
    let out = sheet::read(&t.path("controls.filled.xlsx")).unwrap();
    let s = sheet_of(&out, "Controls");
    assert_eq!(s.get(1, 2).display(), "Implemented");
    assert_eq!(s.get(1, 3).display(), "AES-256.");
    assert_eq!(s.get(2, 2).display(), "Not Implemented");
}

/// Headers written with spaced slashes and hints in parentheses are found:
/// `Answer (Yes / No / N/A)` takes the answer, `If No, please explain` the
/// details, and the values the header names are the ones written.
#[test]
fn spaced_choice_headers_are_answer_columns() {
    let t = fill_original_with(kb_answers(), "form.xlsx").file(
        "form.xlsx",
        crate::support::table_workbook(&[
            &[
                "No.",
                "Question",
                "Answer (Yes / No / N/A)",
                "If No, please explain",
            ],
            &["1", "Do you encrypt customer data at rest?", "", ""],
        ]),
    );
    t.run().expect(0);
    let r = report(&t.path("form.report.json"));
    assert_eq!(r["sheets"][0]["answer_column"], "C", "{}", r["sheets"]);
    assert_eq!(r["sheets"][0]["details_column"], "D", "{}", r["sheets"]);
    let out = sheet::read(&t.path("form.filled.xlsx")).unwrap();
    let s = sheet_of(&out, "Sheet1");
    assert_eq!(s.get(1, 2).display(), "Yes");
    assert_eq!(s.get(1, 3).display(), "AES-256.");
}

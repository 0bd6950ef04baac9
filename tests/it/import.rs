//! Importing questionnaires faithfully: formats, dropdowns (allowed values),
//! mark columns and csv quirks.

use std::io::Read;
use std::path::Path;

use rust_xlsxwriter::{DataValidation, Workbook};
use serde_json::Value as Json;
use vetted::sheet;

use crate::support::{Test, dropdown_workbook, entry, repo, report, shared, table_workbook};

fn kb_arg() -> String {
    repo().join("knowledge_base").display().to_string()
}

/// Fills `input` (relative to the test dir) with `kb` into `draft.xlsx` and
/// returns the report.
fn fill(t: Test, input: &str, kb: &str) -> (Test, Json) {
    fill_with(t, input, kb, &[])
}

fn fill_with(t: Test, input: &str, kb: &str, extra: &[&str]) -> (Test, Json) {
    let t = t
        .args([
            "fill",
            input,
            "--kb",
            kb,
            "-o",
            "draft.xlsx",
            "--report",
            "report.json",
        ])
        .args(extra);
    t.run().expect(0);
    let r = report(&t.path("report.json"));
    (t, r)
}

fn by_ref<'a>(r: &'a Json, reference: &str) -> &'a Json {
    r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["ref"] == reference)
        .unwrap_or_else(|| panic!("no {reference}"))
}

fn strings(v: &Json) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

/// The raw XML of a draft's sheet, by its position in the workbook (1-based
/// as in `xl/worksheets/sheetN.xml`).
fn sheet_xml(path: &Path, n: usize) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{n}.xml"))
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[test]
fn xls_ods_and_xlsm_import_alike() {
    let dir = repo().join("tests/fixtures/formats");
    for (ext, hidden_scoring) in [("xls", true), ("ods", false), ("xlsm", true)] {
        let name = format!("questionnaire.{ext}");
        let t = Test::new().copy(&dir.join(&name), &name);
        let (_t, r) = fill(t, &name, &kb_arg());
        assert_eq!(r["summary"]["questions"], 4, "{ext}");
        assert_eq!(r["summary"]["answered"], 1, "{ext}");
        let sheets = r["sheets"].as_array().unwrap();
        assert_eq!(sheets[0]["name"], "Instructions");
        assert_eq!(sheets[0]["used"], false, "{ext}");
        assert_eq!(
            (
                sheets[1]["name"].as_str(),
                sheets[1]["header_row"].as_u64(),
                sheets[1]["answer_column"].as_str(),
                sheets[1]["details_column"].as_str()
            ),
            (Some("Questions"), Some(3), Some("C"), Some("D")),
            "{ext}"
        );
        if hidden_scoring {
            assert_eq!(sheets[2]["skipped"], "hidden", "{ext}");
        }
        let refs: Vec<&str> = r["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["ref"].as_str().unwrap())
            .collect();
        assert_eq!(refs, ["AC-01", "AC-02", "DP-01", "DP-02"], "{ext}");
        let ac1 = by_ref(&r, "AC-01");
        assert_eq!(
            (
                ac1["status"].as_str(),
                ac1["answer"].as_str(),
                ac1["row"].as_u64()
            ),
            (Some("answered"), Some("Yes"), Some(5)),
            "{ext}"
        );
        let ac2 = by_ref(&r, "AC-02");
        assert_eq!(
            ac2["question"],
            "Are user access rights reviewed at least quarterly?\n(Include privileged accounts.)",
            "{ext}: line breaks kept"
        );
        assert_eq!(by_ref(&r, "DP-02")["row"], 9, "{ext}");
        // Only the xlsm has a dropdown.
        let allowed = &by_ref(&r, "DP-01")["allowed"];
        if ext == "xlsm" {
            assert_eq!(strings(allowed), ["Yes", "No", "N/A"]);
        } else {
            assert!(allowed.is_null(), "{ext}: {allowed}");
        }
    }
}

/// A one-sheet xlsx: header row 1, questions from row 2, with a dropdown of
/// `list` on the answer cells C2:C3.
fn dropdown_questionnaire(path: &Path, list: &[&str], questions: &[&str]) {
    dropdown_questionnaire_with_notes(path, list, questions, &[]);
}

/// The same, with `notes` in the Comments cells of the first questions
/// (empty for none).
fn dropdown_questionnaire_with_notes(
    path: &Path,
    list: &[&str],
    questions: &[&str],
    notes: &[&str],
) {
    let dv = DataValidation::new().allow_list_strings(list).unwrap();
    let n = questions.len() as u32;
    std::fs::write(path, dropdown_workbook(questions, notes, &[(1, n, &dv)])).unwrap();
}

#[test]
fn drafted_answers_take_the_dropdown_spelling_or_go_to_review() {
    let kb = [
        entry("enc", "Do you encrypt customer data at rest?", "Yes"),
        entry("backup", "How often are backups taken?", "Daily"),
        entry("pci", "Do you store payment card numbers?", "N/A"),
    ]
    .concat();
    let t = Test::new().file("kb/k.toml", kb);
    dropdown_questionnaire(
        &t.path("q.xlsx"),
        &["Y", "N", "Not Applicable"],
        &[
            "Do you encrypt customer data at rest?",
            "How often are backups taken?",
            "Do you store payment card numbers?",
        ],
    );
    let (t, r) = fill(t, "q.xlsx", "kb");
    let enc = by_ref(&r, "Q-1");
    assert_eq!(strings(&enc["allowed"]), ["Y", "N", "Not Applicable"]);
    assert_eq!(
        (enc["status"].as_str(), enc["answer"].as_str()),
        (Some("auto"), Some("Y")),
        "{enc}"
    );
    let pci = by_ref(&r, "Q-3");
    assert_eq!(pci["answer"], "Not Applicable", "{pci}");
    // `Daily` is none of the allowed values: drafted, but held for review.
    let backup = by_ref(&r, "Q-2");
    assert_eq!(
        (backup["status"].as_str(), backup["answer"].as_str()),
        (Some("review"), Some("Daily")),
        "{backup}"
    );
    let reasons = strings(&backup["reasons"]).join(" ");
    assert!(
        reasons.contains("not one of the values the cell allows (Y, N, Not Applicable)"),
        "{reasons}"
    );
    // The draft writes the allowed spelling and keeps the dropdown on the
    // answer cells (sheet 2: after Summary).
    let draft = sheet::read(&t.path("draft.xlsx")).unwrap();
    let security = draft.sheets.iter().find(|s| s.name == "Security").unwrap();
    assert_eq!(security.get(1, 2).display(), "Y");
    assert_eq!(security.get(3, 2).display(), "Not Applicable");
    let xml = sheet_xml(&t.path("draft.xlsx"), 2);
    for cell in ["C2", "C3", "C4"] {
        assert!(
            xml.contains(&format!("type=\"list\" allowBlank=\"1\" showInputMessage=\"1\" showErrorMessage=\"1\" sqref=\"{cell}\""))
                || xml.contains(&format!("sqref=\"{cell}\"")),
            "no dropdown on {cell}: {xml}"
        );
    }
    let lists = draft
        .sheets
        .iter()
        .find(|s| s.name == "vetted lists")
        .unwrap();
    assert!(!lists.visible);
    assert_eq!(lists.get(2, 0).display(), "Not Applicable");
}

/// A row whose answer cell is empty but whose details cell holds text (a
/// vendor's "NA" left from an earlier round) is not filled unreviewed: the
/// drafted answer might contradict it.
#[test]
fn text_beside_an_empty_answer_holds_the_row_for_review() {
    let kb = entry("enc", "Do you encrypt customer data at rest?", "Yes");
    let t = Test::new().file("kb/k.toml", kb);
    let question = "Do you encrypt customer data at rest?";
    dropdown_questionnaire_with_notes(
        &t.path("q.xlsx"),
        &["Yes", "No"],
        &[question, question],
        &["NA"],
    );
    let (_t, r) = fill(t, "q.xlsx", "kb");
    let noted = by_ref(&r, "Q-1");
    assert_eq!(noted["status"], "review", "{noted}");
    assert_eq!(
        strings(&noted["reasons"]),
        ["the row's details cell D2 already holds `NA`; check that the answer agrees with it"]
    );
    assert_eq!(by_ref(&r, "Q-2")["status"], "auto");
}

/// A dropdown that only warns about other values, or says nothing of them,
/// suggests its values: an answer outside them is drafted as it is, in the
/// draft and in the customer's own file.
#[test]
fn a_dropdown_that_only_suggests_takes_other_answers() {
    use rust_xlsxwriter::DataValidationErrorStyle;
    let kb = [
        entry("enc", "Do you encrypt customer data at rest?", "Yes"),
        entry("backup", "How often are backups taken?", "Daily"),
    ]
    .concat();
    let t = Test::new().file("kb/k.toml", kb);
    let questions = [
        "Do you encrypt customer data at rest?",
        "How often are backups taken?",
        "How often are backups taken?",
    ];
    let list = DataValidation::new()
        .allow_list_strings(&["Y", "N"])
        .unwrap();
    let warning = list
        .clone()
        .set_error_style(DataValidationErrorStyle::Warning);
    let silent = list.show_error_message(false);
    let book = dropdown_workbook(&questions, &[], &[(1, 2, &warning), (3, 3, &silent)]);
    std::fs::write(t.path("q.xlsx"), book).unwrap();

    let (t, r) = fill(t, "q.xlsx", "kb");
    let enc = by_ref(&r, "Q-1");
    assert_eq!(
        (enc["answer"].as_str(), enc["allowed_only"].as_bool()),
        (Some("Y"), Some(false)),
        "what means a listed value is spelled as it: {enc}"
    );
    for q in ["Q-2", "Q-3"] {
        let backup = by_ref(&r, q);
        assert_eq!(strings(&backup["allowed"]), ["Y", "N"]);
        assert_eq!(
            (backup["status"].as_str(), backup["answer"].as_str()),
            (Some("auto"), Some("Daily")),
            "{backup}"
        );
        assert!(backup["reasons"].as_array().unwrap().is_empty(), "{backup}");
    }
    // The draft keeps a dropdown there that only warns.
    let xml = sheet_xml(&t.path("draft.xlsx"), 2);
    assert!(xml.contains("errorStyle=\"warning\""), "{xml}");
    // The customer's file gets the answers, nothing skipped.
    t.again([
        "fill",
        "q.xlsx",
        "--kb",
        "kb",
        "--format",
        "original",
        "-o",
        "filled.xlsx",
        "--report",
        "original.json",
    ])
    .expect(0);
    let r = report(&t.path("original.json"));
    assert!(
        r["original"]["skipped"].as_array().unwrap().is_empty(),
        "{}",
        r["original"]
    );
    let filled = sheet::read(&t.path("filled.xlsx")).unwrap();
    let security = filled.sheets.iter().find(|s| s.name == "Security").unwrap();
    let answers: Vec<String> = (1..=3).map(|r| security.get(r, 2).display()).collect();
    assert_eq!(answers, ["Y", "Daily", "Daily"]);
}

#[test]
fn a_qualified_choice_takes_the_dropdown_value_and_its_qualifier_goes_to_the_details() {
    let kb = format!(
        "{}\ndetails = \"Operations restores a production backup into staging.\"\n\n{}",
        entry("restore", "Do you test backup restores?", "Yes, quarterly").trim_end_matches('\n'),
        entry(
            "scan",
            "Do you scan container images?",
            "Yes, on every build"
        ),
    );
    let setup = || {
        let t = Test::new().file("kb/k.toml", &kb);
        // The second row's details cell already holds the customer's note.
        dropdown_questionnaire_with_notes(
            &t.path("q.xlsx"),
            &["Yes", "No", "N/A"],
            &[
                "Do you test backup restores?",
                "Do you scan container images?",
            ],
            &["", "Customer note: see appendix B"],
        );
        t
    };
    let (t, r) = fill(setup(), "q.xlsx", "kb");
    let restore = by_ref(&r, "Q-1");
    assert_eq!(
        (
            restore["status"].as_str(),
            restore["answer"].as_str(),
            restore["details"].as_str()
        ),
        (
            Some("auto"),
            Some("Yes"),
            Some("Quarterly. Operations restores a production backup into staging.")
        ),
        "{restore}"
    );
    // No free details cell: `Yes` alone would drop "on every build".
    let scan = by_ref(&r, "Q-2");
    assert_eq!(
        (scan["status"].as_str(), scan["answer"].as_str()),
        (Some("review"), Some("Yes, on every build")),
        "{scan}"
    );
    let reasons = strings(&scan["reasons"]).join(" ");
    assert!(reasons.contains("`Yes` would leave out the rest"), "{scan}");
    // Someone wrote beside the answer cell: the draft says so.
    assert!(
        reasons.contains(
            "the row's details cell D3 already holds `Customer note: see appendix B`; check that the answer agrees with it"
        ),
        "{scan}"
    );
    let draft = sheet::read(&t.path("draft.xlsx")).unwrap();
    let security = draft.sheets.iter().find(|s| s.name == "Security").unwrap();
    assert_eq!(security.get(1, 2).display(), "Yes");
    assert!(security.get(1, 3).display().starts_with("Quarterly. "));

    // The customer's own file gets the same two cells.
    let t = setup().args([
        "fill",
        "q.xlsx",
        "--kb",
        "kb",
        "--format",
        "original",
        "-o",
        "filled.xlsx",
    ]);
    t.run().expect(0);
    let filled = sheet::read(&t.path("filled.xlsx")).unwrap();
    let security = &filled.sheets[0];
    assert_eq!(security.get(1, 2).display(), "Yes");
    assert_eq!(
        security.get(1, 3).display(),
        "Quarterly. Operations restores a production backup into staging."
    );
    assert_eq!(
        security.get(2, 3).display(),
        "Customer note: see appendix B"
    );
}

#[test]
fn dropdowns_of_the_real_questionnaires() {
    let Some(dir) = shared() else {
        return;
    };
    let fill_shared = |rel: &str| {
        let name = Path::new(rel).file_name().unwrap().to_str().unwrap();
        let t = Test::new().copy(&dir.join(rel), name);
        fill(t, name, &kb_arg()).1
    };
    // Inline list.
    let r = fill_shared("instructure-filled/Instructure CAIQ.xlsx");
    assert_eq!(
        strings(&by_ref(&r, "A&A-01.1")["allowed"]),
        ["Yes", "No", "NA"]
    );
    // x14 validations pointing at the hidden `Auto Responses` sheet.
    let r = fill_shared("educause-hecvat-v4/HECVAT414.xlsx");
    let q = r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["sheet"] == "Organization" && q["ref"] == "DOCU-01")
        .unwrap();
    assert_eq!(strings(&q["allowed"]), ["Yes", "No"]);
    let with_na = r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["allowed"].as_array().is_some_and(|a| a.len() == 3))
        .count();
    assert_eq!(with_na, 48, "`'Auto Responses'!$J$3:$J$5`: Yes, No, N/A");
    // Defined name `yes` → Values!$A$4:$A$5, and x14 lists on QUAL-07.
    let r = fill_shared("educause-hecvat-v3/HECVAT-Full-v3.06.xlsx");
    assert_eq!(strings(&by_ref(&r, "DOCU-01")["allowed"]), ["Yes", "No"]);
    let hosting = strings(&by_ref(&r, "QUAL-07")["allowed"]);
    assert_eq!(hosting.len(), 7);
    assert_eq!(hosting[3], "4) AWS");
    assert!(by_ref(&r, "GNRL-01")["allowed"].is_null());
    // Named range `YesNo`.
    let r = fill_shared("educause-hecvat-v3/HECVAT-Lite-v2.11.xlsx");
    assert_eq!(strings(&by_ref(&r, "HLAP-01")["allowed"]), ["Yes", "No"]);
    // SAMM: one named range per question, graded choices; a plain `Yes`
    // from the KB is none of them.
    let r = fill_shared("owasp-samm/SAMM_spreadsheet.xlsx");
    let q = by_ref(&r, "G-SM-A-1-1");
    let allowed = strings(&q["allowed"]);
    assert_eq!(allowed.len(), 4, "{allowed:?}");
    assert_eq!(allowed[0], "No");
    assert!(allowed[1].starts_with("Yes, "), "{allowed:?}");
    for q in r["questions"].as_array().unwrap() {
        assert!(q["allowed"].is_array(), "every SAMM answer has a list: {q}");
        if q["answer"] == "Yes" {
            assert_ne!(q["status"], "auto", "{q}");
        }
    }
}

/// A CAIQ v3.0.1-style sheet: multi-row header (rows 2-4), answers as `x`
/// marks in three columns `Yes | No | Not Applicable` (F, G, H) under one
/// merged header, controls merged down over their questions.
fn caiq_v3_questionnaire(path: &Path) {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("CAIQ v3.0.1").unwrap();
    let fmt = rust_xlsxwriter::Format::new();
    ws.write_string(
        0,
        0,
        "Consensus Assessments Initiative Questionnaire v3.0.1",
    )
    .unwrap();
    let headers = [
        "Control Domain",
        "Control ID",
        "Question ID",
        "Control Specification",
        "Consensus Assessment Questions",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    ws.merge_range(1, 5, 1, 7, "Consensus Assessment Answers", &fmt)
        .unwrap();
    ws.write_string(1, 8, "Notes").unwrap();
    ws.write_string(1, 9, "CCM v3.0.1 Compliance Mapping")
        .unwrap();
    ws.write_string(2, 9, "AICPA TSC 2014").unwrap();
    for (c, h) in ["Yes", "No", "Not Applicable"].iter().enumerate() {
        ws.write_string(3, 5 + c as u16, *h).unwrap();
    }
    ws.merge_range(
        4,
        0,
        6,
        0,
        "Application & Interface Security\nApplication Security",
        &fmt,
    )
    .unwrap();
    ws.merge_range(4, 1, 6, 1, "AIS-01", &fmt).unwrap();
    ws.merge_range(
        4,
        3,
        6,
        3,
        "Applications and programming interfaces (APIs) shall be designed...",
        &fmt,
    )
    .unwrap();
    let questions = [
        (
            "AIS-01.1",
            "Do you use industry standards to build in security for your Systems/Software Development Lifecycle (SDLC)?",
            Some(5),
        ),
        (
            "AIS-01.2",
            "Do you use an automated source code analysis tool to detect security defects in code prior to production?",
            Some(7),
        ),
        ("AIS-01.3", "Do you encrypt customer data at rest?", None),
    ];
    for (i, (id, q, mark)) in questions.iter().enumerate() {
        let r = 4 + i as u32;
        ws.write_string(r, 2, *id).unwrap();
        ws.write_string(r, 4, *q).unwrap();
        if let Some(c) = mark {
            ws.write_string(r, *c, "x").unwrap();
        }
    }
    ws.write_string(
        8,
        0,
        "© Copyright 2014 Cloud Security Alliance - All rights reserved",
    )
    .unwrap();
    book.save(path).unwrap();
}

#[test]
fn mark_columns_yes_no_not_applicable() {
    let kb = entry("enc", "Do you encrypt customer data at rest?", "Yes");
    let t = Test::new().file("kb/k.toml", &kb);
    caiq_v3_questionnaire(&t.path("caiq.xlsx"));
    let (t, r) = fill(t, "caiq.xlsx", "kb");
    assert_eq!(r["summary"]["questions"], 3, "{r}");
    assert_eq!(r["sheets"][0]["header_row"], 2);
    assert_eq!(r["sheets"][0]["question_column"], "E");
    assert_eq!(r["sheets"][0]["details_column"], "I");
    let marked = |reference: &str| {
        let q = by_ref(&r, reference);
        assert_eq!(
            strings(&q["allowed"]),
            ["Yes", "No", "Not Applicable"],
            "{q}"
        );
        (
            q["status"].as_str().unwrap().to_string(),
            q["answer"].as_str().map(String::from),
            q["answer_cell"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(
        marked("AIS-01.1"),
        ("answered".into(), Some("Yes".into()), "F5".into())
    );
    assert_eq!(
        marked("AIS-01.2"),
        (
            "answered".into(),
            Some("Not Applicable".into()),
            "H6".into()
        )
    );
    assert_eq!(
        marked("AIS-01.3"),
        ("auto".into(), Some("Yes".into()), "F7".into())
    );
    // The draft marks the Yes column with an `x` and leaves the others.
    let draft = sheet::read(&t.path("draft.xlsx")).unwrap();
    let s = draft
        .sheets
        .iter()
        .find(|s| s.name == "CAIQ v3.0.1")
        .unwrap();
    assert_eq!(s.get(6, 5).display(), "x");
    assert!(s.get(6, 6).is_empty() && s.get(6, 7).is_empty());
    assert_eq!(s.get(5, 7).display(), "x", "existing marks are kept");
    assert!(s.get(4, 6).is_empty());
}

#[test]
fn mark_columns_with_overwrite_move_the_mark() {
    let kb = entry(
        "sast",
        "Do you use an automated source code analysis tool to detect security defects in code prior to production?",
        "Yes",
    );
    let t = Test::new().file("kb/k.toml", &kb);
    caiq_v3_questionnaire(&t.path("caiq.xlsx"));
    let (t, r) = fill_with(t, "caiq.xlsx", "kb", &["--overwrite"]);
    let q = by_ref(&r, "AIS-01.2");
    assert_eq!(
        (q["status"].as_str(), q["answer_cell"].as_str()),
        (Some("auto"), Some("F6")),
        "{q}"
    );
    let draft = sheet::read(&t.path("draft.xlsx")).unwrap();
    let s = draft
        .sheets
        .iter()
        .find(|s| s.name == "CAIQ v3.0.1")
        .unwrap();
    assert_eq!(s.get(5, 5).display(), "x");
    assert!(s.get(5, 7).is_empty(), "the old mark is cleared");
}

#[test]
fn mark_columns_in_the_original_move_the_mark() {
    let kb = [
        entry(
            "sast",
            "Do you use an automated source code analysis tool to detect security defects in code prior to production?",
            "Yes",
        ),
        entry("enc", "Do you encrypt customer data at rest?", "N/A"),
    ]
    .concat();
    let t = Test::new().file("kb/k.toml", &kb);
    caiq_v3_questionnaire(&t.path("caiq.xlsx"));
    // `-o draft.xlsx` names the output; with `--format original` it is the
    // questionnaire itself.
    let (t, r) = fill_with(
        t,
        "caiq.xlsx",
        "kb",
        &["--overwrite", "--format", "original"],
    );
    assert_eq!(r["original"]["how"], "patched", "{r}");
    let out = sheet::read(&t.path("draft.xlsx")).unwrap();
    let s = out.sheets.iter().find(|s| s.name == "CAIQ v3.0.1").unwrap();
    // AIS-01.2: the `x` moves from Not Applicable (H6) to Yes (F6).
    assert_eq!(s.get(5, 5).display(), "x");
    assert!(s.get(5, 6).is_empty() && s.get(5, 7).is_empty());
    // AIS-01.3: `N/A` is marked under Not Applicable (H7).
    assert_eq!(s.get(6, 7).display(), "x");
    assert!(s.get(6, 5).is_empty() && s.get(6, 6).is_empty());
    // No review columns, no Summary sheet: the customer's own file.
    assert_eq!(out.sheets.len(), 1);
    assert_eq!(s.width(), 10);
}

/// A buyer's own form: choices heading their own columns, no ID column,
/// and a request without a question mark.
#[test]
fn choices_as_column_headers_are_marks_and_short_requests_are_questions() {
    let kb = [
        entry("enc", "Do you encrypt customer data at rest?", "Yes"),
        entry("ir", "Describe your incident response process.", "No"),
    ]
    .concat();
    let t = Test::new().file("kb/k.toml", &kb);
    let form = table_workbook(&[
        &["Question Text", "Yes", "No", "N/A", "Comment"],
        &["Do you encrypt customer data at rest?"],
        &["Describe your incident response process."],
    ]);
    let t = t.file("form.xlsx", form);
    let (t, r) = fill_with(t, "form.xlsx", "kb", &["--format", "original"]);
    assert_eq!(r["summary"]["questions"], 2, "{r}");
    assert_eq!(r["sheets"][0]["answer_column"], "B", "{r}");
    assert_eq!(r["sheets"][0]["details_column"], "E", "{r}");
    let out = sheet::read(&t.path("draft.xlsx")).unwrap();
    let s = &out.sheets[0];
    assert_eq!(s.get(1, 1).display(), "x", "Yes");
    assert!(s.get(1, 2).is_empty() && s.get(1, 3).is_empty());
    assert_eq!(s.get(2, 2).display(), "x", "No");
    assert!(s.get(2, 1).is_empty() && s.get(2, 3).is_empty());
    assert_eq!(s.width(), 5, "no column added");
}

/// A dropdown's prompt (`-- Select --`) in the answer cell is no answer, and
/// no value to answer with.
#[test]
fn a_dropdown_prompt_is_not_an_answer() {
    let kb = entry("enc", "Do you encrypt customer data at rest?", "Yes");
    let t = Test::new().file("kb/k.toml", &kb);
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["ID", "Question", "Response"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "Q-1").unwrap();
    ws.write_string(1, 1, "Do you encrypt customer data at rest?")
        .unwrap();
    ws.write_string(1, 2, "-- Select --").unwrap();
    let dv = DataValidation::new()
        .allow_list_strings(&["-- Select --", "Yes", "No"])
        .unwrap();
    ws.add_data_validation(1, 2, 1, 2, &dv).unwrap();
    book.save(t.path("form.xlsx")).unwrap();
    let (t, r) = fill_with(t, "form.xlsx", "kb", &["--format", "original"]);
    let q = &r["questions"][0];
    assert_eq!(q["status"], "auto", "{q}");
    assert_eq!(strings(&q["allowed"]), ["Yes", "No"], "{q}");
    let out = sheet::read(&t.path("draft.xlsx")).unwrap();
    assert_eq!(out.sheets[0].get(1, 2).display(), "Yes");
}

/// `Compliant (Y/N)` is the answer column of a requirements list.
#[test]
fn a_header_that_takes_yes_or_no_is_the_answer_column() {
    let kb = entry("enc", "Do you encrypt customer data at rest?", "Yes");
    let t = Test::new().file("kb/k.toml", &kb);
    let reqs = table_workbook(&[
        &[
            "Req ID",
            "Requirement",
            "Compliant (Y/N)",
            "Supplier Explanation",
        ],
        &[
            "R-1",
            "The supplier shall encrypt all customer data at rest.",
        ],
    ]);
    let t = t.file("reqs.xlsx", reqs);
    let (_t, r) = fill(t, "reqs.xlsx", "kb");
    assert_eq!(r["sheets"][0]["answer_column"], "C", "{r}");
    assert_eq!(r["sheets"][0]["details_column"], "D", "{r}");
    let q = &r["questions"][0];
    assert_eq!(q["answer_cell"], "C2", "{r}");
    // No dropdown, but the header names the values.
    assert_eq!(strings(&q["allowed"]), ["Yes", "No"], "{q}");
    assert_eq!(q["allowed_only"], true, "{q}");
}

/// A header's `(Y/N)` holds like a dropdown: a fact answer goes to review.
#[test]
fn values_named_by_the_answer_header_hold_like_a_dropdown() {
    let kb = entry("enc", "Do you encrypt customer data at rest?", "AES-256");
    let t = Test::new().file("kb/k.toml", &kb);
    let form = table_workbook(&[
        &["Question", "Response (Yes/No/N/A)", "Comments"],
        &["Do you encrypt customer data at rest?"],
    ]);
    let t = t.file("form.xlsx", form);
    let (_t, r) = fill(t, "form.xlsx", "kb");
    let q = &r["questions"][0];
    assert_eq!(strings(&q["allowed"]), ["Yes", "No", "N/A"], "{q}");
    assert_eq!(q["status"], "review", "{q}");
    assert!(
        q["reasons"].to_string().contains("not one of the values"),
        "{q}"
    );
}

#[test]
fn csv_with_bom_no_header_section_rows_and_multiline_cells() {
    let Some(dir) = shared() else {
        return;
    };
    let name = "Intelligent Insights HECVAT Lite.csv";
    let t = Test::new().copy(&dir.join("instructure-filled").join(name), "ii.csv");
    let (_t, r) = fill(t, "ii.csv", &kb_arg());
    assert_eq!(r["sheets"][0]["header_row"], 1, "the first section row");
    // Rows are record numbers: 90 records on 166 lines, as cells span lines.
    let last = r["questions"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (last["ref"].as_str(), last["row"].as_u64()),
        (Some("HLTP-04"), Some(90))
    );
    assert_eq!(by_ref(&r, "COMP-07")["row"], 8);
    let first = by_ref(&r, "COMP-01");
    assert_eq!(first["row"], 2);
    assert!(
        first["answer"].as_str().unwrap().len() > 200,
        "the multi-line answer is read whole: {first}"
    );
}

/// A workbook of sheets named `names`, each with the same two questions.
fn workbook_of(path: &Path, sheets: &[(&str, bool)]) {
    let mut book = Workbook::new();
    for (name, very_hidden) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name).unwrap();
        for (c, h) in ["ID", "Question", "Answer"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, q) in [
            "Do you encrypt customer data at rest?",
            "Do you require MFA for administrators?",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(r as u32 + 1, 0, format!("S-{}", r + 1))
                .unwrap();
            ws.write_string(r as u32 + 1, 1, *q).unwrap();
        }
        if *very_hidden {
            ws.set_very_hidden(true);
        }
    }
    book.save(path).unwrap();
}

#[test]
fn requester_and_very_hidden_sheets_are_not_filled() {
    let t = Test::new();
    workbook_of(
        &t.path("q.xlsx"),
        &[
            ("Vendor Response", false),
            ("Analyst Evaluation", false),
            ("Summary Report", false),
            ("Backend", true),
        ],
    );
    let (_t, r) = fill(t, "q.xlsx", &kb_arg());
    let sheets = r["sheets"].as_array().unwrap();
    let roles: Vec<(&str, bool, Option<&str>)> = sheets
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["used"].as_bool().unwrap(),
                s["skipped"].as_str(),
            )
        })
        .collect();
    let requester = Some("for the requester (evaluation, scoring, report or crosswalk)");
    assert_eq!(
        roles,
        [
            ("Vendor Response", true, None),
            ("Analyst Evaluation", false, requester),
            ("Summary Report", false, requester),
            ("Backend", false, Some("hidden")),
        ]
    );
    assert_eq!(r["summary"]["questions"], 2);

    // A lone sheet named like a report is the questionnaire itself.
    let t = Test::new();
    workbook_of(&t.path("q.xlsx"), &[("Vendor Security Evaluation", false)]);
    let (_t, r) = fill(t, "q.xlsx", &kb_arg());
    assert_eq!(r["summary"]["questions"], 2);
}

/// A column of yes/no dropdowns beside the questions is the answer column
/// even with a blank header; a dropdown of other values (a scoping column)
/// is not.
#[test]
fn a_column_of_answer_dropdowns_is_the_answer_column_without_a_header() {
    let kb = [
        entry("enc", "Do you encrypt customer data at rest?", "Yes"),
        entry("mfa", "Do you enforce multi-factor authentication?", "Yes"),
    ]
    .concat();
    let t = Test::new().file("kb/k.toml", kb);
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("Security").unwrap();
    for (c, h) in ["ID", "Question", "", "Scope", "Comments"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, q) in [
        "Do you encrypt customer data at rest?",
        "Do you enforce multi-factor authentication?",
    ]
    .iter()
    .enumerate()
    {
        let r = r as u32 + 1;
        ws.write_string(r, 0, format!("Q-{r}")).unwrap();
        ws.write_string(r, 1, *q).unwrap();
        ws.write_string(r, 3, "Core").unwrap();
    }
    let answers = DataValidation::new()
        .allow_list_strings(&["Yes", "No", "N/A"])
        .unwrap();
    let scope = DataValidation::new()
        .allow_list_strings(&["Core", "Extended"])
        .unwrap();
    ws.add_data_validation(1, 2, 2, 2, &answers).unwrap();
    ws.add_data_validation(1, 3, 2, 3, &scope).unwrap();
    book.save(t.path("q.xlsx")).unwrap();
    let (_t, r) = fill(t, "q.xlsx", "kb");
    let sheet = &r["sheets"][0];
    assert_eq!(sheet["answer_column"], "C", "{sheet}");
    assert_eq!(sheet["details_column"], "E", "{sheet}");
    let enc = by_ref(&r, "Q-1");
    assert_eq!(enc["answer_cell"], "C2", "{enc}");
    assert_eq!(strings(&enc["allowed"]), ["Yes", "No", "N/A"]);

    // A yes/no dropdown headed as the buyer's (`In Scope`) is not the
    // answer column either.
    let t = Test::new().file(
        "kb/k.toml",
        entry("enc", "Do you encrypt customer data at rest?", "Yes"),
    );
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["ID", "Question", "In Scope?"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "Q-1").unwrap();
    ws.write_string(1, 1, "Do you encrypt customer data at rest?")
        .unwrap();
    ws.add_data_validation(1, 2, 1, 2, &answers).unwrap();
    book.save(t.path("q.xlsx")).unwrap();
    let (_t, r) = fill(t, "q.xlsx", "kb");
    assert_eq!(r["sheets"][0]["answer_column"], "D", "{}", r["sheets"]);

    // Only the scoping dropdown: the answers go to a column of their own.
    let t = Test::new().file(
        "kb/k.toml",
        entry("enc", "Do you encrypt customer data at rest?", "Yes"),
    );
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["ID", "Question", "Scope"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "Q-1").unwrap();
    ws.write_string(1, 1, "Do you encrypt customer data at rest?")
        .unwrap();
    ws.add_data_validation(1, 2, 1, 2, &scope).unwrap();
    book.save(t.path("q.xlsx")).unwrap();
    let (_t, r) = fill(t, "q.xlsx", "kb");
    assert_eq!(r["sheets"][0]["answer_column"], "D", "{}", r["sheets"]);
}

/// `Response | Response Details`: the short answer and its narrative; a
/// lone `Detailed Response` takes the answer whole; the buyer's `Preferred
/// Answer` is never written over.
#[test]
fn narrative_and_expected_answer_headers() {
    let kb = entry("enc", "Do you encrypt customer data at rest?", "Yes");
    let q = "Do you encrypt customer data at rest?";
    for (header, answer, details) in [
        (
            &["ID", "Question", "Response", "Response Details"][..],
            "C",
            "D",
        ),
        (&["ID", "Question", "Detailed Response"][..], "C", "D"),
        (
            &[
                "ID",
                "Question",
                "Preferred Answer",
                "Vendor Answer",
                "Notes",
            ][..],
            "D",
            "E",
        ),
    ] {
        let mut row = vec!["Q-1", q];
        row.resize(header.len(), "");
        let t = Test::new()
            .file("kb/k.toml", &kb)
            .file("q.xlsx", table_workbook(&[header, &row]));
        let (_t, r) = fill(t, "q.xlsx", "kb");
        let sheet = &r["sheets"][0];
        assert_eq!(sheet["answer_column"], answer, "{header:?}: {sheet}");
        assert_eq!(sheet["details_column"], details, "{header:?}: {sheet}");
    }
}

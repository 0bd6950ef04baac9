//! The real questionnaires in `../shared/questionnaires/` (see its SOURCES.md).

use serde_json::Value;

use crate::support::{Test, repo, report, shared};

/// Fills `rel` (a path below the shared folder) and returns the report.
fn fill(rel: &str) -> Option<Value> {
    let dir = shared()?;
    let t = Test::new().args([
        "fill",
        dir.join(rel).to_str().unwrap(),
        "--kb",
        repo().join("knowledge_base").to_str().unwrap(),
        "--out-dir",
        "out",
        "--report",
        "out/report.json",
    ]);
    t.run().expect(0);
    let r = report(&t.path("out/report.json"));
    assert!(std::fs::read_dir(t.path("out")).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".draft.xlsx")
    }));
    Some(r)
}

fn question<'a>(r: &'a Value, sheet: &str, reference: &str) -> &'a Value {
    r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["sheet"] == sheet && q["ref"] == reference)
        .unwrap_or_else(|| panic!("no {reference} on {sheet}"))
}

fn count_on(r: &Value, sheet: &str) -> usize {
    r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["sheet"] == sheet)
        .count()
}

#[test]
fn hecvat_4_answer_sheets_only() {
    let Some(r) = fill("educause-hecvat-v4/HECVAT414.xlsx") else {
        return;
    };
    // ID rows per answer sheet, less the GNRL rows whose answers are formulas
    // copying START HERE (not to be filled twice).
    let expected = [
        ("START HERE", 22),
        ("Organization", 43),
        ("Product", 41),
        ("Infrastructure", 51),
        ("IT Accessibility", 18),
        ("Case-Specific", 60),
        ("AI", 31),
        ("Privacy", 65),
    ];
    for (sheet, n) in expected {
        assert_eq!(count_on(&r, sheet), n, "{sheet}");
    }
    assert_eq!(r["summary"]["questions"], 331);
    for sheet in [
        "Institution Evaluation",
        "High-Risk Evaluation",
        "Privacy Analyst Evaluation",
        "Analyst Reference",
        "Questions",
        "Auto Responses",
    ] {
        assert_eq!(count_on(&r, sheet), 0, "{sheet} is not a questionnaire");
    }
    let q = question(&r, "START HERE", "GNRL-01");
    assert_eq!(
        (q["row"].as_u64(), q["question"].as_str()),
        (Some(13), Some("Solution Provider Name"))
    );
    assert_eq!(
        (q["question_cell"].as_str(), q["answer_cell"].as_str()),
        (Some("B13"), Some("C13"))
    );
    // Question text held in VLOOKUP formulas: the cached value is read.
    let q = question(&r, "Organization", "DOCU-01");
    assert_eq!(q["row"], 22);
    assert!(
        q["question"]
            .as_str()
            .unwrap()
            .starts_with("Do you have a well-documented"),
        "{q}"
    );
    assert_eq!(q["details_cell"], "D22");
    assert!(
        r["questions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["sheet"] == "START HERE" || !q["ref"].as_str().unwrap().starts_with("GNRL"))
    );
}

#[test]
fn instructure_caiq_is_fully_answered() {
    let Some(r) = fill("instructure-filled/Instructure CAIQ.xlsx") else {
        return;
    };
    assert_eq!(r["summary"]["questions"], 261);
    assert_eq!(r["summary"]["answered"], 261);
    let first = &r["questions"][0];
    assert_eq!(first["sheet"], "CAIQv4.0.3");
    assert_eq!(first["ref"], "A&A-01.1");
    assert_eq!(
        (first["row"].as_u64(), first["answer_cell"].as_str()),
        (Some(3), Some("C3"))
    );
    assert_eq!(first["details_cell"], "E3");
    assert!(
        first["question"]
            .as_str()
            .unwrap()
            .starts_with("Are audit and assurance policies")
    );
    let last = r["questions"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (last["ref"].as_str(), last["row"].as_u64()),
        (Some("UEM-14.1"), Some(263))
    );
    let no = r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["answer"] == "No")
        .count();
    assert_eq!(no, 2);
    assert_eq!(r["sheets"][0]["name"], "Introduction");
    assert_eq!(r["sheets"][0]["used"], false);
}

#[test]
fn intelligent_insights_csv_with_section_rows() {
    let Some(r) = fill("instructure-filled/Intelligent Insights HECVAT Lite.csv") else {
        return;
    };
    assert_eq!(r["summary"]["questions"], 78);
    assert_eq!(
        r["summary"]["answered"], 77,
        "HLSY-02 is the one blank answer"
    );
    let q = &r["questions"][0];
    assert_eq!(
        (
            q["ref"].as_str(),
            q["row"].as_u64(),
            q["answer_cell"].as_str()
        ),
        (Some("COMP-01"), Some(2), Some("C2"))
    );
    assert_eq!(q["sheet"], "Intelligent Insights HECVAT Lite.csv");
    let blank = question(&r, "Intelligent Insights HECVAT Lite.csv", "HLSY-02");
    assert_ne!(blank["status"], "answered");
    let text: String = r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["question"].as_str().unwrap())
        .collect();
    assert!(
        !text.contains('\u{feff}') && !text.contains('\u{a0}'),
        "invisible characters are cleaned"
    );
}

#[test]
fn vsaq_question_lists() {
    for (file, n) in [
        ("infrastructure", 95),
        ("physical_and_datacenter", 29),
        ("security_privacy_programs", 45),
        ("webapp", 73),
    ] {
        let Some(r) = fill(&format!("google-vsaq/{file}.questions.csv")) else {
            return;
        };
        assert_eq!(r["summary"]["questions"], n, "{file}");
        assert_eq!(r["summary"]["answered"], 0, "{file}");
        assert!(
            r["questions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|q| q["answer_cell"].as_str().unwrap().starts_with('D')),
            "{file}: new answer column D"
        );
    }
    let Some(r) = fill("google-vsaq/webapp.questions.csv") else {
        return;
    };
    let q = question(&r, "webapp.questions.csv", "application_name");
    assert_eq!(
        (q["row"].as_u64(), q["question"].as_str()),
        (Some(2), Some("The name of the application:"))
    );
}

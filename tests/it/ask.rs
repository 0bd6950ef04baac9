use crate::support::{Test, repo};

fn kb() -> String {
    repo().join("knowledge_base").display().to_string()
}

/// `vetted ask QUESTION --json` against the bundled KB.
fn ask_json(question: &str) -> serde_json::Value {
    let run = Test::new()
        .args(["ask", question, "--kb", &kb(), "--json"])
        .run()
        .expect(0);
    serde_json::from_str(&run.stdout()).expect("JSON on stdout")
}

#[test]
fn ask_finds_the_entry_for_a_paraphrase_with_acronyms() {
    let json = ask_json("Is 2FA enforced for all employees?");
    let first = &json["candidates"][0];
    assert_eq!(first["entry"], "iam-mfa-workforce", "{json:#}");
    assert!(first["score"].as_f64().unwrap() > 0.5);
    assert!(json["candidates"].as_array().unwrap().len() <= 5);
}

#[test]
fn ask_prints_candidates_as_text() {
    let run = Test::new()
        .args([
            "ask",
            "Do you have a SOC 2 Type II report?",
            "--kb",
            &kb(),
            "-n",
            "2",
        ])
        .run()
        .expect(0);
    let out = run.stdout();
    assert!(out.starts_with("status: "), "{out}");
    assert!(
        out.contains("1. ") && out.contains("2. ") && !out.contains("3. "),
        "{out}"
    );
    assert!(out.contains("compliance-soc2"), "{out}");
}

#[test]
fn unrelated_questions_are_unmatched() {
    let json = ask_json("What colour is the lobby carpet in your Zurich office?");
    assert_eq!(json["status"], "unmatched", "{json:#}");
}

#[test]
fn bad_thresholds_are_usage_errors() {
    let run = Test::new()
        .args(["ask", "x", "--kb", &kb(), "--auto-threshold", "1.5"])
        .run()
        .expect(2);
    assert!(
        run.stderr().contains("not between 0 and 1"),
        "{}",
        run.stderr()
    );
    Test::new()
        .args([
            "ask",
            "x",
            "--kb",
            &kb(),
            "--auto-threshold",
            "0.5",
            "--review-threshold",
            "0.7",
        ])
        .run()
        .expect(2);
}

#[test]
fn a_blank_question_is_a_usage_error() {
    let kb = repo().join("knowledge_base");
    let run = Test::new()
        .args(["ask", "  ", "--kb", kb.to_str().unwrap()])
        .run()
        .expect(2);
    assert!(
        run.stderr().contains("the question is empty"),
        "{}",
        run.stderr()
    );
}

#[test]
fn quiet_hides_the_model_notice_and_its_hint() {
    let kb = repo().join("knowledge_base");
    let run = Test::new()
        .args([
            "-q",
            "ask",
            "Do you encrypt data at rest?",
            "--kb",
            kb.to_str().unwrap(),
        ])
        .run()
        .expect(0);
    assert_eq!(run.stderr(), "");
    assert!(!run.stdout().is_empty());
}

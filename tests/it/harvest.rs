//! `vetted kb import`: answers already given become proposed entries.

use std::path::Path;

use crate::support::{Test, entry, inbox_file, report, shared, table_workbook};

fn toml(path: &Path) -> toml::Value {
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A filled questionnaire: choices spelled the form's way, a question asked
/// twice in other words, one asked twice with other answers, a details
/// column, an unanswered row.
fn answered_form() -> Vec<u8> {
    table_workbook(&[
        &["ID", "Question", "Answer", "Comments"],
        &[
            "1",
            "Do you encrypt customer data at rest?",
            "Y",
            "AES-256 on every volume.",
        ],
        &["2", "Do you enforce MFA for all employees?", "Y", ""],
        &[
            "3",
            "How often are backups tested?",
            "Quarterly",
            "Restore drills.",
        ],
        &["4", "How often are back-ups tested?", "Quarterly", ""],
        &["5", "Do you have a bug bounty program?", "N", ""],
        &["6", "Do you have a bug bounty program?", "Y", "Since 2025."],
        &["7", "Do you store payment card data?", "Not Applicable", ""],
        &["8", "Do you support SAML single sign-on?", "", ""],
    ])
}

#[test]
fn answered_questions_become_proposals_next_to_what_the_kb_knows() {
    let kb = [
        // Known: same wording, same answer.
        entry("enc", "Do you encrypt customer data at rest?", "Yes"),
        // Same wording, another answer: a proposal that would change it.
        entry("mfa", "Do you enforce MFA for all employees?", "No"),
    ]
    .concat()
    .replace(
        "id = \"mfa\"",
        "id = \"mfa\"\ntags = [\"iam\"]\nowner = \"sec@example.com\"",
    );
    let t = Test::new()
        .file("kb/k.toml", &kb)
        .file("form.xlsx", answered_form())
        .args(["kb", "import", "form.xlsx", "--kb", "kb", "--lexical"]);

    // A dry run says what it would do and writes nothing.
    let dry = t.again([
        "kb",
        "import",
        "form.xlsx",
        "--kb",
        "kb",
        "--lexical",
        "--dry-run",
    ]);
    let dry = dry.expect(0);
    assert!(dry.stdout().contains("would propose `"), "{}", dry.stdout());
    assert!(
        dry.stderr()
            .contains("5 entries would be proposed in `kb/_inbox/"),
        "{}",
        dry.stderr()
    );
    assert!(!t.path("kb/_inbox").exists());

    let run = t.run().expect(0);
    let err = run.stderr();
    assert!(
        err.contains("`form.xlsx`: 7 of 8 questions answered"),
        "{err}"
    );
    assert!(
        err.contains(
            "7 answered questions: 5 entries proposed in `kb/_inbox/"
        ) && err.contains(
            "1 already in the knowledge base, 0 already proposed, 1 folded into another's proposal; 2 proposals were answered differently elsewhere in the import"
        ),
        "{err}"
    );
    let file = inbox_file(&t.path("kb"));
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.ends_with("-import-form.toml"), "{name}");
    let text = std::fs::read_to_string(&file).unwrap();
    let doc = toml(&file);
    let entries = doc["entry"].as_array().unwrap();
    let by_q = |q: &str| {
        entries
            .iter()
            .find(|e| e["question"].as_str() == Some(q))
            .unwrap_or_else(|| panic!("no proposal for {q}: {text}"))
    };
    // Based on the entry it would change: its tags and owner, and a note.
    let mfa = by_q("Do you enforce MFA for all employees?");
    assert_eq!(mfa["id"].as_str(), Some("mfa-imported"));
    assert_eq!(
        mfa["answer"].as_str(),
        Some("Yes"),
        "`Y` spelled the KB's way"
    );
    assert_eq!(mfa["owner"].as_str(), Some("sec@example.com"));
    assert!(
        text.contains(
            "# Entry `mfa` asks this and answers `No`: approving this changes that entry."
        ),
        "{text}"
    );
    // Asked twice: one proposal, the other wording an alternate, the longer
    // details kept, both rows named.
    let backups = by_q("How often are backups tested?");
    assert_eq!(backups["id"].as_str(), Some("often-backups-tested"));
    assert_eq!(
        backups["alternates"].as_array().unwrap()[0].as_str(),
        Some("How often are back-ups tested?")
    );
    assert_eq!(backups["details"].as_str(), Some("Restore drills."));
    assert!(
        text.contains(
            "# From `form.xlsx`, sheet `Sheet1`, row 4; `form.xlsx`, sheet `Sheet1`, row 5."
        ),
        "{text}"
    );
    // Answered two ways: two proposals, each naming the other.
    let bounty: Vec<_> = entries
        .iter()
        .filter(|e| e["question"].as_str() == Some("Do you have a bug bounty program?"))
        .collect();
    assert_eq!(bounty.len(), 2, "{text}");
    assert!(
        text.contains(
            "# Answered `Yes` in `form.xlsx`, sheet `Sheet1`, row 7: decide which holds."
        )
    );
    assert!(
        text.contains("# Answered `No` in `form.xlsx`, sheet `Sheet1`, row 6: decide which holds.")
    );
    assert_eq!(
        by_q("Do you store payment card data?")["answer"].as_str(),
        Some("N/A")
    );
    assert!(
        entries
            .iter()
            .all(|e| e["question"].as_str() != Some("Do you support SAML single sign-on?")),
        "an unanswered question is not proposed"
    );
    // The proposals are proposals: `kb check` lists them, the matcher
    // ignores them.
    let check = t.again(["kb", "check", "--kb", "kb"]).expect(0);
    assert!(
        check
            .stderr()
            .contains("proposed entry `often-backups-tested` awaits approval"),
        "{}",
        check.stderr()
    );
    // Importing again proposes nothing new.
    let again = t.run().expect(0);
    assert!(
        again
            .stderr()
            .contains("0 entries proposed, 1 already in the knowledge base, 6 already proposed"),
        "{}",
        again.stderr()
    );
    assert_eq!(inbox_file(&t.path("kb")), file);
}

#[test]
fn a_company_without_a_kb_starts_one_and_a_file_that_does_not_read_writes_nothing() {
    let t = Test::new()
        .file("form.xlsx", answered_form())
        .file("broken.xlsx", b"PK\x03\x04 not really a workbook")
        .args(["kb", "import", "form.xlsx", "broken.xlsx", "--kb", "new-kb"]);
    let run = t.run().expect(1);
    assert!(
        run.stderr()
            .contains("nothing imported: 1 of 2 files could not be read"),
        "{}",
        run.stderr()
    );
    assert!(!t.path("new-kb/_inbox").exists(), "nothing written");

    let bad = t.again([
        "kb",
        "import",
        "form.xlsx",
        "--kb",
        "new-kb",
        "--review-by",
        "soon",
    ]);
    assert!(
        bad.expect(2)
            .stderr()
            .contains("`soon` is not a date (YYYY-MM-DD)"),
        "a usage error"
    );
    let past = t.again([
        "kb",
        "import",
        "form.xlsx",
        "--kb",
        "new-kb",
        "--review-by",
        "2026-01-01",
    ]);
    assert!(
        past.expect(2)
            .stderr()
            .contains("--review-by 2026-01-01 is not after today (2026-11-23)"),
        "a review date in the past"
    );
    let run = t
        .again([
            "kb",
            "import",
            "form.xlsx",
            "--kb",
            "new-kb",
            "--owner",
            "trust@example.com",
            "--review-by",
            "2027-03-01",
        ])
        .expect(0);
    assert!(
        run.stderr()
            .contains("created the knowledge base folder `new-kb`"),
        "{}",
        run.stderr()
    );
    // Every proposal carries the owner and review date given.
    let file = inbox_file(&t.path("new-kb"));
    for e in toml(&file)["entry"].as_array().unwrap() {
        assert_eq!(e["owner"].as_str(), Some("trust@example.com"), "{e}");
        assert_eq!(e["review_by"].to_string(), "2027-03-01", "{e}");
    }
    // Only proposals yet: no KB to match with, and `kb check` says why.
    let check = t.again(["kb", "check", "--kb", "new-kb"]).expect(1);
    assert!(
        check
            .stderr()
            .contains("hint: 6 proposed entries await approval in `_inbox/`"),
        "{}",
        check.stderr()
    );
}

/// The real thing: a vendor's filled CAIQ becomes a KB that, once
/// approved, answers the same questionnaire with the vendor's own answers.
#[test]
fn a_filled_caiq_becomes_a_kb_that_answers_it_again() {
    let Some(dir) = shared() else { return };
    let caiq = dir.join("instructure-filled/Instructure CAIQ.xlsx");
    let caiq = caiq.to_str().unwrap();
    let t = Test::new()
        .env("VETTED_TODAY", "2026-11-23")
        .args(["kb", "import", caiq, "--kb", "kb"]);
    let run = t.run().expect(0);
    assert!(
        run.stderr().contains("261 of 261 questions answered"),
        "{}",
        run.stderr()
    );
    let file = inbox_file(&t.path("kb"));
    let proposals = toml(&file)["entry"].as_array().unwrap().len();
    assert!(proposals > 250, "{proposals}");
    // The security team approves the file as it is.
    std::fs::rename(&file, t.path("kb/caiq.toml")).unwrap();
    t.again(["kb", "check", "--kb", "kb"]).expect(0);
    // The answers in the file, as a fill that keeps them reports them.
    t.again([
        "fill",
        caiq,
        "--kb",
        "kb",
        "--lexical",
        "-o",
        "kept.xlsx",
        "--report",
        "kept.json",
    ])
    .expect(0);
    let kept = report(&t.path("kept.json"));
    t.again([
        "fill",
        caiq,
        "--kb",
        "kb",
        "--lexical",
        "--overwrite",
        "-o",
        "again.xlsx",
        "--report",
        "again.json",
    ])
    .expect(0);
    let again = report(&t.path("again.json"));
    let (kept, again) = (
        kept["questions"].as_array().unwrap(),
        again["questions"].as_array().unwrap(),
    );
    assert_eq!(kept.len(), 261);
    let spell = |a: &str| match a.trim().to_lowercase().as_str() {
        "y" | "yes" => "Yes".to_owned(),
        "n" | "no" => "No".to_owned(),
        "na" | "n/a" | "not applicable" => "N/A".to_owned(),
        _ => a.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    for (k, a) in kept.iter().zip(again) {
        assert_eq!(a["status"], "auto", "{a}");
        assert_eq!(
            spell(a["answer"].as_str().unwrap()),
            spell(k["answer"].as_str().unwrap()),
            "row {}",
            k["row"]
        );
    }
    // Importing it again finds it all known.
    let run = t.run().expect(0);
    assert!(
        run.stderr()
            .contains("0 entries proposed, 261 already in the knowledge base"),
        "{}",
        run.stderr()
    );
}

/// A form answered with marks (`x` under `Yes | No | Not Applicable`)
/// gives the marked choice.
#[test]
fn marked_choices_are_the_answers() {
    let form = table_workbook(&[
        &["Question ID", "Question", "Answer", "", "", "Notes"],
        &["", "", "Yes", "No", "Not Applicable", ""],
        &[
            "A-1",
            "Do you use automated code analysis?",
            "x",
            "",
            "",
            "On every merge.",
        ],
        &["A-2", "Do you use manual code review?", "", "x", "", ""],
        &["A-3", "Do you sign mobile app builds?", "", "", "x", ""],
        &["A-4", "Do you scan containers?", "", "", "", ""],
    ]);
    let t = Test::new()
        .file("form.xlsx", form)
        .args(["kb", "import", "form.xlsx", "--kb", "kb"]);
    let run = t.run().expect(0);
    assert!(
        run.stderr().contains("3 of 4 questions answered"),
        "{}",
        run.stderr()
    );
    let doc = toml(&inbox_file(&t.path("kb")));
    let got: Vec<(&str, &str, Option<&str>)> = doc["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["question"].as_str().unwrap(),
                e["answer"].as_str().unwrap(),
                e.get("details").and_then(|d| d.as_str()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "Do you use automated code analysis?",
                "Yes",
                Some("On every merge.")
            ),
            ("Do you use manual code review?", "No", None),
            ("Do you sign mobile app builds?", "N/A", None),
        ]
    );
}

use std::path::Path;

use vetted::sheet::{self, Value};

use crate::support::{Test, cell, entry, repo, report};

fn kb_arg() -> String {
    repo().join("knowledge_base").display().to_string()
}

fn draft_sheet<'a>(wb: &'a sheet::Workbook, name: &str) -> &'a sheet::Sheet {
    wb.sheets
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no sheet `{name}`"))
}

#[test]
fn sample_workbook_draft_and_report_follow_the_contract() {
    let t = Test::new()
        .copy(
            &repo().join("samples/northwind-vendor-assessment.xlsx"),
            "in/northwind.xlsx",
        )
        .args(["fill", "in/northwind.xlsx", "--kb", &kb_arg()]);
    let run = t.run().expect(0);
    assert!(run.stderr().contains("66 questions"), "{}", run.stderr());

    let r = report(&t.path("in/northwind.report.json"));
    assert_eq!(r["version"], 1);
    assert!(r["kb"]["entries"].as_u64().unwrap() >= 60);
    let qs = r["questions"].as_array().unwrap();
    assert_eq!(qs.len(), 66);
    let s = &r["summary"];
    let total: u64 = ["auto", "review", "unmatched", "answered"]
        .iter()
        .map(|k| s[k].as_u64().unwrap())
        .sum();
    assert_eq!(total, 66);
    assert_eq!(s["answered"], 3, "three answers were already in the file");

    // Sheet roles: instructions, scoring and the hidden list are not questionnaires.
    let used: Vec<&str> = r["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["used"] == true)
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(used, ["Security", "Privacy & AI"]);
    let hidden = r["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Lists")
        .unwrap();
    assert_eq!(hidden["skipped"], "hidden");

    // Spot checks of one question.
    let q = qs.iter().find(|q| q["ref"] == "SEC-1.1").expect("SEC-1.1");
    assert_eq!(q["sheet"], "Security");
    assert_eq!(q["question_cell"], format!("B{}", q["row"]));
    assert_eq!(q["answer_cell"], format!("C{}", q["row"]));
    for q in qs {
        for key in [
            "sheet",
            "row",
            "ref",
            "question",
            "question_cell",
            "answer_cell",
            "status",
            "entry",
            "score",
            "answer",
            "details",
            "evidence",
            "candidates",
        ] {
            assert!(q.get(key).is_some(), "question lacks `{key}`: {q}");
        }
        assert!(q["candidates"].as_array().unwrap().len() <= 3);
        match q["status"].as_str().unwrap() {
            "auto" | "review" => assert!(q["entry"].is_string() && q["answer"].is_string(), "{q}"),
            "unmatched" => assert!(q["entry"].is_null() && q["answer"].is_null(), "{q}"),
            "answered" => assert!(q["entry"].is_null() && q["answer"].is_string(), "{q}"),
            other => panic!("status {other}"),
        }
    }

    // The draft: Summary first, the input's sheets with their values, answers
    // in the reported cells, existing answers untouched.
    let input = sheet::read(&repo().join("samples/northwind-vendor-assessment.xlsx")).unwrap();
    let draft = sheet::read(&t.path("in/northwind.draft.xlsx")).unwrap();
    let names: Vec<&str> = draft.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names[0], "Summary");
    // Last, the hidden sheets holding the answer cells' dropdown lists and
    // the map `kb learn` reads back.
    assert_eq!(&names[names.len() - 2..], ["vetted lists", "vetted map"]);
    assert_eq!(
        &names[1..names.len() - 2],
        input
            .sheets
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
    );
    assert!(!draft_sheet(&draft, "Lists").visible);
    let (ins, outs) = (
        draft_sheet(&input, "Security"),
        draft_sheet(&draft, "Security"),
    );
    for q in qs.iter().filter(|q| q["sheet"] == "Security") {
        let (row, col) = cell(q["answer_cell"].as_str().unwrap());
        let got = outs.get(row, col).display();
        match q["status"].as_str().unwrap() {
            "auto" | "review" => assert_eq!(got, q["answer"].as_str().unwrap()),
            "answered" => assert_eq!(got, ins.get(row, col).display()),
            _ => assert_eq!(got, ""),
        }
        let (qr, qc) = cell(q["question_cell"].as_str().unwrap());
        assert_eq!(outs.get(qr, qc), ins.get(qr, qc));
    }
    // Review columns beside the used ones, on the header row.
    let header: Vec<String> = outs.row(7).iter().map(Value::display).collect();
    let pos = header
        .iter()
        .position(|h| h == "Status")
        .expect("Status column");
    assert_eq!(
        &header[pos..pos + 4],
        ["Status", "Confidence", "KB entry", "Evidence"]
    );
    assert!(pos as u32 >= ins.width());
    // Every non-question cell of every sheet is unchanged.
    for s in &input.sheets {
        let o = draft_sheet(&draft, &s.name);
        for r in 0..s.height() {
            for c in 0..s.width() {
                let is_answer = qs.iter().any(|q| {
                    q["sheet"] == s.name.as_str()
                        && (q["answer_cell"] == sheet::cell_ref(r, c)
                            || q["details_cell"] == sheet::cell_ref(r, c))
                });
                if !is_answer {
                    assert_eq!(
                        o.get(r, c),
                        s.get(r, c),
                        "{}!{}",
                        s.name,
                        sheet::cell_ref(r, c)
                    );
                }
            }
        }
    }
}

#[test]
fn csv_without_answer_column_gets_one_and_multiline_cells_survive() {
    let t = Test::new()
        .file(
            "q.csv",
            "\u{feff}id,section,question\nmfa,Access,\"Is multi-factor authentication required\nfor all staff?\"\n\
             colour,Misc,What colour is the carpet in your Zurich lobby?\n",
        )
        .args(["fill", "q.csv", "--kb", &kb_arg(), "--report", "r.json", "-o", "d.xlsx"]);
    t.run().expect(0);
    let r = report(&t.path("r.json"));
    let qs = r["questions"].as_array().unwrap();
    assert_eq!(qs.len(), 2);
    assert_eq!(qs[0]["sheet"], "q.csv");
    assert_eq!(qs[0]["row"], 2);
    assert_eq!(qs[0]["ref"], "mfa");
    assert_eq!(
        qs[0]["question"],
        "Is multi-factor authentication required\nfor all staff?"
    );
    assert_eq!(
        qs[0]["answer_cell"], "D2",
        "a new answer column right of the used ones"
    );
    assert_eq!(qs[0]["entry"], "iam-mfa-workforce");
    assert_eq!(qs[1]["status"], "unmatched");
    let draft = sheet::read(&t.path("d.xlsx")).unwrap();
    let s = draft_sheet(&draft, "q.csv");
    assert_eq!(s.get(0, 3).display(), "Answer");
    assert_eq!(s.get(1, 3).display(), qs[0]["answer"].as_str().unwrap());

    // A list of one question under a lone `question` header reads, and one
    // question is one question.
    let one = Test::new()
        .file(
            "one.csv",
            "question
Do you encrypt data at rest?
",
        )
        .args(["fill", "one.csv", "--kb", &kb_arg(), "--lexical"]);
    let run = one.run().expect(0);
    assert!(
        run.stderr().contains("`one.csv`: 1 question: "),
        "{}",
        run.stderr()
    );
}

#[test]
fn stale_entries_are_never_auto() {
    let kb = "[[entry]]\nid = \"keys\"\nquestion = \"Do you rotate encryption keys every year?\"\nanswer = \"Yes\"\n\
              reviewed = 2024-01-01\nreview_by = 2025-01-01\n";
    let fill_on = |today: &str| {
        let t = Test::new()
            .file("kb/k.toml", kb)
            .file(
                "kb/other.toml",
                entry("mfa", "Do you require MFA for staff?", "Yes"),
            )
            .file(
                "q.csv",
                "ID,Question,Answer\n1,Do you rotate encryption keys every year?,\n",
            )
            .env("VETTED_TODAY", today)
            .args(["fill", "q.csv", "--kb", "kb"]);
        t.run().expect(0);
        report(&t.path("q.report.json"))["questions"][0].clone()
    };
    let q = fill_on("2026-11-23");
    assert!(q["score"].as_f64().unwrap() > 0.95, "verbatim match: {q}");
    assert_eq!(q["status"], "review");
    assert!(
        q["reasons"][0]
            .as_str()
            .unwrap()
            .contains("past its review date"),
        "{q}"
    );
    // The same entry before its review date is auto.
    assert_eq!(fill_on("2024-06-01")["status"], "auto");
}

#[test]
fn a_wording_asked_in_several_places_is_not_auto() {
    // CAIQ asks its review question after each domain's policy question: the
    // wording alone does not say which policies, and the KB's answer is on
    // one domain's.
    let review = "Are the policies and procedures reviewed and updated at least annually?";
    let fill_with = |rows: &[&str]| {
        let mut csv = String::from("ID,Question,Answer\n");
        for (i, q) in rows.iter().enumerate() {
            csv.push_str(&format!("{},{q},\n", i + 1));
        }
        let t = Test::new()
            .file(
                "kb/k.toml",
                entry(
                    "bcp-review",
                    "Are the business continuity policies and procedures reviewed and updated at least annually?",
                    "Yes",
                ),
            )
            .file(
                "kb/other.toml",
                entry("mfa", "Do you require MFA for staff?", "Yes"),
            )
            .file("q.csv", &csv)
            .args(["fill", "q.csv", "--kb", "kb", "--lexical"]);
        t.run().expect(0);
        report(&t.path("q.report.json"))["questions"].clone()
    };
    let continuity = "Are business continuity policies established and documented?";
    let change = "Are change management policies established and documented?";
    // Asked once, the entry answers it.
    let once = fill_with(&[continuity, review]);
    assert_eq!(once[1]["entry"], "bcp-review", "{once}");
    assert_eq!(once[1]["status"], "auto", "{once}");
    // Asked after two questions, neither copy is auto, and the report says why.
    let twice = fill_with(&[continuity, review, change, review]);
    for q in [&twice[1], &twice[3]] {
        assert_eq!(q["entry"], "bcp-review", "{q}");
        assert_eq!(q["status"], "review", "{q}");
        let reasons = q["reasons"].to_string();
        assert!(
            reasons.contains("asks this wording 2 times, after different questions"),
            "{reasons}"
        );
    }
    // Asked twice in one place (a repeated row), it is one question.
    let repeated = fill_with(&[continuity, review, review]);
    assert_eq!(repeated[2]["status"], "auto", "{repeated}");
    // A wording that says all the entry says names its subject: asked in two
    // places, it is the same question twice.
    let whole = "Are the business continuity policies and procedures all reviewed and updated at least annually?";
    let named = fill_with(&[continuity, whole, change, whole]);
    for q in [&named[1], &named[3]] {
        assert_eq!(q["entry"], "bcp-review", "{q}");
        assert_eq!(q["status"], "auto", "{q}");
    }
}

#[test]
fn kb_text_is_written_as_text_never_as_a_formula() {
    let kb = "[[entry]]\nid = \"f\"\nquestion = \"Do you support data export?\"\nanswer = \"=HYPERLINK(\\\"http://evil.example\\\")\"\n\
              details = \"+cmd|' /C calc'!A0\"\n";
    let t = Test::new()
        .file("kb/k.toml", kb)
        .file("q.csv", "ID,Question,Answer,Comments\n1,Do you support data export?,,\n2,=1+1 is this a formula?,,\n")
        .args(["fill", "q.csv", "--kb", "kb", "-o", "d.xlsx"]);
    t.run().expect(0);
    let draft = sheet::read(&t.path("d.xlsx")).unwrap();
    let s = draft_sheet(&draft, "q.csv");
    assert_eq!(
        s.get(1, 2),
        &Value::Text("=HYPERLINK(\"http://evil.example\")".into())
    );
    assert_eq!(s.get(1, 3), &Value::Text("+cmd|' /C calc'!A0".into()));
    assert_eq!(s.get(2, 1), &Value::Text("=1+1 is this a formula?".into()));
    for r in 0..s.height() {
        for c in 0..s.width() {
            assert!(!s.is_formula(r, c), "formula at {}", sheet::cell_ref(r, c));
        }
    }
}

#[test]
fn existing_answers_are_kept_unless_overwrite() {
    let base = || {
        Test::new()
            .file(
                "kb/k.toml",
                entry("mfa", "Do you require MFA for all staff?", "Yes"),
            )
            .file(
                "q.csv",
                "ID,Question,Answer\n1,Do you require MFA for all staff?,Partly\n",
            )
    };
    let t = base().args(["fill", "q.csv", "--kb", "kb", "-o", "d.xlsx"]);
    t.run().expect(0);
    let q = &report(&t.path("q.report.json"))["questions"][0];
    assert_eq!(q["status"], "answered");
    assert_eq!(q["answer"], "Partly");
    assert_eq!(
        q["candidates"][0]["entry"], "mfa",
        "the suggestion is still reported"
    );
    assert_eq!(
        draft_sheet(&sheet::read(&t.path("d.xlsx")).unwrap(), "q.csv")
            .get(1, 2)
            .display(),
        "Partly"
    );

    let t = base().args(["fill", "q.csv", "--kb", "kb", "-o", "d.xlsx", "--overwrite"]);
    t.run().expect(0);
    assert_eq!(
        report(&t.path("q.report.json"))["questions"][0]["status"],
        "auto"
    );
    assert_eq!(
        draft_sheet(&sheet::read(&t.path("d.xlsx")).unwrap(), "q.csv")
            .get(1, 2)
            .display(),
        "Yes"
    );
}

/// An answer drafted over (`--overwrite`) takes its details cell too: the
/// old narrative does not stay beside the new answer. A note beside an
/// empty answer is not an answer's, and stays.
#[test]
fn overwriting_an_answer_replaces_its_details() {
    let kb = format!(
        "{}details = \"Okta enforces FIDO2 keys for every employee.\"\n",
        entry("mfa", "Do you require MFA for all staff?", "Yes")
    )
    .replace("answer = \"Yes\"\n\n", "answer = \"Yes\"\n");
    let csv = "ID,Question,Answer,Comments\n\
               1,Do you require MFA for all staff?,Partly,Only admins for now\n\
               2,Is MFA required for all staff?,,Ask IT\n";
    for format in ["draft", "original"] {
        let out = if format == "draft" { "d.xlsx" } else { "o.csv" };
        let t = Test::new()
            .file("kb/k.toml", &kb)
            .file("q.csv", csv)
            .args(["fill", "q.csv", "--kb", "kb", "--lexical", "--overwrite"])
            .args(["--format", format, "-o", out]);
        t.run().expect(0);
        let wb = sheet::read(&t.path(out)).unwrap();
        let s = if format == "draft" {
            draft_sheet(&wb, "q.csv")
        } else {
            &wb.sheets[0]
        };
        assert_eq!(s.get(1, 2).display(), "Yes", "{format}");
        assert_eq!(
            s.get(1, 3).display(),
            "Okta enforces FIDO2 keys for every employee.",
            "{format}"
        );
        assert_eq!(s.get(2, 3).display(), "Ask IT", "{format}");
    }
}

#[test]
fn thresholds_move_questions_between_bands() {
    let t = Test::new()
        .copy(&repo().join("samples/vendor-security-review.csv"), "v.csv")
        .args([
            "fill",
            "v.csv",
            "--kb",
            &kb_arg(),
            "--auto-threshold",
            "1",
            "--review-threshold",
            "0",
        ]);
    t.run().expect(0);
    let s = &report(&t.path("v.report.json"))["summary"];
    assert_eq!(
        s["unmatched"].as_u64().unwrap() + s["review"].as_u64().unwrap(),
        36
    );
    assert!(
        s["auto"].as_u64().unwrap() <= 1,
        "only a perfect score is auto at 1.0: {s}"
    );
}

#[test]
fn layout_overrides_read_a_headerless_sheet() {
    let t = Test::new()
        .file(
            "kb/k.toml",
            entry("mfa", "Do you require MFA for all staff?", "Yes"),
        )
        .file(
            "odd.csv",
            "x;Do you require MFA for all staff?;;\ny;Is there a fire drill every month?;;\n",
        )
        .args([
            "fill",
            "odd.csv",
            "--kb",
            "kb",
            "--question-col",
            "B",
            "--answer-col",
            "3",
            "--details-col",
            "D",
        ]);
    t.run().expect(0);
    let r = report(&t.path("odd.report.json"));
    assert_eq!(r["questions"].as_array().unwrap().len(), 2);
    assert_eq!(r["questions"][0]["answer_cell"], "C1");
    assert_eq!(r["questions"][0]["details_cell"], "D1");
}

#[test]
fn batch_goes_on_after_a_failure_and_exits_1() {
    let t = Test::new()
        .copy(&repo().join("samples/vendor-security-review.csv"), "a.csv")
        .file("broken.xlsx", "<html><body>Session expired</body></html>")
        .copy(&repo().join("samples/vendor-security-review.csv"), "c.csv")
        .args([
            "fill",
            "a.csv",
            "broken.xlsx",
            "c.csv",
            "--kb",
            &kb_arg(),
            "--out-dir",
            "out",
        ]);
    let run = t.run().expect(1);
    let err = run.stderr();
    assert!(
        err.contains("error: `broken.xlsx` is not a spreadsheet: it is an HTML page"),
        "{err}"
    );
    assert!(err.contains("1 of 3 questionnaires failed"), "{err}");
    for f in [
        "out/a.draft.xlsx",
        "out/a.report.json",
        "out/c.draft.xlsx",
        "out/c.report.json",
    ] {
        assert!(t.path(f).is_file(), "{f}");
    }
    assert!(!t.path("out/broken.draft.xlsx").exists());
    let leftovers: Vec<_> = std::fs::read_dir(t.path("out"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".vetted"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

/// Each bad input gets one clear line naming the file, and exit code 1.
#[test]
fn bad_inputs_fail_with_one_clear_line() {
    let mut encrypted = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    encrypted.extend(std::iter::repeat_n(0u8, 504));
    encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", vec![], "`empty.csv` is empty"),
        (
            "doc.xlsx",
            b"%PDF-1.7 ...".to_vec(),
            "`doc.xlsx` is not a spreadsheet: it is a PDF document",
        ),
        (
            "locked.xlsx",
            encrypted,
            "`locked.xlsx` is password-protected",
        ),
        (
            "trunc.xlsx",
            b"PK\x03\x04\x14\x00\x00\x00[Content_Types].xml".to_vec(),
            "`trunc.xlsx` is damaged or not a valid workbook",
        ),
        (
            "numbers.csv",
            b"1,2,3\n4,5,6\n".to_vec(),
            "`numbers.csv`: no questions found",
        ),
    ];
    for (name, bytes, expected) in cases {
        let t = Test::new()
            .file(name, bytes)
            .args(["fill", name, "--kb", &kb_arg()]);
        let run = t.run().expect(1);
        let err = run.stderr();
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
        assert!(
            errors.len() == 1 && errors[0].contains(expected),
            "{name}: {err}"
        );
        assert!(
            !t.path(&format!(
                "{}.draft.xlsx",
                Path::new(name).file_stem().unwrap().to_string_lossy()
            ))
            .exists()
        );
    }
    let run = Test::new()
        .args(["fill", "missing.xlsx", "--kb", &kb_arg()])
        .run()
        .expect(1);
    assert_eq!(
        run.stderr().lines().find(|l| l.starts_with("error: ")),
        Some("error: `missing.xlsx` does not exist")
    );
}

#[test]
fn usage_errors_exit_2() {
    Test::new().args(["fill"]).run().expect(2);
    Test::new()
        .args(["fill", "a.csv", "b.csv", "-o", "x.xlsx"])
        .run()
        .expect(2);
    Test::new()
        .args(["fill", "a.csv", "--question-col", "C3"])
        .run()
        .expect(2);
    let clash = Test::new()
        .args(["fill", "a.csv", "--question-col", "B", "--answer-col", "2"])
        .run()
        .expect(2);
    assert!(
        clash
            .stderr()
            .contains("--question-col and --answer-col both name column B"),
        "{}",
        clash.stderr()
    );
    Test::new().args(["frobnicate"]).run().expect(2);
}

#[test]
fn a_broken_kb_stops_fill_with_a_hint() {
    let t = Test::new()
        .file("kb/k.toml", "[[entry]]\nid = \"a\"\nquestion = \"Q?\"\n")
        .copy(&repo().join("samples/vendor-security-review.csv"), "v.csv")
        .args(["fill", "v.csv", "--kb", "kb"]);
    let run = t.run().expect(1);
    let err = run.stderr();
    assert!(err.starts_with("error: knowledge base `kb` is invalid (1 error): `kb/k.toml`:1: entry `a`: missing field `answer`"), "{err}");
    assert!(err.contains("hint: run `vetted kb check --kb kb`"), "{err}");
    assert!(!t.path("v.draft.xlsx").exists());
}

/// `vetted ARGS --kb KB --lexical` (no model notice on stderr).
fn lexical(args: &[&str]) -> Vec<String> {
    let kb = kb_arg();
    let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    all.extend([String::from("--kb"), kb, String::from("--lexical")]);
    all
}

/// The sample questionnaire at each of `paths`, in a fresh folder.
fn with_samples(paths: &[&str]) -> Test {
    paths.iter().fold(Test::new(), |t, p| {
        t.copy(&repo().join("samples/northwind-vendor-assessment.xlsx"), p)
    })
}

#[test]
fn a_draft_given_as_input_is_refused_and_never_overwritten() {
    // `vetted fill *.xlsx` in a folder that holds a draft under review.
    let t = with_samples(&["q.xlsx"]);
    t.again(lexical(&["fill", "q.xlsx"])).expect(0);
    let reviewed = std::fs::read(t.path("q.draft.xlsx")).unwrap();

    let run = t
        .again(lexical(&["fill", "q.draft.xlsx", "q.xlsx"]))
        .expect(1);
    let err = run.stderr();
    assert!(
        err.contains("error: `q.draft.xlsx` is a draft written by `vetted fill`, not a questionnaire\nhint: after a review, `vetted finish"),
        "{err}"
    );
    assert!(
        err.contains("error: refusing to overwrite the input `q.draft.xlsx`"),
        "{err}"
    );
    assert_eq!(std::fs::read(t.path("q.draft.xlsx")).unwrap(), reviewed);
    assert!(!t.path("q.draft.draft.xlsx").exists());
}

#[test]
fn two_inputs_never_write_the_same_file() {
    let t = with_samples(&["a/q.xlsx", "b/q.xlsx"]);
    let run = t
        .again(lexical(&[
            "fill",
            "a/q.xlsx",
            "b/q.xlsx",
            "--out-dir",
            "out",
        ]))
        .expect(1);
    let err = run.stderr();
    assert!(
        err.contains("error: `out/q.draft.xlsx` would be written twice: for `a/q.xlsx` and for `b/q.xlsx`\nhint: "),
        "{err}"
    );
    // The first input's draft and report are whole and its own.
    let r = report(&t.path("out/q.report.json"));
    assert!(r["input"].as_str().unwrap().ends_with("a/q.xlsx"), "{r}");
    assert!(sheet::read(&t.path("out/q.draft.xlsx")).is_ok());
}

#[test]
fn clashing_outputs_are_usage_errors() {
    let t = with_samples(&["q.xlsx"]);
    let run = t.again(lexical(&["fill", "q.xlsx", "./q.xlsx"])).expect(2);
    assert!(
        run.stderr().starts_with("error: `./q.xlsx` is given twice"),
        "{}",
        run.stderr()
    );
    let run = t
        .again(lexical(&[
            "fill", "q.xlsx", "-o", "same", "--report", "same",
        ]))
        .expect(2);
    assert!(
        run.stderr()
            .starts_with("error: --output and --report both name `same`"),
        "{}",
        run.stderr()
    );
    assert!(!t.path("same").exists());
}

#[test]
fn a_report_that_cannot_be_written_leaves_no_draft() {
    let t = with_samples(&["q.xlsx"]);
    let run = t
        .again(lexical(&[
            "fill",
            "q.xlsx",
            "-o",
            "d.xlsx",
            "--report",
            "missing/r.json",
        ]))
        .expect(1);
    assert_eq!(
        run.stderr().trim_end(),
        "error: cannot write report `missing/r.json`: No such file or directory (os error 2)"
    );
    assert!(!t.path("d.xlsx").exists());
}

#[cfg(unix)]
#[test]
fn drafts_and_reports_get_the_permissions_of_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let t = with_samples(&["q.xlsx"]);
    t.again(lexical(&["fill", "q.xlsx"])).expect(0);
    std::fs::write(t.path("probe"), b"").unwrap();
    let mode = |p: &str| std::fs::metadata(t.path(p)).unwrap().permissions().mode() & 0o777;
    // Whatever the umask: not the 0600 of a temporary file (unless the
    // umask itself says so).
    assert_eq!(mode("q.draft.xlsx"), mode("probe"));
    assert_eq!(mode("q.report.json"), mode("probe"));
}

#[test]
fn text_that_is_not_a_table_is_refused_and_excel_unicode_text_is_read() {
    let t = Test::new()
        .file(
            "answers.json",
            r#"{"questions": ["Do you encrypt data at rest?"]}"#,
        )
        .file(
            "notes.md",
            "Question,Answer\nDo you encrypt data at rest?,\n",
        );
    let run = t.again(lexical(&["fill", "answers.json"])).expect(1);
    assert!(
        run.stderr()
            .starts_with("error: `answers.json` is not a spreadsheet: it is a JSON document"),
        "{}",
        run.stderr()
    );
    let run = t.again(lexical(&["fill", "notes.md"])).expect(1);
    assert!(
        run.stderr().contains("does not end in .csv, .tsv or .txt"),
        "{}",
        run.stderr()
    );

    // Excel's "Unicode Text": UTF-16LE with a BOM, tab-separated.
    let text = "Question\tAnswer\nDo you encrypt customer data at rest?\t\nÉtes-vous certifiés ISO 27001 ?\t\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let t = t.file("unicode.txt", bytes);
    t.again(lexical(&["fill", "unicode.txt"])).expect(0);
    let r = report(&t.path("unicode.report.json"));
    let questions: Vec<&str> = r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["question"].as_str().unwrap())
        .collect();
    assert_eq!(
        questions,
        [
            "Do you encrypt customer data at rest?",
            "Étes-vous certifiés ISO 27001 ?"
        ]
    );
}

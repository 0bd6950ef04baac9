use crate::support::{Test, entry, repo};

#[test]
fn bundled_knowledge_base_is_valid_and_lists_stale_entries() {
    let run = Test::new()
        .args([
            "kb",
            "check",
            "--kb",
            repo().join("knowledge_base").to_str().unwrap(),
        ])
        .run()
        .expect(0);
    let err = run.stderr();
    assert!(err.contains("0 errors"), "{err}");
    let stale = err
        .lines()
        .filter(|l| l.starts_with("warning:") && l.contains("is stale"))
        .count();
    assert!(stale >= 3, "expected stale entries to be listed: {err}");
    let entries: usize = err
        .split(" entries in ")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(entries >= 60, "{entries} entries");
}

#[test]
fn every_error_names_file_and_line() {
    let run = Test::new()
        .file(
            "kb/a.toml",
            format!(
                "{}[[entry]]\nid = \"b\"\nquestion = \"Q?\"\nanwser = \"Yes\"\n",
                entry("a", "Q one?", "Yes")
            ),
        )
        .file("kb/sub/b.toml", entry("a", "Dup?", "No"))
        .file(
            "kb/c.toml",
            "[[entry]]\nid = \"Bad_ID\"\nquestion = \"Q?\"\nanswer = \"Yes\"\n\
             evidence = [ { title = \"Policy\", url = \"not a url\" } ]\n\
             reviewed = 2026-05-04\nreview_by = 2026-01-01\n",
        )
        .file("kb/d.toml", "[[entry]]\nid = \"d\"\nquestion = \"Q?\"\n")
        .file("kb/e.toml", "[[entry]\nid = \"e\"\n")
        .args(["kb", "check", "--kb", "kb"])
        .run()
        .expect(1);
    let err = run.stderr();
    let has = |needle: &str| assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    has("`kb/a.toml`:9: entry `b`: unknown field `anwser`");
    has("`kb/sub/b.toml`:1: duplicate id `a`: already defined at `kb/a.toml`:1");
    has("`kb/c.toml`:2: entry `Bad_ID`: id may only hold lowercase letters, digits and '-'");
    has("`kb/c.toml`:5: entry `Bad_ID`: evidence url `not a url` is not an absolute URL");
    has(
        "`kb/c.toml`:7: entry `Bad_ID`: `review_by` (2026-01-01) is before `reviewed` (2026-05-04)",
    );
    has("`kb/d.toml`:1: entry `d`: missing field `answer`");
    has("`kb/e.toml`:1:");
    for line in err.lines().filter(|l| l.starts_with("error: `kb/")) {
        assert!(line.split('`').nth(1).is_some(), "{line}");
    }
}

#[test]
fn entries_due_for_review_soon_are_listed_with_their_owners() {
    let entry = |id: &str, by: &str, owner: &str| {
        format!(
            "[[entry]]\nid = \"{id}\"\nquestion = \"Question {id}?\"\nanswer = \"Yes\"\n{owner}review_by = {by}\n\n"
        )
    };
    let kb = [
        entry("later", "2027-03-01", ""),
        entry("soon", "2026-12-20", "owner = \"grc@example.com\"\n"),
        entry("sooner", "2026-12-08", ""),
        entry("gone", "2026-12-01", ""),
    ]
    .concat();
    let run = Test::new()
        .file("kb/k.toml", kb)
        .env("VETTED_TODAY", "2026-12-07")
        .args(["kb", "check", "--kb", "kb", "--due-within", "30"])
        .run()
        .expect(0);
    let err = run.stderr();
    let sooner = err
        .find("entry `sooner` is due for review by 2026-12-08 (tomorrow)")
        .expect(&err);
    let soon = err
        .find("entry `soon` is due for review by 2026-12-20 (in 13 days), owner grc@example.com")
        .expect(&err);
    assert!(sooner < soon, "soonest first: {err}");
    assert!(
        !err.contains("`later` is due") && !err.contains("`gone` is due"),
        "{err}"
    );
    assert!(err.contains("1 stale, 2 due within 30 days"), "{err}");
}

#[test]
fn stale_is_a_warning_not_an_error() {
    let kb = "[[entry]]\nid = \"old\"\nquestion = \"Do you rotate keys?\"\nanswer = \"Yes\"\nreviewed = 2024-01-01\nreview_by = 2025-01-01\n";
    let run = Test::new()
        .file("kb/k.toml", kb)
        .args(["kb", "check", "--kb", "kb"])
        .run()
        .expect(0);
    assert!(
        run.stderr()
            .contains("warning: `kb/k.toml`:1: entry `old` is stale"),
        "{}",
        run.stderr()
    );
}

#[test]
fn synonyms_and_inbox_are_not_entries() {
    let run = Test::new()
        .file("kb/k.toml", entry("a", "Do you use SSO?", "Yes"))
        .file(
            "kb/synonyms.toml",
            "[[group]]\nterms = [\"okta\", \"identity provider\"]\n",
        )
        .file(
            "kb/_inbox/proposed.toml",
            entry("a-proposed", "Do you use SSO?", "No"),
        )
        .args(["kb", "check", "--kb", "kb"])
        .run()
        .expect(0);
    assert!(
        run.stderr()
            .contains("1 entries in 2 files, 1 synonym groups"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("`kb/_inbox/proposed.toml`:1: proposed entry `a-proposed` awaits approval"),
        "{}",
        run.stderr()
    );
    // A broken proposal is reported (it could not be approved as it is).
    let broken = Test::new()
        .file("kb/k.toml", entry("a", "Do you use SSO?", "Yes"))
        .file("kb/_inbox/proposed.toml", "this is not even toml")
        .args(["kb", "check", "--kb", "kb"])
        .run()
        .expect(1);
    assert!(
        broken.stderr().contains("`kb/_inbox/proposed.toml`:1:"),
        "{}",
        broken.stderr()
    );
    // Matching ignores the inbox, broken or not.
    Test::new()
        .file("kb/k.toml", entry("a", "Do you use SSO?", "Yes"))
        .file("kb/_inbox/proposed.toml", "this is not even toml")
        .args(["ask", "--lexical", "--kb", "kb", "Do you use SSO?"])
        .run()
        .expect(0);
    let bad = Test::new()
        .file("kb/k.toml", entry("a", "Do you use SSO?", "Yes"))
        .file(
            "kb/synonyms.toml",
            "[[group]]\nterms = [\"lonely\"]\nextra = 1\n",
        )
        .args(["kb", "check", "--kb", "kb"])
        .run()
        .expect(1);
    assert!(
        bad.stderr().contains("`kb/synonyms.toml`:"),
        "{}",
        bad.stderr()
    );
}

#[test]
fn missing_kb_is_a_clear_error() {
    let run = Test::new()
        .args(["kb", "check", "--kb", "nowhere"])
        .run()
        .expect(1);
    assert_eq!(
        run.stderr().lines().next(),
        Some("error: knowledge base `nowhere` does not exist")
    );
}

#[test]
fn phrasings_that_add_nothing_are_warnings() {
    let kb = "[[entry]]\nid = \"sso\"\nquestion = \"Do you support SSO?\"\nalternates = [\"SAML single sign-on\", \"\", \"do you support sso\", \"SAML single-sign-on?\"]\nanswer = \"Yes\"\ntags = [\"iam\", \" \"]\n";
    let run = Test::new()
        .file("kb/k.toml", kb)
        .args(["kb", "check", "--kb", "kb"])
        .run()
        .expect(0);
    let err = run.stderr();
    for line in [
        "warning: `kb/k.toml`:4: entry `sso`: an empty alternate is ignored",
        "warning: `kb/k.toml`:4: entry `sso`: the alternate `do you support sso` repeats the question or another alternate",
        "warning: `kb/k.toml`:4: entry `sso`: the alternate `SAML single-sign-on?` repeats the question or another alternate",
        "warning: `kb/k.toml`:6: entry `sso`: an empty tag is ignored",
        "1 entries in 1 files, 0 synonym groups: 0 errors, 0 stale",
    ] {
        assert!(err.contains(line), "{line}\n{err}");
    }
}

/// Two entries worded the same way are reported: merged if they agree, and
/// said to be never `auto` if they do not.
#[test]
fn entries_worded_the_same_way_are_reported() {
    let t = Test::new()
        .file(
            "kb/a.toml",
            [
                entry("enc", "Do you encrypt data at rest?", "Yes"),
                entry("enc-old", "Do you encrypt data at rest ?", "No"),
            ]
            .concat(),
        )
        .file(
            "kb/b.toml",
            entry("mfa", "Is MFA enforced?", "Yes").replace(
                "answer =",
                "alternates = [\"Do you encrypt data at rest?\"]\nanswer =",
            ),
        )
        .args(["kb", "check", "--kb", "kb"]);
    let run = t.run().expect(0);
    let err = run.stderr();
    assert!(
        err.contains("warning: `kb/a.toml`:6: entries `enc` (`kb/a.toml`:1) and `enc-old` are both worded `Do you encrypt data at rest ?`: they answer `Yes` and `No`, so a question worded so is never `auto`"),
        "{err}"
    );
    assert!(
        err.contains("entries `enc` (`kb/a.toml`:1) and `mfa` are both worded `Do you encrypt data at rest?`: merge them, or remove the wording from one"),
        "{err}"
    );
}

//! `vetted kb accept` and `vetted kb reject`: the security team approves
//! proposals from `_inbox/` into the KB, or deletes them.

use crate::support::{Test, entry, inbox_file, report, table_workbook};

fn read(t: &Test, rel: &str) -> String {
    std::fs::read_to_string(t.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn toml(t: &Test, rel: &str) -> toml::Value {
    toml::from_str(&read(t, rel)).unwrap()
}

/// The entry `id` of a KB file, parsed.
fn entry_of(t: &Test, rel: &str, id: &str) -> toml::Value {
    toml(t, rel)["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no entry `{id}` in {rel}"))
        .clone()
}

const IDENTITY: &str = "\
# Identity and access: owned by the security team.

[[entry]]
id = \"mfa\"
question = \"Do you enforce MFA for all employees?\"
alternates = [\"Is 2FA required for staff?\"]  # keep short
answer = \"No\"
details = \"Rolled out to engineering only.\"
tags = [\"iam\"]
reviewed = 2025-01-10
review_by = 2025-07-10

[[entry]]
id = \"sso\"
question = \"Do you support SAML single sign-on for customers?\"
answer = \"Yes\"
";

/// An inbox as `kb learn` and `kb import` write it: one proposal based on
/// `mfa`, two of their own.
const INBOX: &str = "\
# Proposed entries from the review of `q.xlsx`.

# From `q.xlsx`, sheet `S`, row 2: the reviewer changed the answer of `mfa`.
[[entry]]
id = \"mfa-proposed\"
question = \"Is multi-factor authentication enforced for every employee?\"
answer = \"Yes\"
details = \"Enforced through the identity provider since 2026.\"
tags = [\"iam\", \"mfa\"]

# From `q.xlsx`, sheet `S`, row 3: answered by the reviewer, no entry matched.
[[entry]]
id = \"saml-okta-proposed\"
question = \"Can customers sign in with Okta over SAML?\"
answer = \"Yes\"

# From `q.xlsx`, sheet `S`, row 4: answered by the reviewer, no entry matched.
[[entry]]
id = \"bug-bounty-proposed\"
question = \"Do you run a public bug bounty program?\"
answer = \"No\"
";

fn kb() -> Test {
    Test::new()
        .file("kb/identity.toml", IDENTITY)
        .file(
            "kb/program.toml",
            entry("pentest", "Do you run annual penetration tests?", "Yes"),
        )
        .file("kb/_inbox/2026-11-20-q.toml", INBOX)
}

#[test]
fn a_proposal_based_on_an_entry_updates_it_in_place() {
    let t = kb();
    let run = t
        .again(["kb", "accept", "mfa-proposed", "--kb", "kb"])
        .expect(0);
    assert_eq!(
        run.stdout(),
        "updated `mfa` from `mfa-proposed`: it answered `No`, 1 wording added\n"
    );
    assert!(
        run.stderr()
            .contains("1 proposal approved: 0 new entries, 1 entry updated, 1 wording added"),
        "{}",
        run.stderr()
    );
    let mfa = entry_of(&t, "kb/identity.toml", "mfa");
    assert_eq!(mfa["answer"].as_str(), Some("Yes"));
    assert_eq!(
        mfa["details"].as_str(),
        Some("Enforced through the identity provider since 2026.")
    );
    assert_eq!(
        mfa["alternates"].as_array().unwrap().len(),
        2,
        "the proposal's wording joins the entry's: {mfa}"
    );
    assert_eq!(mfa["tags"].as_array().unwrap().len(), 2, "{mfa}");
    // Approving is a review: reviewed today, and the review date, which had
    // passed, moves on by the entry's interval (181 days).
    assert_eq!(mfa["reviewed"].to_string(), "2026-11-23");
    assert_eq!(mfa["review_by"].to_string(), "2027-05-23");
    // Comments and layout of the KB file survive.
    let text = read(&t, "kb/identity.toml");
    assert!(text.starts_with("# Identity and access: owned by the security team.\n"));
    assert!(text.contains("# keep short"), "{text}");
    assert!(text.contains("id = \"sso\""));
    // The proposal left the inbox; the others stay.
    let inbox = read(&t, "kb/_inbox/2026-11-20-q.toml");
    assert!(!inbox.contains("mfa-proposed"), "{inbox}");
    assert!(
        inbox.starts_with("# Proposed entries from the review of `q.xlsx`.\n\n# From"),
        "the file's header stays: {inbox}"
    );
    assert!(inbox.contains("saml-okta-proposed") && inbox.contains("bug-bounty-proposed"));
    t.again(["kb", "check", "--kb", "kb"]).expect(0);
}

#[test]
fn other_proposals_become_entries_beside_the_entry_they_resemble() {
    let t = kb();
    let run = t
        .again(["kb", "accept", "saml-okta-proposed", "--kb", "kb"])
        .expect(0);
    // The `-proposed` ending goes; the file is the one of the SSO entry.
    assert_eq!(run.stdout(), "added `saml-okta` to `kb/identity.toml`\n");
    let new = entry_of(&t, "kb/identity.toml", "saml-okta");
    assert_eq!(new["answer"].as_str(), Some("Yes"));
    assert_eq!(new["reviewed"].to_string(), "2026-11-23");
    let text = read(&t, "kb/identity.toml");
    assert!(
        !text.contains("answered by the reviewer"),
        "the inbox note stays behind: {text}"
    );
    // `--into` names the file, relative to the KB folder; one that does not
    // exist is made.
    t.again([
        "kb",
        "accept",
        "bug-bounty-proposed",
        "--kb",
        "kb",
        "--into",
        "disclosure.toml",
    ])
    .expect(0);
    assert_eq!(
        entry_of(&t, "kb/disclosure.toml", "bug-bounty")["answer"].as_str(),
        Some("No")
    );
}

#[test]
fn a_whole_inbox_file_is_approved_by_its_path_and_then_deleted() {
    let t = kb();
    let check = t.again(["kb", "check", "--kb", "kb"]).expect(0);
    assert!(
        check
            .stderr()
            .contains("hint: approve proposals with `vetted kb accept ID...`"),
        "{}",
        check.stderr()
    );
    let dry = t
        .again([
            "kb",
            "accept",
            "kb/_inbox/2026-11-20-q.toml",
            "--kb",
            "kb",
            "--dry-run",
        ])
        .expect(0);
    assert_eq!(dry.stdout().lines().count(), 3, "{}", dry.stdout());
    assert!(dry.stdout().starts_with("would update `mfa`"));
    assert!(
        dry.stderr()
            .contains("would delete `kb/_inbox/2026-11-20-q.toml`")
    );
    assert_eq!(
        read(&t, "kb/_inbox/2026-11-20-q.toml"),
        INBOX,
        "a dry run writes nothing"
    );
    assert_eq!(read(&t, "kb/identity.toml"), IDENTITY);

    t.again(["kb", "accept", "kb/_inbox/2026-11-20-q.toml", "--kb", "kb"])
        .expect(0);
    assert!(!t.path("kb/_inbox/2026-11-20-q.toml").exists());
    let check = t.again(["kb", "check", "--kb", "kb"]).expect(0);
    assert!(
        check.stderr().contains("5 entries in 2 files"),
        "{}",
        check.stderr()
    );
    assert!(
        !check.stderr().contains("approve proposals"),
        "{}",
        check.stderr()
    );
}

#[test]
fn wordings_join_a_named_entry_unless_it_answers_the_opposite() {
    let t = kb();
    let run = t
        .again([
            "kb",
            "accept",
            "saml-okta-proposed",
            "--as-alternate-of",
            "sso",
            "--kb",
            "kb",
        ])
        .expect(0);
    assert_eq!(
        run.stdout(),
        "added 1 wording of `saml-okta-proposed` to `sso`\n"
    );
    let sso = entry_of(&t, "kb/identity.toml", "sso");
    assert_eq!(
        sso["alternates"][0].as_str(),
        Some("Can customers sign in with Okta over SAML?")
    );
    assert_eq!(sso["answer"].as_str(), Some("Yes"));

    // A `No` as wordings of a `Yes` entry would draft `Yes` for them.
    let before = read(&t, "kb/program.toml");
    let run = t
        .again([
            "kb",
            "accept",
            "bug-bounty-proposed",
            "--as-alternate-of",
            "pentest",
            "--kb",
            "kb",
        ])
        .expect(1);
    assert!(
        run.stderr().starts_with(
            "error: proposal `bug-bounty-proposed` answers `No` and entry `pentest` answers `Yes`"
        ),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("hint: approve it as an entry of its own")
    );
    assert_eq!(read(&t, "kb/program.toml"), before);
    assert!(read(&t, "kb/_inbox/2026-11-20-q.toml").contains("bug-bounty-proposed"));
}

#[test]
fn as_new_keeps_the_entry_and_adds_one_beside_it() {
    let t = kb();
    let run = t
        .again(["kb", "accept", "mfa-proposed", "--as-new", "--kb", "kb"])
        .expect(0);
    // `mfa` is taken: the new entry is `mfa-2`.
    assert_eq!(run.stdout(), "added `mfa-2` to `kb/identity.toml`\n");
    assert_eq!(
        entry_of(&t, "kb/identity.toml", "mfa")["answer"].as_str(),
        Some("No")
    );
    assert_eq!(
        entry_of(&t, "kb/identity.toml", "mfa-2")["answer"].as_str(),
        Some("Yes")
    );
    t.again(["kb", "check", "--kb", "kb"]).expect(0);
}

#[test]
fn reject_deletes_proposals_and_the_file_they_leave_empty() {
    let t = kb();
    let run = t
        .again(["kb", "reject", "bug-bounty-proposed", "--kb", "kb"])
        .expect(0);
    assert_eq!(run.stdout(), "deleted proposal `bug-bounty-proposed`\n");
    let inbox = read(&t, "kb/_inbox/2026-11-20-q.toml");
    assert!(!inbox.contains("bug-bounty"), "{inbox}");
    // The comments of the proposals left stay with them.
    assert!(
        inbox.contains("# From `q.xlsx`, sheet `S`, row 3"),
        "{inbox}"
    );
    t.again([
        "kb",
        "reject",
        "mfa-proposed",
        "saml-okta-proposed",
        "--kb",
        "kb",
    ])
    .expect(0);
    assert!(!t.path("kb/_inbox/2026-11-20-q.toml").exists());
    assert_eq!(read(&t, "kb/identity.toml"), IDENTITY);
}

#[test]
fn bad_requests_change_nothing_and_say_why_in_one_line() {
    let t = kb();
    let cases: &[(&[&str], &str)] = &[
        (
            &["kb", "accept", "nope", "--kb", "kb"],
            "error: no proposed entry `nope` in `_inbox/`",
        ),
        (
            &["kb", "accept", "sso", "--kb", "kb"],
            "error: `sso` is an approved entry, not a proposal in `_inbox/`",
        ),
        (
            &[
                "kb",
                "accept",
                "saml-okta-proposed",
                "--as-alternate-of",
                "nope",
                "--kb",
                "kb",
            ],
            "error: no approved entry `nope` to add the wordings to",
        ),
        (
            &[
                "kb",
                "accept",
                "saml-okta-proposed",
                "--into",
                "../elsewhere.toml",
                "--kb",
                "kb",
            ],
            "error: `kb/../elsewhere.toml` is not a `.toml` file inside the knowledge base",
        ),
        (
            &[
                "kb",
                "accept",
                "saml-okta-proposed",
                "--into",
                "_inbox/x.toml",
                "--kb",
                "kb",
            ],
            "error: `kb/_inbox/x.toml` is not a `.toml` file inside the knowledge base",
        ),
        (
            &[
                "kb",
                "accept",
                "saml-okta-proposed",
                "saml-okta-proposed",
                "--kb",
                "kb",
            ],
            "error: proposal `saml-okta-proposed` is named twice",
        ),
        (
            &["kb", "reject", "kb/identity.toml", "--kb", "kb"],
            "error: `kb/identity.toml` holds no proposed entries",
        ),
        // One bad proposal among good ones: none is approved.
        (
            &["kb", "accept", "mfa-proposed", "nope", "--kb", "kb"],
            "error: no proposed entry `nope`",
        ),
    ];
    for (args, message) in cases {
        let run = t.again(*args).expect(1);
        assert!(
            run.stderr().starts_with(message),
            "{args:?}: {}",
            run.stderr()
        );
        assert_eq!(run.stdout(), "", "{args:?}");
        assert_eq!(read(&t, "kb/identity.toml"), IDENTITY, "{args:?}");
        assert_eq!(read(&t, "kb/_inbox/2026-11-20-q.toml"), INBOX, "{args:?}");
    }
    // Usage errors exit 2.
    t.again(["kb", "accept", "--kb", "kb"]).expect(2);
    t.again([
        "kb",
        "accept",
        "x",
        "--into",
        "a.toml",
        "--as-alternate-of",
        "sso",
    ])
    .expect(2);
}

/// Past answers approved into an empty KB are filed by area, the way a
/// security team would split them; a question of no area goes to
/// `accepted.toml`.
#[test]
fn into_an_empty_kb_new_entries_are_filed_by_area() {
    let inbox = "\
[[entry]]
id = \"mfa-staff\"
question = \"Is multi-factor authentication required for all employees?\"
answer = \"Yes\"

[[entry]]
id = \"password-rules\"
question = \"Do user passwords have to meet complexity and length requirements?\"
answer = \"Yes\"

[[entry]]
id = \"at-rest\"
question = \"Is customer data encrypted at rest?\"
answer = \"Yes, AES-256\"

[[entry]]
id = \"backups\"
question = \"How often are backups taken?\"
answer = \"Daily\"

[[entry]]
id = \"wcag\"
question = \"Does the product conform to WCAG 2.1 AA?\"
answer = \"Yes\"

[[entry]]
id = \"mascot\"
question = \"Favourite ice cream flavour?\"
answer = \"Ferdinand\"
";
    let t = Test::new().file("kb/_inbox/past.toml", inbox);
    let run = t
        .again([
            "kb",
            "accept",
            "kb/_inbox/past.toml",
            "--kb",
            "kb",
            "--lexical",
        ])
        .expect(0);
    let stdout = run.stdout();
    let placed = |id: &str| -> String {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("added `{id}`")))
            .unwrap_or_else(|| panic!("`{id}` not added: {stdout}"));
        line.rsplit('`').nth(1).unwrap().to_owned()
    };
    assert_eq!(placed("mfa-staff"), "kb/identity.toml");
    assert_eq!(placed("password-rules"), "kb/identity.toml");
    assert_eq!(placed("at-rest"), "kb/encryption.toml");
    assert_eq!(placed("backups"), "kb/continuity.toml");
    assert_eq!(placed("wcag"), "kb/accessibility.toml");
    assert_eq!(placed("mascot"), "kb/accepted.toml");
    t.again(["kb", "check", "--kb", "kb"]).expect(0);
    assert_eq!(
        entry_of(&t, "kb/identity.toml", "password-rules")["answer"].as_str(),
        Some("Yes")
    );
}

/// A KB filed its own way keeps its files: a new entry goes where the
/// entries of its area already are, not to a file of the area's name.
#[test]
fn a_new_entry_joins_the_file_that_holds_its_area() {
    let t = Test::new()
        .file(
            "kb/access.toml",
            entry(
                "sso",
                "Do you support SAML single sign-on for customers?",
                "Yes",
            ),
        )
        .file(
            "kb/crypto.toml",
            entry(
                "tls",
                "Is data encrypted in transit with TLS 1.2 or later?",
                "Yes",
            ),
        )
        .file(
            "kb/_inbox/q.toml",
            "\
[[entry]]
id = \"lockout\"
question = \"Are accounts locked after repeated failed login attempts?\"
answer = \"Yes, after 10 attempts\"

[[entry]]
id = \"key-rotation\"
question = \"How often are encryption keys rotated?\"
answer = \"Yearly\"
",
        );
    let run = t
        .again([
            "kb",
            "accept",
            "kb/_inbox/q.toml",
            "--kb",
            "kb",
            "--lexical",
        ])
        .expect(0);
    assert_eq!(
        run.stdout(),
        "added `lockout` to `kb/access.toml`\nadded `key-rotation` to `kb/crypto.toml`\n"
    );
}

/// The whole loop for a company's past answers: import, approve, fill.
#[test]
fn imported_answers_once_approved_fill_the_same_questionnaire() {
    let form = table_workbook(&[
        &["ID", "Question", "Answer", "Comments"],
        &[
            "1",
            "Do you enforce MFA for all employees?",
            "Yes",
            "Since 2026.",
        ],
        &["2", "Do you run a public bug bounty program?", "No", ""],
        &[
            "3",
            "Is customer data encrypted at rest?",
            "Yes",
            "AES-256.",
        ],
    ]);
    // The next questionnaire asks the same, unanswered.
    let blank = table_workbook(&[
        &["ID", "Question", "Answer", "Comments"],
        &["1", "Do you enforce MFA for all employees?", "", ""],
        &["2", "Do you run a public bug bounty program?", "", ""],
        &["3", "Is customer data encrypted at rest?", "", ""],
    ]);
    let t = Test::new()
        .file("kb/identity.toml", IDENTITY)
        .file("past.xlsx", &form)
        .file("next.xlsx", &blank);
    t.again(["kb", "import", "past.xlsx", "--kb", "kb", "--lexical"])
        .expect(0);
    let inbox = inbox_file(&t.path("kb"));
    let run = t
        .again(["kb", "accept", inbox.to_str().unwrap(), "--kb", "kb"])
        .expect(0);
    // `mfa` (which answered `No`) is updated; the other two are new.
    assert!(
        run.stdout().contains("updated `mfa` from `mfa-imported`"),
        "{}",
        run.stdout()
    );
    assert_eq!(
        run.stdout().matches("added `").count(),
        2,
        "{}",
        run.stdout()
    );
    t.again(["kb", "check", "--kb", "kb"]).expect(0);

    t.again([
        "fill",
        "next.xlsx",
        "--kb",
        "kb",
        "--lexical",
        "--report",
        "r.json",
        "-o",
        "d.xlsx",
    ])
    .expect(0);
    let r = report(&t.path("r.json"));
    for q in r["questions"].as_array().unwrap() {
        assert_eq!(q["status"], "auto", "{q}");
    }
    let answers: Vec<_> = r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["answer"].as_str().unwrap())
        .collect();
    assert_eq!(answers, ["Yes", "No", "Yes"]);
}

/// Two proposals that would both rewrite one entry: the team picks one.
#[test]
fn two_proposals_for_one_entry_are_not_approved_together() {
    let second = "\n# From `r.xlsx`, sheet `S`, row 9: the reviewer changed the answer of `mfa`.\n\
        [[entry]]\nid = \"mfa-proposed-2\"\nquestion = \"Is MFA enforced for staff?\"\nanswer = \"Yes, for admins\"\n";
    let t = kb().file("kb/_inbox/2026-11-21-r.toml", second);
    let run = t
        .again([
            "kb",
            "accept",
            "mfa-proposed",
            "mfa-proposed-2",
            "--kb",
            "kb",
        ])
        .expect(1);
    assert!(
        run.stderr().starts_with(
            "error: proposals `mfa-proposed` and `mfa-proposed-2` would both update entry `mfa`: approve one"
        ),
        "{}",
        run.stderr()
    );
    assert_eq!(read(&t, "kb/identity.toml"), IDENTITY);
    // One at a time, each is a decision of its own.
    t.again(["kb", "accept", "mfa-proposed-2", "--kb", "kb"])
        .expect(0);
    assert_eq!(
        entry_of(&t, "kb/identity.toml", "mfa")["answer"].as_str(),
        Some("Yes, for admins")
    );
}

/// A question the past questionnaires answered two ways: `kb import`
/// proposes both, and approving both at once is refused.
#[test]
fn a_question_answered_two_ways_is_approved_one_way() {
    let form = table_workbook(&[
        &["ID", "Question", "Answer"],
        &["1", "Do you have a bug bounty program?", "No"],
        &["2", "Do you have a bug bounty program?", "Yes"],
    ]);
    let t = Test::new()
        .file("kb/identity.toml", IDENTITY)
        .file("past.xlsx", &form);
    t.again(["kb", "import", "past.xlsx", "--kb", "kb", "--lexical"])
        .expect(0);
    let inbox = inbox_file(&t.path("kb"));
    let before = std::fs::read_to_string(&inbox).unwrap();
    let run = t
        .again(["kb", "accept", inbox.to_str().unwrap(), "--kb", "kb"])
        .expect(1);
    assert!(
        run.stderr()
            .contains("ask the same question and answer it differently: approve one"),
        "{}",
        run.stderr()
    );
    assert_eq!(std::fs::read_to_string(&inbox).unwrap(), before);
}

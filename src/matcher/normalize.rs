//! Question text normalization: what a question asks, without its boilerplate.

/// Cleans spreadsheet text: odd spaces and invisible characters become plain
/// spaces, typographic quotes become ASCII, runs of white space collapse.
/// Bidirectional embeddings, overrides and isolates (U+202A..U+202E,
/// U+2066..U+2069) are dropped: they can make a question read otherwise than
/// it is written ("Trojan Source"), in the review UI and in the draft.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = match c {
            '\u{FEFF}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{AD}' => continue,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => continue,
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => '"',
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// Like [`clean`], but keeps line breaks (one per line of text): for
/// showing a question as its author laid it out.
pub fn clean_lines(text: &str) -> String {
    text.lines()
        .map(clean)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Leading phrases that only frame the question.
const LEAD_INS: &[&str] = &[
    "please describe",
    "please provide",
    "please explain",
    "please list",
    "please specify",
    "please indicate",
    "please confirm",
    "please state",
    "please identify",
    "please detail",
    "please",
    "describe",
    "explain",
    "provide",
    "list",
    "specify",
    "indicate",
    "confirm",
];

/// Follow-up clauses that ask for elaboration, not for a different fact.
const FOLLOW_UPS: &[&str] = &[
    "if yes",
    "if so",
    "if no",
    "if not",
    "if applicable",
    "if not applicable",
    "if you answered",
    "if the answer is",
];

/// The part of a question that carries its meaning, lowercased: numbering,
/// lead-ins ("Please describe"), examples in parentheses and follow-up
/// clauses ("If yes, ...") removed. A long prompt with a preamble keeps only
/// its question sentences.
pub fn core(text: &str) -> String {
    let text = clean(text).to_lowercase();
    let text = focus(&text);
    let text = strip_numbering(text);
    let text = strip_examples(text);
    let text = strip_follow_ups(&text);
    let text = strip_frame(&text);
    let mut text = text.trim().to_string();
    for lead in LEAD_INS {
        if let Some(rest) = text.strip_prefix(lead)
            && rest.starts_with([' ', ':', ','])
        {
            text = rest.trim_start_matches([' ', ':', ',']).to_string();
            break;
        }
    }
    let text = text.trim().trim_end_matches(['?', '.', ':', ' ']).trim();
    if text.is_empty() {
        // Never normalize a question away entirely.
        return clean(&text.to_lowercase());
    }
    text.to_string()
}

/// Words that open a question answered with yes or no.
const YES_NO_OPENERS: &[&str] = &[
    "do", "does", "did", "is", "are", "was", "were", "can", "could", "have", "has", "had", "will",
    "would", "should", "shall", "may", "must",
];

/// Whether a question (its [`core`]) asks for yes or no: it opens with an
/// auxiliary verb ("Do you ...", "Is MFA required ..."), not with "how",
/// "which" or a request to describe.
pub fn asks_yes_no(core: &str) -> bool {
    let first = core
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or("");
    YES_NO_OPENERS.contains(&first)
}

/// Sets of terms that name different things of one kind: a question about
/// one is not answered by an entry about another ("intrusion detection" is
/// not "intrusion prevention", a contact's name is not their title). A word
/// of five letters or more matches the words that start with it
/// (`detect`: detection, detective); a shorter one only itself (`rest` is
/// not `restore`). A term of two words matches them side by side
/// (`customer system`: "customer systems").
const CONTRASTS: &[&[&[&str]]] = &[
    &[&["detect"], &["prevent"]],
    &[
        &["transit", "transport", "transmi"],
        &["rest", "storage", "stored"],
    ],
    &[
        &["name", "names"],
        &["title"],
        &["email", "e-mail"],
        &["phone", "telephone"],
    ],
    &[&["inbound", "ingress"], &["outbound", "egress"]],
    &[&["internal"], &["external"]],
    &[&["static", "sast"], &["dynamic", "dast"]],
    &[
        &["penetration", "pentest"],
        &["scan", "scans", "scanning", "scanned"],
    ],
    &[&["privacy"], &["security"]],
    &[
        &["employee", "staff", "workforce", "personnel"],
        &["customer", "client", "institution"],
        // Not `vendor`: HECVAT calls the one who answers so.
        &[
            "contractor",
            "subcontractor",
            "subprocessor",
            "sub-processor",
            "supplier",
            "third part",
            "third-part",
        ],
    ],
    &[
        &["saml"],
        &["oidc", "openid"],
        &["shibboleth"],
        &["ldap"],
        &["kerberos"],
    ],
    &[
        &["soc"],
        &["iso"],
        &["pci"],
        &["hipaa"],
        &["fedramp"],
        &["gdpr"],
        &["ccpa"],
        &["ferpa"],
        &["hitrust"],
        &["nist"],
        &["cmmc"],
        &["stateramp", "tx-ramp", "txramp"],
        &["cjis"],
        &["coppa"],
        &["glba"],
        &["fisma"],
        &["itar"],
    ],
    &[&["soc 1", "soc1"], &["soc 2", "soc2"], &["soc 3", "soc3"]],
    &[&["type 1", "type i"], &["type 2", "type ii"]],
    &[
        &["27001"],
        &["27017"],
        &["27018"],
        &["27701"],
        &["22301"],
        &["9001"],
    ],
    &[&["rto", "recovery time"], &["rpo", "recovery point"]],
    &[&["log", "logs", "logging"], &["backup", "backups"]],
    &[
        &["retain", "retention"],
        &["delet", "destr", "dispos", "purge", "erase", "erasure"],
    ],
    &[
        &["hourly"],
        &["daily"],
        &["weekly"],
        &["monthly"],
        &["quarterly"],
        &["annual", "yearly"],
    ],
    &[&["physical"], &["logical"]],
    &[&["hardware"], &["software"]],
    &[&["certif"], &["self-assess", "self-attest"]],
    &[
        &["failed", "attempts"],
        &["inactivity", "inactive", "idle", "timeout", "time-out"],
    ],
    &[
        &["mfa", "multi-factor", "multifactor", "2fa", "two-factor"],
        &["sso", "sign-on", "signon"],
    ],
    // Whose systems: "can your employees access customer systems?" is not
    // "how do employees reach company systems?".
    &[
        &[
            "company system",
            "company network",
            "company environment",
            "company device",
            "corporate system",
            "corporate network",
            "corporate environment",
            "corporate device",
            "internal system",
            "internal network",
        ],
        &[
            "customer system",
            "customer network",
            "customer environment",
            "customer device",
            "customer infrastructure",
            "client system",
            "client network",
            "client environment",
            "institution system",
            "institutional system",
            "institutional network",
        ],
    ],
];

/// The first contrast between a question and an entry's phrasings (and its
/// short answer, which narrows what its `Yes` means: `Yes, Level 1
/// self-assessment`): a term the question names (`prevention`) where the
/// phrasings name another of its kind (`detection`) and never the
/// question's. `(asked, phrased)`.
pub fn contrast<'a>(
    question: &str,
    phrasings: impl Iterator<Item = &'a str>,
) -> Option<(&'static str, &'static str)> {
    let words = |text: &str| -> Vec<String> {
        text.to_lowercase()
            .split(|c: char| !(c.is_alphanumeric() || c == '-'))
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let word = |w: &str, t: &str| w == t || (t.len() >= 5 && w.starts_with(t));
    let names = |ws: &[String], terms: &[&str]| {
        terms.iter().any(|t| match t.split_once(' ') {
            Some((a, b)) => ws.windows(2).any(|p| word(&p[0], a) && word(&p[1], b)),
            None => ws.iter().any(|w| word(w, t)),
        })
    };
    let asked = words(question);
    let phrased: Vec<Vec<String>> = phrasings.map(words).collect();
    for kind in CONTRASTS {
        let in_question: Vec<usize> = (0..kind.len())
            .filter(|&i| names(&asked, kind[i]))
            .collect();
        if in_question.is_empty() {
            continue;
        }
        let in_phrasings: Vec<usize> = (0..kind.len())
            .filter(|&i| phrased.iter().any(|p| names(p, kind[i])))
            .collect();
        if in_phrasings.is_empty() || in_phrasings.iter().any(|i| in_question.contains(i)) {
            continue;
        }
        return Some((kind[in_question[0]][0], kind[in_phrasings[0]][0]));
    }
    None
}

/// Words that turn a question around where they open its main clause
/// ("Do you not ...", "Is there no ...").
const LEADING_NEGATIONS: &[&str] = &[
    "not", "no", "never", "cannot", "can't", "don't", "doesn't", "isn't", "aren't", "won't",
    "didn't", "hasn't", "haven't",
];

/// The word that turns `text` around, if any: `without` anywhere in its main
/// clause ("Can updates be applied without downtime?": a yes there is a no
/// to "Do updates require downtime?"), or a negation among the main
/// clause's first four words ("Do you not ..."). A leading clause that only
/// scopes the question ("For customers not using SSO, does ...") and a
/// qualifier further on ("devices that are not owned by you") do not count.
pub fn negation(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase().replace('’', "'");
    let main = match lower.split_once(',') {
        Some((_, rest)) if asks_yes_no(rest.trim_start()) => rest,
        _ => lower.as_str(),
    };
    let words: Vec<&str> = main
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .collect();
    if words.contains(&"without") {
        return Some("without");
    }
    words
        .iter()
        .take(4)
        .find_map(|w| LEADING_NEGATIONS.iter().find(|n| *n == w).copied())
}

/// The list, when a question that is not a yes/no one asks for several
/// things in parentheses: "Name your security contact (name, job title,
/// email address)". One KB entry rarely holds them all, so such a question
/// is not filled unreviewed. Examples (`e.g.`, `etc.`) and alternatives
/// (`Yes or No`) are not lists of things asked for.
pub fn several_asked(core: &str) -> Option<&str> {
    if asks_yes_no(core) {
        return None;
    }
    let mut rest = core;
    while let Some(open) = rest.find('(') {
        let inner = &rest[open + 1..];
        let close = inner.find(')')?;
        let list = inner[..close].trim();
        rest = &inner[close + 1..];
        if list.contains("etc") || list.contains(" or ") {
            continue;
        }
        let items: Vec<&str> = list
            .split([',', ';'])
            .flat_map(|part| part.split(" and "))
            .map(str::trim)
            .filter(|item| !item.is_empty() && *item != "and")
            .collect();
        if items.len() >= 3 && items.iter().all(|i| i.split_whitespace().count() <= 4) {
            return Some(list);
        }
    }
    None
}

/// The phrase that makes a question a catch-all, if it is one: "Is there
/// anything else you want us to know about ...?", "Use this area to share
/// ...", "Any other comments?". It asks for whatever the vendor wants to
/// add, which no entry answers as such, however close its topic.
pub fn catch_all(core: &str) -> Option<&'static str> {
    const PHRASES: [&str; 10] = [
        "anything else",
        "anything further",
        "any other comments",
        "any other information",
        "any additional information",
        "additional comments",
        "general comments",
        "use this area",
        "use this space",
        "use this section",
    ];
    let words = crate::kb::words(core);
    PHRASES.into_iter().find(|p| {
        words == *p
            || words.starts_with(&format!("{p} "))
            || words.ends_with(&format!(" {p}"))
            || words.contains(&format!(" {p} "))
    })
}

/// The word that opens a question asking for a fact rather than yes or no
/// ("how often ...", "which ...", "who ..."), if it is one.
pub fn asks_open(core: &str) -> Option<&'static str> {
    const OPEN: [&str; 9] = [
        "how", "what", "which", "when", "where", "who", "whom", "whose", "why",
    ];
    let first = core
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())?
        .to_lowercase();
    OPEN.into_iter().find(|w| *w == first)
}

/// For long prompts with several sentences, the sentences that ask something.
fn focus(text: &str) -> &str {
    if text.len() < 200 {
        return text;
    }
    // Keep from the start of the first sentence ending in '?'.
    let Some(q) = text.find('?') else {
        return text;
    };
    let start = text[..q].rfind(['.', '!', ':', '\n']).map_or(0, |i| i + 1);
    let focused = text[start..].trim();
    if focused.len() < 15 { text } else { focused }
}

/// Drops leading list markers and question IDs: `1.`, `1.2.3`, `a)`, `(iv)`,
/// `Q12:`, `SEC-1.1`.
fn strip_numbering(text: &str) -> &str {
    let mut rest = text.trim_start();
    loop {
        let Some(first) = rest.split_whitespace().next() else {
            return rest;
        };
        let token = first
            .trim_end_matches([')', '.', ':', '-'])
            .trim_start_matches('(');
        let marked = first.ends_with([')', ':']) || first.starts_with('(');
        let has_digit = token.bytes().any(|b| b.is_ascii_digit());
        let id_chars = !token.is_empty()
            && token.len() <= 16
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._&".contains(&b));
        let numeric = token.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        let id_like = id_chars
            && (numeric
                || (has_digit && token.bytes().any(|b| b"-._&".contains(&b)))
                || (marked && token.len() <= 5)
                || (token.len() == 1 && first.ends_with('.')));
        if id_like && rest.len() > first.len() {
            rest = rest[first.len()..].trim_start();
        } else {
            return rest;
        }
    }
}

/// Removes parenthesized examples: `(e.g. ...)`, `(i.e. ...)`, `(such as ...)`.
fn strip_examples(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let inner = &rest[open + 1..];
        let is_example = [
            "e.g",
            "eg.",
            "eg ",
            "i.e",
            "ie.",
            "ie ",
            "such as",
            "for example",
            "for instance",
            "including",
        ]
        .iter()
        .any(|p| inner.trim_start().starts_with(p));
        match inner.find(')') {
            Some(close) if is_example => {
                out.push_str(&rest[..open]);
                rest = &inner[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = inner;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Verbs of a control's life cycle, which control frameworks list by the
/// handful ("established, documented, approved, communicated, applied,
/// evaluated, and maintained").
const LIFE_CYCLE: &[&str] = &[
    "defined",
    "implemented",
    "evaluated",
    "established",
    "documented",
    "approved",
    "communicated",
    "applied",
    "enforced",
    "maintained",
    "reviewed",
    "updated",
    "tested",
    "monitored",
    "managed",
    "followed",
    "developed",
    "deployed",
    "performed",
    "exercised",
];
/// Generic nouns such a list follows ("processes, procedures, and technical
/// measures").
const FRAME_NOUNS: &[&str] = &[
    "processes",
    "procedures",
    "technical",
    "contractual",
    "measures",
    "and",
    "or",
    "and/or",
];
/// How many life-cycle verbs in a row make a frame: "reviewed and updated"
/// is what a question asks, "defined, implemented, and evaluated" is
/// boilerplate.
const FRAME_VERBS: usize = 3;

/// A word without the punctuation that may end it.
fn bare(w: &str) -> &str {
    w.trim_end_matches([',', ';', '?', '.', ':'])
}

/// Drops a control framework's frame: a list of [`FRAME_VERBS`] or more
/// life-cycle verbs, the generic nouns before it and a "to (ensure)" after
/// it. "Are processes, procedures, and technical measures defined,
/// implemented, and evaluated to ensure audit log security and retention?"
/// asks about audit log security and retention; read whole, it is as close
/// to every other question framed so. Kept where the list ends the
/// question, or where less than three words would remain.
fn strip_frame(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut i = 0;
    while i < words.len() {
        let mut j = i;
        let mut verbs = 0;
        while let Some(w) = words.get(j).map(|w| bare(w)) {
            if LIFE_CYCLE.contains(&w) {
                verbs += 1;
            } else if verbs == 0 || !["and", "or", "and/or"].contains(&w) {
                break;
            }
            j += 1;
        }
        if verbs >= FRAME_VERBS {
            let mut start = i;
            while start > 1 && FRAME_NOUNS.contains(&bare(words[start - 1])) {
                start -= 1;
            }
            let mut end = j;
            if words.get(end) == Some(&"to") {
                end += 1;
                if words.get(end) == Some(&"ensure") {
                    end += 1;
                }
            }
            let kept: Vec<&str> = words[..start]
                .iter()
                .chain(&words[end..])
                .copied()
                .filter(|w| !w.is_empty())
                .collect();
            // A list that ends the question is what it asks ("Are ...
            // policies established, documented, ... and maintained?" is
            // not "Are ... policies reviewed and updated?").
            let after = words[end..]
                .iter()
                .filter(|w| !w.is_empty())
                .skip_while(|w| ["for", "to", "that"].contains(w))
                .count();
            if after < 2 || kept.len() < 3 {
                return text.to_string();
            }
            return kept.join(" ");
        }
        i = j.max(i + 1);
    }
    text.to_string()
}

/// Nouns that may follow "policies" in the subject of a policy review
/// ("policies, procedures, and standards").
const POLICY_NOUNS: &[&str] = &["and", "or", "procedures", "standards", "and/or"];

/// Parties other than the company whose policies a question may ask about.
const PARTIES: &[&str] = &[
    "partner",
    "partners",
    "partner's",
    "vendor",
    "vendors",
    "vendor's",
    "supplier",
    "suppliers",
    "supplier's",
    "third-party",
    "third",
    "subprocessor",
    "subprocessors",
    "sub-processor",
    "sub-processors",
    "provider",
    "providers",
    "provider's",
    "customer",
    "customers",
    "customer's",
    "client",
    "clients",
    "client's",
    "contractor",
    "contractors",
    "contractor's",
    "tenant",
    "tenants",
    "tenant's",
];

/// A question's [`core`] that asks of policies on some subject whether they
/// are reviewed, asked without the subject: "Are cryptography, encryption, and key management policies and
/// procedures reviewed and updated at least annually?" asks what the
/// review of policies does ("are policies and procedures reviewed and
/// updated at least annually"), which a KB answers once for all its
/// policies; read whole, it is nearer the entry on the subject (which
/// algorithms are used) than the one on policy reviews. Only a question
/// opening with "are"/"is" whose policies are followed, after at most a
/// clause on their subject, by "reviewed"; `None` for any other, and where
/// no subject is named ("Are the policies reviewed ...?").
pub fn policy_review(text: &str) -> Option<String> {
    if !text.contains("reviewed") {
        return None;
    }
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    if !matches!(words.first().copied(), Some("are" | "is")) {
        return None;
    }
    let p = words
        .iter()
        .take(12)
        .position(|w| matches!(bare(w), "policies" | "policy"))?;
    let mut end = p + 1;
    while words
        .get(end)
        .is_some_and(|w| POLICY_NOUNS.contains(&bare(w)))
    {
        end += 1;
    }
    let r = end
        + words
            .iter()
            .skip(end)
            .take(25)
            .position(|w| bare(w) == "reviewed")?;
    // Another party's policies ("supply chain partner policies") are not
    // the company's.
    if words[1..p]
        .iter()
        .chain(&words[end..r])
        .any(|w| PARTIES.contains(&bare(w)))
    {
        return None;
    }
    // Only a subject is dropped, not "the" of "Are the policies ...".
    if r == end
        && words[1..p]
            .iter()
            .all(|w| ["the", "your", "all", "our", "these", "those", "such"].contains(w))
    {
        return None;
    }
    // A clause between the policies and "reviewed" says what they govern.
    if r > end
        && !["for", "to", "that", "on", "governing", "regarding", "which"].contains(&words[end])
    {
        return None;
    }
    let mut subject = vec![words[0]];
    subject.extend(&words[p..end]);
    let nouns = subject.join(" ");
    let nouns = nouns.trim_end_matches(',');
    Some(format!("{nouns} {}", words[r..].join(" ")))
}

/// Cuts a trailing "If yes, ..." style clause when a question precedes it.
fn strip_follow_ups(text: &str) -> String {
    let mut cut = text.len();
    for f in FOLLOW_UPS {
        let mut from = 0;
        while let Some(i) = text[from..].find(f) {
            let at = from + i;
            let before = text[..at].trim_end();
            if at > 0 && before.len() >= 15 && before.ends_with(['?', '.', ';', ',', ')']) {
                cut = cut.min(at);
                break;
            }
            from = at + f.len();
        }
    }
    text[..cut].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catch_all_questions_are_told_from_questions_on_a_topic() {
        let c = |q: &str| catch_all(&core(q));
        assert_eq!(
            c(
                "Is there anything else you want us to know about the physical security at your office?"
            ),
            Some("anything else")
        );
        assert_eq!(
            c(
                "Do you have any other comments about the security of your network? If yes, please provide them below."
            ),
            Some("any other comments")
        );
        assert_eq!(
            c("Use this area to share information about your environment."),
            Some("use this area")
        );
        assert_eq!(
            c("Provide any additional information about the security of your application:"),
            Some("any additional information")
        );
        // A question on a topic is not one, nor is its "if yes" request.
        assert_eq!(
            c("Do you encrypt data at rest? If yes, provide additional comments."),
            None
        );
        assert_eq!(
            c("Is security testing performed by anyone else than your staff?"),
            None
        );
    }

    #[test]
    fn contrasts_between_question_and_entry() {
        let c = |q: &str, ps: &[&str]| contrast(q, ps.iter().copied());
        assert_eq!(
            c(
                "Have you implemented an intrusion prevention system?",
                &["Have you implemented an intrusion detection system?"]
            ),
            Some(("prevent", "detect"))
        );
        assert_eq!(
            c("Vendor contact title", &["Vendor contact name"]),
            Some(("title", "name"))
        );
        assert_eq!(
            c(
                "Are privacy principles designed into the product lifecycle?",
                &["Are information security principles designed into the product lifecycle?"]
            ),
            Some(("privacy", "security"))
        );
        // An entry naming both, or the question's, is no contrast.
        assert_eq!(
            c(
                "Is privacy training mandatory?",
                &[
                    "Is security training mandatory?",
                    "Is security and privacy training mandatory?"
                ]
            ),
            None
        );
        assert_eq!(
            c(
                "Is data encrypted in transit?",
                &[
                    "Is data at rest encrypted?",
                    "Is data encrypted in transit?"
                ]
            ),
            None
        );
        assert_eq!(
            c(
                "Does your application lock out an account after a number of failed login attempts?",
                &["Does your application lock the session after a period of inactivity?"]
            ),
            Some(("failed", "inactivity"))
        );
        for (question, phrasing, pair) in [
            (
                "What is your recovery point objective?",
                "What is your recovery time objective (RTO)?",
                ("rpo", "rto"),
            ),
            (
                "Do contractors complete security awareness training?",
                "Do all employees complete security awareness training?",
                ("contractor", "employee"),
            ),
            (
                "Do you have a current SOC 1 Type 2 report?",
                "Can you share your SOC 2 Type 2 report?",
                ("soc 1", "soc 2"),
            ),
            (
                "How long are backups retained?",
                "How long are logs retained?",
                ("backup", "log"),
            ),
            (
                "How long do you retain customer data after termination?",
                "How is customer data deleted when a contract ends?",
                ("retain", "delet"),
            ),
        ] {
            assert_eq!(c(question, &[phrasing]), Some(pair), "{question}");
        }
        // HECVAT's `vendor` is the one who answers: no kind of its own.
        assert_eq!(
            c(
                "Does the vendor support SSO for customers?",
                &["Can customers sign in with SAML SSO?"]
            ),
            None
        );
        // Two words side by side: whose systems.
        assert_eq!(
            c(
                "Can your employees access customer systems remotely?",
                &["How do employees access company systems when working remotely?"]
            ),
            Some(("customer system", "company system"))
        );
        assert_eq!(
            c(
                "Can your employees access customer systems remotely?",
                &["Can support staff reach customer environments?"]
            ),
            None
        );
        assert_eq!(
            c(
                "How do employees access company systems when working remotely?",
                &["Is a VPN required for remote access to the company network?"]
            ),
            None
        );
        // Short terms match whole words only: `restore` is not `rest`.
        assert_eq!(
            c(
                "Is backup data encrypted in transit?",
                &["Do you test restores of backup data?"]
            ),
            None
        );
    }

    #[test]
    fn negations_that_turn_the_question_around() {
        let n = |q: &str| negation(&core(q));
        assert_eq!(
            n("Have you operated without unplanned disruptions in the past 12 months?"),
            Some("without")
        );
        assert_eq!(n("Do you not store card numbers?"), Some("not"));
        assert_eq!(n("Don’t you log admin actions?"), Some("don't"));
        assert_eq!(
            n("Have you had an unplanned disruption in the last 12 months?"),
            None
        );
        // A scoping clause and a qualifier do not.
        assert_eq!(
            n("For customers not using SSO, does your application support MFA?"),
            None
        );
        assert_eq!(
            n("Is it possible for devices that are not owned by your company to connect remotely?"),
            None
        );
        assert_eq!(n("Is there no way to bypass MFA?"), Some("no"));
    }

    #[test]
    fn open_questions() {
        assert_eq!(
            asks_open(&core("How often do you scan for vulnerabilities?")),
            Some("how")
        );
        assert_eq!(
            asks_open(&core("Which regions host our data?")),
            Some("which")
        );
        assert_eq!(asks_open(&core("Do you scan for vulnerabilities?")), None);
        assert_eq!(asks_open(&core("Describe your DR plan.")), None);
    }

    #[test]
    fn a_parenthesized_list_of_things_asked_for() {
        let asked = |q: &str| several_asked(&core(q)).map(str::to_owned);
        assert_eq!(
            asked("Name the primary security contact (name, job title, email address)."),
            Some("name, job title, email address".into())
        );
        assert_eq!(
            asked("Provide your data centers' locations (city; country and provider)"),
            Some("city; country and provider".into())
        );
        for q in [
            // yes/no: one answer covers the list
            "Do you encrypt data (at rest, in transit, and in backups)?",
            // examples and alternatives
            "Describe your SDLC (e.g. design, build, test, release).",
            "Which frameworks do you follow (ISO, NIST, CIS, etc.)?",
            "State your hosting model (SaaS, PaaS or IaaS)",
            // two things, or long clauses
            "Provide your security contact (name and email)",
            "Describe (in your own words, with as much detail as needed, for the reviewers) the design",
        ] {
            assert_eq!(asked(q), None, "{q}");
        }
    }

    #[test]
    fn cleans_invisible_and_typographic_characters() {
        assert_eq!(
            clean("\u{FEFF}Do\u{A0}you  use “TLS”?\n"),
            "Do you use \"TLS\"?"
        );
        assert_eq!(
            clean("Do you \u{202E}ton\u{202C} log access? \u{2067}x\u{2069}"),
            "Do you ton log access? x"
        );
    }

    #[test]
    fn strips_boilerplate() {
        assert_eq!(
            core("1.2 Please describe your incident response process."),
            "your incident response process"
        );
        assert_eq!(
            core("SEC-4.1: Do you encrypt data at rest (e.g. AES-256)? If yes, describe how."),
            "do you encrypt data at rest"
        );
        assert_eq!(core("(a) Is MFA required?"), "is mfa required");
        assert_eq!(
            core("A&A-01.1 Are audits performed?"),
            "are audits performed"
        );
    }

    #[test]
    fn drops_a_control_frameworks_frame() {
        assert_eq!(
            core(
                "Are processes, procedures, and technical measures defined, implemented, and evaluated to ensure audit log security and retention?"
            ),
            "are audit log security and retention"
        );
        assert_eq!(
            core(
                "Are policies and procedures established, documented, approved, communicated, applied, evaluated, and maintained for all endpoints?"
            ),
            "are policies for all endpoints"
        );
        // A list that ends the question is what it asks.
        assert_eq!(
            core(
                "Are logging policies and procedures established, documented, approved, communicated, applied, evaluated, and maintained?"
            ),
            "are logging policies and procedures established, documented, approved, communicated, applied, evaluated, and maintained"
        );
        // Two verbs are what the question asks.
        assert_eq!(
            core("Are logging policies and procedures reviewed and updated at least annually?"),
            "are logging policies and procedures reviewed and updated at least annually"
        );
        // Too little would be left to ask about.
        assert_eq!(
            core("Are processes defined, implemented, and evaluated for backups?"),
            "are processes defined, implemented, and evaluated for backups"
        );
        assert_eq!(
            core("Is a process defined, implemented and evaluated for vulnerability detection?"),
            "is a process for vulnerability detection"
        );
    }

    #[test]
    fn asks_a_policy_review_without_its_subject() {
        let general = |q: &str| policy_review(&core(q));
        assert_eq!(
            general(
                "Are cryptography, encryption, and key management policies and procedures reviewed and updated at least annually?"
            )
            .as_deref(),
            Some("are policies and procedures reviewed and updated at least annually")
        );
        assert_eq!(
            general(
                "Are policies and procedures for the secure disposal of equipment used outside the organization's premises reviewed and updated at least annually?"
            )
            .as_deref(),
            Some("are policies and procedures reviewed and updated at least annually")
        );
        assert_eq!(
            general("Is the information security policy reviewed annually?").as_deref(),
            Some("is policy reviewed annually")
        );
        // No subject to drop.
        for q in [
            "Are policies and procedures reviewed and updated at least annually?",
            "Are the policies and procedures reviewed and updated at least annually?",
        ] {
            assert_eq!(general(q), None, "{q}");
        }
        // Not a review of the company's policies.
        for q in [
            "Are access rights reviewed at least quarterly?",
            "Are security policies enforced and reviewed?",
            "Do you have a password policy reviewed by legal?",
            "Are supply chain partner IT governance policies and procedures reviewed periodically?",
        ] {
            assert_eq!(general(q), None, "{q}");
        }
    }

    #[test]
    fn keeps_words_that_look_like_markers() {
        assert_eq!(core("SOC 2 reports available?"), "soc 2 reports available");
        assert_eq!(core("Is 2FA required?"), "is 2fa required");
    }

    #[test]
    fn tells_yes_no_questions_from_open_ones() {
        for q in [
            "Do you encrypt data at rest?",
            "1.2 Is MFA required for all staff?",
            "Can access be restricted by IP address? If so, describe how.",
            "Have you conducted a risk analysis?",
        ] {
            assert!(asks_yes_no(&core(q)), "{q}");
        }
        for q in [
            "How often do you review logs?",
            "Please describe whether you encrypt data at rest.",
            "Which SSO mechanisms do you support?",
            "Dose of reality",
            "",
        ] {
            assert!(!asks_yes_no(&core(q)), "{q}");
        }
    }

    #[test]
    fn long_prompts_keep_their_question_sentence() {
        let text = "Many organizations rely on third parties for parts of their infrastructure, \
            and the way those parties are selected and monitored varies widely between companies \
            and industries. Do you assess the security of your vendors before onboarding them?";
        assert_eq!(
            core(text),
            "do you assess the security of your vendors before onboarding them"
        );
    }
}

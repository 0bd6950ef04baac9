//! Harvesting answered questionnaires: the answers a company already sent
//! to customers become proposed KB entries (`vetted kb import`).
//!
//! Each answered question of the files (found as `fill` finds questions;
//! the answer cell's text, or the marked choice, and the details cell) is
//! compared with the KB and with the other answered questions:
//!
//! - a wording an approved entry already has, answered the same way, is
//!   known and skipped;
//! - the same wording answered another way becomes a proposal based on
//!   that entry, which it would change;
//! - wordings that are (nearly) the same with the same answer (HECVAT asks
//!   some twice; two years of the same questionnaire ask all) become one
//!   proposal with alternates;
//! - one wording answered two ways becomes two proposals, each noting the
//!   other.
//!
//! Nothing is approved here: every proposal goes to `_inbox/`, with a
//! comment saying where it comes from and which approved entry it resembles,
//! for the security team to approve through git. An old answer may be out
//! of date, and only a person can tell whether a resembling entry says the
//! same thing.

use std::collections::{BTreeSet, HashMap};

use crate::kb::{
    Date, Entry, KnowledgeBase, LearnError, Proposal, Proposed, Wording, propose, slug, words,
};
use crate::matcher::{MatchError, Matcher};
use crate::sheet::{Layout, Workbook};

/// How many sources a proposal's comment names before "and N more".
const SOURCES_SHOWN: usize = 3;

/// One answered question of a questionnaire.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    /// Where it is: `` `file.xlsx`, sheet `Security`, row 12 ``.
    pub source: String,
    pub question: String,
    /// A bare choice spelled `Yes`, `No` or `N/A`; anything else as written.
    pub answer: String,
    /// The row's details cell (empty: none).
    pub details: String,
}

/// What an import found.
#[derive(Debug, Default)]
pub struct Harvest<'a> {
    pub proposals: Vec<Proposal<'a>>,
    /// Answered questions an approved entry already holds with the same
    /// answer: (source, entry id).
    pub known: Vec<(String, String)>,
    /// Answered questions already proposed in `_inbox/` (sources).
    pub already_proposed: Vec<String>,
    /// Answered questions folded into another's proposal (same question,
    /// same answer).
    pub merged: usize,
    /// Proposals whose question was answered another way elsewhere in the
    /// import.
    pub conflicting: usize,
}

/// The answered questions of a workbook, as laid out by
/// [`crate::sheet::detect`]; `label` names the file in the sources.
/// Questions without an answer (or whose answer is a formula's result) are
/// left out.
pub fn answered(workbook: &Workbook, layouts: &[Layout], label: &str) -> Vec<Answered> {
    let mut out = Vec::new();
    for layout in layouts {
        let sheet = &workbook.sheets[layout.sheet];
        for q in &layout.questions {
            let Some(answer) = q
                .existing_answer
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty())
            else {
                continue;
            };
            let details = if layout.details_is_new {
                String::new()
            } else {
                sheet
                    .get(q.row, layout.details_col)
                    .display()
                    .trim()
                    .to_owned()
            };
            out.push(Answered {
                source: format!("`{label}`, sheet `{}`, row {}", sheet.name, q.row + 1),
                question: q.text.split_whitespace().collect::<Vec<_>>().join(" "),
                answer: spelled(answer),
                details,
            });
        }
    }
    out
}

/// A bare yes, no or not-applicable choice spelled the KB's way (`Y` →
/// `Yes`, `Not Applicable` → `N/A`); any other answer as it is.
fn spelled(answer: &str) -> String {
    let canonical = ["Yes".to_owned(), "No".to_owned(), "N/A".to_owned()];
    crate::fill::allowed_spelling(answer, &canonical)
        .unwrap_or(answer)
        .to_owned()
}

/// Whether two answers say the same: the same words, or the same choice
/// however spelled.
fn same_answer(a: &str, b: &str) -> bool {
    words(a) == words(b) || spelled(a) == spelled(b)
}

/// One question as the import asked it, and how it was answered.
#[derive(Debug)]
struct Group<'a, 'k> {
    first: &'a Answered,
    /// Its wordings, first first, each as compared.
    wordings: Vec<(&'a str, Wording)>,
    sources: Vec<&'a str>,
    /// The longest details given.
    details: &'a str,
    /// The approved entry that holds its wording, with another answer.
    holder: Option<&'k Entry>,
    /// The groups that ask the same with another answer.
    conflicts: BTreeSet<usize>,
}

impl Group<'_, '_> {
    fn has(&self, key: &Wording) -> bool {
        self.wordings.iter().any(|(_, k)| k.same(key))
    }
}

/// An id for a new entry from its question's telling words:
/// `Do you encrypt customer data at rest?` → `encrypt-customer-data-rest`.
fn id_stem(question: &str) -> String {
    const FILLER: &[&str] = &[
        "a",
        "an",
        "the",
        "do",
        "does",
        "did",
        "you",
        "your",
        "is",
        "are",
        "was",
        "have",
        "has",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "and",
        "or",
        "with",
        "by",
        "any",
        "all",
        "there",
        "please",
        "describe",
        "provide",
        "if",
        "so",
        "yes",
        "no",
        "organization",
        "company",
        "vendor",
        "solution",
        "we",
        "our",
        "it",
        "its",
        "be",
        "that",
        "this",
        "what",
        "how",
    ];
    let telling: Vec<String> = words(question)
        .split(' ')
        // Single letters are markup or list marks (`<b>`, `a)`); digits stay (`SOC 2`).
        .filter(|w| {
            !w.is_empty()
                && !FILLER.contains(w)
                && (w.len() > 1 || w.chars().all(|c| c.is_ascii_digit()))
        })
        .map(str::to_owned)
        .collect();
    let stem = slug(&telling.join(" "), 5);
    if stem == "draft" {
        slug(question, 5)
    } else {
        stem
    }
}

/// Compares the answered questions with the KB (`kb` with its inbox, so
/// that nothing is proposed twice) and with each other, and makes the
/// proposals. `matcher`, when given, names the approved entry each new
/// question resembles most, where it scores halfway from `review` to `auto`
/// or better.
pub fn harvest<'k>(
    kb: &'k KnowledgeBase,
    matcher: Option<&Matcher>,
    answered: &[Answered],
) -> Result<Harvest<'k>, MatchError> {
    let mut out = Harvest::default();
    // Every phrasing of the KB as compared: approved ones by their entry,
    // proposed ones with their answers.
    let mut exact: HashMap<String, &Entry> = HashMap::new();
    let mut approved: Vec<(Wording, &Entry)> = Vec::new();
    let mut proposed: Vec<(Wording, &Entry)> = Vec::new();
    for e in &kb.entries {
        for p in e.phrasings() {
            let key = Wording::new(p);
            if e.proposed {
                proposed.push((key, e));
            } else {
                exact.entry(key.words().to_owned()).or_insert(e);
                approved.push((key, e));
            }
        }
    }
    let approved_with = |key: &Wording| -> Option<&Entry> {
        exact
            .get(key.words())
            .copied()
            .or_else(|| approved.iter().find(|(k, _)| k.same(key)).map(|(_, e)| *e))
    };
    // Group the answered questions: one question, one answer; the same
    // question with another answer is a group of its own, linked.
    let mut groups: Vec<Group> = Vec::new();
    for a in answered {
        let key = Wording::new(&a.question);
        if proposed
            .iter()
            .any(|(k, e)| k.same(&key) && same_answer(&e.answer, &a.answer))
        {
            out.already_proposed.push(a.source.clone());
            continue;
        }
        let holder = approved_with(&key);
        if let Some(e) = holder.filter(|e| same_answer(&e.answer, &a.answer)) {
            out.known.push((a.source.clone(), e.id.clone()));
            continue;
        }
        let asked: Vec<usize> = (0..groups.len()).filter(|&i| groups[i].has(&key)).collect();
        let (alike, other): (Vec<usize>, Vec<usize>) = asked
            .into_iter()
            .partition(|&i| same_answer(&groups[i].first.answer, &a.answer));
        let at = match alike.first() {
            Some(&i) => {
                out.merged += 1;
                let g = &mut groups[i];
                if !g.wordings.iter().any(|(_, k)| k.words() == key.words()) {
                    g.wordings.push((&a.question, key));
                }
                g.sources.push(&a.source);
                if a.details.len() > g.details.len() {
                    g.details = &a.details;
                }
                i
            }
            None => {
                groups.push(Group {
                    first: a,
                    wordings: vec![(&a.question, key)],
                    sources: vec![&a.source],
                    details: &a.details,
                    holder,
                    conflicts: BTreeSet::new(),
                });
                groups.len() - 1
            }
        };
        for j in other {
            groups[at].conflicts.insert(j);
            groups[j].conflicts.insert(at);
        }
    }
    // The approved entry each new question resembles most.
    let resembles: Vec<Option<(&Entry, f32)>> = match matcher {
        Some(m) => {
            let questions: Vec<&str> = groups.iter().map(|g| g.first.question.as_str()).collect();
            m.match_questions(&questions)?
                .into_iter()
                .map(|found| {
                    found
                        .candidates
                        .iter()
                        .find(|c| !m.entry(c).proposed)
                        .filter(|c| {
                            let t = m.thresholds();
                            c.score >= (t.review + t.auto) / 2.0
                        })
                        .map(|c| (m.entry(c), c.score))
                })
                .collect()
        }
        None => vec![None; groups.len()],
    };
    for (g, resembles) in groups.iter().zip(resembles) {
        let mut note = vec![from(&g.sources)];
        if !g.conflicts.is_empty() {
            out.conflicting += 1;
        }
        for o in g.conflicts.iter().map(|&j| &groups[j]) {
            note.push(format!(
                "Answered `{}` in {}: decide which holds.",
                crate::sheet::one_line(&o.first.answer),
                o.sources[0]
            ));
        }
        let base = g.holder;
        match (base, resembles) {
            (Some(e), _) => note.push(format!(
                "Entry `{}` asks this and answers `{}`: approving this changes that entry.",
                e.id,
                crate::sheet::one_line(&e.answer)
            )),
            (None, Some((e, score))) => note.push(format!(
                "Resembles entry `{}` ({score:.2}), which answers `{}`: if it says the same, add the wording to its alternates instead.",
                e.id,
                crate::sheet::one_line(&e.answer)
            )),
            (None, None) => {}
        }
        out.proposals.push(Proposal {
            question: g.first.question.clone(),
            alternates: g.wordings[1..]
                .iter()
                .map(|(w, _)| (*w).to_owned())
                .collect(),
            answer: g.first.answer.clone(),
            details: g.details.to_owned(),
            base,
            id_stem: match base {
                Some(e) => format!("{}-imported", e.id),
                None => id_stem(&g.first.question),
            },
            note,
            owner: None,
            review_by: None,
        });
    }
    Ok(out)
}

/// Writes the proposals of an import of `files` (file names) to the inbox
/// file of that import, under a comment naming them ([`crate::kb::propose`]);
/// `None` when there are none.
pub fn write(
    kb: &KnowledgeBase,
    proposals: &[Proposal],
    files: &[&str],
    today: Date,
    dry_run: bool,
) -> Result<Option<Proposed>, LearnError> {
    if proposals.is_empty() {
        return Ok(None);
    }
    let label = inbox_label(files);
    let header = inbox_header(files, today);
    propose(kb, proposals, &label, &header, today, dry_run).map(Some)
}

/// What names the inbox file of an import of `files` (file names):
/// `import <first stem>`, `and N more`.
fn inbox_label(files: &[&str]) -> String {
    let stem = files.first().map_or("", |f| {
        std::path::Path::new(f)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(f)
    });
    match files.len() {
        0 | 1 => format!("import {stem}"),
        n => format!("import {stem} and {} more", n - 1),
    }
}

/// The comment that opens the inbox file of an import of `files`.
fn inbox_header(files: &[&str], today: Date) -> String {
    format!(
        "Proposed entries imported by `vetted kb import` ({today}) from answers\n\
         already given in {}.\n\
         Approve one with `vetted kb accept ID` (where it says what a resembling\n\
         entry says, add its wording to that entry instead: `vetted kb accept ID\n\
         --as-alternate-of ENTRY`); delete the rest (`vetted kb reject ID`), or\n\
         edit this file and approve what is left: `vetted kb accept FILE`.\n\
         Old answers may be out of date: check each.",
        files
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// `From A.` / `From A; B and 3 more.`
fn from(sources: &[&str]) -> String {
    let shown = sources.len().min(SOURCES_SHOWN);
    let mut text = format!("From {}", sources[..shown].join("; "));
    if sources.len() > shown {
        text.push_str(&format!(" and {} more", sources.len() - shown));
    }
    text.push('.');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(question: &str, answer: &str, row: u32) -> Answered {
        Answered {
            source: format!("`q.xlsx`, sheet `S`, row {row}"),
            question: question.to_owned(),
            answer: answer.to_owned(),
            details: String::new(),
        }
    }

    fn kb(entries: Vec<Entry>) -> KnowledgeBase {
        KnowledgeBase {
            entries,
            ..KnowledgeBase::default()
        }
    }

    #[test]
    fn choices_are_spelled_the_kb_way() {
        assert_eq!(spelled("Y"), "Yes");
        assert_eq!(spelled("not applicable"), "N/A");
        assert_eq!(spelled("Quarterly"), "Quarterly");
        assert!(same_answer("yes", "Y"));
        assert!(!same_answer("Yes", "No"));
    }

    #[test]
    fn ids_keep_the_telling_words() {
        assert_eq!(
            id_stem("Do you encrypt customer data at rest?"),
            "encrypt-customer-data-rest"
        );
        assert_eq!(id_stem("Do you?"), "do-you");
    }

    #[test]
    fn known_merged_conflicting_and_changed() {
        let mut enc = crate::kb::test_entry("enc", "Yes");
        enc.question = "Do you encrypt customer data at rest?".into();
        let mut mfa = crate::kb::test_entry("mfa", "Yes");
        mfa.question = "Do you enforce MFA for employees?".into();
        let mut old = crate::kb::test_entry("old-proposal", "No");
        old.question = "Do you run a bug bounty program?".into();
        old.proposed = true;
        let kb = kb(vec![enc, mfa, old]);
        let rows = [
            // Known: the entry's wording and answer (spelled another way).
            answered("Do you encrypt customer data at rest ?", "Y", 2),
            // The entry's wording, another answer: based on the entry.
            answered("Do you enforce MFA for employees?", "No", 3),
            // Already in the inbox.
            answered("Do you run a bug bounty program?", "No", 4),
            // New, asked twice the same way: one proposal.
            answered("Do you back up customer data daily?", "Yes", 5),
            answered("Do you back up customer data daily ?", "Yes", 6),
            // New, answered two ways.
            answered("Is a SOC 2 Type II report available?", "Yes", 7),
            answered("Is a SOC 2 Type II report available?", "No", 8),
        ];
        let h = harvest(&kb, None, &rows).unwrap();
        assert_eq!(h.known.len(), 1, "{:?}", h.known);
        assert_eq!(h.known[0].1, "enc");
        assert_eq!(h.already_proposed.len(), 1);
        assert_eq!(h.merged, 1);
        assert_eq!(h.conflicting, 2);
        let ids: Vec<&str> = h.proposals.iter().map(|p| p.id_stem.as_str()).collect();
        assert_eq!(
            ids,
            [
                "mfa-imported",
                "back-up-customer-data-daily",
                "soc-2-type-ii-report",
                "soc-2-type-ii-report"
            ]
        );
        assert_eq!(h.proposals[0].base.map(|e| e.id.as_str()), Some("mfa"));
        assert!(
            h.proposals[0].note[1].contains("answers `Yes`"),
            "{:?}",
            h.proposals[0].note
        );
        assert!(
            h.proposals[1].alternates.is_empty(),
            "same words: no alternate"
        );
        assert!(h.proposals[1].note[0].contains("row 5; `q.xlsx`, sheet `S`, row 6"));
        assert!(
            h.proposals[2].note[1].contains("Answered `No`"),
            "{:?}",
            h.proposals[2].note
        );
        assert!(h.proposals[3].note[1].contains("Answered `Yes`"));
    }
}

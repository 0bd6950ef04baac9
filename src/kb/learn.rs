//! Learning from review: reviewed questions flow back into the KB.
//!
//! - A question approved with its entry's answer adds its wording to the
//!   entry's `alternates`, so the next questionnaire that asks it this way
//!   matches at once. Exact and near-duplicate wordings are skipped.
//! - A question approved with an edited answer (or details, or with no entry
//!   at all) never rewrites an approved entry: it becomes a proposed entry in
//!   `_inbox/`, for the security team to approve through git. The entry it
//!   was drafted from gains the wording in its `does_not_answer` (until the
//!   proposal updates it, `kb accept`).
//! - A question whose drafted entry was rejected adds its wording to that
//!   entry's `does_not_answer`: the entry is not proposed for it again.
//!
//! The TOML files are edited in place with `toml_edit`, so comments, key
//! order and layout survive; every file is replaced atomically.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, value};

use super::model::words;
use super::wording::{Wording, near_duplicate};
use super::{Date, Entry, INBOX_DIR, KnowledgeBase};

#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` is not valid TOML any more: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("`{}` has no entry `{id}` (was the KB changed meanwhile?)", path.display())]
    EntryNotFound { path: PathBuf, id: String },
}

/// A question a reviewer approved.
#[derive(Debug, Clone, PartialEq)]
pub struct Approved {
    /// Where it comes from, for messages and the inbox comment
    /// (`draft.xlsx, sheet Security, row 12`).
    pub source: String,
    pub question: String,
    /// The entry the reviewer kept (or chose), if any.
    pub entry: Option<String>,
    /// The answer as approved.
    pub answer: String,
    /// The details as approved (empty: none).
    pub details: String,
    /// Whether the reviewer changed the drafted answer or details.
    pub edited: bool,
    /// The dropdown value the reviewer chose where the cell does not take
    /// the entry's answer (`Yes` for `Annually`): learned as a choice of the
    /// entry for this wording, not as an edit.
    pub choice: Option<String>,
    /// The question that places this one in its questionnaire
    /// ([`crate::kb::placed_after`]), if any.
    pub after: Option<String>,
}

/// A question whose drafted entry a reviewer rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// Where it comes from, for messages.
    pub source: String,
    pub question: String,
    /// The entry rejected.
    pub entry: String,
    /// The question that places this one in its questionnaire
    /// ([`crate::kb::placed_after`]), if any.
    pub after: Option<String>,
}

/// A question the reviewer left without an entry: not approved, and not
/// rejected from one (no status, flagged, or rejected with nothing drafted).
#[derive(Debug, Clone, PartialEq)]
pub struct Left {
    /// Where it comes from, for messages.
    pub source: String,
    pub question: String,
}

/// What is added to an approved entry.
#[derive(Debug, Clone, PartialEq)]
enum Addition {
    Alternate(String),
    Choice(crate::kb::Choice),
    NotAnswered(String),
    Asked(crate::kb::Asked),
}

/// What [`learn`] did (or, dry, would do).
#[derive(Debug, Default)]
pub struct Learned {
    /// (entry id, wording) pairs added as alternates.
    pub alternates: Vec<(String, String)>,
    /// (entry id, wording, choice) added as choices.
    pub choices: Vec<(String, String, String)>,
    /// (entry id, wording) added to `does_not_answer`: rejected, or edited.
    pub not_answered: Vec<(String, String)>,
    /// Wordings both taken and not for one entry (a phrasing of it, or taken
    /// for it elsewhere in this review): (source, entry id, phrasing). They
    /// are recorded in `does_not_answer` too, so the entry is held at review
    /// for them until a person removes one of the two, except where
    /// reviewers decided (`asked`).
    pub contested: Vec<(String, String, String)>,
    /// (entry id, where) added to `asked`: where a contested wording was
    /// taken or not.
    pub asked: Vec<(String, crate::kb::Asked)>,
    /// Wordings skipped because the entry already has them (or nearly), and
    /// proposals already in the inbox.
    pub duplicates: usize,
    /// Proposed entries written to the inbox: (id, based on).
    pub proposals: Vec<(String, Option<String>)>,
    /// The inbox file written, if any.
    pub inbox_file: Option<PathBuf>,
    /// Approved rows naming an entry the KB does not have: (source, id).
    pub unknown: Vec<(String, String)>,
    /// Approved rows with an edited answer that is empty, so there is no
    /// answer to propose (sources).
    pub unanswered: Vec<String>,
    /// Files changed.
    pub files: Vec<PathBuf>,
}

/// What learning from one review would change: the additions per file, the
/// proposals to write, and the summary.
struct Plan<'a> {
    learned: Learned,
    /// Per file: (entry id, what to add).
    additions: HashMap<PathBuf, Vec<(String, Addition)>>,
    proposals: Vec<(&'a Approved, Option<&'a Entry>)>,
}

/// A wording a reviewer took for an entry as it is, and where.
struct Taken<'a> {
    wording: &'a str,
    /// The wording as compared, made once.
    compared: Wording,
    after: Option<&'a str>,
    entry: &'a Entry,
}

fn plan<'a>(
    kb: &'a KnowledgeBase,
    approved: &'a [Approved],
    rejected: &'a [Rejected],
    left: &'a [Left],
) -> Plan<'a> {
    // Proposed entries (when `kb` includes the inbox) are not approved: they
    // take no alternates, but a proposal they already make is not repeated.
    let by_id: HashMap<&str, &Entry> = kb
        .entries
        .iter()
        .filter(|e| !e.proposed)
        .map(|e| (e.id.as_str(), e))
        .collect();
    let already_proposed = |a: &Approved| {
        kb.entries.iter().any(|e| {
            e.proposed
                && words(&e.question) == words(&a.question)
                && words(&e.answer) == words(&a.answer)
        })
    };
    let mut learned = Learned::default();
    let mut additions: HashMap<PathBuf, Vec<(String, Addition)>> = HashMap::new();
    let mut chosen: HashSet<(String, String)> = HashSet::new();
    let mut seen: HashMap<String, Vec<String>> = HashMap::new();
    let mut proposals: Vec<(&Approved, Option<&Entry>)> = Vec::new();
    // (source, wording, the question before, entry) of wordings the entry
    // does not answer.
    let mut refusals: Vec<(&str, &str, Option<&str>, &Entry)> = Vec::new();
    let mut taken: Vec<Taken> = Vec::new();
    for r in rejected {
        match by_id.get(r.entry.as_str()) {
            Some(e) => refusals.push((
                r.source.as_str(),
                r.question.as_str(),
                r.after.as_deref(),
                e,
            )),
            None => learned.unknown.push((r.source.clone(), r.entry.clone())),
        }
    }
    for a in approved {
        let entry = match &a.entry {
            Some(id) => match by_id.get(id.as_str()) {
                Some(e) => Some(*e),
                None => {
                    learned.unknown.push((a.source.clone(), id.clone()));
                    continue;
                }
            },
            None => None,
        };
        let Some(entry) = entry.filter(|_| !a.edited) else {
            if already_proposed(a) {
                learned.duplicates += 1;
            } else if !a.answer.trim().is_empty() {
                proposals.push((a, entry));
            } else {
                learned.unanswered.push(a.source.clone());
            }
            // The entry as it stands did not answer this wording.
            if let Some(e) = entry {
                refusals.push((
                    a.source.as_str(),
                    a.question.as_str(),
                    a.after.as_deref(),
                    e,
                ));
            }
            continue;
        };
        taken.push(Taken {
            wording: &a.question,
            compared: Wording::new(&a.question),
            after: a.after.as_deref(),
            entry,
        });
        if let Some(choice) = &a.choice
            && entry.choice_for(&a.question) != Some(choice.as_str())
            && chosen.insert((entry.id.clone(), words(&a.question)))
        {
            additions
                .entry(entry.location.file.clone())
                .or_default()
                .push((
                    entry.id.clone(),
                    Addition::Choice(crate::kb::Choice {
                        question: a.question.clone(),
                        choice: choice.clone(),
                        answer: entry.answer.clone(),
                    }),
                ));
            learned
                .choices
                .push((entry.id.clone(), a.question.clone(), choice.clone()));
        }
        let known = seen
            .entry(entry.id.clone())
            .or_insert_with(|| entry.phrasings().map(str::to_owned).collect());
        if known.iter().any(|p| near_duplicate(p, &a.question)) {
            learned.duplicates += 1;
            continue;
        }
        known.push(a.question.clone());
        additions
            .entry(entry.location.file.clone())
            .or_default()
            .push((entry.id.clone(), Addition::Alternate(a.question.clone())));
        learned
            .alternates
            .push((entry.id.clone(), a.question.clone()));
    }
    // A wording taken for one entry where it was asked once, and left
    // without that answer where it was asked again, depends on where it is
    // asked: the entry taken is held at review for it too.
    // Every row counts, not only the first: each says where it was asked.
    let mut also: Vec<(&str, &str, Option<&str>, &Entry)> = Vec::new();
    for &(source, wording, after, rejected) in &refusals {
        let asked = Wording::new(wording);
        for t in &taken {
            let e = t.entry;
            if e.id != rejected.id
                && t.compared.same(&asked)
                && !also.iter().any(|(_, w2, a2, x)| {
                    x.id == e.id && *a2 == after && near_duplicate(w2, wording)
                })
            {
                also.push((source, wording, after, e));
            }
        }
    }
    refusals.extend(also);
    // A wording taken for an entry on one row and asked again on a row the
    // reviewer left without it: the entry answers it where it was taken,
    // and is held at review where it was not (nobody said it answers
    // there; nobody said it does not).
    let mut held: HashSet<(&str, String)> = HashSet::new();
    for l in left {
        let asked = Wording::new(&l.question);
        for t in &taken {
            if t.compared.same(&asked) && held.insert((t.entry.id.as_str(), words(&l.question))) {
                refusals.push((l.source.as_str(), l.question.as_str(), None, t.entry));
            }
        }
    }
    let mut refused: HashMap<String, Vec<String>> = HashMap::new();
    // Where contested wordings were decided, as recorded: (entry id, words
    // of the wording, words of the question before, taken).
    let mut placed: HashSet<(String, String, String, bool)> = kb
        .entries
        .iter()
        .flat_map(|e| {
            e.asked
                .iter()
                .map(|a| (e.id.clone(), words(&a.question), words(&a.after), a.answers))
        })
        .collect();
    let mut places: Vec<(&Entry, &str, &str, bool)> = Vec::new();
    for (source, wording, after, entry) in refusals {
        // Taken for this entry too (before, or in this review): recorded
        // all the same, and said, for a person to settle; where each row
        // was asked is recorded with it, so that the same questionnaire
        // asked again is answered as reviewed.
        let phrasing = match seen.get(&entry.id) {
            Some(known) => known
                .iter()
                .map(String::as_str)
                .find(|p| near_duplicate(p, wording)),
            None => entry.phrasings().find(|p| near_duplicate(p, wording)),
        }
        .map(str::to_owned);
        if phrasing.is_some() {
            if let Some(after) = after {
                places.push((entry, wording, after, false));
            }
            let asked = Wording::new(wording);
            for t in &taken {
                if let Some(a) = t.after
                    && t.entry.id == entry.id
                    && t.compared.same(&asked)
                {
                    places.push((entry, t.wording, a, true));
                }
            }
        }
        let known = refused
            .entry(entry.id.clone())
            .or_insert_with(|| entry.does_not_answer.clone());
        if known.iter().any(|w| near_duplicate(w, wording)) {
            learned.duplicates += 1;
            continue;
        }
        known.push(wording.to_owned());
        if let Some(p) = phrasing {
            learned
                .contested
                .push((source.to_owned(), entry.id.clone(), p.to_owned()));
        }
        additions
            .entry(entry.location.file.clone())
            .or_default()
            .push((entry.id.clone(), Addition::NotAnswered(wording.to_owned())));
        learned
            .not_answered
            .push((entry.id.clone(), wording.to_owned()));
    }
    // A wording taken for one entry here and for another elsewhere (in this
    // review, or a phrasing of it already): each is placed where it was
    // taken, so that neither is ambiguous with the other there.
    // (The KB's phrasings are compared only when a taken row has a place.)
    let placeable = taken.iter().any(|t| t.after.is_some());
    let phrased: Vec<(&str, Wording)> = kb
        .entries
        .iter()
        .filter(|e| placeable && !e.proposed)
        .flat_map(|e| e.phrasings().map(move |p| (e.id.as_str(), Wording::new(p))))
        .collect();
    for t in &taken {
        let Some(after) = t.after else { continue };
        let elsewhere = phrased
            .iter()
            .map(|(id, p)| (*id, p))
            .chain(taken.iter().map(|o| (o.entry.id.as_str(), &o.compared)))
            .any(|(id, p)| id != t.entry.id && p.same(&t.compared));
        if elsewhere {
            places.push((t.entry, t.wording, after, true));
        }
    }
    for (entry, wording, after, answers) in places {
        if placed.insert((entry.id.clone(), words(wording), words(after), answers)) {
            let asked = crate::kb::Asked {
                question: wording.to_owned(),
                after: after.to_owned(),
                answers,
            };
            learned.asked.push((entry.id.clone(), asked.clone()));
            additions
                .entry(entry.location.file.clone())
                .or_default()
                .push((entry.id.clone(), Addition::Asked(asked)));
        }
    }
    Plan {
        learned,
        additions,
        proposals,
    }
}

/// The KB `kb` as [`learn`] would leave it, in memory (proposals, which go
/// to the inbox, left out): how `vetted eval --warm` measures a warm start.
pub fn learned_in_memory(
    kb: &KnowledgeBase,
    approved: &[Approved],
    rejected: &[Rejected],
    left: &[Left],
) -> (KnowledgeBase, Learned) {
    let Plan {
        learned, additions, ..
    } = plan(kb, approved, rejected, left);
    let mut out = kb.clone();
    for (id, addition) in additions.into_values().flatten() {
        let Some(e) = out.entries.iter_mut().find(|e| e.id == id && !e.proposed) else {
            continue;
        };
        match addition {
            Addition::Alternate(w) => e.alternates.push(w),
            Addition::NotAnswered(w) => e.does_not_answer.push(w),
            Addition::Choice(c) => e.choices.push(c),
            Addition::Asked(a) => e.asked.push(a),
        }
    }
    (out, learned)
}

/// Applies approved and rejected questions to the KB at `kb.root`. `label`
/// names the reviewed file (it names the inbox file). With `dry_run`,
/// nothing is written.
pub fn learn(
    kb: &KnowledgeBase,
    approved: &[Approved],
    rejected: &[Rejected],
    left: &[Left],
    label: &str,
    today: Date,
    dry_run: bool,
) -> Result<Learned, LearnError> {
    let Plan {
        mut learned,
        additions,
        proposals,
    } = plan(kb, approved, rejected, left);
    let mut files: Vec<&PathBuf> = additions.keys().collect();
    files.sort();
    for file in files {
        if !dry_run {
            add_alternates(file, &additions[file])?;
        }
        learned.files.push(file.clone());
    }
    if !proposals.is_empty() {
        let proposals: Vec<Proposal> = proposals
            .iter()
            .map(|(a, base)| Proposal {
                question: a.question.clone(),
                alternates: Vec::new(),
                answer: a.answer.trim().to_owned(),
                details: a.details.trim().to_owned(),
                base: *base,
                id_stem: match base {
                    Some(e) => format!("{}-proposed", e.id),
                    None => format!("{}-proposed", slug(&a.question, 5)),
                },
                note: vec![match base {
                    Some(e) => format!(
                        "From {}: the reviewer changed the answer of `{}`.",
                        a.source, e.id
                    ),
                    None => format!(
                        "From {}: answered by the reviewer, no entry matched.",
                        a.source
                    ),
                }],
                owner: None,
                review_by: None,
            })
            .collect();
        let header = format!(
            "Proposed entries from the review of `{label}` ({today}), written by\n\
             `vetted kb learn`. Approve one with `vetted kb accept ID` (one based\n\
             on an entry updates that entry), or by moving it into the knowledge\n\
             base; delete the rest (`vetted kb reject ID`)."
        );
        let written = propose(kb, &proposals, label, &header, today, dry_run)?;
        learned.proposals = written
            .ids
            .into_iter()
            .zip(proposals.iter().map(|p| p.base.map(|e| e.id.clone())))
            .collect();
        learned.files.push(written.path.clone());
        learned.inbox_file = Some(written.path);
    }
    Ok(learned)
}

/// A proposed entry for `_inbox/`.
#[derive(Debug, Clone)]
pub struct Proposal<'a> {
    pub question: String,
    pub alternates: Vec<String>,
    pub answer: String,
    /// Empty: none.
    pub details: String,
    /// The approved entry it would change, whose tags and owner it takes.
    pub base: Option<&'a Entry>,
    /// Its id, made unique with `-2`, `-3`, ... where taken.
    pub id_stem: String,
    /// Comment lines above it: where it comes from, what it resembles.
    pub note: Vec<String>,
    /// Its owner (else the base entry's, if any).
    pub owner: Option<String>,
    pub review_by: Option<Date>,
}

/// What [`propose`] wrote (or, dry, would write).
#[derive(Debug)]
pub struct Proposed {
    pub path: PathBuf,
    /// The ids given, in the order of the proposals.
    pub ids: Vec<String>,
}

pub(super) fn read(path: &Path) -> Result<String, LearnError> {
    std::fs::read_to_string(path).map_err(|source| LearnError::Read {
        path: path.to_owned(),
        source,
    })
}

/// A KB file, parsed for editing.
pub(super) fn read_doc(path: &Path) -> Result<DocumentMut, LearnError> {
    read(path)?
        .parse()
        .map_err(|e: toml_edit::TomlError| LearnError::Parse {
            path: path.to_owned(),
            message: e.message().to_owned(),
        })
}

pub(super) fn write_atomic(path: &Path, text: &str) -> Result<(), LearnError> {
    let error = |source| LearnError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(error)?;
    }
    crate::files::replace(path, text.as_bytes()).map_err(error)
}

/// Appends wordings to the `alternates` or `does_not_answer`, and
/// reviewers' choices to the `choices`, of entries in one file.
fn add_alternates(path: &Path, adds: &[(String, Addition)]) -> Result<(), LearnError> {
    let mut doc = read_doc(path)?;
    let entries = doc.get_mut("entry").and_then(Item::as_array_of_tables_mut);
    let Some(entries) = entries else {
        return Err(LearnError::EntryNotFound {
            path: path.to_owned(),
            id: adds.first().map(|a| a.0.clone()).unwrap_or_default(),
        });
    };
    for (id, addition) in adds {
        let table = entries
            .iter_mut()
            .find(|t| t.get("id").and_then(Item::as_str) == Some(id.as_str()))
            .ok_or_else(|| LearnError::EntryNotFound {
                path: path.to_owned(),
                id: id.clone(),
            })?;
        let (key, item): (&str, toml_edit::Value) = match addition {
            Addition::Alternate(wording) => ("alternates", wording.as_str().into()),
            Addition::NotAnswered(wording) => ("does_not_answer", wording.as_str().into()),
            Addition::Choice(c) => {
                let mut t = toml_edit::InlineTable::new();
                t.insert("question", c.question.as_str().into());
                t.insert("choice", c.choice.as_str().into());
                t.insert("answer", c.answer.as_str().into());
                ("choices", t.into())
            }
            Addition::Asked(a) => {
                let mut t = toml_edit::InlineTable::new();
                t.insert("question", a.question.as_str().into());
                t.insert("after", a.after.as_str().into());
                t.insert("answers", a.answers.into());
                ("asked", t.into())
            }
        };
        push(table, key, item);
    }
    write_atomic(path, &doc.to_string())
}

/// Appends `item` to the array `key` of `table`, made when missing.
pub(super) fn push(table: &mut Table, key: &str, item: impl Into<toml_edit::Value>) {
    match table.get_mut(key).and_then(Item::as_array_mut) {
        Some(list) => list.push(item),
        None => {
            let mut list = Array::new();
            list.push(item);
            table.insert(key, value(list));
        }
    }
}

/// A file-name-safe form of `s`.
pub fn slug(s: &str, count: usize) -> String {
    let s = words(s)
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(count)
        .collect::<Vec<_>>()
        .join("-");
    if s.is_empty() { "draft".to_owned() } else { s }
}

/// Writes proposed entries to the inbox file of `label` for `today`
/// (`_inbox/2026-12-07-<label>.toml`), after those it holds already, under a
/// `header` comment when the file is new. With `dry_run`, nothing is written.
pub fn propose(
    kb: &KnowledgeBase,
    proposals: &[Proposal],
    label: &str,
    header: &str,
    today: Date,
    dry_run: bool,
) -> Result<Proposed, LearnError> {
    let inbox = kb.root.join(INBOX_DIR);
    let path = inbox.join(format!("{today}-{}.toml", slug(label, 8)));
    let mut taken: HashSet<String> = kb.entries.iter().map(|e| e.id.clone()).collect();
    let mut doc: DocumentMut = if path.is_file() {
        read_doc(&path)?
    } else {
        let mut doc = DocumentMut::new();
        let comment: String = header.lines().map(|l| format!("# {l}\n")).collect();
        doc.decor_mut().set_prefix(comment);
        doc
    };
    if let Some(existing) = doc.get("entry").and_then(Item::as_array_of_tables) {
        for t in existing.iter() {
            if let Some(id) = t.get("id").and_then(Item::as_str) {
                taken.insert(id.to_owned());
            }
        }
    }
    if doc.get("entry").is_none() {
        doc.insert("entry", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    let entries = doc
        .get_mut("entry")
        .and_then(Item::as_array_of_tables_mut)
        .expect("just inserted");
    let mut ids = Vec::with_capacity(proposals.len());
    for p in proposals {
        let id = (1..)
            .map(|n| {
                if n == 1 {
                    p.id_stem.clone()
                } else {
                    format!("{}-{n}", p.id_stem)
                }
            })
            .find(|id| !taken.contains(id))
            .expect("an unused id");
        taken.insert(id.clone());
        let base = p.base;
        let mut t = Table::new();
        let note: String = p.note.iter().map(|l| format!("# {l}\n")).collect();
        t.decor_mut().set_prefix(format!("\n{note}"));
        t.insert("id", value(id.as_str()));
        t.insert("question", value(p.question.as_str()));
        if !p.alternates.is_empty() {
            let mut list = Array::new();
            p.alternates.iter().for_each(|a| list.push(a.as_str()));
            t.insert("alternates", value(list));
        }
        t.insert("answer", value(p.answer.as_str()));
        if !p.details.is_empty() {
            t.insert("details", value(p.details.as_str()));
        }
        if let Some(e) = base.filter(|e| !e.tags.is_empty()) {
            let mut tags = Array::new();
            e.tags.iter().for_each(|tag| tags.push(tag.as_str()));
            t.insert("tags", value(tags));
        }
        if let Some(owner) = p.owner.as_ref().or(base.and_then(|e| e.owner.as_ref())) {
            t.insert("owner", value(owner.as_str()));
        }
        if let Some(by) = p.review_by {
            let date: toml_edit::Datetime = by
                .to_string()
                .parse()
                .expect("a date prints as a TOML local date");
            t.insert("review_by", value(date));
        }
        entries.push(t);
        ids.push(id);
    }
    if !dry_run {
        write_atomic(&path, &doc.to_string())?;
    }
    Ok(Proposed { path, ids })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_duplicates_ignore_case_punctuation_and_small_typos() {
        assert!(near_duplicate(
            "Do you encrypt data at rest?",
            "do you encrypt data at rest"
        ));
        assert!(near_duplicate(
            "Is customer data encrypted at rest?",
            "Is customer data encrypted at-rest ?"
        ));
        assert!(!near_duplicate(
            "Is customer data encrypted at rest?",
            "Is customer data encrypted in transit?"
        ));
    }

    fn kb(entries: &[(&str, &str)]) -> KnowledgeBase {
        KnowledgeBase {
            entries: entries
                .iter()
                .map(|(id, question)| Entry {
                    question: (*question).into(),
                    ..crate::kb::model::test_entry(id, "Yes")
                })
                .collect(),
            ..KnowledgeBase::default()
        }
    }

    fn approve(question: &str, entry: &str) -> Approved {
        Approved {
            source: "row".into(),
            question: question.into(),
            entry: Some(entry.into()),
            answer: "Yes".into(),
            details: String::new(),
            edited: false,
            choice: None,
            after: None,
        }
    }

    fn reject(question: &str, entry: &str) -> Rejected {
        Rejected {
            source: "row".into(),
            question: question.into(),
            entry: entry.into(),
            after: None,
        }
    }

    #[test]
    fn a_rejection_records_the_wording_on_the_entry_once() {
        let kb = kb(&[
            ("vpn", "Do staff use a VPN?"),
            ("mdm", "Are laptops managed?"),
        ]);
        let asked = "Can employees reach customer systems remotely?";
        let (after, learned) = learned_in_memory(
            &kb,
            &[approve("Is a VPN required for remote staff?", "vpn")],
            &[reject(asked, "vpn"), reject(&format!("{asked} "), "vpn")],
            &[],
        );
        assert_eq!(after.entries[0].does_not_answer, vec![asked.to_string()]);
        assert_eq!(after.entries[0].alternates.len(), 1);
        assert!(after.entries[0].does_not_answer(asked));
        assert!(!after.entries[1].does_not_answer(asked));
        assert_eq!(learned.duplicates, 1);
        assert!(learned.contested.is_empty());
    }

    #[test]
    fn a_wording_taken_in_one_row_and_rejected_in_another_is_contested() {
        let kb = kb(&[
            ("policy-review", "Are policies reviewed annually?"),
            ("logging-review", "Are logs reviewed?"),
        ]);
        let asked = "Are policies and procedures reviewed and updated at least annually?";
        // Taken for the policy review in one domain, and the log review
        // rejected for it in another.
        let (after, learned) = learned_in_memory(
            &kb,
            &[approve(asked, "policy-review")],
            &[reject(asked, "logging-review")],
            &[],
        );
        let [policy, logging] = &after.entries[..] else {
            panic!()
        };
        assert_eq!(policy.alternates, vec![asked.to_string()]);
        assert!(policy.does_not_answer(asked), "held at review for it");
        assert!(logging.does_not_answer(asked));
        assert_eq!(
            learned.contested,
            vec![(
                "row".to_string(),
                "policy-review".to_string(),
                asked.to_string()
            )]
        );
        // An entry rejected for its own question: recorded, and contested.
        let (after, learned) = learned_in_memory(
            &kb,
            &[],
            &[reject("Are logs reviewed?", "logging-review")],
            &[],
        );
        assert!(after.entries[1].does_not_answer("are logs reviewed"));
        assert_eq!(learned.contested.len(), 1);
    }

    #[test]
    fn a_contested_wording_is_placed_where_each_row_asked_it() {
        let kb = kb(&[("policy-review", "Are policies reviewed annually?")]);
        let asked = "Are the policies and procedures reviewed and updated at least annually?";
        let at = |a: &str| Some(a.to_string());
        let taken = |after: &str| Approved {
            after: at(after),
            ..approve(asked, "policy-review")
        };
        let refused = |after: &str| Rejected {
            after: at(after),
            ..reject(asked, "policy-review")
        };
        // Taken in two domains, rejected in two others (one rejection is a
        // duplicate wording, yet its place counts).
        let (after, learned) = learned_in_memory(
            &kb,
            &[
                taken("Are BCM policies established?"),
                taken("Are HR policies established?"),
            ],
            &[
                refused("Are change policies established?"),
                refused("Are DSP policies established?"),
            ],
            &[],
        );
        let e = &after.entries[0];
        assert_eq!(e.alternates, vec![asked.to_string()]);
        assert!(e.does_not_answer(asked));
        let places: Vec<(&str, bool)> = e
            .asked
            .iter()
            .map(|a| (a.after.as_str(), a.answers))
            .collect();
        assert_eq!(places.len(), 4, "{places:?}");
        for (before, answers) in [
            ("Are BCM policies established?", true),
            ("Are HR policies established?", true),
            ("Are change policies established?", false),
            ("Are DSP policies established?", false),
        ] {
            assert!(places.contains(&(before, answers)), "{before}: {places:?}");
        }
        assert_eq!(learned.asked.len(), 4);
        // Learned again: nothing new.
        let (again, learned) = learned_in_memory(
            &after,
            &[taken("Are BCM policies established?")],
            &[refused("Are change policies established?")],
            &[],
        );
        assert_eq!(again.entries[0].asked.len(), 4);
        assert!(learned.asked.is_empty());
        // A rejection that is not contested is not placed: it holds
        // wherever the wording is asked.
        let (after, _) =
            learned_in_memory(&kb, &[], &[refused("Are logs reviewed quarterly?")], &[]);
        assert!(after.entries[0].asked.is_empty());
    }

    #[test]
    fn a_wording_taken_for_two_entries_is_placed_for_each() {
        let kb = kb(&[
            ("bcp", "Is there a business continuity plan?"),
            ("irp", "Is there an incident response plan?"),
        ]);
        let asked = "Is the plan reviewed and updated at least annually?";
        let taken = |entry: &str, after: &str| Approved {
            after: Some(after.to_string()),
            ..approve(asked, entry)
        };
        let (after, learned) = learned_in_memory(
            &kb,
            &[
                taken("bcp", "Is there a business continuity plan?"),
                taken("irp", "Is there an incident response plan?"),
            ],
            &[],
            &[],
        );
        for (e, before) in after.entries.iter().zip([
            "Is there a business continuity plan?",
            "Is there an incident response plan?",
        ]) {
            assert_eq!(e.alternates, vec![asked.to_string()], "{}", e.id);
            assert_eq!(
                e.asked,
                vec![crate::kb::Asked {
                    question: asked.into(),
                    after: before.into(),
                    answers: true
                }],
                "{}",
                e.id
            );
        }
        assert!(learned.contested.is_empty());
        // Taken for one entry only: nothing to place.
        let (after, _) = learned_in_memory(
            &kb,
            &[taken("bcp", "Is there a business continuity plan?")],
            &[],
            &[],
        );
        assert!(after.entries.iter().all(|e| e.asked.is_empty()));
    }

    #[test]
    fn a_wording_taken_on_one_row_and_left_on_another_is_held_there() {
        let kb = kb(&[("visitor-logs", "Do you keep data center visitor logs?")]);
        let asked = "Are physical entry logs kept for at least six months?";
        let (after, learned) = learned_in_memory(
            &kb,
            &[Approved {
                after: Some("Is the data center staffed around the clock?".into()),
                ..approve(asked, "visitor-logs")
            }],
            &[],
            &[Left {
                source: "office row".into(),
                question: asked.into(),
            }],
        );
        let e = &after.entries[0];
        assert_eq!(e.alternates, vec![asked.to_string()]);
        // Held at review where it was left, answered where it was taken.
        assert!(e.does_not_answer(asked));
        assert_eq!(
            e.asked,
            vec![crate::kb::Asked {
                question: asked.into(),
                after: "Is the data center staffed around the clock?".into(),
                answers: true,
            }]
        );
        assert_eq!(learned.contested.len(), 1);
        assert_eq!(learned.contested[0].0, "office row");
        // A left row of another wording changes nothing.
        let (after, _) = learned_in_memory(
            &kb,
            &[approve(asked, "visitor-logs")],
            &[],
            &[Left {
                source: "row".into(),
                question: "Do you have a visitor badge policy?".into(),
            }],
        );
        assert!(after.entries[0].does_not_answer.is_empty());
    }

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(slug("Q3 Vendor Review.draft", 8), "q3-vendor-review-draft");
        assert_eq!(slug("¿?", 8), "draft");
    }
}

//! Approving proposals: moving entries out of `_inbox/` into the KB, or
//! deleting them.
//!
//! A proposal is approved in one of three ways:
//! - one based on an approved entry (`<id>-proposed` from `kb learn`,
//!   `<id>-imported` from `kb import`, with a comment naming that entry)
//!   updates that entry: its answer, and its details, evidence and owner
//!   where the proposal has them; its wordings join the entry's alternates;
//! - any other becomes a new entry in a KB file, its id without the
//!   `-proposed` / `-imported` ending where that is free;
//! - or its wordings become alternates of an approved entry the security
//!   team names.
//!
//! Approving is a review: the entry gets `reviewed = today`, and a review
//! date that had passed moves forward by the entry's review interval (one
//! year when it had none). Files are edited with `toml_edit`, so comments
//! and layout survive; every file is checked before any is written, and an
//! inbox file left without proposals is deleted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::learn::{push, read_doc, write_atomic};
use super::wording::near_duplicate;
use super::{Date, Entry, INBOX_DIR, KnowledgeBase, LearnError};

/// Where new entries go when no file is named.
const ACCEPTED_FILE: &str = "accepted.toml";

/// How one proposal is approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// Update the entry it is based on; one based on none becomes a new
    /// entry in `into` (a KB file, made when missing; none: `accepted.toml`
    /// at the KB's root).
    Approve { into: Option<PathBuf> },
    /// Always a new entry in `into`, even when based on an entry.
    AsNew { into: Option<PathBuf> },
    /// Its wordings become alternates of this approved entry.
    AlternateOf(String),
}

#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error("no proposed entry `{0}` in `_inbox/`")]
    NoProposal(String),
    #[error("`{0}` is an approved entry, not a proposal in `_inbox/`")]
    NotProposed(String),
    #[error("no approved entry `{0}` to add the wordings to")]
    NoEntry(String),
    #[error("`{}` is not a `.toml` file inside the knowledge base (outside `_inbox/`)", .0.display())]
    BadTarget(PathBuf),
    #[error(
        "proposal `{proposal}` answers `{proposed}` and entry `{entry}` answers `{kept}`: as its alternates, its wordings would be answered `{kept}`"
    )]
    Opposite {
        proposal: String,
        proposed: String,
        entry: String,
        kept: String,
    },
    #[error("proposals `{first}` and `{second}` would both update entry `{entry}`: approve one")]
    SameEntry {
        first: String,
        second: String,
        entry: String,
    },
    #[error(
        "proposals `{first}` and `{second}` ask the same question and answer it differently: approve one"
    )]
    Conflict { first: String, second: String },
    #[error("proposal `{0}` is named twice")]
    Twice(String),
    #[error(transparent)]
    File(#[from] LearnError),
}

/// What was done with one proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new entry `id` in `file`.
    Added { id: String, file: PathBuf },
    /// The approved entry `id` took the proposal's answer (it answered
    /// `was`), and `alternates` new wordings.
    Updated {
        id: String,
        was: String,
        alternates: usize,
    },
    /// The approved entry `id` took `alternates` new wordings; `differs`
    /// holds its answer and the proposal's where they are not the same
    /// words (the entry's answer is kept).
    Alternates {
        id: String,
        alternates: usize,
        differs: Option<(String, String)>,
    },
}

/// What [`accept`] or [`reject`] did (or, dry, would do).
#[derive(Debug, Default)]
pub struct Accepted {
    /// Per proposal, in the order given: its id and what became of it.
    pub outcomes: Vec<(String, Outcome)>,
    /// Files written.
    pub written: Vec<PathBuf>,
    /// Inbox files deleted because no proposal is left in them.
    pub deleted: Vec<PathBuf>,
}

/// The edited files, parsed once each.
struct Docs {
    docs: HashMap<PathBuf, DocumentMut>,
    order: Vec<PathBuf>,
}

impl Docs {
    fn new() -> Docs {
        Docs {
            docs: HashMap::new(),
            order: Vec::new(),
        }
    }

    /// The document of `path`, read when first asked for (an empty one for a
    /// file that does not exist yet).
    fn get(&mut self, path: &Path) -> Result<&mut DocumentMut, LearnError> {
        if !self.docs.contains_key(path) {
            let doc = if path.exists() {
                read_doc(path)?
            } else {
                DocumentMut::new()
            };
            self.docs.insert(path.to_owned(), doc);
            self.order.push(path.to_owned());
        }
        Ok(self.docs.get_mut(path).expect("just inserted"))
    }

    fn entries(&mut self, path: &Path) -> Result<&mut ArrayOfTables, LearnError> {
        let doc = self.get(path)?;
        if doc
            .get("entry")
            .and_then(Item::as_array_of_tables)
            .is_none()
        {
            doc.insert("entry", Item::ArrayOfTables(ArrayOfTables::new()));
        }
        Ok(doc
            .get_mut("entry")
            .and_then(Item::as_array_of_tables_mut)
            .expect("just inserted"))
    }

    fn table(&mut self, path: &Path, id: &str) -> Result<&mut Table, LearnError> {
        self.entries(path)?
            .iter_mut()
            .find(|t| t.get("id").and_then(Item::as_str) == Some(id))
            .ok_or_else(|| LearnError::EntryNotFound {
                path: path.to_owned(),
                id: id.to_owned(),
            })
    }

    /// Writes every file, deleting inbox files left without entries.
    fn save(self, inbox: &Path, dry_run: bool, out: &mut Accepted) -> Result<(), LearnError> {
        for path in self.order {
            let doc = &self.docs[&path];
            let empty = doc
                .get("entry")
                .and_then(Item::as_array_of_tables)
                .is_none_or(ArrayOfTables::is_empty);
            if empty && path.starts_with(inbox) {
                if !dry_run {
                    std::fs::remove_file(&path).map_err(|source| LearnError::Write {
                        path: path.clone(),
                        source,
                    })?;
                }
                out.deleted.push(path);
            } else {
                if !dry_run {
                    write_atomic(&path, &doc.to_string())?;
                }
                out.written.push(path);
            }
        }
        Ok(())
    }
}

/// The approved entry a proposal is based on: its id ends in `-proposed`
/// or `-imported` (and maybe `-2`, `-3`, ...) after that entry's id, and its
/// comment names the entry.
fn base<'a>(kb: &'a KnowledgeBase, proposal: &Table, id: &str) -> Option<&'a Entry> {
    let base = stem(id)?;
    let comment = proposal.decor().prefix().and_then(|p| p.as_str())?;
    if !comment.contains(&format!("`{base}`")) {
        return None;
    }
    kb.entries.iter().find(|e| !e.proposed && e.id == base)
}

/// A table's comment, split into what belongs to the file (the header
/// above the first table, up to its last blank line) and the table's own
/// note (the lines right above it).
fn split_prefix(table: &Table) -> (String, String) {
    let prefix = table
        .decor()
        .prefix()
        .and_then(|p| p.as_str())
        .unwrap_or("")
        .to_owned();
    let trimmed = prefix.trim_end_matches([' ', '\t']);
    match trimmed.trim_end_matches('\n').rfind("\n\n") {
        Some(i) => (prefix[..i + 2].to_owned(), prefix[i + 2..].to_owned()),
        None => (String::new(), prefix),
    }
}

/// Removes proposal `id` from an inbox file's tables, keeping the file's
/// header comment (held by the first table) above the next one.
fn remove_proposal(tables: &mut ArrayOfTables, id: &str) {
    let Some(index) = tables
        .iter()
        .position(|t| t.get("id").and_then(Item::as_str) == Some(id))
    else {
        return;
    };
    let removed = tables.remove(index);
    if index == 0
        && let Some(next) = tables.get_mut(0)
    {
        let (header, _) = split_prefix(&removed);
        if !header.trim().is_empty() {
            let (_, note) = split_prefix(next);
            next.decor_mut()
                .set_prefix(format!("{header}{}", note.trim_start_matches('\n')));
        }
    }
}

/// `yes`, `no` or `n/a` where an answer opens with one (`Yes, quarterly`).
fn choice(answer: &str) -> Option<&'static str> {
    let first = answer
        .trim_start()
        .split(|c: char| !c.is_alphanumeric() && c != '/')
        .next()?
        .to_lowercase();
    match first.as_str() {
        "yes" | "y" => Some("yes"),
        "no" | "n" => Some("no"),
        "n/a" | "na" => Some("n/a"),
        _ => None,
    }
}

/// Lets a table parsed from one file be written in another: where it was
/// does not place it there.
fn clear_positions(table: &mut Table) {
    table.set_position(None);
    for (_, item) in table.iter_mut() {
        match item {
            Item::Table(t) => clear_positions(t),
            Item::ArrayOfTables(a) => a.iter_mut().for_each(clear_positions),
            _ => {}
        }
    }
}

/// A proposal's id without the `-proposed` / `-imported` ending (and the
/// `-2`, `-3`, ... after it) that `kb learn` and `kb import` give.
fn stem(id: &str) -> Option<&str> {
    let id = id
        .rsplit_once('-')
        .filter(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map_or(id, |(stem, _)| stem);
    id.strip_suffix("-proposed")
        .or_else(|| id.strip_suffix("-imported"))
        .filter(|s| !s.is_empty())
}

/// `stem`, or `stem-2`, `stem-3`, ... whichever is not taken.
fn unique(stem: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let id = (1..)
        .map(|n| {
            if n == 1 {
                stem.to_owned()
            } else {
                format!("{stem}-{n}")
            }
        })
        .find(|id| !taken.contains(id))
        .expect("an unused id");
    taken.insert(id.clone());
    id
}

fn date_value(date: Date) -> toml_edit::Value {
    let date: toml_edit::Datetime = date
        .to_string()
        .parse()
        .expect("a date prints as a TOML local date");
    date.into()
}

fn toml_date(item: Option<&Item>) -> Option<Date> {
    item.and_then(Item::as_value)
        .and_then(toml_edit::Value::as_datetime)
        .and_then(|d| d.to_string().parse().ok())
}

/// Marks an approved table as reviewed today; a review date that is not
/// after today moves forward by the interval it had (a year without one).
fn mark_reviewed(table: &mut Table, today: Date, review_by: Option<Date>) {
    let reviewed = toml_date(table.get("reviewed"));
    let by = review_by.or_else(|| toml_date(table.get("review_by")));
    table.insert("reviewed", value(date_value(today)));
    if let Some(by) = by.filter(|by| *by <= today) {
        let span = reviewed
            .map(|r| r.days_until(by))
            .filter(|d| *d > 0)
            .unwrap_or(365);
        table.insert("review_by", value(date_value(today.plus_days(span))));
    } else if let Some(by) = review_by {
        table.insert("review_by", value(date_value(by)));
    }
}

/// The wordings of a proposal table: its question, then its alternates.
fn wordings(table: &Table) -> Vec<String> {
    let question = table
        .get("question")
        .and_then(Item::as_str)
        .map(str::to_owned);
    let alternates = table
        .get("alternates")
        .and_then(Item::as_array)
        .into_iter()
        .flat_map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)));
    question.into_iter().chain(alternates).collect()
}

/// Adds the wordings `entry` does not have yet (nor nearly) to the
/// `alternates` of `table`; returns how many. The entry now answers them, so
/// they leave its `does_not_answer`.
fn add_wordings(table: &mut Table, entry: &Entry, new: &[String]) -> usize {
    if let Some(list) = table
        .get_mut("does_not_answer")
        .and_then(Item::as_array_mut)
    {
        list.retain(|v| {
            v.as_str()
                .is_none_or(|refused| !new.iter().any(|w| near_duplicate(w, refused)))
        });
        if list.is_empty() {
            table.remove("does_not_answer");
        }
    }
    // The entry's phrasings, and what this run added to it already.
    let mut known: Vec<String> = entry.phrasings().map(str::to_owned).collect();
    known.extend(wordings(table).into_iter().skip(1));
    let mut added = 0;
    for w in new {
        if w.trim().is_empty() || known.iter().any(|k| near_duplicate(k, w)) {
            continue;
        }
        known.push(w.clone());
        push(table, "alternates", w.as_str());
        added += 1;
    }
    added
}

/// Whether `path` may receive approved entries: a `.toml` file inside the
/// KB root, not in the inbox and not the synonyms file.
fn valid_target(kb: &KnowledgeBase, path: &Path) -> bool {
    let (Ok(root), Ok(path)) = (std::path::absolute(&kb.root), std::path::absolute(path)) else {
        return false;
    };
    let path = path.as_path();
    let inside = path.starts_with(&root) && !path.starts_with(root.join(INBOX_DIR));
    let toml = path.extension().is_some_and(|e| e == "toml");
    let synonyms = path.file_name().is_some_and(|n| n == super::SYNONYMS_FILE)
        && path.parent() == Some(root.as_path());
    let hidden = path.strip_prefix(&root).is_ok_and(|rel| {
        rel.components().any(|c| {
            matches!(c, std::path::Component::ParentDir)
                || c.as_os_str().to_string_lossy().starts_with('.')
        })
    });
    inside && toml && !synonyms && !hidden
}

/// Approves the proposals of `kb` (loaded with its inbox) named in
/// `approvals`, as each says. Every file is edited in memory first; nothing
/// is written when any proposal fails, nor with `dry_run`.
pub fn accept(
    kb: &KnowledgeBase,
    approvals: &[(String, Approval)],
    today: Date,
    dry_run: bool,
) -> Result<Accepted, AcceptError> {
    let mut docs = Docs::new();
    let mut out = Accepted::default();
    let mut taken: std::collections::HashSet<String> =
        kb.entries.iter().map(|e| e.id.clone()).collect();
    let mut seen = std::collections::HashSet::new();
    // Questions approved in this run, with their answers (by words).
    let mut asked: HashMap<String, (&str, String)> = HashMap::new();
    for (id, approval) in approvals {
        if !seen.insert(id.as_str()) {
            return Err(AcceptError::Twice(id.clone()));
        }
        let proposal = find_proposal(kb, id)?;
        let answer = super::words(&proposal.answer);
        match asked.get(&super::words(&proposal.question)) {
            Some((other, said)) if *said != answer => {
                return Err(AcceptError::Conflict {
                    first: (*other).to_owned(),
                    second: id.clone(),
                });
            }
            _ => {
                asked.insert(super::words(&proposal.question), (id.as_str(), answer));
            }
        }
        let inbox_file = proposal.location.file.clone();
        let table = docs.table(&inbox_file, id)?.clone();
        let approved_entry = |target: &str| {
            kb.entries
                .iter()
                .find(|e| !e.proposed && e.id == target)
                .ok_or_else(|| AcceptError::NoEntry(target.to_owned()))
        };
        let outcome = match approval {
            Approval::AlternateOf(target) => {
                let entry = approved_entry(target)?;
                if let (Some(a), Some(b)) = (choice(&entry.answer), choice(&proposal.answer))
                    && a != b
                {
                    return Err(AcceptError::Opposite {
                        proposal: id.clone(),
                        proposed: proposal.answer.clone(),
                        entry: entry.id.clone(),
                        kept: entry.answer.clone(),
                    });
                }
                let file = entry.location.file.clone();
                let t = docs.table(&file, &entry.id)?;
                let alternates = add_wordings(t, entry, &wordings(&table));
                let differs = (super::words(&entry.answer) != super::words(&proposal.answer))
                    .then(|| (entry.answer.clone(), proposal.answer.clone()));
                Outcome::Alternates {
                    id: entry.id.clone(),
                    alternates,
                    differs,
                }
            }
            Approval::Approve { into } | Approval::AsNew { into } => {
                let based = matches!(approval, Approval::Approve { .. })
                    .then(|| base(kb, &table, id))
                    .flatten();
                match based {
                    Some(entry) => {
                        if let Some((other, _)) = out.outcomes.iter().find(
                            |(_, o)| matches!(o, Outcome::Updated { id, .. } if *id == entry.id),
                        ) {
                            return Err(AcceptError::SameEntry {
                                first: other.clone(),
                                second: id.clone(),
                                entry: entry.id.clone(),
                            });
                        }
                        update(&mut docs, entry, &table, proposal, today)?
                    }
                    None => {
                        let into = into.clone().unwrap_or_else(|| kb.root.join(ACCEPTED_FILE));
                        if !valid_target(kb, &into) {
                            return Err(AcceptError::BadTarget(into));
                        }
                        taken.remove(id);
                        let new_id = unique(stem(id).unwrap_or(id), &mut taken);
                        let mut t = table.clone();
                        clear_positions(&mut t);
                        t.decor_mut().set_prefix("\n");
                        t.insert("id", value(new_id.as_str()));
                        mark_reviewed(&mut t, today, None);
                        docs.entries(&into)?.push(t);
                        Outcome::Added {
                            id: new_id,
                            file: into,
                        }
                    }
                }
            }
        };
        remove_proposal(docs.entries(&inbox_file)?, id);
        out.outcomes.push((id.clone(), outcome));
    }
    docs.save(&kb.root.join(INBOX_DIR), dry_run, &mut out)?;
    Ok(out)
}

/// The proposal `id` of `kb` (loaded with its inbox).
pub fn find_proposal<'a>(kb: &'a KnowledgeBase, id: &str) -> Result<&'a Entry, AcceptError> {
    match kb.entries.iter().find(|e| e.id == id) {
        Some(e) if e.proposed => Ok(e),
        Some(_) => Err(AcceptError::NotProposed(id.to_owned())),
        None => Err(AcceptError::NoProposal(id.to_owned())),
    }
}

/// Gives the approved `entry` the proposal's answer, and its details,
/// evidence, owner and tags where it has them.
fn update(
    docs: &mut Docs,
    entry: &Entry,
    proposal_table: &Table,
    proposal: &Entry,
    today: Date,
) -> Result<Outcome, AcceptError> {
    let t = docs.table(&entry.location.file, &entry.id)?;
    t.insert("answer", value(proposal.answer.as_str()));
    for key in ["details", "evidence", "owner"] {
        if let Some(item) = proposal_table.get(key) {
            let mut item = item.clone();
            if let Some(tables) = item.as_array_of_tables_mut() {
                tables.iter_mut().for_each(clear_positions);
            }
            t.insert(key, item);
        }
    }
    for tag in &proposal.tags {
        if entry.tags.contains(tag) {
            continue;
        }
        push(t, "tags", tag.as_str());
    }
    let alternates = add_wordings(t, entry, &wordings(proposal_table));
    mark_reviewed(t, today, proposal.review_by);
    Ok(Outcome::Updated {
        id: entry.id.clone(),
        was: entry.answer.clone(),
        alternates,
    })
}

/// Deletes the proposals `ids` from the inbox of `kb` (loaded with it).
pub fn reject(kb: &KnowledgeBase, ids: &[String], dry_run: bool) -> Result<Accepted, AcceptError> {
    let mut docs = Docs::new();
    let mut out = Accepted::default();
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if !seen.insert(id.as_str()) {
            return Err(AcceptError::Twice(id.clone()));
        }
        let file = find_proposal(kb, id)?.location.file.clone();
        remove_proposal(docs.entries(&file)?, id);
    }
    docs.save(&kb.root.join(INBOX_DIR), dry_run, &mut out)?;
    Ok(out)
}

/// A proposal awaiting approval, as the inbox holds it.
#[derive(Debug, Clone)]
pub struct Pending {
    pub entry: Entry,
    /// The approved entry approving it would update.
    pub base: Option<String>,
    /// The comment lines above it: where it comes from, what it resembles.
    pub note: Vec<String>,
}

/// Every proposal in the inbox of `kb` (loaded with it), by file and line.
pub fn pending(kb: &KnowledgeBase) -> Result<Vec<Pending>, LearnError> {
    let mut docs = Docs::new();
    let mut proposals: Vec<&Entry> = kb.entries.iter().filter(|e| e.proposed).collect();
    proposals.sort_by(|a, b| {
        (&a.location.file, a.location.line).cmp(&(&b.location.file, b.location.line))
    });
    let mut out = Vec::with_capacity(proposals.len());
    for e in proposals {
        let table = docs.table(&e.location.file, &e.id)?;
        let note = split_prefix(table)
            .1
            .lines()
            .filter_map(|l| l.trim().strip_prefix('#'))
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        let table = table.clone();
        out.push(Pending {
            entry: e.clone(),
            base: base(kb, &table, &e.id).map(|b| b.id.clone()),
            note,
        });
    }
    Ok(out)
}

/// The proposals in an inbox file of `kb`, in file order.
pub fn proposals_in<'a>(kb: &'a KnowledgeBase, file: &Path) -> Vec<&'a Entry> {
    // The file as named, or the same file by another path.
    let target = file.canonicalize().ok();
    let mut found: Vec<&Entry> = kb
        .entries
        .iter()
        .filter(|e| {
            e.proposed
                && (e.location.file == file
                    || target.is_some() && e.location.file.canonicalize().ok() == target)
        })
        .collect();
    found.sort_by_key(|e| e.location.line);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_header_stays_when_the_first_proposal_goes() {
        let text = "# Header of the file.\n# Second line.\n\n# Note of a.\n[[entry]]\nid = \"a\"\n\n# Note of b.\n[[entry]]\nid = \"b\"\n";
        let mut doc: DocumentMut = text.parse().unwrap();
        let tables = doc["entry"].as_array_of_tables_mut().unwrap();
        assert_eq!(
            split_prefix(tables.get(0).unwrap()),
            (
                "# Header of the file.\n# Second line.\n\n".to_owned(),
                "# Note of a.\n".to_owned()
            )
        );
        remove_proposal(tables, "a");
        assert_eq!(
            doc.to_string(),
            "# Header of the file.\n# Second line.\n\n# Note of b.\n[[entry]]\nid = \"b\"\n"
        );
    }

    #[test]
    fn proposal_ids_lose_their_ending() {
        assert_eq!(stem("mfa-proposed"), Some("mfa"));
        assert_eq!(stem("mfa-imported-3"), Some("mfa"));
        assert_eq!(stem("saml-okta-proposed-2"), Some("saml-okta"));
        assert_eq!(stem("soc-2-report"), None);
        assert_eq!(stem("proposed"), None);
    }

    #[test]
    fn review_dates_move_by_the_entry_interval() {
        let today = Date::new(2026, 12, 7).unwrap();
        let table = |text: &str| text.parse::<DocumentMut>().unwrap().as_table().clone();
        let mut t = table("reviewed = 2025-01-01\nreview_by = 2025-07-01\n");
        mark_reviewed(&mut t, today, None);
        assert_eq!(toml_date(t.get("reviewed")), Some(today));
        assert_eq!(toml_date(t.get("review_by")), Some(today.plus_days(181)));

        // A review date still ahead stays; none stays none.
        let mut t = table("review_by = 2027-03-01\n");
        mark_reviewed(&mut t, today, None);
        assert_eq!(toml_date(t.get("review_by")), Date::new(2027, 3, 1));
        let mut t = Table::new();
        mark_reviewed(&mut t, today, None);
        assert!(t.get("review_by").is_none());
    }
}

//! The knowledge base as the rest of the program sees it: validated entries.

use std::fmt;
use std::path::{Path, PathBuf};

use super::date::Date;
use super::wording::near_duplicate;

/// One approved answer.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub question: String,
    pub alternates: Vec<String>,
    pub answer: String,
    pub details: Option<String>,
    pub evidence: Vec<Evidence>,
    /// Choices reviewers made for this entry in a dropdown that does not
    /// take its answer (learned by `kb learn`).
    pub choices: Vec<Choice>,
    /// Wordings a reviewer did not take this entry's answer for (rejected
    /// or edited in review, learned by `kb learn`): the matcher never
    /// proposes the entry for a question worded so.
    pub does_not_answer: Vec<String>,
    /// Where reviewers took and did not take this entry for a wording they
    /// decided both ways (learned by `kb learn`): after which question.
    pub asked: Vec<super::asked::Asked>,
    pub tags: Vec<String>,
    pub owner: Option<String>,
    pub reviewed: Option<Date>,
    pub review_by: Option<Date>,
    /// Where the entry is defined.
    pub location: Location,
    /// A proposed entry from `_inbox/`, not yet approved.
    pub proposed: bool,
}

impl Entry {
    /// An entry is stale once its `review_by` date has passed.
    pub fn is_stale(&self, today: Date) -> bool {
        self.review_by.is_some_and(|by| by < today)
    }

    /// Whether the answer is a yes, no or not-applicable choice, possibly
    /// qualified ("Yes, quarterly"), rather than a fact ("Annually", "AES-256").
    pub fn answers_yes_no(&self) -> bool {
        let a = self.answer.trim_start().to_lowercase();
        let first = a
            .split(|c: char| !c.is_alphanumeric() && c != '/')
            .next()
            .unwrap_or("");
        matches!(first, "yes" | "no" | "n/a" | "na") || a.starts_with("not applicable")
    }

    /// Whether the answer is nothing but yes, no or not applicable.
    pub fn answers_only_yes_no(&self) -> bool {
        let a = self
            .answer
            .trim()
            .trim_end_matches(['.', '!'])
            .to_lowercase();
        matches!(a.as_str(), "yes" | "no" | "n/a" | "na" | "not applicable")
    }

    /// The choice a reviewer made for `question` (compared by its words),
    /// while the entry still answers what they saw.
    pub fn choice_for(&self, question: &str) -> Option<&str> {
        if self.choices.is_empty() {
            return None;
        }
        let asked = words(question);
        self.choices
            .iter()
            .find(|c| words(&c.question) == asked && c.answer == self.answer)
            .map(|c| c.choice.as_str())
    }

    /// Whether a reviewer did not take this entry for `question` (compared
    /// as `kb learn` compares wordings: same words, or nearly).
    pub fn does_not_answer(&self, question: &str) -> bool {
        self.does_not_answer
            .iter()
            .any(|w| near_duplicate(w, question))
    }

    /// The question and its alternate phrasings, question first.
    pub fn phrasings(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.question.as_str()).chain(self.alternates.iter().map(String::as_str))
    }
}

/// A text's words, lowercased, one space apart: what two wordings are
/// compared by (`Do you use SSO?` and `do you use sso` are the same).
pub fn words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A reviewer's choice for a wording of a question in a dropdown that does
/// not take the entry's answer: asked `question` where the cell offers
/// `choice` (a `Yes`/`No` list for an entry that answers `Annually`), the
/// reviewer chose `choice`. It holds only while the entry still answers
/// `answer`, the answer the reviewer saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub question: String,
    pub choice: String,
    pub answer: String,
}

/// A link to a document that backs an answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    pub title: String,
    pub url: String,
}

/// A file and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`:{}", self.file.display(), self.line)
    }
}

/// A validated knowledge base: unique ids, required fields present.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    /// The directory it was loaded from.
    pub root: PathBuf,
    pub entries: Vec<Entry>,
    /// KB-local synonym groups from `synonyms.toml`, lowercase terms.
    pub synonyms: Vec<Vec<String>>,
}

impl KnowledgeBase {
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// An entry with just an id and an answer, for tests.
#[cfg(test)]
pub(crate) fn test_entry(id: &str, answer: &str) -> Entry {
    Entry {
        id: id.into(),
        question: "q".into(),
        alternates: Vec::new(),
        answer: answer.into(),
        details: None,
        evidence: Vec::new(),
        choices: Vec::new(),
        does_not_answer: Vec::new(),
        asked: Vec::new(),
        tags: Vec::new(),
        owner: None,
        reviewed: None,
        review_by: None,
        location: Location {
            file: PathBuf::from("kb.toml"),
            line: 1,
        },
        proposed: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answering(answer: &str) -> Entry {
        test_entry("e", answer)
    }

    #[test]
    fn tells_yes_no_answers_from_facts() {
        for a in [
            "Yes",
            "no.",
            "Yes, quarterly",
            "N/A",
            "NA - no card data",
            "Not applicable",
        ] {
            assert!(answering(a).answers_yes_no(), "{a}");
        }
        for a in [
            "Annually",
            "None",
            "Nothing stored",
            "AES-256",
            "Notified within 72 hours",
        ] {
            assert!(!answering(a).answers_yes_no(), "{a}");
        }
    }
}

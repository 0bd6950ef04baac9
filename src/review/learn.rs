//! Back to the knowledge base: a questionnaire's decisions as the
//! [`Approved`] rows that [`crate::kb::learn`] takes, the same learning as
//! `vetted kb learn`.
//!
//! - accepted or chosen: the entry's wording gains the question as an
//!   alternate (not edited; the answer is the entry's);
//! - edited: a proposed entry in `_inbox/`, based on the drafted entry (which
//!   gains the wording in its `does_not_answer`);
//! - cleared: the drafted entry gains the wording in its `does_not_answer`;
//! - flagged or undecided: nothing to learn.

use crate::kb::{Approved, KnowledgeBase, Left, Rejected};

use super::{Action, Questionnaire};

/// The rows to learn from, and how many decided questions gave none.
#[derive(Debug, Default)]
pub struct ToLearn {
    pub approved: Vec<Approved>,
    /// Cleared questions that had a drafted entry.
    pub rejected: Vec<Rejected>,
    /// Questions left without an entry: undecided, flagged, cleared without
    /// a drafted entry, accepted without one.
    pub left: Vec<Left>,
    /// Cleared without a drafted entry, flagged, and accepted answers without an entry (an answer
    /// that was already in the file).
    pub skipped: usize,
}

/// Turns the decisions on `q` into approved rows. `kb` gives the answer of
/// an accepted or chosen entry.
pub fn to_learn(q: &Questionnaire, kb: &KnowledgeBase) -> ToLearn {
    let mut out = ToLearn::default();
    let texts: Vec<&str> = q
        .report
        .questions
        .iter()
        .map(|q| q.question.as_str())
        .collect();
    let afters = crate::kb::placed_after_texts(&texts);
    for ((question, decision), after) in q.report.questions.iter().zip(&q.decisions).zip(afters) {
        let source = format!(
            "`{}`, sheet `{}`, row {}",
            q.listing.file_name, question.sheet, question.row
        );
        let left = || Left {
            source: source.clone(),
            question: question.question.clone(),
        };
        let Some(d) = decision else {
            out.left.push(left());
            continue;
        };
        match d.action {
            Action::Accept | Action::Choose => {
                let Some(id) = d.entry.clone() else {
                    out.skipped += 1;
                    out.left.push(left());
                    continue;
                };
                let entry = kb.entries.iter().find(|e| e.id == id && !e.proposed);
                out.approved.push(Approved {
                    source,
                    question: question.question.clone(),
                    answer: entry
                        .map(|e| e.answer.clone())
                        .or_else(|| d.answer.clone())
                        .unwrap_or_default(),
                    details: entry
                        .and_then(|e| e.details.clone())
                        .or_else(|| d.details.clone())
                        .unwrap_or_default(),
                    entry: Some(id),
                    edited: false,
                    choice: None,
                    after,
                });
            }
            Action::Edit => {
                let entry = d.entry.clone().or_else(|| question.entry.clone());
                let answer = d.answer.clone().unwrap_or_default();
                let details = d.details.clone().unwrap_or_default();
                // A dropdown value picked where the cell does not take the
                // entry's answer is a choice for this wording, not an edit.
                let choice = match (&entry, &question.allowed) {
                    (Some(id), Some(allowed)) if question.allowed_only => kb
                        .entries
                        .iter()
                        .find(|e| &e.id == id && !e.proposed)
                        .and_then(|e| crate::fill::reviewer_choice(&answer, &details, e, allowed)),
                    _ => None,
                };
                out.approved.push(Approved {
                    source,
                    question: question.question.clone(),
                    entry,
                    answer,
                    details,
                    edited: choice.is_none(),
                    choice,
                    after,
                });
            }
            Action::Clear => match &question.entry {
                Some(id) => out.rejected.push(Rejected {
                    source,
                    question: question.question.clone(),
                    entry: id.clone(),
                    after,
                }),
                None => {
                    out.skipped += 1;
                    out.left.push(left());
                }
            },
            Action::Flag => {
                out.skipped += 1;
                out.left.push(left());
            }
        }
    }
    out
}

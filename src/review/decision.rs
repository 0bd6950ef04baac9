//! Decisions: what a reviewer did with one question, and how decisions turn
//! the drafted report into the finished one.

use serde::{Deserialize, Serialize};

use crate::fill::{Fitted, fit_to_dropdown};
use crate::kb::{Entry, Evidence};
use crate::report::{QuestionReport, Report, Status, Summary};

/// Longest accepted answer, details or note (Excel's cell limit).
pub const MAX_TEXT: usize = 32_767;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Keep the drafted answer.
    Accept,
    /// A reviewer's own answer and details.
    Edit,
    /// Another KB entry's answer.
    Choose,
    /// Leave the answer blank.
    Clear,
    /// Needs an expert; the note says why. Not a decision on the answer.
    Flag,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Edit => "edit",
            Action::Choose => "choose",
            Action::Clear => "clear",
            Action::Flag => "flag",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        [
            Action::Accept,
            Action::Edit,
            Action::Choose,
            Action::Clear,
            Action::Flag,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }

    /// Whether the question counts as reviewed.
    pub fn decides(self) -> bool {
        self != Action::Flag
    }
}

/// A recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub action: Action,
    pub answer: Option<String>,
    pub details: Option<String>,
    pub entry: Option<String>,
    pub evidence: Vec<Evidence>,
    pub note: Option<String>,
    pub by: String,
    pub at: String,
}

/// A decision as a reviewer asks for it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub action: Action,
    #[serde(default)]
    pub answer: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default)]
    pub entry: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecisionError {
    #[error("there is no drafted answer to accept; edit the answer or pick a candidate")]
    NothingToAccept,
    #[error("`edit` needs a non-empty `answer`")]
    EmptyAnswer,
    #[error("`choose` needs the `entry` to use")]
    NoEntry,
    #[error("`{0}` is not a candidate of this question nor a knowledge-base entry")]
    UnknownEntry(String),
    #[error("`flag` needs a `note` for the expert")]
    NoNote,
    #[error("`{0}` is longer than {MAX_TEXT} characters")]
    TooLong(&'static str),
    /// The answer cell has a dropdown and the edited answer is not one of
    /// its values.
    #[error("`{answer}` is not one of the values this answer cell allows: {}", allowed.join(", "))]
    NotAllowed {
        answer: String,
        allowed: Vec<String>,
    },
}

fn text(value: Option<String>, field: &'static str) -> Result<Option<String>, DecisionError> {
    let value = value
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if value.as_ref().is_some_and(|s| s.chars().count() > MAX_TEXT) {
        return Err(DecisionError::TooLong(field));
    }
    Ok(value)
}

/// An answer becomes the dropdown's spelling of the same choice (as the
/// fill step fits drafted answers). A dropdown that takes only its values
/// refuses any other answer, whether typed, accepted or taken from another
/// entry; one that only suggests them takes it as it is.
fn fit(q: &QuestionReport, answer: String) -> Result<String, DecisionError> {
    match q.allowed.as_deref().filter(|a| !a.is_empty()) {
        Some(allowed) => match crate::fill::allowed_spelling(&answer, allowed) {
            Some(spelled) => Ok(spelled.to_string()),
            None if !q.allowed_only => Ok(answer),
            None => Err(DecisionError::NotAllowed {
                answer,
                allowed: allowed.to_vec(),
            }),
        },
        None => Ok(answer),
    }
}

/// A chosen entry's answer and details for `q`'s answer cell: as [`fit`],
/// but a qualified choice (`Yes, quarterly`) becomes the plain choice with
/// its qualifier opening the details, as the fill step drafts it.
fn fit_chosen(
    q: &QuestionReport,
    answer: String,
    details: Option<String>,
) -> Result<(Option<String>, Option<String>), DecisionError> {
    let Some(allowed) = q.allowed.as_deref().filter(|a| !a.is_empty()) else {
        return Ok((Some(answer), details));
    };
    match fit_to_dropdown(&answer, details.as_deref(), allowed) {
        Fitted::Spelled(spelled) => Ok((Some(spelled.to_string()), details)),
        Fitted::Split { choice, details } => Ok((Some(choice.to_string()), Some(details))),
        Fitted::Refused if !q.allowed_only => Ok((Some(answer), details)),
        Fitted::Refused => Err(DecisionError::NotAllowed {
            answer,
            allowed: allowed.to_vec(),
        }),
    }
}

/// Turns a request on `q` into the decision to record. `kb_entry` is the KB
/// entry named by a `choose` request, when the current KB has it.
pub fn resolve(
    q: &QuestionReport,
    request: Request,
    kb_entry: Option<&Entry>,
    by: &str,
    at: &str,
) -> Result<Decision, DecisionError> {
    let note = text(request.note, "note")?;
    let mut d = Decision {
        action: request.action,
        answer: None,
        details: None,
        entry: None,
        evidence: Vec::new(),
        note: None,
        by: by.to_string(),
        at: at.to_string(),
    };
    match request.action {
        Action::Accept => {
            let answer = q.answer.clone().ok_or(DecisionError::NothingToAccept)?;
            d.answer = Some(fit(q, answer)?);
            d.details = q.details.clone();
            d.entry = q.entry.clone();
            d.evidence = q.evidence.clone();
            d.note = note;
        }
        Action::Edit => {
            let answer = text(request.answer, "answer")?.ok_or(DecisionError::EmptyAnswer)?;
            d.answer = Some(fit(q, answer)?);
            d.details = text(request.details, "details")?;
            d.note = note;
        }
        Action::Choose => {
            let id = text(request.entry, "entry")?.ok_or(DecisionError::NoEntry)?;
            let (answer, details) = if let Some(e) = kb_entry.filter(|e| e.id == id) {
                d.evidence = e.evidence.clone();
                (e.answer.clone(), e.details.clone())
            } else if let Some(c) = q.candidates.iter().find(|c| c.entry == id) {
                (c.answer.clone(), None)
            } else {
                return Err(DecisionError::UnknownEntry(id));
            };
            (d.answer, d.details) = fit_chosen(q, answer, details)?;
            d.entry = Some(id);
            d.note = note;
        }
        Action::Clear => d.note = note,
        Action::Flag => {
            d.note = Some(note.ok_or(DecisionError::NoNote)?);
            d.answer = q.answer.clone();
            d.details = q.details.clone();
            d.entry = q.entry.clone();
        }
    }
    Ok(d)
}

/// The report with the decisions applied: accepted, edited and chosen
/// answers become `auto` (an accepted `answered` stays `answered`), cleared
/// ones `unmatched` with no answer; flagged and undecided questions keep
/// their draft. The summary is recounted.
pub fn apply(report: &Report, decisions: &[Option<Decision>]) -> Report {
    let mut out = report.clone();
    for (q, d) in out.questions.iter_mut().zip(decisions) {
        let Some(d) = d else { continue };
        match d.action {
            Action::Flag => {}
            Action::Clear => {
                q.status = Status::Unmatched;
                q.answer = None;
                q.details = None;
                q.entry = None;
                q.evidence.clear();
            }
            Action::Accept | Action::Edit | Action::Choose => {
                if !(d.action == Action::Accept && q.status == Status::Answered) {
                    q.status = Status::Auto;
                }
                q.answer = d.answer.clone();
                q.details = d.details.clone();
                q.entry = d.entry.clone();
                q.evidence = d.evidence.clone();
                q.reasons.clear();
            }
        }
    }
    out.summary = Summary::of(&out.questions);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::CandidateReport;

    fn question(status: Status, answer: Option<&str>) -> QuestionReport {
        QuestionReport {
            sheet: "S".into(),
            row: 2,
            reference: None,
            question: "Q?".into(),
            question_cell: "A2".into(),
            answer_cell: "B2".into(),
            details_cell: "C2".into(),
            status,
            entry: answer.map(|_| "e1".to_string()),
            score: Some(0.5),
            answer: answer.map(str::to_string),
            allowed: None,
            allowed_only: true,
            details: Some("drafted".into()),
            evidence: vec![],
            candidates: vec![CandidateReport {
                entry: "e2".into(),
                score: 0.4,
                answer: "No".into(),
            }],
            reasons: vec!["stale".into()],
        }
    }

    fn req(action: Action) -> Request {
        Request {
            action,
            answer: None,
            details: None,
            entry: None,
            note: None,
        }
    }

    #[test]
    fn resolves_requests() {
        let q = question(Status::Review, Some("Yes"));
        let d = resolve(&q, req(Action::Accept), None, "Ann", "t").unwrap();
        assert_eq!(d.answer.as_deref(), Some("Yes"));
        assert_eq!(d.entry.as_deref(), Some("e1"));
        let none = question(Status::Unmatched, None);
        assert_eq!(
            resolve(&none, req(Action::Accept), None, "Ann", "t"),
            Err(DecisionError::NothingToAccept)
        );
        let mut edit = req(Action::Edit);
        edit.answer = Some("  ".into());
        assert_eq!(
            resolve(&q, edit.clone(), None, "Ann", "t"),
            Err(DecisionError::EmptyAnswer)
        );
        edit.answer = Some(" No ".into());
        let d = resolve(&q, edit, None, "Ann", "t").unwrap();
        assert_eq!(d.answer.as_deref(), Some("No"));
        assert_eq!(d.entry, None);
        let mut choose = req(Action::Choose);
        choose.entry = Some("e2".into());
        let d = resolve(&q, choose.clone(), None, "Ann", "t").unwrap();
        assert_eq!(d.answer.as_deref(), Some("No"));
        choose.entry = Some("nope".into());
        assert!(matches!(
            resolve(&q, choose, None, "Ann", "t"),
            Err(DecisionError::UnknownEntry(_))
        ));
        assert_eq!(
            resolve(&q, req(Action::Flag), None, "Ann", "t"),
            Err(DecisionError::NoNote)
        );
    }

    #[test]
    fn edits_fit_the_dropdown() {
        let mut q = question(Status::Review, Some("Yes"));
        q.allowed = Some(vec!["Yes".into(), "No".into(), "N/A".into()]);
        let mut edit = req(Action::Edit);
        edit.answer = Some("not applicable".into());
        let d = resolve(&q, edit.clone(), None, "Ann", "t").unwrap();
        assert_eq!(d.answer.as_deref(), Some("N/A"));
        edit.answer = Some(" no ".into());
        let d = resolve(&q, edit.clone(), None, "Ann", "t").unwrap();
        assert_eq!(d.answer.as_deref(), Some("No"));
        edit.answer = Some("Maybe".into());
        let e = resolve(&q, edit, None, "Ann", "t").unwrap_err();
        assert_eq!(
            e,
            DecisionError::NotAllowed {
                answer: "Maybe".into(),
                allowed: vec!["Yes".into(), "No".into(), "N/A".into()],
            }
        );
        assert!(e.to_string().contains("Yes, No, N/A"), "{e}");
    }

    #[test]
    fn a_dropdown_that_only_suggests_takes_any_answer() {
        let mut q = question(Status::Review, Some("Quarterly"));
        q.allowed = Some(vec!["Y".into(), "N".into()]);
        q.allowed_only = false;
        let d = resolve(&q, req(Action::Accept), None, "Ann", "t").unwrap();
        assert_eq!(d.answer.as_deref(), Some("Quarterly"));
        let mut edit = req(Action::Edit);
        edit.answer = Some("Fernbrook Inc.".into());
        let d = resolve(&q, edit.clone(), None, "Ann", "t").unwrap();
        assert_eq!(d.answer.as_deref(), Some("Fernbrook Inc."));
        // What means one of its values is still spelled as the list has it.
        edit.answer = Some("no".into());
        let d = resolve(&q, edit, None, "Ann", "t").unwrap();
        assert_eq!(d.answer.as_deref(), Some("N"));
    }

    #[test]
    fn accepted_and_chosen_answers_fit_the_dropdown_too() {
        let mut q = question(Status::Review, Some("Quarterly"));
        q.allowed = Some(vec!["Y".into(), "N".into()]);
        let e = resolve(&q, req(Action::Accept), None, "Ann", "t").unwrap_err();
        assert!(matches!(e, DecisionError::NotAllowed { .. }), "{e}");
        // The candidate `e2` answers `No`: chosen, it is spelled `N`.
        let mut choose = req(Action::Choose);
        choose.entry = Some("e2".into());
        let d = resolve(&q, choose, None, "Ann", "t").unwrap();
        assert_eq!(d.answer.as_deref(), Some("N"));
        q.answer = Some("Yes".into());
        let d = resolve(&q, req(Action::Accept), None, "Ann", "t").unwrap();
        assert_eq!(d.answer.as_deref(), Some("Y"));
        // A qualified choice: the plain choice, the qualifier opens the details.
        q.candidates[0].answer = "No, planned for 2027".into();
        let mut choose = req(Action::Choose);
        choose.entry = Some("e2".into());
        let d = resolve(&q, choose, None, "Ann", "t").unwrap();
        assert_eq!(d.answer.as_deref(), Some("N"));
        assert_eq!(d.details.as_deref(), Some("Planned for 2027."));
        let entry = Entry {
            details: Some("Ops restores.".into()),
            ..crate::kb::test_entry("e3", "Yes - quarterly")
        };
        let mut choose = req(Action::Choose);
        choose.entry = Some("e3".into());
        let d = resolve(&q, choose, Some(&entry), "Ann", "t").unwrap();
        assert_eq!(d.answer.as_deref(), Some("Y"));
        assert_eq!(d.details.as_deref(), Some("Quarterly. Ops restores."));
        // Typed by the reviewer, it is refused: they say what goes where.
        let mut edit = req(Action::Edit);
        edit.answer = Some("Yes, quarterly".into());
        assert!(resolve(&q, edit, None, "Ann", "t").is_err());
    }

    #[test]
    fn applies_decisions() {
        let report = Report {
            version: 1,
            input: "x".into(),
            kb: crate::report::KbInfo {
                path: "kb".into(),
                entries: 1,
            },
            sheets: vec![],
            questions: vec![
                question(Status::Review, Some("Yes")),
                question(Status::Review, Some("Yes")),
                question(Status::Answered, Some("Yes")),
                question(Status::Review, Some("Yes")),
            ],
            summary: Summary::default(),
            original: None,
        };
        let qs = &report.questions;
        let mut edit = req(Action::Edit);
        edit.answer = Some("No".into());
        let mut flag = req(Action::Flag);
        flag.note = Some("ask legal".into());
        let decisions = vec![
            Some(resolve(&qs[0], edit, None, "A", "t").unwrap()),
            Some(resolve(&qs[1], req(Action::Clear), None, "A", "t").unwrap()),
            Some(resolve(&qs[2], req(Action::Accept), None, "A", "t").unwrap()),
            Some(resolve(&qs[3], flag, None, "A", "t").unwrap()),
        ];
        let out = apply(&report, &decisions);
        assert_eq!(out.questions[0].status, Status::Auto);
        assert_eq!(out.questions[0].answer.as_deref(), Some("No"));
        assert!(out.questions[0].reasons.is_empty());
        assert_eq!(out.questions[1].status, Status::Unmatched);
        assert_eq!(out.questions[1].answer, None);
        assert_eq!(out.questions[2].status, Status::Answered);
        assert_eq!(out.questions[3].status, Status::Review);
        assert_eq!(out.summary.auto, 1);
        assert_eq!(out.summary.review, 1);
    }
}

//! The JSON report: a contract read by the web UI and by users' scripts.
//!
//! ```json
//! { "version": 1, "input": "path", "kb": { "path": "knowledge_base", "entries": 212 },
//!   "sheets": [ { "name": "Sheet1", "used": true, "questions": 261, "header_row": 2,
//!                 "question_column": "B", "answer_column": "C", "details_column": "E",
//!                 "skipped": null } ],
//!   "questions": [ { "sheet": "Sheet1", "row": 12, "ref": "IAM-01.1", "question": "...",
//!                    "question_cell": "B12", "answer_cell": "C12", "details_cell": "E12",
//!                    "status": "auto", "entry": "iam-mfa-workforce", "score": 0.93,
//!                    "answer": "Yes", "details": "...", "evidence": [ { "title": "...", "url": "..." } ],
//!                    "candidates": [ { "entry": "iam-mfa-workforce", "score": 0.93 } ],
//!                    "reasons": [] } ],
//!   "summary": { "questions": 261, "auto": 170, "review": 60, "unmatched": 31, "answered": 0 },
//!   "original": { "path": "q.filled.xlsx", "how": "patched", "written": 230, "cleared": 0,
//!                 "sheets": ["Sheet1"], "neutralised": 0,
//!                 "skipped": [ { "sheet": "Sheet1", "cell": "D4", "reason": "it holds a formula" } ],
//!                 "joined": [ { "sheet": "Sheet1", "cell": "D9", "into": "C9" } ] } }
//! ```
//!
//! - `row` is 1-based as Excel shows it (csv: the record number); `sheet` is the
//!   sheet name (csv: the file name).
//! - `status`: `auto` (answer drafted), `review` (drafted, needs a human),
//!   `unmatched` (left blank), `answered` (the file already had an answer,
//!   kept as `answer`; the engine's suggestion is in `candidates`).
//! - `ref` is null when the sheet has no ID column; `entry` and `evidence`
//!   are null/empty unless the status is `auto` or `review`; `score` is the best
//!   candidate's score (null when there is no candidate); `candidates` holds up
//!   to 3, best first, for every status.
//! - `allowed` lists the values the answer cell's dropdown offers (null when
//!   it has none). When `allowed_only` is true the cell takes nothing else
//!   (a dropdown that stops other values, or mark columns): a drafted answer
//!   is spelled as one of them, or held at `review` with a reason. When it is
//!   false the list only suggests (Excel warns about, or ignores, other
//!   values): an answer that means one of them is spelled as it, any other
//!   is drafted as it is.
//! - `reasons` says why a status is lower than its score alone would give
//!   (stale entry, ambiguous match, an answer the dropdown does not allow,
//!   text already in the row's details cell).
//! - `original` is present only with `--format original`: where the
//!   questionnaire with the answers went, how (`patched` xlsx/xlsm, `csv`,
//!   `converted` from xls/ods/xlsb), the cells left alone (formulas, cells
//!   hidden in merged ranges) with the reason, and the cells hidden in a
//!   merged range whose text was written into its visible cell after that
//!   cell's own, as one text (`joined`: the details of a free-text answer
//!   merged across the details column).
//! - Fields are only ever added within one `version`.

use serde::{Deserialize, Serialize};

use crate::kb::Evidence;

pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub version: u32,
    pub input: String,
    pub kb: KbInfo,
    pub sheets: Vec<SheetInfo>,
    pub questions: Vec<QuestionReport>,
    pub summary: Summary,
    /// With `--format original`: what was written into the questionnaire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<OriginalReport>,
}

/// How the answers went into the questionnaire itself (`--format original`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OriginalReport {
    pub path: String,
    /// `patched` (xlsx/xlsm), `csv`, or `converted` (xls, ods, xlsb → xlsx).
    pub how: String,
    /// Cells written, and cells emptied.
    pub written: usize,
    pub cleared: usize,
    /// The sheets whose XML changed (xlsx/xlsm).
    pub sheets: Vec<String>,
    /// Cells left alone, and why.
    pub skipped: Vec<SkippedCell>,
    /// Cells hidden inside a merged range whose text (the details under a
    /// free-text answer merged across both) went into the visible cell,
    /// after its own text.
    #[serde(default)]
    pub joined: Vec<JoinedCell>,
    /// csv: the file's own cells neutralised against formula injection.
    pub neutralised: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SkippedCell {
    pub sheet: String,
    pub cell: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JoinedCell {
    pub sheet: String,
    /// The hidden cell (`D35`).
    pub cell: String,
    /// The visible cell its text went into (`C35`).
    pub into: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KbInfo {
    pub path: String,
    pub entries: usize,
}

/// How one sheet of the input was read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SheetInfo {
    pub name: String,
    pub used: bool,
    pub questions: usize,
    pub header_row: Option<u32>,
    pub question_column: Option<String>,
    pub answer_column: Option<String>,
    pub details_column: Option<String>,
    /// Why the sheet holds no questions.
    pub skipped: Option<String>,
}

/// The status of a question in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Auto,
    Review,
    Unmatched,
    Answered,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Auto => "auto",
            Status::Review => "review",
            Status::Unmatched => "unmatched",
            Status::Answered => "answered",
        }
    }

    /// Whether the draft writes the KB answer for this status.
    pub fn drafts_answer(self) -> bool {
        matches!(self, Status::Auto | Status::Review)
    }
}

impl From<crate::matcher::Status> for Status {
    fn from(s: crate::matcher::Status) -> Status {
        match s {
            crate::matcher::Status::Auto => Status::Auto,
            crate::matcher::Status::Review => Status::Review,
            crate::matcher::Status::Unmatched => Status::Unmatched,
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct QuestionReport {
    pub sheet: String,
    pub row: u32,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub question: String,
    pub question_cell: String,
    pub answer_cell: String,
    pub details_cell: String,
    pub status: Status,
    pub entry: Option<String>,
    #[serde(serialize_with = "round_opt")]
    pub score: Option<f32>,
    pub answer: Option<String>,
    /// The values the answer cell's dropdown offers, or `None` when it has
    /// no dropdown (or its list could not be resolved).
    pub allowed: Option<Vec<String>>,
    /// Whether the answer cell takes only the `allowed` values (true when it
    /// has none to offer). Reports written before it existed treated every
    /// dropdown as strict.
    #[serde(default = "yes")]
    pub allowed_only: bool,
    pub details: Option<String>,
    pub evidence: Vec<Evidence>,
    pub candidates: Vec<CandidateReport>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CandidateReport {
    pub entry: String,
    #[serde(serialize_with = "round")]
    pub score: f32,
    pub answer: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    pub questions: usize,
    pub auto: usize,
    pub review: usize,
    pub unmatched: usize,
    pub answered: usize,
}

impl Summary {
    pub fn of(questions: &[QuestionReport]) -> Summary {
        let count = |s: Status| questions.iter().filter(|q| q.status == s).count();
        Summary {
            questions: questions.len(),
            auto: count(Status::Auto),
            review: count(Status::Review),
            unmatched: count(Status::Unmatched),
            answered: count(Status::Answered),
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} question{}: {} auto, {} review, {} unmatched",
            self.questions,
            if self.questions == 1 { "" } else { "s" },
            self.auto,
            self.review,
            self.unmatched
        )?;
        if self.answered > 0 {
            write!(f, ", {} already answered", self.answered)?;
        }
        Ok(())
    }
}

/// Scores are reported with 3 decimals.
fn round<S: serde::Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((f64::from(*v) * 1000.0).round() / 1000.0)
}

fn round_opt<S: serde::Serializer>(v: &Option<f32>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => round(v, s),
        None => s.serialize_none(),
    }
}

//! The fill pipeline: read a questionnaire, find its questions, match each
//! against the KB, and build the [`Report`] that the draft is rendered from.

use std::path::Path;

use crate::matcher::{MatchError, Matcher};
use crate::report::{
    self, CandidateReport, KbInfo, QuestionReport, Report, SheetInfo, Status, Summary,
};
use crate::sheet::{self, Layout, Overrides, SheetError, Workbook, cell_ref, column_name};

#[derive(Debug, thiserror::Error)]
pub enum FillError {
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error(transparent)]
    Match(#[from] MatchError),
}

#[derive(Debug, Clone, Default)]
pub struct FillOptions {
    pub overrides: Overrides,
    /// Replace answers the questionnaire already holds.
    pub overwrite: bool,
}

/// A questionnaire read and matched, ready to be written.
#[derive(Debug, Clone)]
pub struct Filled {
    pub workbook: Workbook,
    pub layouts: Vec<Layout>,
    pub report: Report,
}

impl Filled {
    /// Writes the draft workbook (atomically: complete or not at all).
    pub fn write_draft(&self, path: &Path) -> Result<(), SheetError> {
        sheet::write_draft(&self.workbook, &self.layouts, &self.report, path)
    }
}

/// Reads and matches the questionnaire at `input`.
pub fn fill(input: &Path, matcher: &Matcher, options: &FillOptions) -> Result<Filled, FillError> {
    let workbook = sheet::read(input)?;
    fill_workbook(workbook, matcher, options)
}

/// Matches an already-read workbook.
pub fn fill_workbook(
    workbook: Workbook,
    matcher: &Matcher,
    options: &FillOptions,
) -> Result<Filled, FillError> {
    let (layouts, skipped) = sheet::detect(&workbook, &options.overrides)?;
    let texts: Vec<&str> = layouts
        .iter()
        .flat_map(|l| l.questions.iter().map(|q| q.text.as_str()))
        .collect();
    let mut matches = matcher.match_questions(&texts)?.into_iter();
    let mut questions = Vec::new();
    for layout in &layouts {
        let sheet_name = &workbook.sheets[layout.sheet].name;
        for q in &layout.questions {
            let found = matches.next().expect("one match per question");
            let candidates: Vec<CandidateReport> = found
                .candidates
                .iter()
                .map(|c| {
                    let e = matcher.entry(c);
                    CandidateReport {
                        entry: e.id.clone(),
                        score: c.score,
                        answer: e.answer.clone(),
                    }
                })
                .collect();
            let mut status = Status::from(found.status);
            let mut best = found.best().map(|c| matcher.entry(&c));
            if q.existing_answer.is_some() && !options.overwrite {
                status = Status::Answered;
                best = None;
            }
            questions.push(QuestionReport {
                sheet: sheet_name.clone(),
                row: q.row + 1,
                reference: q.reference.clone(),
                question: q.text.clone(),
                question_cell: cell_ref(q.row, layout.question_col),
                answer_cell: cell_ref(q.row, layout.answer_col),
                details_cell: cell_ref(q.row, layout.details_col),
                status,
                entry: best.map(|e| e.id.clone()),
                score: found.candidates.first().map(|c| c.score),
                answer: match status {
                    Status::Answered => q.existing_answer.clone(),
                    _ => best.map(|e| e.answer.clone()),
                },
                details: best.and_then(|e| e.details.clone()),
                evidence: best.map(|e| e.evidence.clone()).unwrap_or_default(),
                candidates,
                reasons: if status == Status::Answered {
                    Vec::new()
                } else {
                    found.reasons
                },
            });
        }
    }
    let sheets: Vec<SheetInfo> = workbook
        .sheets
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let layout = layouts.iter().find(|l| l.sheet == i);
            SheetInfo {
                name: s.name.clone(),
                used: layout.is_some(),
                questions: layout.map_or(0, |l| l.questions.len()),
                header_row: layout.and_then(|l| l.header_row).map(|r| r + 1),
                question_column: layout.map(|l| column_name(l.question_col)),
                answer_column: layout.map(|l| column_name(l.answer_col)),
                details_column: layout.map(|l| column_name(l.details_col)),
                skipped: skipped
                    .iter()
                    .find(|k| k.sheet == i)
                    .map(|k| k.reason.to_string()),
            }
        })
        .collect();
    let summary = Summary::of(&questions);
    let report = Report {
        version: report::VERSION,
        input: workbook.path.display().to_string(),
        kb: KbInfo {
            path: matcher.kb().root().display().to_string(),
            entries: matcher.kb().entries.len(),
        },
        sheets,
        questions,
        summary,
    };
    Ok(Filled {
        workbook,
        layouts,
        report,
    })
}

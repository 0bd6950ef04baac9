//! The fill pipeline: read a questionnaire, find its questions, match each
//! against the KB, and build the [`Report`] that the draft is rendered from.

use std::path::Path;

use crate::matcher::{MatchError, Matcher};
use crate::report::{
    self, CandidateReport, KbInfo, QuestionReport, Report, SheetInfo, Status, Summary,
};
use crate::sheet::{
    self, Layout, Overrides, SheetError, Workbook, cell_ref, choice, column_name, original,
    unnumbered,
};

#[derive(Debug, thiserror::Error)]
pub enum FillError {
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error(transparent)]
    Match(#[from] MatchError),
    #[error("`{}` has {count} questions, more than the {limit} allowed here", path.display())]
    TooManyQuestions {
        path: std::path::PathBuf,
        count: usize,
        limit: usize,
    },
}

#[derive(Debug, Clone, Default)]
pub struct FillOptions {
    pub overrides: Overrides,
    /// Replace answers the questionnaire already holds.
    pub overwrite: bool,
    /// Refuse a questionnaire with more questions than this, before
    /// matching (the web server's bound on one upload's work).
    pub max_questions: Option<usize>,
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

    /// Writes the questionnaire itself (`bytes` are its file) with the
    /// drafted answers of `statuses` written in, atomically.
    pub fn write_original(
        &self,
        bytes: &[u8],
        statuses: &[Status],
        path: &Path,
    ) -> Result<original::Outcome, SheetError> {
        original::write_drafted(
            &self.workbook,
            &self.layouts,
            bytes,
            &self.report,
            statuses,
            Vec::new(),
            path,
        )
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
    let count = layouts.iter().map(|l| l.questions.len()).sum::<usize>();
    if let Some(limit) = options.max_questions.filter(|&limit| count > limit) {
        return Err(FillError::TooManyQuestions {
            path: workbook.path.clone(),
            count,
            limit,
        });
    }
    let texts: Vec<&str> = layouts
        .iter()
        .flat_map(|l| l.questions.iter().map(|q| q.text.as_str()))
        .collect();
    let mut matches = matcher.match_questions(&texts)?.into_iter();
    let mut questions = Vec::new();
    // Per question, the choice a reviewer made for its wording and entry.
    let mut choices: Vec<Option<String>> = Vec::new();
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
            choices.push(best.and_then(|e| e.choice_for(&q.text)).map(str::to_string));
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
                allowed: None,
                allowed_only: true,
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
    fit_answers(&workbook, &layouts, &mut questions, &choices);
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
        original: None,
    };
    Ok(Filled {
        workbook,
        layouts,
        report,
    })
}
/// After matching: each question's allowed values (the dropdown, or the
/// values of its mark columns), the drafted answer spelled as allowed (or
/// as a reviewer chose for its wording, `choices`), and for mark columns the
/// cell of the answer's value.
fn fit_answers(
    workbook: &Workbook,
    layouts: &[Layout],
    questions: &mut [QuestionReport],
    choices: &[Option<String>],
) {
    let rows = layouts
        .iter()
        .flat_map(|l| l.questions.iter().map(move |q| (l, q)));
    for (((layout, q), report), choice) in rows.zip(questions.iter_mut()).zip(choices) {
        (report.allowed, report.allowed_only) = if !layout.marks.is_empty() {
            (
                Some(layout.marks.iter().map(|(_, v)| v.clone()).collect()),
                true,
            )
        } else if layout.answer_is_new {
            (None, true)
        } else {
            match workbook.lists.dropdown(
                &workbook.sheets[layout.sheet].name,
                q.row,
                layout.answer_col,
            ) {
                Some(d) => (Some(d.values.to_vec()), d.strict),
                // No dropdown, but the header names the values: `Compliant (Y/N)`.
                None if !layout.header_choices.is_empty() => {
                    (Some(layout.header_choices.clone()), true)
                }
                None => (None, true),
            }
        };
        // Where the rest of a qualified answer ("Yes, quarterly") can go:
        // the questionnaire's own details column, empty on this row (or
        // holding the details of the answer drafted over).
        let existing_details = if layout.details_is_new {
            String::new()
        } else {
            workbook.sheets[layout.sheet]
                .get(q.row, layout.details_col)
                .display()
                .trim()
                .to_string()
        };
        let details_free =
            !layout.details_is_new && layout.details_free(&workbook.sheets[layout.sheet], q.row);
        fit_allowed(report, details_free, choice.as_deref());
        // Someone already wrote beside the empty answer cell ("NA"): the
        // drafted answer may contradict it.
        if !existing_details.is_empty()
            && q.existing_answer.is_none()
            && report.status.drafts_answer()
        {
            report.status = Status::Review;
            report.reasons.push(format!(
                "the row's details cell {} already holds `{}`; check that the answer agrees with it",
                report.details_cell,
                crate::sheet::one_line(&existing_details)
            ));
        }
        if let Some((col, _)) = layout
            .marks
            .iter()
            .find(|(_, v)| Some(v) == report.answer.as_ref())
        {
            report.answer_cell = cell_ref(q.row, *col);
        }
    }
}

/// Spells a drafted short answer as the answer cell's dropdown allows (see
/// [`fit_to_dropdown`]). A qualified choice is split only where the row has
/// an empty details cell of the questionnaire's own, so that nothing of the
/// answer is lost. Where the list only suggests values, any other answer is
/// drafted as it is. Where it allows nothing else, a reviewer's earlier
/// choice for this wording (`Yes` for an entry that answers `Annually`)
/// is drafted with the entry's answer opening the details; any other answer
/// is still drafted, but at most as `review`, with the reason.
fn fit_allowed(q: &mut QuestionReport, details_free: bool, learned: Option<&str>) {
    let (Some(allowed), Some(answer)) = (&q.allowed, &q.answer) else {
        return;
    };
    if !q.status.drafts_answer() {
        return;
    }
    let split = match fit_to_dropdown(answer, q.details.as_deref(), allowed) {
        Fitted::Spelled(spelled) => {
            q.answer = Some(spelled.to_string());
            return;
        }
        Fitted::Split { choice, details } if details_free => {
            q.answer = Some(choice.to_string());
            q.details = Some(details);
            return;
        }
        _ if !q.allowed_only => return,
        _ if details_free
            && let Some(spelled) = learned.and_then(|c| allowed_spelling(c, allowed))
            && let Some(first) = sentence(answer) =>
        {
            q.details = Some(opening(first, q.details.as_deref()));
            q.answer = Some(spelled.to_string());
            return;
        }
        Fitted::Split { choice, .. } => Some(choice),
        Fitted::Refused => None,
    };
    q.status = Status::Review;
    let mut reason = format!(
        "the answer `{answer}` is not one of the values the cell allows ({})",
        allowed.join(", ")
    );
    if let Some(choice) = split {
        reason.push_str(&format!(
            "; `{choice}` would leave out the rest, and the row has no empty details cell for it"
        ));
    }
    q.reasons.push(reason);
}

/// The value a reviewer chose, when they approved `answer` (with
/// `details`) for a question drafted from `entry` in a cell that takes only
/// `allowed`, where the entry's own answer is none of those values: a
/// `Yes` in a `Yes`/`No` cell for an entry that answers `Annually`. Only
/// when `answer` is one of the values and the details still say what the
/// entry says (left as drafted, cleared, or the entry's answer put before
/// them); anything else is an edit.
pub(crate) fn reviewer_choice(
    answer: &str,
    details: &str,
    entry: &crate::kb::Entry,
    allowed: &[String],
) -> Option<String> {
    if fit_to_dropdown(&entry.answer, None, allowed) != Fitted::Refused {
        return None;
    }
    let spelled = allowed_spelling(answer, allowed)?;
    // The entry's answer and details, as words; the details given must be
    // all of it or its end (the details alone).
    let given = crate::kb::words(details);
    let own = crate::kb::words(&format!(
        "{} {}",
        entry.answer,
        entry.details.as_deref().unwrap_or("")
    ));
    let kept = given.is_empty() || own == given || own.ends_with(&format!(" {given}"));
    kept.then(|| spelled.to_string())
}

/// How an answer fits a dropdown.
#[derive(Debug, PartialEq)]
pub(crate) enum Fitted<'a> {
    /// One of the allowed values means the answer.
    Spelled(&'a str),
    /// A qualified choice (`Yes, quarterly`): the allowed value of the plain
    /// choice, and the details with the qualifier as their first sentence,
    /// as a person filling the form would write it.
    Split { choice: &'a str, details: String },
    /// None of the allowed values.
    Refused,
}

/// Fits `answer` (with its `details`) to a dropdown of `allowed` values:
/// the allowed spelling (`Yes` → `Y`, `N/A` → `Not Applicable`), else a
/// qualified choice whose plain choice the dropdown offers without graded
/// variants of it, split.
pub(crate) fn fit_to_dropdown<'a>(
    answer: &str,
    details: Option<&str>,
    allowed: &'a [String],
) -> Fitted<'a> {
    if let Some(spelled) = allowed_spelling(answer, allowed) {
        return Fitted::Spelled(spelled);
    }
    let Some((choice, qualifier)) = qualified_choice(answer, allowed) else {
        return Fitted::Refused;
    };
    Fitted::Split {
        choice,
        details: opening(qualifier, details),
    }
}

/// `details` with `first` (a sentence) before them.
fn opening(first: String, details: Option<&str>) -> String {
    match details.map(str::trim) {
        Some(d) if !d.is_empty() => format!("{first} {d}"),
        _ => first,
    }
}

/// `text` as a sentence: capitalized, with a closing period.
fn sentence(text: &str) -> Option<String> {
    let mut chars = text.trim().chars();
    let first = chars.next()?;
    let mut s: String = first.to_uppercase().chain(chars).collect();
    if !s.ends_with(['.', '!', '?', ')']) {
        s.push('.');
    }
    Some(s)
}

/// A qualified yes / no / not-applicable answer (`Yes, quarterly`, `No -
/// planned for 2027`, `N/A (no card data)`): the allowed value of its choice
/// and the qualifier as a sentence (`Quarterly.`). `None` when the answer
/// does not open with a choice, when the dropdown lacks that choice, or when
/// it offers graded variants of it (`Yes, for some applications`): then
/// which one the qualifier means is a judgement.
fn qualified_choice<'a>(answer: &str, allowed: &'a [String]) -> Option<(&'a str, String)> {
    let answer = answer.trim();
    let (kind, rest) = ["not applicable", "n/a", "n.a.", "yes", "no", "na"]
        .iter()
        .find_map(|prefix| {
            let head = answer.get(..prefix.len())?;
            let rest = &answer[prefix.len()..];
            // A whole word: `No,` and `No -`, not `None` or `Yesterday`.
            let whole = rest
                .chars()
                .next()
                .is_some_and(|c| !c.is_alphanumeric() && c != '/');
            (head.eq_ignore_ascii_case(prefix) && whole).then(|| (choice(prefix), rest))
        })?;
    let kind = kind?;
    let mut rest = rest.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '.' | '\u{2013}' | '\u{2014}')
    });
    if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        rest = inner.trim();
    }
    let qualifier = sentence(rest)?;
    let mut spelled = None;
    for v in allowed {
        let v_norm = option_text(v);
        match choice(&v_norm) {
            Some(k) if k == kind => spelled = spelled.or(Some(v.as_str())),
            Some(_) => {}
            // A graded variant of the same choice.
            None if qualified_kind(&v_norm) == Some(kind) => return None,
            None => {}
        }
    }
    Some((spelled?, qualifier))
}

/// The choice a graded value opens with (`yes, for some applications` →
/// yes).
fn qualified_kind(text: &str) -> Option<u8> {
    let word: String = unnumbered(text)
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '/')
        .collect();
    choice(&word)
}

/// The allowed value that means `answer`, if any: the same text (ignoring
/// case and spaces), or the same yes / no / not-applicable choice however it
/// is spelled (`Y`, `1) Yes`, `"N/A"`, `Not Applicable`). A graded choice
/// such as `Yes, for some applications` is never taken for a plain `Yes`.
pub(crate) fn allowed_spelling<'a>(answer: &str, allowed: &'a [String]) -> Option<&'a str> {
    let a = option_text(answer);
    if let Some(exact) = allowed.iter().find(|v| option_text(v) == a) {
        return Some(exact);
    }
    let kind = choice(&a)?;
    allowed
        .iter()
        .find(|v| choice(&option_text(v)) == Some(kind))
        .map(String::as_str)
}

/// An answer or dropdown value as compared: trimmed, unquoted, lowercase.
fn option_text(s: &str) -> String {
    s.trim().trim_matches('"').trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_reviewer_choice_is_a_listed_value_for_an_answer_the_list_does_not_take() {
        let entry = crate::kb::Entry {
            details: Some("Every September.".into()),
            ..crate::kb::test_entry("dr", "Annually")
        };
        let yn = vec!["Y".to_string(), "N".to_string()];
        let choice = |answer: &str, details: &str| reviewer_choice(answer, details, &entry, &yn);
        assert_eq!(choice("Yes", ""), Some("Y".into()));
        assert_eq!(choice("y", "Every September."), Some("Y".into()));
        assert_eq!(choice("N", "Annually. Every September."), Some("N".into()));
        // Other details, or a value the list does not take, are edits.
        assert_eq!(choice("Yes", "Only in odd years."), None);
        assert_eq!(choice("Quarterly", ""), None);
        // An entry whose answer the list takes needs no choice.
        let yes = crate::kb::Entry {
            answer: "Yes".into(),
            ..entry.clone()
        };
        assert_eq!(reviewer_choice("No", "", &yes, &yn), None);
    }

    #[test]
    fn answers_take_the_allowed_spelling() {
        let yn = strings(&["Y", "N", "NA"]);
        assert_eq!(allowed_spelling("Yes", &yn), Some("Y"));
        assert_eq!(allowed_spelling("no", &yn), Some("N"));
        assert_eq!(allowed_spelling("N/A", &yn), Some("NA"));
        let long = strings(&["Yes", "No", "Not Applicable"]);
        assert_eq!(allowed_spelling("N/A", &long), Some("Not Applicable"));
        assert_eq!(allowed_spelling("YES", &long), Some("Yes"));
        let quoted = strings(&["\"Yes\"", "\"N/A\""]);
        assert_eq!(allowed_spelling("NA", &quoted), Some("\"N/A\""));
        let numbered = strings(&["1) Yes", "2) No"]);
        assert_eq!(allowed_spelling("No", &numbered), Some("2) No"));
        let graded = strings(&[
            "No",
            "Yes, for some applications",
            "Yes, for at least half of the applications",
        ]);
        assert_eq!(allowed_spelling("Yes", &graded), None);
        assert_eq!(allowed_spelling("Quarterly", &yn), None);
        // A control's status.
        let status = strings(&[
            "Implemented",
            "Partially Implemented",
            "Not Implemented",
            "Not Applicable",
        ]);
        assert_eq!(allowed_spelling("Yes", &status), Some("Implemented"));
        assert_eq!(allowed_spelling("No", &status), Some("Not Implemented"));
        assert_eq!(allowed_spelling("N/A", &status), Some("Not Applicable"));
        assert_eq!(
            qualified_choice("Yes, quarterly", &status),
            Some(("Implemented", "Quarterly.".to_owned()))
        );
        let compliant = strings(&["Compliant", "Non-Compliant"]);
        assert_eq!(allowed_spelling("no", &compliant), Some("Non-Compliant"));
    }

    #[test]
    fn a_qualified_choice_splits_into_the_choice_and_a_sentence() {
        let yn = strings(&["Y", "N", "NA"]);
        let split = |a: &str, allowed: &[String]| {
            qualified_choice(a, allowed).map(|(v, q)| (v.to_owned(), q))
        };
        let pair = |v: &str, q: &str| Some((v.to_owned(), q.to_owned()));
        assert_eq!(split("Yes, quarterly", &yn), pair("Y", "Quarterly."));
        assert_eq!(
            split("No - planned for 2027", &yn),
            pair("N", "Planned for 2027.")
        );
        assert_eq!(
            split("N/A (no card data)", &yn),
            pair("NA", "No card data.")
        );
        assert_eq!(
            split("Not applicable: we hold no card data.", &yn),
            pair("NA", "We hold no card data.")
        );
        assert_eq!(split("YES \u{2014} at hire", &yn), pair("Y", "At hire."));
        // Not a qualified choice.
        for a in [
            "Quarterly",
            "Yes",
            "None",
            "Yesterday's backup",
            "Nowhere",
            "No,",
            "N/Apple",
        ] {
            assert_eq!(split(a, &yn), None, "{a}");
        }
        // The dropdown lacks the choice.
        assert_eq!(split("N/A, no cards", &strings(&["Yes", "No"])), None);
        // Graded variants of the choice: which one is a judgement.
        let graded = strings(&["No", "Yes, for some applications", "Yes, for all"]);
        assert_eq!(split("Yes, quarterly", &graded), None);
        assert_eq!(split("No, never", &graded), pair("No", "Never."));
        let numbered = strings(&["1) Yes", "2) No", "3) Yes, partially"]);
        assert_eq!(split("Yes, quarterly", &numbered), None);
        assert_eq!(split("No, never", &numbered), pair("2) No", "Never."));
    }
}

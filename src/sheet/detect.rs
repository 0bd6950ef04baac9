//! Finding the questions in a workbook: which sheets are questionnaires, the
//! header row, the question, answer, details and ID columns, and the rows
//! that are questions (not titles, instructions, section headings or footers).

use super::SheetError;
use super::read::{Sheet, Value, Workbook};
use crate::matcher::normalize::{clean, clean_lines};

/// User overrides for files the detection gets wrong. Rows and columns are 0-based.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Only this sheet (hidden or not).
    pub sheet: Option<String>,
    pub question_col: Option<u32>,
    pub answer_col: Option<u32>,
    pub details_col: Option<u32>,
    pub header_row: Option<u32>,
}

impl Overrides {
    fn any_layout(&self) -> bool {
        self.question_col.is_some() || self.answer_col.is_some() || self.header_row.is_some()
    }
}

/// Where the questions of one sheet are and where their answers go.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Index into [`Workbook::sheets`].
    pub sheet: usize,
    pub header_row: Option<u32>,
    pub id_col: Option<u32>,
    pub question_col: u32,
    pub answer_col: u32,
    /// The sheet has no answer column: the draft adds one at `answer_col`.
    pub answer_is_new: bool,
    pub details_col: u32,
    /// The sheet has no details column: the draft adds one at `details_col`.
    pub details_is_new: bool,
    /// Mark columns (CAIQ v3.0.1's `Yes | No | Not Applicable` under one
    /// answer header): each column and the value an `x` in it stands for.
    /// Empty when the answer is written as text in `answer_col`.
    pub marks: Vec<(u32, String)>,
    /// The values the answer header names (`Compliant (Y/N)` → `Yes`, `No`),
    /// for answer cells without a dropdown; empty when it names none.
    pub header_choices: Vec<String>,
    pub questions: Vec<Question>,
    /// Rows that read like questions but whose answer cell holds a formula
    /// (a copy of another sheet's field): never filled, and reported by the
    /// original writer.
    pub computed: Vec<u32>,
}

impl Layout {
    /// Whether a drafted answer's details may go into the details cell of
    /// (0-based) `row` of `sheet`, the sheet this layout reads: a column the
    /// draft adds, an empty cell, or the details of an answer the fill
    /// replaces (`--overwrite`): the old narrative is not left beside the
    /// new answer.
    pub fn details_free(&self, sheet: &Sheet, row: u32) -> bool {
        self.details_is_new
            || sheet.get(row, self.details_col).is_empty()
            || self
                .questions
                .iter()
                .any(|q| q.row == row && q.existing_answer.is_some())
    }
}

/// One question row.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// 0-based row.
    pub row: u32,
    /// The question's own ID (`IAM-01.1`), when the sheet has an ID column.
    pub reference: Option<String>,
    /// The question text, cleaned of invisible characters.
    pub text: String,
    /// What the answer cell already holds, if anything.
    pub existing_answer: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Question,
    Answer,
    Details,
    Id,
}

/// Longest text a header cell may hold.
const MAX_HEADER_LEN: usize = 80;
/// How many rows below a header are sampled to infer columns.
const SAMPLE_ROWS: u32 = 60;

/// A sheet that holds no questions, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub sheet: usize,
    pub reason: &'static str,
}

/// Finds the questionnaire sheets of `wb` and their questions. Hidden sheets
/// are skipped unless named by `--sheet`.
pub fn detect(
    wb: &Workbook,
    overrides: &Overrides,
) -> Result<(Vec<Layout>, Vec<Skipped>), SheetError> {
    // A draft's own questions would be matched again and its review lost.
    if wb.sheets.iter().any(|s| s.name == super::draft::MAP_SHEET) {
        return Err(SheetError::IsADraft(wb.path.clone()));
    }
    let selected: Vec<usize> = match &overrides.sheet {
        Some(name) => {
            let found = wb.sheets.iter().position(|s| &s.name == name).or_else(|| {
                wb.sheets
                    .iter()
                    .position(|s| s.name.eq_ignore_ascii_case(name))
            });
            match found {
                Some(i) => vec![i],
                None => {
                    return Err(SheetError::NoSuchSheet {
                        path: wb.path.clone(),
                        sheet: name.clone(),
                        available: wb
                            .sheets
                            .iter()
                            .map(|s| format!("`{}`", s.name))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
        }
        None => (0..wb.sheets.len())
            .filter(|&i| wb.sheets[i].visible)
            .collect(),
    };
    // A bare list of questions without headers is only trusted where the
    // user pointed at it or where there is nothing else to read.
    let allow_headerless = selected.len() == 1 || overrides.any_layout();
    let mut layouts = Vec::new();
    let mut skipped: Vec<Skipped> = (0..wb.sheets.len())
        .filter(|i| !selected.contains(i))
        .map(|sheet| Skipped {
            sheet,
            reason: if wb.sheets[sheet].visible {
                "not selected"
            } else {
                "hidden"
            },
        })
        .collect();
    let mut why = Vec::new();
    for i in selected {
        let name = &wb.sheets[i].name;
        let dropdown = |row: u32, col: u32| wb.lists.dropdown(name, row, col).map(|d| d.values);
        match detect_sheet(&wb.sheets[i], i, overrides, allow_headerless, &dropdown) {
            Ok(layout) => layouts.push(layout),
            Err(reason) => {
                why.push(format!("sheet `{}`: {reason}", wb.sheets[i].name));
                skipped.push(Skipped { sheet: i, reason });
            }
        }
    }
    // The buyer's own sheets (analyst reports, evaluations, scoring,
    // crosswalks) are never filled, as long as another sheet holds questions:
    // a lone sheet named "Vendor Security Evaluation" is the questionnaire.
    if overrides.sheet.is_none()
        && layouts
            .iter()
            .any(|l| !is_requester_sheet(&wb.sheets[l.sheet].name))
    {
        layouts.retain(|l| {
            let requester = is_requester_sheet(&wb.sheets[l.sheet].name);
            if requester {
                skipped.push(Skipped {
                    sheet: l.sheet,
                    reason: REQUESTER,
                });
            }
            !requester
        });
        for s in &mut skipped {
            if is_requester_sheet(&wb.sheets[s.sheet].name) && wb.sheets[s.sheet].visible {
                s.reason = REQUESTER;
            }
        }
    }
    skipped.sort_by_key(|s| s.sheet);
    if layouts.is_empty() {
        let detail = if why.is_empty() {
            " (the workbook has no visible sheets)".to_string()
        } else {
            format!(" ({})", why.join("; "))
        };
        return Err(SheetError::NoQuestions {
            path: wb.path.clone(),
            detail,
        });
    }
    Ok((layouts, skipped))
}

const REQUESTER: &str = "for the requester (evaluation, scoring, report or crosswalk)";

/// Sheets the buyer fills or that compute from the answers: `Analyst Report`,
/// `Institution Evaluation`, `Standards Crosswalk`, `Summary Report`,
/// `(backend scoring)`.
fn is_requester_sheet(name: &str) -> bool {
    let words = header_words(name);
    let has = |set: &[&str]| words.iter().any(|w| set.contains(&w.as_str()));
    has(&[
        "analyst",
        "analysts",
        "evaluation",
        "evaluations",
        "crosswalk",
        "scoring",
        "scorecard",
    ]) || words
        .last()
        .is_some_and(|w| w == "report" || w == "reports")
}

/// A cell's dropdown values, if it has a dropdown.
type Dropdowns<'a> = dyn Fn(u32, u32) -> Option<&'a [String]> + 'a;

fn detect_sheet<'a>(
    sheet: &Sheet,
    index: usize,
    o: &Overrides,
    allow_headerless: bool,
    dropdown: &Dropdowns<'a>,
) -> Result<Layout, &'static str> {
    if sheet.height() == 0 {
        return Err("empty");
    }
    let header_row = match o.header_row {
        Some(r) => Some(r),
        None => find_header(sheet),
    };
    // Questionnaires repeat their header above every section: vote each
    // role's column over all rows that repeat the header's answer cell.
    let family = header_row.map_or_else(Vec::new, |h| header_family(sheet, h, o.answer_col));
    let roles = |role: Role| -> Vec<u32> { voted_columns(sheet, &family, role) };
    let data_start = header_row.map_or(0, |r| r + 1);

    let mut answer_col = o
        .answer_col
        .or_else(|| roles(Role::Answer).first().copied());
    let question_col = match o.question_col {
        Some(c) => c,
        None => {
            let questions = roles(Role::Question);
            // The question column comes before the answer, except in forms
            // that put the answer first (`Answer | Question | Notes`).
            let headed = questions
                .iter()
                .copied()
                .find(|&c| {
                    answer_col.is_none_or(|a| c < a) && holds_questions(sheet, data_start, c)
                })
                .or_else(|| {
                    questions
                        .iter()
                        .copied()
                        .find(|&c| Some(c) != answer_col && holds_questions(sheet, data_start, c))
                });
            match headed {
                Some(c) => c,
                None if header_row.is_some() && answer_col.is_some() => {
                    infer_question_col(sheet, data_start, answer_col)
                        .ok_or("no column of question text")?
                }
                None if allow_headerless && header_row.is_none() => {
                    infer_question_col(sheet, 0, None)
                        .ok_or("no header row and no column of questions")?
                }
                None => return Err("no header row with a question or answer column"),
            }
        }
    };
    if answer_col == Some(question_col) {
        answer_col = None;
    }
    // No answer header, but choices heading columns of their own
    // (`Question | Yes | No | N/A | Comment`): an `x` in one is the answer.
    let headed_marks = match (answer_col, header_row) {
        (None, Some(h)) if o.answer_col.is_none() => header_marks(sheet, h, question_col + 1),
        _ => Vec::new(),
    };
    answer_col = answer_col.or(headed_marks.first().map(|&(c, _)| c));
    // No answer header, but a column of yes/no dropdowns beside the
    // questions (`ID | Question | [Yes/No] | Comments`, its header blank).
    if answer_col.is_none() && o.answer_col.is_none() {
        answer_col = dropdown_column(sheet, header_row, data_start, question_col, dropdown);
    }
    // Nothing else takes the answer: a narrative answer column (`Detailed
    // Response`) takes it whole.
    if answer_col.is_none()
        && o.answer_col.is_none()
        && let Some(h) = header_row
    {
        answer_col = roles(Role::Details).into_iter().find(|&c| {
            c != question_col
                && sheet.get(h, c).as_text().is_some_and(|t| {
                    header_words(t)
                        .iter()
                        .any(|w| ANSWER_WORDS.contains(&w.as_str()))
                })
        });
    }
    // Of several ID headers (CAIQ v3's `Control ID` and `Question ID`), the
    // one with the most distinct IDs below.
    let headed_ids: Vec<u32> = roles(Role::Id)
        .into_iter()
        .filter(|&c| c < question_col)
        .collect();
    let id_col = headed_ids
        .iter()
        .filter_map(|&c| Some((c, id_column_score(sheet, data_start, question_col, c)?)))
        .fold(None, |best: Option<(u32, usize)>, (c, n)| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((c, n)),
        })
        .map(|(c, _)| c)
        .or_else(|| headed_ids.first().copied())
        .or_else(|| infer_id_col(sheet, data_start, question_col));
    let details_col = o.details_col.or_else(|| {
        roles(Role::Details)
            .into_iter()
            .find(|&c| c != question_col && Some(c) != answer_col && Some(c) != id_col)
    });

    // New columns go right of everything the sheet uses.
    let mut next_free = sheet.width().max(question_col + 1);
    let (answer_col, answer_is_new) = match answer_col {
        Some(c) => (c, false),
        None => {
            next_free += 1;
            (next_free - 1, true)
        }
    };
    let (details_col, details_is_new) = match details_col {
        Some(c) => (c, false),
        None => (next_free.max(answer_col + 1), true),
    };

    let marks = match header_row {
        Some(h) if !answer_is_new => mark_columns(sheet, h, answer_col),
        _ => Vec::new(),
    };
    let marks = if marks.is_empty() {
        headed_marks
    } else {
        marks
    };
    let questions = collect_questions(
        sheet,
        &family,
        header_row,
        data_start,
        id_col,
        question_col,
        answer_col,
        answer_is_new,
    );
    // A formula in the answer cell computes the answer (a copy of another
    // sheet's field): not a question to fill.
    let (computed, mut questions): (Vec<Question>, Vec<Question>) = questions
        .into_iter()
        .partition(|q| !answer_is_new && sheet.is_formula(q.row, answer_col));
    if questions.is_empty() {
        return Err("no question rows under the header");
    }
    if !marks.is_empty() {
        // The answer is the value of the marked column.
        for q in &mut questions {
            q.existing_answer = marks
                .iter()
                .find(|(c, _)| !sheet.get(q.row, *c).is_empty())
                .map(|(_, value)| value.clone());
        }
    }
    Ok(Layout {
        sheet: index,
        header_row,
        id_col,
        question_col,
        answer_col,
        answer_is_new,
        details_col,
        details_is_new,
        marks,
        header_choices: header_row
            .filter(|_| !answer_is_new)
            .and_then(|h| sheet.get(h, answer_col).as_text().map(header_choices))
            .unwrap_or_default(),
        questions,
        computed: computed.into_iter().map(|q| q.row).collect(),
    })
}

/// The column whose cells offer a dropdown of answers (yes, no, a control's
/// state) on at least half of the rows that read like questions; of several,
/// the one with the most, then the nearest right of the questions.
fn dropdown_column<'a>(
    sheet: &Sheet,
    header_row: Option<u32>,
    start: u32,
    question_col: u32,
    dropdown: &Dropdowns<'a>,
) -> Option<u32> {
    // A yes/no column headed as the buyer's (`In Scope`, `Required`,
    // `Reviewer Agrees`) is not where the vendor answers.
    const NOT_THE_VENDORS: &[&str] = &[
        "scope",
        "scoping",
        "applicable",
        "applicability",
        "required",
        "mandatory",
        "priority",
        "critical",
        "criticality",
        "weight",
        "risk",
        "score",
        "scoring",
        "reviewer",
        "assessor",
        "analyst",
        "internal",
        "customer",
        "buyer",
        "institution",
        "expected",
        "preferred",
    ];
    let buyers = |c: u32| {
        header_row
            .and_then(|h| sheet.get(h, c).as_text().map(header_words))
            .is_some_and(|words| {
                words
                    .iter()
                    .flat_map(|w| w.split('/'))
                    .any(|w| NOT_THE_VENDORS.contains(&w))
            })
    };
    let rows: Vec<u32> = (start..sheet.height())
        .filter(|&r| {
            sheet
                .get(r, question_col)
                .as_text()
                .is_some_and(looks_like_question)
        })
        .take(1000)
        .collect();
    let answers = |values: &[String]| {
        values.iter().any(|v| {
            let v = v.trim().trim_matches('"').to_lowercase();
            is_choice(&v) || super::choice(&v).is_some()
        })
    };
    let last = sheet.width().max(question_col + 1) + 4;
    (0..last)
        .filter(|&c| c != question_col && !buyers(c))
        .map(|c| {
            let n = rows
                .iter()
                .filter(|&&r| {
                    dropdown(r, c).is_some_and(answers)
                        && sheet
                            .get(r, c)
                            .as_text()
                            .is_none_or(|t| t.chars().count() <= 40)
                })
                .count();
            (c, n)
        })
        .filter(|&(_, n)| n > 0 && n * 2 >= rows.len())
        .max_by_key(|&(c, n)| {
            (
                n,
                c > question_col,
                std::cmp::Reverse(c.abs_diff(question_col)),
            )
        })
        .map(|(c, _)| c)
}

/// Mark columns: a sub-header row just below the header that names, from
/// the answer column rightwards, two or more choices (`Yes | No | Not
/// Applicable`), each column then marked with an `x`.
fn mark_columns(sheet: &Sheet, header: u32, answer_col: u32) -> Vec<(u32, String)> {
    (header + 1..(header + 4).min(sheet.height()))
        .map(|r| choices_from(sheet, r, answer_col))
        .find(|marks| !marks.is_empty())
        .unwrap_or_default()
}

/// Two or more choices side by side in `row`, from column `first` on.
fn choices_from(sheet: &Sheet, row: u32, first: u32) -> Vec<(u32, String)> {
    let mut marks = Vec::new();
    let mut c = first;
    while let Some(label) = sheet.get(row, c).as_text().map(clean) {
        if !is_choice(&label) {
            break;
        }
        marks.push((c, label));
        c += 1;
    }
    if marks.len() >= 2 { marks } else { Vec::new() }
}

/// Mark columns headed by the choices themselves in the header row, from
/// the first choice at or right of `from`: `Yes | No | N/A`.
fn header_marks(sheet: &Sheet, header: u32, from: u32) -> Vec<(u32, String)> {
    let width = sheet.row(header).len() as u32;
    (from..width)
        .find(|&c| {
            sheet
                .get(header, c)
                .as_text()
                .is_some_and(|t| is_choice(&clean(t)))
        })
        .map(|first| choices_from(sheet, header, first))
        .unwrap_or_default()
}

/// Header words that name the values of their column (`Compliant (Y/N)`),
/// and those values.
const VALUE_MARKERS: [(&str, &[&str]); 6] = [
    ("yes/no/na", &["Yes", "No", "N/A"]),
    ("yes/no/n/a", &["Yes", "No", "N/A"]),
    ("y/n/na", &["Yes", "No", "N/A"]),
    ("y/n/n/a", &["Yes", "No", "N/A"]),
    ("yes/no", &["Yes", "No"]),
    ("y/n", &["Yes", "No"]),
];

/// The values a header names for its column: `Compliant (Y/N)` → `Yes`,
/// `No`; `Response (Yes/No/N/A)` → `Yes`, `No`, `N/A`.
fn header_choices(text: &str) -> Vec<String> {
    let words = header_words(text);
    let joined = words.join(" ");
    let named = |w: &str| words.iter().any(|x| x == w) || joined == w.replace('/', " ");
    VALUE_MARKERS
        .iter()
        .find(|(w, _)| named(w))
        .map(|(_, values)| values.iter().map(|v| (*v).to_owned()).collect())
        .unwrap_or_default()
}

/// A choice that heads a mark column.
fn is_choice(label: &str) -> bool {
    let lower = label.trim().to_lowercase();
    matches!(
        lower.as_str(),
        "yes"
            | "no"
            | "y"
            | "n"
            | "n/a"
            | "na"
            | "not applicable"
            | "partial"
            | "partially"
            | "in progress"
            | "planned"
            | "unknown"
    )
}

/// The row that looks like column headers: at least two short texts, one of
/// them naming the answer or the question column. Where several rows qualify,
/// the one whose answer header repeats most often below (HECVAT's section
/// headers) wins over a title such as "HECVAT - Full | Vendor Response";
/// ties go to the top-most.
fn find_header(sheet: &Sheet) -> Option<u32> {
    let candidates = (0..sheet.height()).filter(|&r| {
        let texts: Vec<&str> = sheet
            .row(r)
            .iter()
            .filter_map(Value::as_text)
            .filter(|t| !t.trim().is_empty())
            .collect();
        texts.len() >= 2
            && texts.iter().all(|t| t.chars().count() <= MAX_HEADER_LEN)
            && texts
                .iter()
                .any(|t| matches!(classify(t), Some(Role::Answer | Role::Question)))
    });
    let mut best: Option<(u32, usize)> = None;
    for r in candidates.take(50) {
        let size = header_family(sheet, r, None).len();
        if best.is_none_or(|(_, n)| size > n) {
            best = Some((r, size));
        }
    }
    best.map(|(r, _)| r).or_else(|| lone_question_header(sheet))
}

/// Where no row heads two columns: a lone `Question` header over a column
/// of questions (a list of questions with nowhere to answer yet).
fn lone_question_header(sheet: &Sheet) -> Option<u32> {
    (0..sheet.height().min(50)).find(|&r| {
        let texts: Vec<(usize, &str)> = sheet
            .row(r)
            .iter()
            .enumerate()
            .filter_map(|(c, v)| v.as_text().map(|t| (c, t)))
            .filter(|(_, t)| !t.trim().is_empty())
            .collect();
        match texts.as_slice() {
            [(c, t)] => {
                classify(t) == Some(Role::Question)
                    && sheet
                        .get(r + 1, *c as u32)
                        .as_text()
                        .is_some_and(looks_like_question)
            }
            _ => false,
        }
    })
}

/// The header row and every later row that repeats its answer header in the
/// same column (HECVAT's per-section `Answer | Additional Information`).
fn header_family(sheet: &Sheet, header: u32, answer_col: Option<u32>) -> Vec<u32> {
    let answer_col = answer_col.or_else(|| {
        sheet
            .row(header)
            .iter()
            .position(|v| v.as_text().and_then(classify) == Some(Role::Answer))
            .map(|c| c as u32)
    });
    let Some(a) = answer_col else {
        return vec![header];
    };
    std::iter::once(header)
        .chain(
            (header + 1..sheet.height())
                .filter(|&r| sheet.get(r, a).as_text().and_then(classify) == Some(Role::Answer)),
        )
        .collect()
}

/// Columns holding `role` in the header rows, most frequent first (ties: leftmost).
fn voted_columns(sheet: &Sheet, rows: &[u32], role: Role) -> Vec<u32> {
    let mut counts: Vec<(u32, usize)> = Vec::new();
    for &r in rows {
        for (c, v) in sheet.row(r).iter().enumerate() {
            if v.as_text().and_then(classify) == Some(role) {
                match counts.iter_mut().find(|(col, _)| *col == c as u32) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((c as u32, 1)),
                }
            }
        }
    }
    // A role must hold in most header rows: a one-off section title such as
    // "Required Questions" is not a column header.
    if matches!(role, Role::Question | Role::Id) {
        counts.retain(|&(_, n)| n * 2 > rows.len());
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts.into_iter().map(|(c, _)| c).collect()
}

/// Normalized header words: lowercase, punctuation to spaces (keeping `#`, `/`, `&`);
/// a slash joins the words on either side, spaced or not (`Yes / No` is `yes/no`).
fn header_words(text: &str) -> Vec<String> {
    let lower = clean(text).to_lowercase();
    let mut words: Vec<String> = Vec::new();
    let mut join = false;
    for w in lower
        .split(|c: char| !(c.is_alphanumeric() || c == '#' || c == '/' || c == '&'))
        .filter(|w| !w.is_empty())
    {
        match words.last_mut() {
            Some(last) if join || w.starts_with('/') => last.push_str(w),
            _ => words.push(w.to_owned()),
        }
        join = w.ends_with('/');
    }
    words
}

/// The header without what it says in parentheses: `Answer (please select
/// from the list)` is an answer header of one word.
fn outside_parentheses(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn classify(text: &str) -> Option<Role> {
    if text.chars().count() > MAX_HEADER_LEN {
        return None;
    }
    let words = header_words(text);
    // `Comments/Explanation` holds both words; `y/n` stays whole too.
    let has = |set: &[&str]| {
        words
            .iter()
            .flat_map(|w| std::iter::once(w.as_str()).chain(w.split('/')))
            .any(|w| set.contains(&w))
    };
    let joined = words.join(" ");
    // What the header says it is, without its parenthesised hints.
    let core = header_words(&outside_parentheses(text));
    if words.is_empty() || core.len() > 7 {
        return None;
    }
    const YES_NO: &[&str] = &["yes/no", "y/n", "yes no", "yes/no/na", "yes/no/n/a"];
    if YES_NO.contains(&joined.as_str()) {
        return Some(Role::Answer);
    }
    const ID: &[&str] = &[
        "id",
        "#",
        "no",
        "ref",
        "reference",
        "question id",
        "question #",
        "question no",
        "question number",
        "question num",
        "ques num",
        "ques no",
        "ques #",
        "q no",
        "q num",
        "q#",
        "q #",
        "qid",
        "q id",
        "item",
        "item #",
        "item id",
        "item no",
        "number",
        "control id",
        "req id",
        "requirement id",
        "s/n",
        "sn",
        "sr no",
        "sl no",
        "ref #",
        "ref no",
        "reference id",
        "ref id",
        "key",
    ];
    if ID.contains(&joined.as_str()) {
        return Some(Role::Id);
    }
    // A role word must lead or close a short header: "Vendor Answers",
    // "Answer (Yes/No)", "Question Text"; not a title that merely contains it
    // ("HECVAT Solution Provider Response Sheet").
    // Words joined by a slash count apart here: `Question/Request` opens
    // with `question`.
    let edge = |set: &[&str]| {
        core.len() <= 4
            && (core
                .first()
                .and_then(|w| w.split('/').next())
                .is_some_and(|w| set.contains(&w))
                || core
                    .last()
                    .and_then(|w| w.split('/').next_back())
                    .is_some_and(|w| set.contains(&w)))
    };
    let not_answer = [
        "additional",
        "note",
        "notes",
        "comment",
        "comments",
        "guidance",
        "reason",
        "follow",
        "explain",
        "explanation",
        "analyst",
        "score",
        "scoring",
        "weight",
        "expected",
        "description",
        "implementation",
        "evaluation",
        "reviewer",
        "assessor",
        "instructions",
        "date",
        "id",
        "#",
        "type",
        "format",
        "options",
        "sample",
        // The buyer's expected answer, not the vendor's.
        "preferred",
        "required",
        "desired",
        "ideal",
        "correct",
        "key",
    ];
    let joined_by = |w: &String| w.contains('/') || w == "&" || w == "and";
    // The answer's narrative beside a short answer: `Response Details`,
    // `Answer Description`, `Detailed Response` (with a joiner,
    // `Response/Comments`, one column holds both: below).
    let narrative = [
        "details",
        "detail",
        "detailed",
        "narrative",
        "justification",
        "description",
        "elaboration",
        "explanation",
        "remarks",
    ];
    if has(ANSWER_WORDS) && has(&narrative) && !words.iter().any(joined_by) && !has(NOT_DETAILS) {
        return Some(Role::Details);
    }
    // A control's status is the answer: `Implementation Status`,
    // `Compliance Status` (a bare `Status` may be the buyer's own).
    if core.len() == 2
        && core[1] == "status"
        && ["implementation", "compliance", "control", "current"].contains(&core[0].as_str())
    {
        return Some(Role::Answer);
    }
    if edge(&[
        "answer",
        "answers",
        "response",
        "responses",
        "reply",
        "compliant",
        "implemented",
    ]) && !has(&not_answer)
    {
        return Some(Role::Answer);
    }
    // One column for both (`Response/Comments`, `Answer & Explanation`): the
    // answer goes there.
    let combined = words.len() <= 4
        && words.iter().any(joined_by)
        && has(ANSWER_WORDS)
        && has(&[
            "comment",
            "comments",
            "explanation",
            "details",
            "notes",
            "remarks",
            "justification",
        ])
        && !has(&[
            "additional",
            "analyst",
            "reviewer",
            "assessor",
            "guidance",
            "follow",
            "reason",
        ]);
    if combined {
        return Some(Role::Answer);
    }
    // A short header that says it takes yes or no: `Compliant (Y/N)`,
    // `In Place? (Yes/No/N/A)`, `Compliance (Yes/No/Partial)`.
    let says_yes_no = words.iter().any(|w| {
        let parts: Vec<&str> = w.split('/').collect();
        parts.iter().any(|p| matches!(*p, "yes" | "y"))
            && parts.iter().any(|p| matches!(*p, "no" | "n"))
    });
    if words.len() <= 5 && says_yes_no && !has(&not_answer) {
        return Some(Role::Answer);
    }
    let not_question = [
        "id",
        "#",
        "number",
        "no",
        "reason",
        "ref",
        "reference",
        "type",
        "category",
        "count",
        "weight",
        "score",
        "domain",
        "section",
        "group",
        "guidance",
        "owner",
        "required",
        "additional",
        "critical",
    ];
    if edge(&[
        "question",
        "questions",
        "requirement",
        "requirements",
        "query",
    ]) && !has(&not_question)
    {
        return Some(Role::Question);
    }
    let details = [
        "comment",
        "comments",
        "note",
        "notes",
        "additional",
        "explain",
        "explanation",
        "details",
        "detail",
        "remarks",
        "justification",
        "implementation",
        "elaboration",
        "supporting",
        "narrative",
        "clarification",
        "evidence",
        "documentation",
        "attachment",
        "attachments",
    ];

    if has(&details) && !has(NOT_DETAILS) {
        return Some(Role::Details);
    }
    None
}

/// Words that name the vendor's answer in a header.
const ANSWER_WORDS: &[&str] = &["answer", "answers", "response", "responses"];

/// Words that make a details-like header the requester's: `Evidence
/// Requested`, `Reviewer Notes`, `Customer Comments`.
const NOT_DETAILS: &[&str] = &[
    "required",
    "requested",
    "expected",
    "example",
    "examples",
    "analyst",
    "guidance",
    "reviewer",
    "assessor",
    "internal",
    "evaluation",
    "score",
    "instructions",
    "institution",
    "customer",
    "buyer",
    "csc",
];

/// Does `text` look like a question ID: `A&A-01.1`, `DOCU-01`, `1.2`, `SEC-1.1`, `app_name`?
fn is_id(text: &str) -> bool {
    let t = text.trim();
    if t.is_empty() || t.len() > 64 || t.contains(char::is_whitespace) {
        return false;
    }
    let allowed = t
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.&/()".contains(c));
    let has_digit = t.chars().any(|c| c.is_ascii_digit());
    // Machine identifiers: `application_name`, `secprog`.
    let identifier = t.len() >= 3
        && t.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    allowed && (has_digit || identifier) && t.chars().any(|c| c.is_ascii_alphanumeric())
}

/// The shape of an ID: letter runs → `a`, digit runs → `0`, the rest kept
/// (`IAM-01.1` → `a-0.0`).
fn id_shape(id: &str) -> String {
    let mut out = String::new();
    for c in id.trim().chars() {
        let class = if c.is_ascii_alphabetic() {
            'a'
        } else if c.is_ascii_digit() {
            '0'
        } else {
            c
        };
        if !(matches!(class, 'a' | '0') && out.ends_with(class)) {
            out.push(class);
        }
    }
    out
}

/// How deep an ID is numbered: its groups of digits (`1` → 1, `1.2` → 2,
/// `A&A-01.1` → 2).
fn id_level(id: &str) -> usize {
    id.split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .count()
}

/// The most frequent value (ties: the largest, the deeper level).
fn most_common(values: impl Iterator<Item = usize>) -> Option<usize> {
    let mut counts: std::collections::BTreeMap<usize, usize> = Default::default();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    let best = counts.values().copied().max()?;
    counts
        .into_iter()
        .rfind(|&(_, n)| n == best)
        .map(|(v, _)| v)
}

/// The column (left of `before`, if given) with the longest text on average.
fn infer_question_col(sheet: &Sheet, start: u32, before: Option<u32>) -> Option<u32> {
    let end = (start + SAMPLE_ROWS * 4).min(sheet.height());
    let limit = before.unwrap_or(sheet.width());
    let mut best: Option<(u32, f64)> = None;
    for c in 0..limit {
        let texts: Vec<usize> = (start..end)
            .filter_map(|r| sheet.get(r, c).as_text())
            .map(|t| t.trim().chars().count())
            .filter(|&n| n > 0)
            .collect();
        let questions = (start..end)
            .filter_map(|r| sheet.get(r, c).as_text())
            .filter(|t| looks_like_question(t))
            .count();
        if texts.len() < 2 || questions < 2 {
            continue;
        }
        let avg = texts.iter().sum::<usize>() as f64 / texts.len() as f64;
        let score = avg * (questions as f64).sqrt();
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((c, score));
        }
    }
    best.map(|(c, _)| c)
}

/// The column left of the question column whose values are mostly IDs. Where
/// several qualify, the one with the most distinct values wins (an ID column
/// over SAMM's `Level` column of 1, 2, 3); ties go to the nearest.
fn infer_id_col(sheet: &Sheet, start: u32, question_col: u32) -> Option<u32> {
    let mut best: Option<(u32, usize)> = None;
    for c in (0..question_col).rev() {
        if let Some(n) = id_column_score(sheet, start, question_col, c)
            && best.is_none_or(|(_, m)| n > m)
        {
            best = Some((c, n));
        }
    }
    best.map(|(c, _)| c)
}

/// The number of distinct IDs in column `c` on question rows, when most of
/// its values there are IDs.
fn id_column_score(sheet: &Sheet, start: u32, question_col: u32, c: u32) -> Option<usize> {
    let (mut ids, mut filled) = (0, 0);
    let mut distinct = std::collections::HashSet::new();
    for r in start..sheet.height() {
        if sheet.get(r, question_col).is_empty() {
            continue;
        }
        let v = sheet.get(r, c);
        if v.is_empty() {
            continue;
        }
        filled += 1;
        let text = v.display();
        if is_id(&text) {
            ids += 1;
            distinct.insert(text);
        }
    }
    (filled >= 2 && ids * 2 >= filled).then_some(distinct.len())
}

/// Whether a column's cells below `start` are mostly question-like text.
fn holds_questions(sheet: &Sheet, start: u32, col: u32) -> bool {
    let end = (start + SAMPLE_ROWS * 4).min(sheet.height());
    let texts: Vec<&str> = (start..end)
        .filter_map(|r| sheet.get(r, col).as_text())
        .collect();
    let questions = texts.iter().filter(|t| looks_like_question(t)).count();
    questions >= 1 && questions * 3 >= texts.len()
}

fn looks_like_question(text: &str) -> bool {
    let t = clean(text);
    let words = t.split_whitespace().count();
    t.contains('?')
        || words >= 6
        || (t.ends_with(':') && words >= 2)
        || (words >= 3 && opens_a_question(&t))
}

/// Whether a text opens as a question or a request does, question mark or
/// not: "Describe your backups.", "Is MFA enforced".
fn opens_a_question(text: &str) -> bool {
    use super::original::{OPEN_WORDS, REQUESTS, first_word};
    const YES_NO: &[&str] = &["do", "does", "is", "are", "can", "has", "have", "will"];
    let first = first_word(text);
    let first = first.as_str();
    YES_NO.contains(&first) || OPEN_WORDS.contains(&first) || REQUESTS.contains(&first)
}

/// A question or a prompt ("Select the operating systems in use:"), not a
/// statement such as SAMM's quality criteria.
fn asks(text: &str) -> bool {
    let t = clean(text);
    t.contains('?') || (t.ends_with(':') && t.split_whitespace().count() >= 2)
}

fn is_footer(text: &str) -> bool {
    let lower = text.trim_start().to_lowercase();
    lower.starts_with('©')
        || lower.starts_with("copyright")
        || lower.starts_with("(c) ")
        || lower.starts_with("end of ")
        || lower == "end table data"
}

/// A form field the requester fills in about itself: a label, not a
/// question, that names the institution ("Institution Department Contact
/// Name" in HECVAT Triage), whose value the vendor's KB does not hold.
fn is_requester_field(text: &str) -> bool {
    let t = clean(text).to_lowercase();
    let words = t.split_whitespace().count();
    !t.contains('?')
        && words <= 8
        && [
            "institution ",
            "institution's ",
            "campus ",
            "requester ",
            "requestor ",
        ]
        .iter()
        .any(|w| t.starts_with(w))
}

/// The rows the requester fills in: the blocks from a note such as "GNRL-11
/// and GNRL-12; populated by Institution's Security Office" to the next note
/// or section header, and, outside a block the notes give to the vendor,
/// the fields about the institution itself ([`is_requester_field`]).
fn requester_rows(
    sheet: &Sheet,
    headers: &[u32],
    question_col: u32,
) -> std::collections::HashSet<u32> {
    let mut out = std::collections::HashSet::new();
    // Who the last note said populates the rows below: the requester
    // (`Some(true)`), the vendor, or no note yet.
    let mut block: Option<bool> = None;
    for r in 0..sheet.height() {
        if headers.contains(&r) {
            block = None;
            continue;
        }
        // A note row, not a question that mentions who fills a field.
        let asked = sheet.get(r, question_col);
        let is_note = asked.is_empty();
        let note = sheet
            .row(r)
            .iter()
            .filter_map(Value::as_text)
            .filter(|_| is_note)
            .find_map(|t| {
                let lower = t.to_lowercase();
                let i = lower.find("populated by ")?;
                let who = lower[i + "populated by ".len()..].trim_start();
                let who = who.strip_prefix("the ").unwrap_or(who);
                Some(who.starts_with("institution") || who.starts_with("campus"))
            });
        match (note, block) {
            (Some(by_requester), _) => block = Some(by_requester),
            (None, Some(true)) => {
                out.insert(r);
            }
            (None, None) if asked.as_text().is_some_and(is_requester_field) => {
                out.insert(r);
            }
            (None, _) => {}
        }
    }
    out
}

/// A dropdown's or a form's prompt, not a value: `-- Select --`, `Choose an
/// item.`, `Click or tap here to enter text.`
pub(super) fn is_prompt(text: &str) -> bool {
    const PROMPTS: &[&str] = &[
        "select",
        "select one",
        "select an option",
        "select an answer",
        "select answer",
        "select response",
        "select a response",
        "select from list",
        "select from the list",
        "please select",
        "please select one",
        "please choose",
        "choose",
        "choose one",
        "choose an item",
        "choose an option",
        "pick one",
        "click to select",
        "click here to select",
        "click or tap here to enter text",
        "click here to enter text",
        "enter text here",
        "enter answer",
        "enter response",
        "enter your response",
        "type here",
        "insert answer",
        "insert response",
        "your answer",
        "your response",
    ];
    let prompt = text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if PROMPTS.contains(&prompt.as_str()) {
        return true;
    }
    // The choices themselves, as a hint: `Yes/No`, `Y / N / N/A`.
    let lower = text.trim().to_lowercase().replace("n/a", "na");
    let choices: Vec<&str> = lower
        .split(['/', ',', '|'])
        .flat_map(|part| part.split(" or "))
        .map(str::trim)
        .collect();
    choices.len() >= 2
        && choices.iter().all(|c| {
            matches!(
                *c,
                "yes" | "no" | "y" | "n" | "na" | "not applicable" | "partial" | "partially"
            )
        })
}

/// Whether an answer cell holds the template's placeholder rather than an
/// answer: `mm/dd/yyyy`, `555-555-5555`, `https://www.vendor.domain/vpat`,
/// `e.g., CRM, LMS`, or a field label echoed (`Vendor Contact E-mail Address`
/// under `Vendor Contact Email`).
fn is_placeholder(answer: &str, question: &str) -> bool {
    let a = answer.trim().to_lowercase();
    const MARKERS: &[&str] = &[
        "mm/dd/yyyy",
        "mm.dd.yyyy",
        "dd/mm/yyyy",
        "mm/dd/yy",
        "555-555-",
        "vendor.domain",
        "yourdomain",
        "see instructions tab",
    ];
    const PREFIXES: &[&str] = &["e.g.", "e.g,", "brief summary of", "brief description of"];
    if MARKERS.iter().any(|m| a.contains(m)) || PREFIXES.iter().any(|p| a.starts_with(p)) {
        return true;
    }
    if is_prompt(answer) {
        return true;
    }
    // An echoed label: only under a short field label, never a question.
    let words = |t: &str| -> Vec<String> {
        t.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() > 1)
            .map(String::from)
            .collect()
    };
    let (aw, qw) = (words(answer), words(question));
    if question.contains('?')
        || qw.len() > 6
        || aw.is_empty()
        || aw.len() > 8
        || answer.chars().any(|c| c.is_ascii_digit() || c == '@')
    {
        return false;
    }
    // Words a template adds around the label: "Product Name and Version
    // Information", "Brief Description of the Product".
    const FILLER: &[&str] = &[
        "name",
        "and",
        "or",
        "of",
        "the",
        "version",
        "information",
        "address",
        "mail",
        "email",
        "brief",
        "description",
        "institution",
        "if",
        "applicable",
        "your",
        "here",
    ];
    let shared = aw.iter().filter(|w| qw.contains(w)).count();
    shared > 0
        && shared * 2 >= qw.len().min(aw.len())
        && aw
            .iter()
            .all(|w| qw.contains(w) || FILLER.contains(&w.as_str()))
}

#[allow(clippy::too_many_arguments)]
fn collect_questions(
    sheet: &Sheet,
    family: &[u32],
    header_row: Option<u32>,
    data_start: u32,
    id_col: Option<u32>,
    question_col: u32,
    answer_col: u32,
    answer_is_new: bool,
) -> Vec<Question> {
    struct Row {
        row: u32,
        id: Option<String>,
        text: String,
    }
    let requester = requester_rows(sheet, family, question_col);
    let candidate = |r: u32| -> Option<Row> {
        if Some(r) == header_row || requester.contains(&r) {
            return None;
        }
        let text = clean_lines(sheet.get(r, question_col).as_text()?);
        if text.chars().count() < 3 || is_footer(&text) {
            return None;
        }
        // Repeated section header rows ("Vendor Answers | Additional Information").
        if !answer_is_new
            && sheet.get(r, answer_col).as_text().and_then(classify) == Some(Role::Answer)
        {
            return None;
        }
        // A repeated column header inside the data ("Question").
        if text.split_whitespace().count() <= 4 && classify(&text).is_some() {
            return None;
        }
        let id = id_col
            .map(|c| clean(&sheet.get(r, c).display()))
            .filter(|s| !s.is_empty());
        Some(Row { row: r, id, text })
    };
    let below: Vec<Row> = (data_start..sheet.height()).filter_map(candidate).collect();
    let with_id = below
        .iter()
        .filter(|q| q.id.as_deref().is_some_and(is_id))
        .count();
    let id_mode = id_col.is_some() && with_id >= 2 && with_id * 2 >= below.len();
    let rows: Vec<Row> = if id_mode {
        // Rows above the header belong too when they carry an ID shaped like
        // those below (HECVAT's general-information block sits above the
        // first header; a title's "v4.0.3" does not).
        let shapes: std::collections::HashSet<String> = below
            .iter()
            .filter_map(|q| q.id.as_deref())
            .map(id_shape)
            .collect();
        let above: Vec<Row> = (0..data_start)
            .filter_map(candidate)
            .filter(|q| {
                q.id.as_deref()
                    .is_some_and(|id| shapes.contains(&id_shape(id)))
            })
            .collect();
        // Below the header, a row without an ID is still a question when it
        // reads like one (VSAQ's few prompts without IDs). Where such rows
        // are a pattern (SAMM's quality criteria under every question), only
        // those that ask something are.
        let idless = below
            .iter()
            .filter(|q| !q.id.as_deref().is_some_and(is_id) && looks_like_question(&q.text))
            .count();
        let strict = idless * 2 >= with_id;
        // Numbered sections (`1 Access control` above `1.1 Do you ...`)
        // carry an ID of a level above the questions': a title, unless it
        // reads like a question itself.
        let question_level = most_common(
            below
                .iter()
                .filter_map(|q| q.id.as_deref().filter(|id| is_id(id)))
                .map(id_level),
        );
        let section = |q: &Row| {
            q.id.as_deref()
                .is_some_and(|id| Some(id_level(id)) < question_level)
                && !looks_like_question(&q.text)
        };
        above
            .into_iter()
            .chain(below.into_iter().filter(|q| !section(q)).filter(|q| {
                q.id.as_deref().is_some_and(is_id)
                    || if strict {
                        asks(&q.text)
                    } else {
                        looks_like_question(&q.text)
                    }
            }))
            .collect()
    } else {
        below
            .into_iter()
            .filter(|q| looks_like_question(&q.text))
            .collect()
    };
    rows.into_iter()
        .map(|q| {
            let existing = (!answer_is_new)
                .then(|| sheet.get(q.row, answer_col))
                .filter(|v| !v.is_empty())
                .map(|v| clean(&v.display()))
                .filter(|a| !is_placeholder(a, &q.text));
            Question {
                row: q.row,
                reference: if id_mode {
                    q.id
                } else {
                    q.id.filter(|i| is_id(i))
                },
                text: q.text,
                existing_answer: existing,
            }
        })
        .collect()
}

/// Parses a column given as a letter (`C`, `AB`) or a 1-based number (`3`).
pub fn parse_column(s: &str) -> Option<u32> {
    let s = s.trim();
    if let Ok(n) = s.parse::<u32>() {
        return n.checked_sub(1);
    }
    if s.is_empty() || s.len() > 3 || !s.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut n: u32 = 0;
    for c in s.to_ascii_uppercase().bytes() {
        n = n * 26 + u32::from(c - b'A' + 1);
    }
    let col = n - 1;
    (col < 16_384).then_some(col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_roles() {
        assert_eq!(classify("Question"), Some(Role::Question));
        assert_eq!(
            classify("Consensus Assessment Questions"),
            Some(Role::Question)
        );
        assert_eq!(classify("CSP CAIQ Answer"), Some(Role::Answer));
        assert_eq!(classify("Vendor Answers"), Some(Role::Answer));
        assert_eq!(classify("Yes/No"), Some(Role::Answer));
        assert_eq!(classify("Additional Information"), Some(Role::Details));
        assert_eq!(
            classify("CSP Implementation Description (Optional/Recommended)"),
            Some(Role::Details)
        );
        assert_eq!(classify("Question ID"), Some(Role::Id));
        assert_eq!(classify("Reason for Question"), None);
        assert_eq!(classify("Follow-Up Inquiries/Responses"), None);
        assert_eq!(classify("Analyst Notes"), None);
        assert_eq!(classify("Guidance"), None);
        assert_eq!(classify("Compliant (Y/N)"), Some(Role::Answer));
        assert_eq!(classify("In Place? (Yes/No/N/A)"), Some(Role::Answer));
        assert_eq!(classify("Comments (Y/N)"), Some(Role::Details));
        assert_eq!(classify("Compliance Framework"), None);
        assert_eq!(classify("Comments/Explanation"), Some(Role::Details));
        assert_eq!(classify("Evidence"), Some(Role::Details));
        assert_eq!(classify("Evidence Requested"), None);
        assert_eq!(classify("Implemented?"), Some(Role::Answer));
        assert_eq!(classify("Response/Comments"), Some(Role::Answer));
        assert_eq!(classify("Answer & Explanation"), Some(Role::Answer));
        assert_eq!(classify("Additional Comments"), Some(Role::Details));
        assert_eq!(classify("Reviewer Response/Comments"), None);
        // Spaced slashes and long hints in parentheses.
        assert_eq!(classify("Answer (Yes / No / N/A)"), Some(Role::Answer));
        assert_eq!(classify("Yes / No / N/A"), Some(Role::Answer));
        assert_eq!(
            classify("Response (please select from the drop-down list)"),
            Some(Role::Answer)
        );
        assert_eq!(classify("Response / Comments"), Some(Role::Answer));
        assert_eq!(classify("If No, please explain"), Some(Role::Details));
        assert_eq!(classify("Please explain"), Some(Role::Details));
        assert_eq!(classify("Implementation Status"), Some(Role::Answer));
        assert_eq!(classify("Status"), None);
        assert_eq!(classify("Review Status"), None);
        assert_eq!(classify("Question/Request"), Some(Role::Question));
        assert_eq!(classify("Questions / Requirements"), Some(Role::Question));
        assert_eq!(classify("Ques Num"), Some(Role::Id));
        assert_eq!(classify("Compliance (Yes/No/Partial)"), Some(Role::Answer));
        // The narrative beside a short answer; the buyer's expected answer.
        assert_eq!(classify("Response Details"), Some(Role::Details));
        assert_eq!(classify("Detailed Response"), Some(Role::Details));
        assert_eq!(classify("Answer Description"), Some(Role::Details));
        assert_eq!(classify("Documentation"), Some(Role::Details));
        assert_eq!(classify("Preferred Answer"), None);
        assert_eq!(classify("Answer Key"), None);
        assert_eq!(
            header_choices("Answer (Yes / No / N/A)"),
            ["Yes", "No", "N/A"]
        );
        assert_eq!(header_choices("Compliant (Y / N)"), ["Yes", "No"]);
    }

    #[test]
    fn short_requests_and_questions_without_a_question_mark() {
        for q in [
            "Describe your incident response process.",
            "Is MFA enforced",
            "List your subprocessors",
        ] {
            assert!(looks_like_question(q), "{q}");
        }
        for not in ["Data Protection", "Section 2: Access", "Is", "Describe it"] {
            assert!(!looks_like_question(not), "{not}");
        }
    }

    #[test]
    fn numbered_section_titles_are_not_questions() {
        let s = sheet(&[
            &["Ref", "Question", "Response", "Comments"],
            &["1", "Access control", "", ""],
            &["1.1", "Do you enforce MFA for administrators?", "", ""],
            &["1.2", "Password policy", "", ""],
            &["", "a) What is the minimum password length?", "", ""],
            &["2", "Encryption", "", ""],
            &["2.1", "Is data encrypted at rest?", "", ""],
            &["3", "Do you have a privacy officer?", "", ""],
        ]);
        let l = detect_sheet(&s, 0, &Overrides::default(), true, &|_, _| None).unwrap();
        let rows: Vec<u32> = l.questions.iter().map(|q| q.row).collect();
        // `1.2` is a field at the questions' level; `3` asks something.
        assert_eq!(rows, [2, 3, 4, 6, 7]);
    }

    #[test]
    fn the_answer_column_may_come_first() {
        let s = sheet(&[
            &["Answer", "Question", "Notes"],
            &["", "Do you enforce MFA for administrators?", ""],
            &["", "Is data encrypted at rest?", ""],
        ]);
        let l = detect_sheet(&s, 0, &Overrides::default(), true, &|_, _| None).unwrap();
        assert_eq!((l.question_col, l.answer_col, l.details_col), (1, 0, 2));
        assert_eq!(l.questions.len(), 2);
    }

    #[test]
    fn choices_heading_their_own_columns_are_mark_columns() {
        let s = sheet(&[
            &["Question Text", "Yes", "No", "N/A", "Comment"],
            &["Do you encrypt customer data at rest?", "", "", "", ""],
            &["Describe your incident response process.", "", "", "", ""],
            &[
                "Is customer data segregated between tenants?",
                "",
                "x",
                "",
                "",
            ],
        ]);
        let l = detect_sheet(&s, 0, &Overrides::default(), true, &|_, _| None).unwrap();
        assert_eq!((l.question_col, l.answer_col, l.details_col), (0, 1, 4));
        assert!(!l.answer_is_new && !l.details_is_new);
        assert_eq!(
            l.marks,
            vec![(1, "Yes".into()), (2, "No".into()), (3, "N/A".into())]
        );
        let rows: Vec<u32> = l.questions.iter().map(|q| q.row).collect();
        assert_eq!(rows, [1, 2, 3]);
        assert_eq!(l.questions[2].existing_answer.as_deref(), Some("No"));
    }

    #[test]
    fn ids() {
        for id in [
            "A&A-01.1",
            "DOCU-01",
            "G-SM-A-1-1",
            "1.2",
            "SEC-1.1",
            "application_name",
            "12",
        ] {
            assert!(is_id(id), "{id}");
        }
        assert_eq!(id_shape("A&A-01.1"), "a&a-0.0");
        assert_eq!(id_shape("GNRL-01"), id_shape("DOCU-12"));
        assert_ne!(id_shape("v4.0.3"), id_shape("IAM-01.1"));
        for not in ["Company Overview", "Yes", "1. Complete the form", "Name"] {
            assert!(!is_id(not), "{not}");
        }
    }

    fn text(s: &str) -> Value {
        if s.is_empty() {
            Value::Empty
        } else {
            Value::Text(s.into())
        }
    }

    fn sheet(rows: &[&[&str]]) -> Sheet {
        Sheet::new(
            "S",
            rows.iter()
                .map(|r| r.iter().map(|c| text(c)).collect())
                .collect(),
        )
    }

    #[test]
    fn repeated_section_headers_and_rows_above_the_first_header() {
        let s = sheet(&[
            &["Vendor Security Questionnaire", "", "", ""],
            &["Fill in column C.", "", "", ""],
            &["GNRL-01", "Vendor name", "", ""],
            &[
                "Documentation",
                "",
                "Vendor Answers",
                "Additional Information",
            ],
            &[
                "DOCU-01",
                "Do you have a documented security program?",
                "Yes",
                "",
            ],
            &["DOCU-02", "Is the program reviewed annually?", "", ""],
            &["Access", "", "Vendor Answers", "Additional Information"],
            &["ACCS-01", "Do you enforce MFA for administrators?", "", ""],
            &["© 2026 Someone", "", "", ""],
        ]);
        let wb = Workbook {
            path: "t.xlsx".into(),
            format: super::super::Format::Xlsx,
            sheets: vec![s],
            lists: Default::default(),
        };
        let (layouts, _) = detect(&wb, &Overrides::default()).unwrap();
        let l = &layouts[0];
        assert_eq!(
            (l.question_col, l.answer_col, l.details_col, l.id_col),
            (1, 2, 3, Some(0))
        );
        let rows: Vec<u32> = l.questions.iter().map(|q| q.row).collect();
        assert_eq!(rows, vec![2, 4, 5, 7]);
        assert_eq!(l.questions[1].existing_answer.as_deref(), Some("Yes"));
        assert_eq!(l.questions[3].reference.as_deref(), Some("ACCS-01"));
    }

    #[test]
    fn sheets_without_answer_column_get_one() {
        let s = sheet(&[
            &["id", "section", "question"],
            &["app_name", "Application", "The name of the application:"],
            &[
                "app_mfa",
                "Application",
                "Does the application support multi-factor login?",
            ],
        ]);
        let wb = Workbook {
            path: "t.csv".into(),
            format: super::super::Format::Csv,
            sheets: vec![s],
            lists: Default::default(),
        };
        let l = &detect(&wb, &Overrides::default()).unwrap().0[0];
        assert_eq!(
            (l.question_col, l.answer_col, l.answer_is_new, l.details_col),
            (2, 3, true, 4)
        );
        assert_eq!(l.questions.len(), 2);
    }

    #[test]
    fn placeholders_are_not_answers() {
        for (answer, label) in [
            ("Vendor Name", "Vendor Name"),
            ("Product Name and Version Information", "Product Name"),
            ("Brief Description of the Product", "Product Description"),
            ("Vendor Contact E-mail Address", "Vendor Contact Email"),
            ("555-555-5555", "Vendor Contact Phone Number"),
            ("mm/dd/yyyy", "Date"),
            ("https://www.vendor.domain/vpat", "Web Link to VPAT"),
            (
                "See Instructions tab for guidance",
                "Vendor Hosting Regions",
            ),
            (
                "Institution's Security Analyst/Engineer ",
                "Campus Security Analyst/Engineer",
            ),
            ("e.g., CRM, LMS, SaaS", "Type of Product (primary)"),
            ("-- Select --", "Do you encrypt data at rest?"),
            ("Please select...", "Do you encrypt data at rest?"),
            ("Choose an item.", "Do you encrypt data at rest?"),
            ("Click or tap here to enter text.", "Describe your backups."),
            ("[Select One]", "Is MFA enforced?"),
            ("Yes/No", "Is MFA enforced?"),
            ("Yes / No / N/A", "Is MFA enforced?"),
            ("Y or N", "Is MFA enforced?"),
        ] {
            assert!(is_placeholder(answer, label), "{answer}");
        }
        for (answer, label) in [
            ("Instructure", "Vendor Name"),
            ("Canvas LMS", "Product Name"),
            ("NA", "Web Link to Product Privacy Notice"),
            ("2024-05-20", "Date"),
            ("shaffer@vt.edu", "Vendor Contact Email"),
            ("Yes", "Do you have a documented security program?"),
            ("Vendor hosting regions: US", "Vendor Hosting Regions"),
            ("Selected vendors only", "Do you share data with vendors?"),
            ("No", "Do you choose your own subprocessors?"),
            ("N/A", "Do you choose your own subprocessors?"),
            ("Yes, no exceptions", "Is MFA enforced?"),
        ] {
            assert!(!is_placeholder(answer, label), "{answer}");
        }
    }

    #[test]
    fn requester_fields() {
        for label in [
            "Institution Department",
            "Institution Department Contact Phone Number",
            "Institution's Security Office Contact",
            "Requestor Name",
        ] {
            assert!(is_requester_field(label), "{label}");
        }
        for text in [
            "Vendor Name",
            "Institutional data types",
            "Will the institution's data be stored outside the United States?",
            "Institution data will be encrypted at rest with keys the vendor manages and rotates every year",
        ] {
            assert!(!is_requester_field(text), "{text}");
        }
    }

    #[test]
    fn requester_sheets() {
        for name in [
            "Analyst Report",
            "Institution Evaluation",
            "Standards Crosswalk",
            "Summary Report",
            "(backend scoring)",
            "Scorecard",
        ] {
            assert!(is_requester_sheet(name), "{name}");
        }
        for name in [
            "HECVAT - Full | Vendor Response",
            "Questions",
            "Report Writing Practices?",
        ] {
            assert!(!is_requester_sheet(name), "{name}");
        }
    }

    #[test]
    fn institution_fields_and_mark_columns() {
        let s = sheet(&[
            &[
                "GNRL-01 through GNRL-10; populated by the Vendor",
                "",
                "",
                "",
            ],
            &["GNRL-01", "Vendor Name", "Acme", ""],
            &[
                "GNRL-11 and GNRL-12; populated by Institution's Security Office",
                "",
                "",
                "",
            ],
            &["GNRL-11", "Campus Security Analyst", "", ""],
            &["Instructions", "", "", ""],
            &["Docs", "", "Vendor Answers", ""],
            &["DOCU-01", "Do you have a policy?", "", ""],
        ]);
        let skipped: Vec<u32> = {
            let mut v: Vec<u32> = requester_rows(&s, &[5], 1).into_iter().collect();
            v.sort();
            v
        };
        assert_eq!(skipped, vec![3, 4]);
        let m = sheet(&[
            &["ID", "Question", "Answers", "", "", "Notes"],
            &["", "", "Yes", "No", "Not Applicable", ""],
            &["A-1", "Do you?", "x", "", "", ""],
        ]);
        assert_eq!(
            mark_columns(&m, 0, 2),
            vec![
                (2, "Yes".to_string()),
                (3, "No".to_string()),
                (4, "Not Applicable".to_string())
            ]
        );
        assert_eq!(mark_columns(&m, 0, 1), vec![]);
    }

    #[test]
    fn columns_parse() {
        assert_eq!(parse_column("C"), Some(2));
        assert_eq!(parse_column("ab"), Some(27));
        assert_eq!(parse_column("3"), Some(2));
        assert_eq!(parse_column("0"), None);
        assert_eq!(parse_column("C3"), None);
    }
}

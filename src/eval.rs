//! Measuring matching quality against labeled questionnaires.
//!
//! A labels file is a CSV for one questionnaire:
//!
//! ```text
//! # questionnaire: educause-hecvat-v4/HECVAT414.xlsx
//! sheet,row,labels,question
//! Organization,13,governance-isms,"Do you have a documented security program?"
//! Organization,14,NONE,"..."
//! ```
//!
//! The comment names the questionnaire, relative to the labels file or to the
//! questionnaires folder (a path that is neither, written on another
//! machine, falls back to the one file of that name in the folder); other `#` lines before the header are comments. Without it, the questionnaire is the spreadsheet
//! named like the labels file (`HECVAT414.labels.csv` or `HECVAT414.csv` →
//! `HECVAT414.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods` or `.csv`), next to it or
//! anywhere in the questionnaires folder. Header names ignore case. `row` is
//! the 1-based row (the record number for CSV), as in the report; `sheet`
//! may be left empty (or name anything) when the questionnaire has one sheet
//! of questions. `labels` lists the entry ids that each answer the question
//! correctly, separated by `;` (or `|`, `,`, spaces), or `NONE` when the KB
//! cannot answer it (an empty cell too, with a warning).
//! `question` is optional and, when present, should match the question found
//! on that row (letters and digits compared): a warning says where it does
//! not, as for a labeled row the import does not read as a question (it is
//! matched all the same). Rows counted from another start are found from
//! the `question` texts and read so, with a warning. More than half the
//! labels off is an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::matcher::{Candidate, MatchError, Matcher, Status};
use crate::sheet::{self, Overrides, SheetError};

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}`: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("`{path}` line {line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error(transparent)]
    Match(#[from] MatchError),
}

/// One labeled question.
#[derive(Debug, Clone)]
pub struct Label {
    pub sheet: String,
    pub row: u32,
    /// The entry ids that answer it; empty for `NONE`.
    pub entries: Vec<String>,
    pub question: Option<String>,
    /// The line of the labels file.
    pub line: usize,
}

/// A labels file.
#[derive(Debug, Clone)]
pub struct Labels {
    pub path: PathBuf,
    /// As written in the `# questionnaire:` line, if the file has one.
    pub questionnaire: Option<String>,
    pub labels: Vec<Label>,
    /// Lines whose `labels` cell is empty, read as `NONE`.
    pub blank: Vec<usize>,
}

impl Labels {
    /// Reads and checks a labels file.
    pub fn read(path: &Path) -> Result<Labels, EvalError> {
        let text = std::fs::read_to_string(path).map_err(|source| EvalError::Read {
            path: path.to_owned(),
            source,
        })?;
        let invalid = |message: &str| EvalError::Invalid {
            path: path.to_owned(),
            message: message.to_owned(),
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        // Comment lines before the CSV: one may name the questionnaire.
        let mut questionnaire = None;
        let mut csv_text = text;
        let mut skipped = 0;
        while csv_text.trim_start().starts_with('#') {
            let (first, rest) = csv_text.split_once('\n').unwrap_or((csv_text, ""));
            let comment = first.trim().trim_start_matches('#').trim();
            if let Some(q) = comment.strip_prefix("questionnaire:") {
                if q.trim().is_empty() {
                    return Err(invalid("`# questionnaire:` names no file"));
                }
                questionnaire = Some(q.trim().to_owned());
            }
            csv_text = rest;
            skipped += 1;
        }
        let mut reader = csv::ReaderBuilder::new().from_reader(csv_text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| invalid(&e.to_string()))?
            .clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let (Some(sheet_col), Some(row_col), Some(labels_col)) =
            (col("sheet"), col("row"), col("labels"))
        else {
            return Err(invalid("the header must have `sheet`, `row` and `labels`"));
        };
        let question_col = col("question");
        let mut labels = Vec::new();
        let mut blank = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| match e.position() {
                Some(p) => EvalError::Line {
                    path: path.to_owned(),
                    line: p.line() as usize + skipped,
                    message: match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => format!("{len} fields where the header has {expected_len}"),
                        _ => e.to_string(),
                    },
                },
                None => invalid(&e.to_string()),
            })?;
            let line = record.position().map_or(0, |p| p.line() as usize + skipped);
            let err = |message: String| EvalError::Line {
                path: path.to_owned(),
                line,
                message,
            };
            let field = |i: usize| record.get(i).unwrap_or("").trim();
            let row: u32 = field(row_col)
                .parse()
                .map_err(|_| err(format!("row `{}` is not a number", field(row_col))))?;
            let raw = field(labels_col);
            // No ids is no answer: `NONE`, said in a warning.
            if raw.is_empty() {
                blank.push(line);
            }
            let entries: Vec<String> = if raw.is_empty() || raw.eq_ignore_ascii_case("NONE") {
                Vec::new()
            } else {
                // `;` as documented; `|`, `,` and spaces too (ids hold none).
                raw.split(|c: char| c == ';' || c == '|' || c == ',' || c.is_whitespace())
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            };
            if entries.iter().any(|e| e.eq_ignore_ascii_case("NONE")) {
                return Err(err(
                    "`NONE` stands alone: a question the KB cannot answer has no entry ids".into(),
                ));
            }
            let sheet = field(sheet_col);
            if let Some(first) = labels
                .iter()
                .find(|l: &&Label| l.row == row && l.sheet.eq_ignore_ascii_case(sheet))
            {
                return Err(err(format!(
                    "sheet `{sheet}` row {row} is labeled already on line {}",
                    first.line
                )));
            }
            labels.push(Label {
                sheet: sheet.to_owned(),
                row,
                entries,
                question: question_col
                    .map(|i| field(i).to_owned())
                    .filter(|q| !q.is_empty()),
                line,
            });
        }
        if labels.is_empty() {
            return Err(invalid("no labeled questions: the header is all there is"));
        }
        Ok(Labels {
            path: path.to_owned(),
            questionnaire,
            labels,
            blank,
        })
    }

    /// The questionnaire: the one the `# questionnaire:` line names,
    /// relative to the labels file if it exists there, else relative to
    /// `questionnaires`; without that line, the spreadsheet named like the
    /// labels file.
    pub fn questionnaire_path(&self, questionnaires: &Path) -> Result<PathBuf, EvalError> {
        // A bare file name's parent is "": the current folder.
        let here = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let Some(named) = &self.questionnaire else {
            return self.questionnaire_by_name(here, questionnaires);
        };
        let own = here.join(named);
        if own.exists() {
            return Ok(own);
        }
        let shared = questionnaires.join(named);
        if shared.exists() {
            return Ok(shared);
        }
        // Named from another machine's folders (`/home/x/q/HECVAT414.xlsx`,
        // `questionnaires/HECVAT414.xlsx`): the one file of that name in the
        // questionnaires folder, if there is exactly one.
        let file_name = Path::new(named).file_name();
        let mut found = Vec::new();
        walk(questionnaires, 0, &mut |p| {
            if p.file_name() == file_name && p.is_file() {
                found.push(p.to_path_buf());
            }
        });
        Ok(match found.as_slice() {
            [one] => one.clone(),
            _ => shared,
        })
    }

    fn questionnaire_by_name(
        &self,
        here: &Path,
        questionnaires: &Path,
    ) -> Result<PathBuf, EvalError> {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = name
            .strip_suffix(".csv")
            .or_else(|| name.strip_suffix(".CSV"))
            .unwrap_or(&name);
        let stem = [".labels", "-labels", "_labels"]
            .iter()
            .find_map(|s| stem.strip_suffix(s))
            .unwrap_or(stem);
        let is_questionnaire = |p: &Path| {
            p.file_stem().is_some_and(|s| s == stem)
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| SPREADSHEETS.contains(&e.to_ascii_lowercase().as_str()))
                && p.file_name() != self.path.file_name()
                && p.is_file()
        };
        let mut found: Vec<PathBuf> = std::fs::read_dir(here)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| is_questionnaire(p))
            .collect();
        if found.is_empty() {
            walk(questionnaires, 0, &mut |p| {
                if is_questionnaire(p) {
                    found.push(p.to_path_buf());
                }
            });
        }
        found.sort();
        match found.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(EvalError::Invalid {
                path: self.path.clone(),
                message: format!(
                    "no `# questionnaire: PATH` line, and no questionnaire `{stem}.xlsx` \
                     (or .xlsm, .xlsb, .xls, .ods, .csv) next to it or in `{}`",
                    questionnaires.display()
                ),
            }),
            several => Err(EvalError::Invalid {
                path: self.path.clone(),
                message: format!(
                    "no `# questionnaire: PATH` line, and several questionnaires named `{stem}`: {}",
                    several
                        .iter()
                        .map(|p| format!("`{}`", p.display()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }
}

/// The extensions of the files `vetted` reads as questionnaires.
const SPREADSHEETS: &[&str] = &["xlsx", "xlsm", "xlsb", "xls", "ods", "csv"];

/// Calls `f` on every file under `dir`, a few levels deep, symlinks not
/// followed.
fn walk(dir: &Path, depth: usize, f: &mut dyn FnMut(&Path)) {
    if depth > 4 {
        return;
    }
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&entry.path(), depth + 1, f);
        } else if kind.is_file() {
            f(&entry.path());
        }
    }
}

/// How the matcher did on one labeled question.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub file: String,
    pub sheet: String,
    pub row: u32,
    pub question: String,
    /// Right entries; empty when the KB cannot answer the question.
    pub labels: Vec<String>,
    pub status: Status,
    /// Why the matcher kept it from `auto` whatever its score (stale or
    /// proposed entry, close runner-up, no agreeing phrasing, ...); empty
    /// when the score alone decided.
    pub reasons: Vec<String>,
    /// Entry ids and candidates, best first.
    pub candidates: Vec<(String, Candidate)>,
}

impl Outcome {
    /// The matcher kept it from `auto` whatever its score.
    pub fn capped(&self) -> bool {
        !self.reasons.is_empty()
    }

    pub fn answerable(&self) -> bool {
        !self.labels.is_empty()
    }

    /// Whether one of the first `k` candidates is right.
    pub fn right_within(&self, k: usize) -> bool {
        self.candidates
            .iter()
            .take(k)
            .any(|(id, _)| self.labels.contains(id))
    }

    /// `auto` with a right answer.
    pub fn auto_right(&self) -> bool {
        self.status == Status::Auto && self.right_within(1)
    }
}

/// What [`evaluate`] found, beside the outcomes: labels that do not fit the
/// import as written, each a one-line message naming its line.
#[derive(Debug, Default)]
pub struct Evaluated {
    pub outcomes: Vec<Outcome>,
    /// Labeled rows the import does not read as questions (matched with the
    /// row's text all the same), labels whose `question` differs from the
    /// row's text (matched with the row's), and labels left out because
    /// their row holds no text.
    pub warnings: Vec<String>,
}

/// Runs the matcher over the labeled questions of one questionnaire.
///
/// A label whose row the import does not take for a question is still
/// matched, with the text of the row's question cell (or its longest text):
/// the labels are the measure, and a file labeled by someone else must not
/// fail on a row the detection skips. It is reported in
/// [`Evaluated::warnings`], as is a `question` that differs from the row's
/// text. When more than half the labels fit no question of the import (rows
/// numbered another way, another questionnaire), that is an error.
pub fn evaluate(
    labels: &Labels,
    questionnaire: &Path,
    matcher: &Matcher,
) -> Result<Evaluated, EvalError> {
    let workbook = sheet::read(questionnaire)?;
    let (layouts, _) = sheet::detect(&workbook, &Overrides::default())?;
    let mut found: HashMap<(&str, u32), &str> = HashMap::new();
    for layout in &layouts {
        let name = workbook.sheets[layout.sheet].name.as_str();
        for q in &layout.questions {
            found.insert((name, q.row + 1), q.text.as_str());
        }
    }
    let sheets: Vec<&str> = layouts
        .iter()
        .map(|l| workbook.sheets[l.sheet].name.as_str())
        .collect();
    // The sheet a label names: as written, else ignoring case and spaces,
    // else the only sheet with questions.
    let sheet_of = |named: &str| -> Option<&str> {
        find_name(&sheets, named)
            .map(|i| sheets[i])
            .or(match sheets.as_slice() {
                [only] => Some(*only),
                _ => None,
            })
    };
    let all_sheets: Vec<&str> = workbook.sheets.iter().map(|s| s.name.as_str()).collect();
    // The text of a row the import skipped: its question cell where the
    // sheet has a layout, else its longest text.
    let row_text = |named: &str, row: u32| -> Option<String> {
        let index = find_name(&all_sheets, named).or_else(|| {
            layouts
                .first()
                .filter(|_| layouts.len() == 1)
                .map(|l| l.sheet)
        })?;
        let sheet = &workbook.sheets[index];
        let r = row.checked_sub(1)?;
        let in_column = layouts
            .iter()
            .find(|l| l.sheet == index)
            .map(|l| sheet.get(r, l.question_col).display())
            .filter(|t| !t.trim().is_empty());
        in_column
            .or_else(|| {
                sheet
                    .row(r)
                    .iter()
                    .filter_map(|v| v.as_text())
                    .max_by_key(|t| t.chars().count())
                    .map(str::to_owned)
            })
            .map(|t| crate::matcher::normalize::clean(&t))
            .filter(|t| !t.trim().is_empty())
    };
    let mut out = Evaluated::default();
    if !labels.blank.is_empty() {
        let lines: Vec<String> = labels.blank.iter().take(10).map(usize::to_string).collect();
        out.warnings.push(format!(
            "`{}`: {} with no entry ids read as `NONE` (line{} {}{})",
            labels.path.display(),
            if labels.blank.len() == 1 {
                "1 label".to_owned()
            } else {
                format!("{} labels", labels.blank.len())
            },
            if labels.blank.len() == 1 { "" } else { "s" },
            lines.join(", "),
            if labels.blank.len() > 10 { ", ..." } else { "" },
        ));
    }
    // Rows counted another way (0-based, or without the header): the shift
    // under which clearly more labels land on their question, when the
    // labels give the question's text to check against.
    let fits = |shift: i64| -> usize {
        labels
            .labels
            .iter()
            .filter(|l| {
                let Some(row) = shifted(l.row, shift) else {
                    return false;
                };
                let text = sheet_of(&l.sheet).and_then(|sheet| found.get(&(sheet, row)));
                match (text, &l.question) {
                    (Some(text), Some(q)) => loose(q) == loose(text),
                    _ => false,
                }
            })
            .count()
    };
    let as_written = fits(0);
    let (shift, fitting) = [1i64, -1, 2, -2]
        .into_iter()
        .map(|k| (k, fits(k)))
        .filter(|&(_, n)| n > as_written && n * 2 > labels.labels.len())
        .max_by_key(|&(_, n)| n)
        .unwrap_or((0, as_written));
    if shift != 0 {
        out.warnings.push(format!(
            "`{}`: rows are counted from another start: {} of {} questions are {} row{} {} (`row` is the 1-based row, the record number for CSV); read so",
            labels.path.display(),
            fitting,
            labels.labels.len(),
            shift.abs(),
            if shift.abs() == 1 { "" } else { "s" },
            if shift > 0 { "further down" } else { "further up" },
        ));
    }
    // (label, its row as read, the text matched)
    let mut kept: Vec<(&Label, u32, String)> = Vec::with_capacity(labels.labels.len());
    let mut misfits = 0;
    let at = |l: &Label| format!("`{}` line {}", labels.path.display(), l.line);
    for l in &labels.labels {
        let row = shifted(l.row, shift).unwrap_or(l.row);
        let detected = sheet_of(&l.sheet).and_then(|sheet| found.get(&(sheet, row)));
        let text = match detected {
            Some(text) => (*text).to_owned(),
            None => {
                misfits += 1;
                match row_text(&l.sheet, row).or_else(|| l.question.clone()) {
                    Some(text) => {
                        out.warnings.push(format!(
                            "{}: sheet `{}` row {} is not read as a question; matched with its text",
                            at(l),
                            l.sheet,
                            row
                        ));
                        text
                    }
                    None => {
                        out.warnings.push(format!(
                            "{}: sheet `{}` row {} holds no text; left out",
                            at(l),
                            l.sheet,
                            row
                        ));
                        continue;
                    }
                }
            }
        };
        if let Some(expected) = &l.question
            && loose(expected) != loose(&text)
        {
            if detected.is_some() {
                misfits += 1;
            }
            out.warnings.push(format!(
                "{}: the question on sheet `{}` row {} reads {:?}; matched with that",
                at(l),
                l.sheet,
                row,
                shorten(&text, 80)
            ));
        }
        kept.push((l, row, text));
    }
    if misfits * 2 > labels.labels.len() {
        return Err(EvalError::Invalid {
            path: labels.path.clone(),
            message: format!(
                "{misfits} of {} labels fit no question of `{}` (another questionnaire, or rows counted another way: `row` is the 1-based row, the record number for CSV)",
                labels.labels.len(),
                questionnaire.display()
            ),
        });
    }
    let texts: Vec<&str> = kept.iter().map(|(_, _, t)| t.as_str()).collect();
    let matches = matcher.match_questions(&texts)?;
    let file = questionnaire
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.outcomes = kept
        .iter()
        .zip(matches)
        .map(|((l, row, text), m)| Outcome {
            file: file.clone(),
            sheet: l.sheet.clone(),
            row: *row,
            question: text.clone(),
            labels: l.entries.clone(),
            status: m.status,
            reasons: m.reasons.clone(),
            candidates: m
                .candidates
                .iter()
                .map(|c| (matcher.entry(c).id.clone(), *c))
                .collect(),
        })
        .collect();
    Ok(out)
}

/// `row` moved by `shift` rows, if that is still a row.
fn shifted(row: u32, shift: i64) -> Option<u32> {
    u32::try_from(i64::from(row) + shift).ok()
}

/// Where `named` is among `names`: as written, else ignoring case and the
/// spaces around it.
fn find_name(names: &[&str], named: &str) -> Option<usize> {
    let norm = |s: &str| s.trim().to_lowercase();
    names
        .iter()
        .position(|n| *n == named)
        .or_else(|| names.iter().position(|n| norm(n) == norm(named)))
}

/// A text reduced to its lowercase letters and digits: a question copied
/// by another tool (other spaces, quotes, invisible characters) is the same.
fn loose(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first `n` characters of `s`, on one line.
pub fn shorten(s: &str, n: usize) -> String {
    let flat = squash(s);
    match flat.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

/// The KB `kb` after a reviewer who follows the labels reviewed `outcomes`,
/// learned as `vetted kb learn` learns (in memory): each answerable question
/// approved with its drafted entry when that is right, else with its first
/// labeled entry; each unanswerable question drafted from an entry
/// rejected, and left alone when nothing was drafted. How `vetted eval
/// --warm` measures a warm start.
pub fn taught(
    kb: &crate::kb::KnowledgeBase,
    outcomes: &[Outcome],
) -> (crate::kb::KnowledgeBase, crate::kb::Learned) {
    let mut approved = Vec::new();
    let mut rejected = Vec::new();
    let mut left = Vec::new();
    // Where each was asked, as the matcher placed it: `outcomes` is one
    // questionnaire's, in the order matched.
    let questions: Vec<&str> = outcomes.iter().map(|o| o.question.as_str()).collect();
    let afters = crate::kb::placed_after_texts(&questions);
    for (o, after) in outcomes.iter().zip(afters) {
        let source = format!("`{}`, sheet `{}`, row {}", o.file, o.sheet, o.row);
        let drafted = (o.status != Status::Unmatched)
            .then(|| o.candidates.first().map(|(id, _)| id.clone()))
            .flatten();
        if o.answerable() {
            let id = drafted
                .filter(|d| o.labels.contains(d))
                .unwrap_or_else(|| o.labels[0].clone());
            let Some(entry) = kb.entries.iter().find(|e| e.id == id && !e.proposed) else {
                continue;
            };
            approved.push(crate::kb::Approved {
                source,
                question: o.question.clone(),
                entry: Some(id),
                answer: entry.answer.clone(),
                details: entry.details.clone().unwrap_or_default(),
                edited: false,
                choice: None,
                after,
            });
        } else if let Some(entry) = drafted {
            rejected.push(crate::kb::Rejected {
                source,
                question: o.question.clone(),
                entry,
                after,
            });
        } else {
            left.push(crate::kb::Left {
                source,
                question: o.question.clone(),
            });
        }
    }
    crate::kb::learned_in_memory(kb, &approved, &rejected, &left)
}

/// The figures of an evaluation.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Metrics {
    pub questions: usize,
    /// Questions the KB can answer (labels other than `NONE`).
    pub answerable: usize,
    /// Share of answerable questions whose first candidate is right.
    pub top1: f64,
    /// Share of answerable questions with a right entry among the first three.
    pub top3: f64,
    /// Questions marked `auto`.
    pub auto: usize,
    /// Share of `auto` questions whose answer is right (1.0 when none).
    pub auto_precision: f64,
    /// Share of answerable questions that are `auto` and right.
    pub auto_coverage: f64,
    /// `auto` questions with a wrong entry.
    pub auto_wrong: usize,
    /// Questions the KB cannot answer that were marked `auto`.
    pub unanswerable_auto: usize,
    /// The most such questions in one questionnaire.
    pub unanswerable_auto_max_per_file: usize,
}

impl Metrics {
    pub fn of(outcomes: &[Outcome]) -> Metrics {
        let share = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
        let answerable: Vec<&Outcome> = outcomes.iter().filter(|o| o.answerable()).collect();
        let auto: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.status == Status::Auto)
            .collect();
        let auto_right = auto.iter().filter(|o| o.auto_right()).count();
        let mut per_file: HashMap<&str, usize> = HashMap::new();
        for o in &auto {
            if !o.answerable() {
                *per_file.entry(o.file.as_str()).or_default() += 1;
            }
        }
        Metrics {
            questions: outcomes.len(),
            answerable: answerable.len(),
            top1: share(
                answerable.iter().filter(|o| o.right_within(1)).count(),
                answerable.len(),
            ),
            top3: share(
                answerable.iter().filter(|o| o.right_within(3)).count(),
                answerable.len(),
            ),
            auto: auto.len(),
            auto_precision: if auto.is_empty() {
                1.0
            } else {
                share(auto_right, auto.len())
            },
            auto_coverage: share(auto_right, answerable.len()),
            auto_wrong: auto.len() - auto_right,
            unanswerable_auto: per_file.values().sum(),
            unanswerable_auto_max_per_file: per_file.values().copied().max().unwrap_or(0),
        }
    }
}

/// The misses that matter most, worst first: wrong `auto` answers, then
/// answerable questions whose right entry is not among the first three, then
/// those where it is second or third.
pub fn worst(outcomes: &[Outcome], n: usize) -> Vec<&Outcome> {
    let rank = |o: &Outcome| -> Option<u8> {
        if o.status == Status::Auto && !o.auto_right() {
            Some(0)
        } else if o.answerable() && !o.right_within(3) {
            Some(1)
        } else if o.answerable() && !o.right_within(1) {
            Some(2)
        } else {
            None
        }
    };
    let mut misses: Vec<(u8, f32, &Outcome)> = outcomes
        .iter()
        .filter_map(|o| {
            let top = o.candidates.first().map_or(0.0, |(_, c)| c.score);
            rank(o).map(|r| (r, top, o))
        })
        .collect();
    misses.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    misses.into_iter().take(n).map(|(_, _, o)| o).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(labels: &[&str], status: Status, top: &[&str]) -> Outcome {
        Outcome {
            file: "q.xlsx".into(),
            sheet: "S".into(),
            row: 1,
            question: "q".into(),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            status,
            reasons: Vec::new(),
            candidates: top
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let c = Candidate {
                        entry: i,
                        score: 1.0 - i as f32 * 0.1,
                        parts: Default::default(),
                    };
                    (id.to_string(), c)
                })
                .collect(),
        }
    }

    #[test]
    fn metrics_count_rights_and_wrongs() {
        let outcomes = [
            outcome(&["a"], Status::Auto, &["a", "b"]),
            outcome(&["a"], Status::Auto, &["b", "a"]),
            outcome(&["c"], Status::Review, &["x", "y", "c"]),
            outcome(&[], Status::Auto, &["a"]),
            outcome(&[], Status::Unmatched, &[]),
        ];
        let m = Metrics::of(&outcomes);
        assert_eq!((m.questions, m.answerable, m.auto), (5, 3, 3));
        assert!((m.top1 - 1.0 / 3.0).abs() < 1e-9);
        assert!((m.top3 - 1.0).abs() < 1e-9);
        assert!((m.auto_precision - 1.0 / 3.0).abs() < 1e-9);
        assert!((m.auto_coverage - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!((m.auto_wrong, m.unanswerable_auto), (2, 1));
        let w = worst(&outcomes, 10);
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].status, Status::Auto);
    }

    #[test]
    fn without_a_questionnaire_line_the_questionnaire_is_named_like_the_labels() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared");
        std::fs::create_dir_all(shared.join("vendor")).unwrap();
        std::fs::write(shared.join("vendor/HECVAT414.xlsx"), "x").unwrap();
        let path = dir.path().join("HECVAT414.labels.csv");
        std::fs::write(&path, "\u{feff}Sheet,Row,Labels\nS,2,a\n,3,none\n").unwrap();
        let l = Labels::read(&path).unwrap();
        assert_eq!(l.questionnaire, None);
        assert_eq!((l.labels[0].line, l.labels[1].line), (2, 3));
        assert!(l.labels[1].entries.is_empty());
        // Found in the questionnaires folder...
        assert_eq!(
            l.questionnaire_path(&shared).unwrap(),
            shared.join("vendor/HECVAT414.xlsx")
        );
        // ... unless one lies next to the labels file.
        std::fs::write(dir.path().join("HECVAT414.ods"), "x").unwrap();
        assert_eq!(
            l.questionnaire_path(&shared).unwrap(),
            dir.path().join("HECVAT414.ods")
        );
        // Two next to it: which one is not guessed.
        std::fs::write(dir.path().join("HECVAT414.csv"), "x").unwrap();
        let e = l.questionnaire_path(&shared).unwrap_err().to_string();
        assert!(
            e.contains("several questionnaires named `HECVAT414`"),
            "{e}"
        );
        let other = dir.path().join("other.csv");
        std::fs::write(&other, "sheet,row,labels\nS,2,a\n").unwrap();
        let e = Labels::read(&other)
            .unwrap()
            .questionnaire_path(&shared)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no questionnaire `other.xlsx`"), "{e}");
    }

    #[test]
    fn labels_file_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.csv");
        std::fs::write(
            &path,
            "# questionnaire: q.csv\nsheet,row,labels\nS,2,a;b\nS,3,NONE\n",
        )
        .unwrap();
        let l = Labels::read(&path).unwrap();
        assert_eq!(l.questionnaire.as_deref(), Some("q.csv"));
        assert_eq!(l.labels[0].entries, ["a", "b"]);
        assert!(l.labels[1].entries.is_empty());
        assert_eq!(l.labels[1].line, 4);
        // Other comments are comments; ids may be separated by `|`, `,` or
        // spaces too.
        std::fs::write(
            &path,
            "# labeled by the buyer's team\n# questionnaire: q.csv\nsheet,row,labels\nS,2,\"a, b\"\nS,3,c|d\n",
        )
        .unwrap();
        let l = Labels::read(&path).unwrap();
        assert_eq!(l.questionnaire.as_deref(), Some("q.csv"));
        assert_eq!(l.labels[0].entries, ["a", "b"]);
        assert_eq!(l.labels[1].entries, ["c", "d"]);
        assert_eq!(l.labels[1].line, 5);
        std::fs::write(&path, "# questionnaire:\nsheet,row,labels\nS,2,a\n").unwrap();
        assert!(Labels::read(&path).is_err());
        std::fs::write(&path, "# questionnaire: q.csv\nsheet,row,labels\nS,x,a\n").unwrap();
        let e = Labels::read(&path).unwrap_err().to_string();
        assert!(e.contains("line 3"), "{e}");
        let refused = |text: &str| {
            std::fs::write(&path, text).unwrap();
            Labels::read(&path).unwrap_err().to_string()
        };
        let e = refused("sheet,row,labels\nS,2,a\ns,2,NONE\n");
        assert!(
            e.ends_with("line 3: sheet `s` row 2 is labeled already on line 2"),
            "{e}"
        );
        let e = refused("sheet,row,labels\nS,2,NONE;a\n");
        assert!(e.contains("line 2: `NONE` stands alone"), "{e}");
        let e = refused("# questionnaire: q.csv\nsheet,row,labels\n");
        assert!(e.contains("no labeled questions"), "{e}");
        let e = refused("# questionnaire: q.csv\nsheet,row,labels\nS,2,a\nS,3,b,extra\n");
        assert!(e.contains("line 4: 4 fields where the header has 3"), "{e}");
    }
}

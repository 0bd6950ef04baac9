//! The draft workbook: a `Summary` sheet, then every input sheet with its
//! values in the same cells, the drafted answers written in, and four review
//! columns (Status, Confidence, KB entry, Evidence) beside the used columns.
//!
//! Everything from the KB or the questionnaire is written as a string or a
//! number, never as a formula, so a cell starting with `=` stays text.

use std::collections::HashMap;
use std::path::Path;

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, ExcelDateTime, Format, FormatAlign, Formula,
    Url, Workbook as XlsxWorkbook, Worksheet,
};

use super::SheetError;
use super::detect::Layout;
use super::read::{Value, Workbook};
use crate::report::{QuestionReport, Report, Status};

/// Excel's limit on the text of one cell.
const MAX_CELL_CHARS: usize = 32_767;
/// Excel's limit on the length of a hyperlink.
const MAX_URL_CHARS: usize = 2_079;
const REVIEW_HEADERS: [&str; 4] = ["Status", "Confidence", "KB entry", "Evidence"];

fn fill_color(status: Status) -> Color {
    match status {
        Status::Auto => Color::RGB(0xE2EFDA),
        Status::Review => Color::RGB(0xFFF2CC),
        Status::Unmatched => Color::RGB(0xFCE4D6),
        Status::Answered => Color::RGB(0xDDEBF7),
    }
}

struct Formats {
    header: Format,
    title: Format,
    /// Per status: plain and wrapped.
    rows: HashMap<Status, (Format, Format)>,
    wrap: Format,
}

impl Formats {
    fn new() -> Formats {
        let statuses = [
            Status::Auto,
            Status::Review,
            Status::Unmatched,
            Status::Answered,
        ];
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xD9D9D9))
                .set_text_wrap(),
            title: Format::new().set_bold().set_font_size(14),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            rows: statuses
                .into_iter()
                .map(|s| {
                    let base = Format::new()
                        .set_background_color(fill_color(s))
                        .set_align(FormatAlign::Top);
                    (s, (base.clone(), base.set_text_wrap()))
                })
                .collect(),
        }
    }
}

/// Writes the draft of `wb` as described by `report` to `path`, atomically:
/// the file appears complete or not at all.
pub fn write_draft(
    wb: &Workbook,
    layouts: &[Layout],
    report: &Report,
    path: &Path,
) -> Result<(), SheetError> {
    let fail = |detail: String| SheetError::Write {
        path: path.to_path_buf(),
        detail,
    };
    let mut book = XlsxWorkbook::new();
    let formats = Formats::new();
    let names = sheet_names(wb);

    let summary_name = unique_name("Summary", &names);
    write_summary(book.add_worksheet(), &summary_name, report, &formats)
        .map_err(|e| fail(e.to_string()))?;

    // The answer cells keep their dropdowns. The lists live on a hidden
    // sheet, as values may hold commas ("Yes, for some applications").
    let lists = DropdownLists::new(report, &names, &summary_name);

    let mut by_sheet: HashMap<&str, Vec<&QuestionReport>> = HashMap::new();
    for q in &report.questions {
        by_sheet.entry(q.sheet.as_str()).or_default().push(q);
    }
    for (i, sheet) in wb.sheets.iter().enumerate() {
        let ws = book.add_worksheet();
        ws.set_name(&names[i]).map_err(|e| fail(e.to_string()))?;
        if !sheet.visible {
            ws.set_hidden(true);
        }
        let layout = layouts.iter().find(|l| l.sheet == i);
        let questions = by_sheet
            .get(sheet.name.as_str())
            .cloned()
            .unwrap_or_default();
        write_sheet(ws, sheet, layout, &questions, &formats, &lists)
            .map_err(|e| fail(e.to_string()))?;
    }
    if !lists.columns.is_empty() {
        lists
            .write(book.add_worksheet())
            .map_err(|e| fail(e.to_string()))?;
    }
    write_map(book.add_worksheet(), wb, layouts, report, &names)
        .map_err(|e| fail(e.to_string()))?;
    let bytes = book.save_to_buffer().map_err(|e| fail(e.to_string()))?;
    crate::files::replace(path, &bytes).map_err(|e| fail(e.to_string()))
}

/// Valid, unique Excel sheet names for the input sheets (csv files are named
/// after the file, which may be too long or hold forbidden characters).
pub(super) fn sheet_names(wb: &Workbook) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in &wb.sheets {
        let mut name: String = s
            .name
            .chars()
            .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
            .collect();
        name = name.trim_matches('\'').to_string();
        if name.is_empty() {
            name = "Sheet".into();
        }
        let name = unique_name(&truncate(&name, 31), &out);
        out.push(name);
    }
    out
}

fn unique_name(base: &str, taken: &[String]) -> String {
    let clash = |n: &str| taken.iter().any(|t| t.eq_ignore_ascii_case(n));
    if !clash(base) {
        return base.to_string();
    }
    (2..)
        .map(|i| {
            let suffix = format!(" ({i})");
            format!("{}{suffix}", truncate(base, 31 - suffix.len()))
        })
        .find(|n| !clash(n))
        .unwrap_or_default()
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

fn cell_text(s: &str) -> String {
    if s.chars().count() > MAX_CELL_CHARS {
        let mut t = truncate(s, MAX_CELL_CHARS - 20);
        t.push_str(" [truncated]");
        t
    } else {
        s.to_string()
    }
}

type XResult = Result<(), rust_xlsxwriter::XlsxError>;

fn write_summary(ws: &mut Worksheet, name: &str, report: &Report, f: &Formats) -> XResult {
    ws.set_name(name)?;
    ws.set_column_width(0, 28)?;
    ws.set_column_width(1, 60)?;
    ws.write_string_with_format(0, 0, "vetted draft", &f.title)?;
    let s = &report.summary;
    let rows: Vec<(String, String)> = vec![
        ("Questionnaire".into(), report.input.clone()),
        (
            "Knowledge base".into(),
            format!("{} ({} entries)", report.kb.path, report.kb.entries),
        ),
        ("Questions".into(), s.questions.to_string()),
        ("auto: answer drafted".into(), s.auto.to_string()),
        ("review: drafted, check it".into(), s.review.to_string()),
        ("unmatched: left blank".into(), s.unmatched.to_string()),
        ("answered: kept as found".into(), s.answered.to_string()),
    ];
    let mut r = 2;
    for (label, value) in rows {
        ws.write_string_with_format(r, 0, &label, &f.header)?;
        ws.write_string(r, 1, cell_text(&value))?;
        r += 1;
    }
    r += 1;
    ws.write_string_with_format(r, 0, "Sheets", &f.title)?;
    r += 1;
    for (c, h) in ["Sheet", "Questions / why skipped"].iter().enumerate() {
        ws.write_string_with_format(r, c as u16, *h, &f.header)?;
    }
    r += 1;
    for sheet in &report.sheets {
        ws.write_string(r, 0, &sheet.name)?;
        let what = match &sheet.skipped {
            Some(why) => format!("skipped: {why}"),
            None if sheet.questions == 1 => "1 question".to_string(),
            None => format!("{} questions", sheet.questions),
        };
        ws.write_string(r, 1, what)?;
        r += 1;
    }
    let flagged: Vec<&QuestionReport> = report
        .questions
        .iter()
        .filter(|q| !q.reasons.is_empty())
        .collect();
    if !flagged.is_empty() {
        r += 1;
        ws.write_string_with_format(r, 0, "Held back for review", &f.title)?;
        r += 1;
        for q in flagged {
            ws.write_string(r, 0, format!("{} row {}", q.sheet, q.row))?;
            ws.write_string_with_format(r, 1, cell_text(&q.reasons.join("; ")), &f.wrap)?;
            r += 1;
        }
    }
    Ok(())
}

/// Writes one input value, with the row's status format when it has one.
pub(super) fn write_value(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    v: &Value,
    fmt: Option<&Format>,
) -> XResult {
    let default = Format::default();
    let f = fmt.unwrap_or(&default);
    match v {
        Value::Empty => {
            if let Some(f) = fmt {
                ws.write_blank(row, col, f)?;
            }
        }
        Value::Number(n) if n.is_finite() => {
            ws.write_number_with_format(row, col, *n, f)?;
        }
        Value::Bool(b) => {
            ws.write_boolean_with_format(row, col, *b, f)?;
        }
        Value::Date(s) if ExcelDateTime::parse_from_str(s).is_ok() => {
            let date = ExcelDateTime::parse_from_str(s)?;
            let pattern = if s.len() > 10 {
                "yyyy-mm-dd hh:mm"
            } else {
                "yyyy-mm-dd"
            };
            ws.write_datetime_with_format(row, col, &date, &f.clone().set_num_format(pattern))?;
        }
        other => {
            ws.write_string_with_format(row, col, cell_text(&other.display()), f)?;
        }
    }
    Ok(())
}

/// The distinct dropdown lists of the answer cells, one column each on a
/// hidden sheet of the draft.
struct DropdownLists {
    sheet: String,
    columns: Vec<Vec<String>>,
}

impl DropdownLists {
    fn new(report: &Report, names: &[String], summary: &str) -> DropdownLists {
        let mut taken = names.to_vec();
        taken.push(summary.to_string());
        let mut columns: Vec<Vec<String>> = Vec::new();
        for allowed in report.questions.iter().filter_map(|q| q.allowed.as_ref()) {
            if !columns.contains(allowed) && columns.len() < 16_000 {
                columns.push(allowed.clone());
            }
        }
        DropdownLists {
            sheet: unique_name("vetted lists", &taken),
            columns,
        }
    }

    /// The validation that offers `allowed`: one that stops other values,
    /// or (`strict` false) only warns about them, as the questionnaire's.
    fn validation(&self, allowed: &[String], strict: bool) -> Option<DataValidation> {
        let col = self.columns.iter().position(|c| c == allowed)?;
        let formula = format!(
            "='{}'!${}$1:${}${}",
            self.sheet.replace('\'', "''"),
            super::column_name(col as u32),
            super::column_name(col as u32),
            allowed.len().max(1)
        );
        let validation = DataValidation::new().allow_list_formula(Formula::new(formula));
        Some(if strict {
            validation
        } else {
            validation.set_error_style(DataValidationErrorStyle::Warning)
        })
    }

    fn write(&self, ws: &mut Worksheet) -> XResult {
        ws.set_name(&self.sheet)?;
        ws.set_hidden(true);
        for (c, values) in self.columns.iter().enumerate() {
            for (r, v) in values.iter().enumerate() {
                ws.write_string(r as u32, c as u16, cell_text(v))?;
            }
        }
        Ok(())
    }
}

fn write_sheet(
    ws: &mut Worksheet,
    sheet: &super::read::Sheet,
    layout: Option<&Layout>,
    questions: &[&QuestionReport],
    f: &Formats,
    lists: &DropdownLists,
) -> XResult {
    let Some(layout) = layout else {
        for r in 0..sheet.height() {
            for (c, v) in sheet.row(r).iter().enumerate() {
                write_value(ws, r, c as u16, v, None)?;
            }
        }
        return Ok(());
    };
    let status_of: HashMap<u32, &QuestionReport> =
        questions.iter().map(|q| (q.row - 1, *q)).collect();
    let review_col = review_col(sheet, layout);
    let last_col = review_col + REVIEW_HEADERS.len() as u16 - 1;
    let wrapped = |c: u32| c == layout.question_col || c == layout.details_col;

    for r in 0..sheet.height() {
        let q = status_of.get(&r);
        for (c, v) in sheet.row(r).iter().enumerate() {
            let c32 = c as u32;
            let fmt = q.map(|q| {
                let (plain, wrap) = &f.rows[&q.status];
                if wrapped(c32) { wrap } else { plain }
            });
            write_value(ws, r, c as u16, v, fmt)?;
        }
    }
    if let Some(h) = layout.header_row {
        if layout.answer_is_new {
            ws.write_string_with_format(h, layout.answer_col as u16, "Answer", &f.header)?;
        }
        if layout.details_is_new {
            ws.write_string_with_format(h, layout.details_col as u16, "Details", &f.header)?;
        }
        for (i, title) in REVIEW_HEADERS.iter().enumerate() {
            ws.write_string_with_format(h, review_col + i as u16, *title, &f.header)?;
        }
    }
    for q in questions {
        let row = q.row - 1;
        let (plain, wrap) = &f.rows[&q.status];
        if layout.marks.is_empty()
            && let Some(dv) = q
                .allowed
                .as_deref()
                .and_then(|a| lists.validation(a, q.allowed_only))
        {
            let col = layout.answer_col as u16;
            ws.add_data_validation(row, col, row, col, &dv)?;
        }
        if q.status.drafts_answer() {
            if !layout.marks.is_empty() {
                // Mark columns: an `x` in the answer's column, the others cleared.
                let marked = layout
                    .marks
                    .iter()
                    .find(|(_, v)| Some(v) == q.answer.as_ref());
                if let Some((marked, _)) = marked {
                    for (c, _) in &layout.marks {
                        if c == marked {
                            ws.write_string_with_format(row, *c as u16, "x", plain)?;
                        } else {
                            ws.write_blank(row, *c as u16, plain)?;
                        }
                    }
                }
            } else if let Some(answer) = &q.answer {
                ws.write_string_with_format(
                    row,
                    layout.answer_col as u16,
                    cell_text(answer),
                    plain,
                )?;
            }
            let details_free = layout.details_free(sheet, row);
            if let Some(details) = &q.details
                && details_free
            {
                ws.write_string_with_format(
                    row,
                    layout.details_col as u16,
                    cell_text(details),
                    wrap,
                )?;
            }
        } else if layout.answer_is_new || sheet.get(row, layout.answer_col).is_empty() {
            ws.write_blank(row, layout.answer_col as u16, plain)?;
        }
        ws.write_string_with_format(row, review_col, q.status.as_str(), plain)?;
        match q.score {
            Some(s) => ws.write_number_with_format(
                row,
                review_col + 1,
                (f64::from(s) * 100.0).round() / 100.0,
                plain,
            )?,
            None => ws.write_blank(row, review_col + 1, plain)?,
        };
        let entry = q.entry.clone().or_else(|| {
            // Show the suggestion for rows the file already answered.
            (q.status == Status::Answered)
                .then(|| {
                    q.candidates
                        .first()
                        .map(|c| format!("suggested: {} ({})", c.entry, c.answer))
                })
                .flatten()
        });
        ws.write_string_with_format(
            row,
            review_col + 2,
            cell_text(entry.as_deref().unwrap_or("")),
            plain,
        )?;
        write_evidence(ws, row, review_col + 3, q, wrap)?;
    }
    ws.set_column_width(layout.question_col as u16, 60)?;
    ws.set_column_width(layout.answer_col as u16, 18)?;
    ws.set_column_width(layout.details_col as u16, 50)?;
    for (i, w) in [10.0, 11.0, 26.0, 40.0].into_iter().enumerate() {
        ws.set_column_width(review_col + i as u16, w)?;
    }
    if let Some(h) = layout.header_row {
        ws.set_freeze_panes(h + 1, 0)?;
        let last_row = questions
            .iter()
            .map(|q| q.row - 1)
            .max()
            .unwrap_or(h)
            .max(h);
        ws.autofilter(h, 0, last_row, last_col)?;
    }
    Ok(())
}

/// The first of the review columns (Status, Confidence, KB entry, Evidence).
fn review_col(sheet: &super::read::Sheet, layout: &Layout) -> u16 {
    sheet
        .width()
        .max(layout.answer_col + 1)
        .max(layout.details_col + 1) as u16
}

/// The very hidden sheet that tells `vetted kb learn` where each question's
/// cells are in the draft and what was drafted, so that a reviewer's
/// changes can be told apart from the draft.
pub const MAP_SHEET: &str = "vetted map";
/// The columns of [`MAP_SHEET`], in order.
pub const MAP_HEADERS: [&str; 11] = [
    "sheet",
    "row",
    "question",
    "answer cell",
    "details cell",
    "status cell",
    "entry cell",
    "drafted status",
    "drafted entry",
    "drafted answer",
    "drafted details",
];

fn write_map(
    ws: &mut Worksheet,
    wb: &Workbook,
    layouts: &[Layout],
    report: &Report,
    names: &[String],
) -> XResult {
    ws.set_name(MAP_SHEET)?;
    ws.set_very_hidden(true);
    for (c, h) in MAP_HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    let mut row = 1;
    for q in &report.questions {
        let Some(i) = wb.sheets.iter().position(|s| s.name == q.sheet) else {
            continue;
        };
        let Some(layout) = layouts.iter().find(|l| l.sheet == i) else {
            continue;
        };
        let review = u32::from(review_col(&wb.sheets[i], layout));
        let r = q.row - 1;
        // Mark columns are not read back: their answer is a position.
        let answer_cell = if layout.marks.is_empty() {
            q.answer_cell.clone()
        } else {
            String::new()
        };
        let values = [
            names[i].clone(),
            q.row.to_string(),
            cell_text(&q.question),
            answer_cell,
            q.details_cell.clone(),
            super::cell_ref(r, review),
            super::cell_ref(r, review + 2),
            q.status.as_str().to_owned(),
            q.entry.clone().unwrap_or_default(),
            q.answer.as_deref().map(cell_text).unwrap_or_default(),
            q.details.as_deref().map(cell_text).unwrap_or_default(),
        ];
        for (c, v) in values.iter().enumerate() {
            ws.write_string(row, c as u16, v)?;
        }
        row += 1;
    }
    Ok(())
}

fn write_evidence(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    q: &QuestionReport,
    fmt: &Format,
) -> XResult {
    match q.evidence.as_slice() {
        [] => {
            ws.write_blank(row, col, fmt)?;
        }
        [one] if one.url.len() <= MAX_URL_CHARS => {
            let text = if one.title.is_empty() {
                one.url.clone()
            } else {
                one.title.clone()
            };
            ws.write_url_with_format(
                row,
                col,
                Url::new(one.url.as_str()).set_text(cell_text(&text)),
                fmt,
            )?;
        }
        many => {
            let text = many
                .iter()
                .map(|e| format!("{}: {}", e.title, e.url))
                .collect::<Vec<_>>()
                .join("\n");
            ws.write_string_with_format(row, col, cell_text(&text), fmt)?;
        }
    }
    Ok(())
}

//! The JSON API, a contract documented in `docs/api.md`.

use std::path::Path as FsPath;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequestParts, Multipart, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::security::reviewer;
use super::{AppError, AppState};
use crate::fill::{FillError, FillOptions};
use crate::review::{self, Action, Listing, Questionnaire, Request};
use crate::sheet::{self, SheetError};

/// Longest kept file or customer name.
const MAX_NAME: usize = 200;

/// A path parameter whose rejection is a JSON error.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|e| AppError::BadRequest(format!("bad path: {}", e.body_text())))
    }
}

pub async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed("this endpoint does not take that method".into())
}

pub async fn not_found() -> AppError {
    AppError::NotFound("no such API endpoint".into())
}

/// A listing as the API shows it: with `progress` in percent.
pub fn listing_json(l: &Listing) -> Value {
    let mut v = serde_json::to_value(l).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("progress".into(), json!(l.counts.percent()));
    }
    v
}

pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let listings = state.db(|s| s.list()).await?;
    Ok(Json(Value::Array(
        listings.iter().map(listing_json).collect(),
    )))
}

/// The questionnaire: its listing fields, the report, and per question its
/// `index` and `decision`.
pub fn questionnaire_json(q: &Questionnaire) -> Value {
    let mut v = serde_json::to_value(&q.report).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        if let Some(Value::Object(l)) = Some(listing_json(&q.listing)) {
            for (k, val) in l {
                o.insert(k, val);
            }
        }
        if let Some(Value::Array(questions)) = o.get_mut("questions") {
            for (i, question) in questions.iter_mut().enumerate() {
                if let Some(qo) = question.as_object_mut() {
                    qo.insert("index".into(), json!(i));
                    qo.insert(
                        "decision".into(),
                        json!(q.decisions.get(i).cloned().flatten()),
                    );
                }
            }
        }
    }
    v
}

/// One question with its `index` and `decision`.
pub fn question_json(q: &Questionnaire, index: usize) -> Value {
    let mut v = serde_json::to_value(&q.report.questions[index]).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("index".into(), json!(index));
        o.insert(
            "decision".into(),
            json!(q.decisions.get(index).cloned().flatten()),
        );
    }
    v
}

pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let q = state.db(move |s| s.get(&id)).await?;
    Ok(Json(questionnaire_json(&q)))
}

/// Keeps the last path component, without control characters, at most
/// [`MAX_NAME`] characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let base: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect();
    let base = base.trim();
    if base.is_empty() || base == "." || base == ".." {
        "questionnaire".to_string()
    } else {
        base.to_string()
    }
}

fn clean_text(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect::<String>()
        .trim()
        .to_string()
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge("the file is larger than the upload limit".into())
    } else {
        AppError::BadRequest(format!("bad upload: {}", e.body_text()))
    }
}

/// The most questions one upload may have: the longest questionnaires in
/// use (SIG, full HECVAT) have under 2,000; each question costs a row in
/// the store and a block on the review page.
pub const MAX_UPLOAD_QUESTIONS: usize = 5_000;

pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let form = read_form(multipart, state.config.max_upload).await?;
    let customer = form.customer;
    let (name, bytes) = form
        .file
        .ok_or_else(|| AppError::BadRequest("no file in the field `file`".into()))?;
    let matcher = state.kb.matcher();
    let fill_name = name.clone();
    let original = bytes.clone();
    // Reading and matching take a core each: uploads beyond the cores wait
    // their turn rather than share memory and time with all the others.
    let _turn = state
        .drafting
        .acquire()
        .await
        .map_err(|_| AppError::Internal("the drafting queue is closed".into()))?;
    let filled = tokio::task::spawn_blocking(move || {
        let workbook = sheet::read_bytes(FsPath::new(&fill_name), bytes)?;
        let options = FillOptions {
            max_questions: Some(MAX_UPLOAD_QUESTIONS),
            ..FillOptions::default()
        };
        crate::fill::fill_workbook(workbook, &matcher, &options)
    })
    .await
    .map_err(|_| AppError::Unprocessable(format!("`{name}` could not be read: it is damaged")))?
    .map_err(fill_error)?;
    let mut report = filled.report;
    report.input = name.clone();
    let questions = report.questions.len();
    let by = reviewer(&headers).unwrap_or_default();
    let id = state
        .db(move |s| s.insert(&name, &customer, &by, &original, &report))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "questions": questions })),
    )
        .into_response())
}

/// An upload form: the file (cleaned name, bytes) and the customer.
struct Form {
    file: Option<(String, Vec<u8>)>,
    customer: String,
}

/// Reads an upload form, refusing a file over `limit` bytes as it arrives.
async fn read_form(
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
    limit: usize,
) -> Result<Form, AppError> {
    let mut multipart = multipart.map_err(|e| {
        AppError::BadRequest(format!(
            "send the file as multipart/form-data in the field `file` ({})",
            e.body_text()
        ))
    })?;
    let mut form = Form {
        file: None,
        customer: String::new(),
    };
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("file") => {
                let name = clean_file_name(field.file_name().unwrap_or("questionnaire"));
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > limit {
                        return Err(too_large(limit));
                    }
                }
                form.file = Some((name, bytes));
            }
            Some("customer") => {
                let text = field.text().await.map_err(multipart_error)?;
                form.customer = clean_text(&text);
            }
            _ => {}
        }
    }
    Ok(form)
}

fn too_large(limit: usize) -> AppError {
    AppError::TooLarge(format!(
        "the file is larger than the {} MB upload limit",
        limit / (1024 * 1024)
    ))
}

fn fill_error(e: FillError) -> AppError {
    match e {
        FillError::Sheet(SheetError::TooLarge { .. }) => AppError::TooLarge(e.to_string()),
        FillError::Sheet(SheetError::Io { .. } | SheetError::Write { .. }) => {
            AppError::Internal(e.to_string())
        }
        FillError::Sheet(_) | FillError::TooManyQuestions { .. } => {
            AppError::Unprocessable(e.to_string())
        }
        FillError::Match(_) => AppError::Internal(e.to_string()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Update {
    customer: Option<String>,
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<Update>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let Json(update) = body.map_err(json_error)?;
    let listing = state
        .db(move |s| {
            if let Some(c) = update.customer {
                s.set_customer(&id, &clean_text(&c))?;
            }
            s.listing(&id)
        })
        .await?;
    Ok(Json(listing_json(&listing)))
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    state.db(move |s| s.delete(&id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn json_error(e: JsonRejection) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::TooLarge("the request body is too large".into());
    }
    AppError::BadRequest(format!("bad JSON body: {}", e.body_text()))
}

fn who(headers: &HeaderMap) -> Result<String, AppError> {
    reviewer(headers).ok_or_else(|| {
        AppError::Unauthorized(
            "who is deciding? give your reviewer name (`X-Vetted-Reviewer` header)".into(),
        )
    })
}

pub async fn decide(
    State(state): State<AppState>,
    Path((id, index)): Path<(String, usize)>,
    headers: HeaderMap,
    body: Result<Json<Request>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let Json(request) = body.map_err(json_error)?;
    let by = who(&headers)?;
    let matcher = state.kb.matcher();
    let q = state
        .db(move |s| {
            let q = s.get(&id)?;
            let Some(question) = q.report.questions.get(index) else {
                return Err(review::StoreError::NoQuestion { id, index });
            };
            let entry = request
                .entry
                .as_deref()
                .and_then(|e| matcher.kb().entries.iter().find(|x| x.id == e));
            let decision =
                match review::resolve(question, request, entry, &by, &review::now_rfc3339()) {
                    Ok(d) => d,
                    Err(e) => return Ok(Err(e)),
                };
            s.decide(&id, index, &decision)?;
            s.get(&id).map(Ok)
        })
        .await??;
    Ok(Json(question_json(&q, index)))
}

pub async fn undo(
    State(state): State<AppState>,
    Path((id, index)): Path<(String, usize)>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    let by = who(&headers)?;
    let q = state
        .db(move |s| {
            s.undo(&id, index, &by)?;
            s.get(&id)
        })
        .await?;
    Ok(Json(question_json(&q, index)))
}

/// Accepts every `auto` question that has no decision yet.
pub async fn accept_auto(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    let by = who(&headers)?;
    let accepted = state
        .db(move |s| {
            let q = s.get(&id)?;
            let at = review::now_rfc3339();
            let decisions: Vec<(usize, review::Decision)> = q
                .report
                .questions
                .iter()
                .enumerate()
                .filter(|(i, question)| {
                    question.status == crate::report::Status::Auto && q.decisions[*i].is_none()
                })
                .filter_map(|(i, question)| {
                    let request = Request {
                        action: Action::Accept,
                        answer: None,
                        details: None,
                        entry: None,
                        note: None,
                    };
                    review::resolve(question, request, None, &by, &at)
                        .ok()
                        .map(|d| (i, d))
                })
                .collect();
            s.decide_many(&id, &decisions)?;
            Ok(decisions.len())
        })
        .await?;
    Ok(Json(json!({ "accepted": accepted })))
}

/// What `GET .../export` returns.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// The customer's own file with the decided answers written in.
    #[default]
    Original,
    /// The review draft with the decisions applied.
    Draft,
    /// The report with the decisions applied.
    Report,
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: ExportFormat,
}

/// A finished export: file name, content type, bytes.
type Export = (String, &'static str, Vec<u8>);

/// The finished questionnaire, draft or report, built from the original.
async fn finished(state: &AppState, id: String, format: ExportFormat) -> Result<Export, AppError> {
    let q = state.db(move |s| Ok((s.get(&id)?, s.original(&id)?))).await;
    let (q, original) = q?;
    tokio::task::spawn_blocking(move || -> Result<Export, AppError> {
        let stem = FsPath::new(&q.listing.file_name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "questionnaire".into());
        let written = |e: SheetError| AppError::Internal(format!("writing the export: {e}"));
        let dir = tempfile::tempdir().map_err(|e| AppError::Internal(e.to_string()))?;
        let path = dir.path().join("finished");
        let read = |p: &FsPath| std::fs::read(p).map_err(|e| AppError::Internal(e.to_string()));
        match format {
            ExportFormat::Report => {
                let report = review::apply(&q.report, &q.decisions);
                let json = serde_json::to_vec_pretty(&report)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                Ok((
                    format!("{stem}.reviewed.report.json"),
                    "application/json",
                    json,
                ))
            }
            ExportFormat::Draft => {
                review::write_finished_draft(
                    &q.listing.file_name,
                    original,
                    &q.report,
                    &q.decisions,
                    &path,
                )
                .map_err(written)?;
                Ok((format!("{stem}.reviewed.draft.xlsx"), XLSX, read(&path)?))
            }
            ExportFormat::Original => {
                let (_, ext) = review::write_finished(
                    &q.listing.file_name,
                    original,
                    &q.report,
                    &q.decisions,
                    &path,
                )
                .map_err(|e| match e {
                    // The file was read, but its XML cannot be patched.
                    SheetError::Corrupt { detail, .. } => AppError::Unprocessable(format!(
                        "the answers cannot be written into this file ({detail}); download the review draft instead"
                    )),
                    e => written(e),
                })?;
                let content_type = match ext {
                    "csv" => "text/csv; charset=utf-8",
                    "xlsm" => "application/vnd.ms-excel.sheet.macroEnabled.12",
                    _ => XLSX,
                };
                Ok((format!("{stem}.reviewed.{ext}"), content_type, read(&path)?))
            }
        }
    })
    .await
    .map_err(|e| AppError::Internal(format!("export task failed: {e}")))?
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn attachment(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        encoded.replace('+', "%20")
    );
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

pub async fn export(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) =
        query.map_err(|e| AppError::BadRequest(format!("bad query: {}", e.body_text())))?;
    let (name, content_type, bytes) = finished(&state, id, query.format).await?;
    Ok(attachment(&name, content_type, bytes))
}

pub async fn export_report(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (name, content_type, bytes) = finished(&state, id, ExportFormat::Report).await?;
    Ok(attachment(&name, content_type, bytes))
}

/// Learns from the decisions: accepted and chosen wordings become their
/// entries' alternates, edited answers proposed entries in `_inbox/`, and
/// cleared ones their drafted entries' `does_not_answer` (the learning of
/// `vetted kb learn`); then the KB is reloaded.
pub async fn learn(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    who(&headers)?;
    let q = state.db(move |s| s.get(&id)).await?;
    let _one = state.learning.lock().await;
    let kb_dir = state.config.kb_dir.clone();
    let summary = tokio::task::spawn_blocking(move || -> Result<Value, AppError> {
        // From disk, with the inbox: a proposal already made is not repeated.
        let kb = crate::kb::load_with_inbox(&kb_dir).map_err(|e| {
            AppError::Unprocessable(format!("the knowledge base did not load: {e}"))
        })?;
        let rows = review::to_learn(&q, &kb);
        let learned = crate::kb::learn(
            &kb,
            &rows.approved,
            &rows.rejected,
            &rows.left,
            &q.listing.file_name,
            crate::kb::Date::today(),
            false,
        )
        .map_err(learn_error)?;
        let inbox_file = learned.inbox_file.as_ref().map(|p| kb_relative(p, &kb.root));
        Ok(json!({
            "alternates": learned.alternates.iter()
                .map(|(entry, question)| json!({ "entry": entry, "question": question }))
                .collect::<Vec<_>>(),
            "choices": learned.choices.iter()
                .map(|(entry, question, choice)| json!({ "entry": entry, "question": question, "choice": choice }))
                .collect::<Vec<_>>(),
            "not_answered": learned.not_answered.iter()
                .map(|(entry, question)| json!({ "entry": entry, "question": question }))
                .collect::<Vec<_>>(),
            "contested": learned.contested.iter()
                .map(|(source, entry, question)| json!({ "source": source, "entry": entry, "question": question }))
                .collect::<Vec<_>>(),
            "asked": learned.asked.iter()
                .map(|(entry, a)| json!({ "entry": entry, "question": a.question, "after": a.after, "answers": a.answers }))
                .collect::<Vec<_>>(),
            "duplicates": learned.duplicates,
            "proposals": learned.proposals.iter()
                .map(|(id, based_on)| json!({ "id": id, "based_on": based_on }))
                .collect::<Vec<_>>(),
            "inbox_file": inbox_file,
            "unknown": learned.unknown.iter()
                .map(|(source, entry)| json!({ "source": source, "entry": entry }))
                .collect::<Vec<_>>(),
            "skipped": rows.skipped,
        }))
    })
    .await
    .map_err(|e| AppError::Internal(format!("learning task failed: {e}")))??;
    let changed = [
        "alternates",
        "choices",
        "not_answered",
        "asked",
        "proposals",
    ]
    .iter()
    .any(|key| summary[key].as_array().is_some_and(|a| !a.is_empty()));
    if changed && let Err(e) = state.kb.reload().await {
        eprintln!("warning: knowledge base not reloaded after learning: {e}");
    }
    Ok(Json(summary))
}

/// A KB file (an inbox file, or one an approval wrote) as the API names it:
/// relative to the KB folder, with `/`.
pub(super) fn kb_relative(path: &FsPath, root: &FsPath) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn learn_error(e: crate::kb::LearnError) -> AppError {
    use crate::kb::LearnError;
    match e {
        LearnError::Parse { .. } | LearnError::EntryNotFound { .. } => {
            AppError::Unprocessable(format!("nothing learned: {e}"))
        }
        LearnError::Read { .. } | LearnError::Write { .. } => AppError::Internal(e.to_string()),
    }
}

fn kb_json(s: &super::kb::KbStatus) -> Value {
    json!({
        "entries": s.entries,
        "semantic": s.semantic,
        "loaded_at": s.loaded_at,
        "error": s.error,
    })
}

pub async fn kb_status(State(state): State<AppState>) -> Json<Value> {
    Json(kb_json(&state.kb.status()))
}

/// Imports a questionnaire the company already answered: its answered
/// questions the KB does not hold become proposed entries in `_inbox/` (the
/// import of `vetted kb import`).
pub async fn kb_import(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<Value>, AppError> {
    who(&headers)?;
    let form = read_form(multipart, state.config.max_upload).await?;
    let (name, bytes) = form
        .file
        .ok_or_else(|| AppError::BadRequest("no file in the field `file`".into()))?;
    let matcher = state.kb.matcher();
    let _one = state.learning.lock().await;
    let kb_dir = state.config.kb_dir.clone();
    let summary = tokio::task::spawn_blocking(move || -> Result<Value, AppError> {
        let sheet_error = |e: SheetError| fill_error(FillError::Sheet(e));
        let workbook = sheet::read_bytes(FsPath::new(&name), bytes).map_err(sheet_error)?;
        let (layouts, _) =
            sheet::detect(&workbook, &sheet::Overrides::default()).map_err(sheet_error)?;
        let answered = crate::harvest::answered(&workbook, &layouts, &name);
        if answered.is_empty() {
            return Err(AppError::Unprocessable(format!(
                "`{name}` holds no answered questions: import a questionnaire with the answers in it"
            )));
        }
        // From disk, with the inbox: a proposal already made is not repeated.
        let kb = kb_with_inbox(&kb_dir)?;
        let found = crate::harvest::harvest(&kb, Some(&matcher), &answered)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let written = crate::harvest::write(
            &kb,
            &found.proposals,
            &[name.as_str()],
            crate::kb::Date::today(),
            false,
        )
        .map_err(learn_error)?;
        let inbox_file = written.as_ref().map(|w| kb_relative(&w.path, &kb.root));
        let ids = written.map(|w| w.ids).unwrap_or_default();
        Ok(json!({
            "answered": answered.len(),
            "proposals": ids.iter().zip(&found.proposals)
                .map(|(id, p)| json!({ "id": id, "question": p.question, "based_on": p.base.map(|e| &e.id) }))
                .collect::<Vec<_>>(),
            "known": found.known.len(),
            "already_proposed": found.already_proposed.len(),
            "merged": found.merged,
            "conflicting": found.conflicting,
            "inbox_file": inbox_file,
        }))
    })
    .await
    .map_err(|_| AppError::Unprocessable("the file could not be read: it is damaged".into()))??;
    Ok(Json(summary))
}

/// A proposal as the API shows it.
fn pending_json(p: &crate::kb::Pending, root: &FsPath) -> Value {
    let e = &p.entry;
    json!({
        "id": e.id,
        "file": kb_relative(&e.location.file, root),
        "question": e.question,
        "alternates": e.alternates,
        "answer": e.answer,
        "details": e.details,
        "based_on": p.base,
        "note": p.note,
    })
}

/// The KB with its inbox, from disk.
pub(super) fn kb_with_inbox(dir: &FsPath) -> Result<crate::kb::KnowledgeBase, AppError> {
    crate::kb::allow_empty(dir, crate::kb::load_with_inbox(dir))
        .map_err(|e| AppError::Unprocessable(format!("the knowledge base did not load: {e}")))
}

pub async fn proposals(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let kb_dir = state.config.kb_dir.clone();
    let list = tokio::task::spawn_blocking(move || -> Result<Value, AppError> {
        let kb = kb_with_inbox(&kb_dir)?;
        let pending = crate::kb::pending(&kb).map_err(learn_error)?;
        Ok(json!({
            "proposals": pending.iter().map(|p| pending_json(p, &kb.root)).collect::<Vec<_>>(),
        }))
    })
    .await
    .map_err(|e| AppError::Internal(format!("inbox task failed: {e}")))??;
    Ok(Json(list))
}

/// How to approve a proposal: by default it updates the entry it is based
/// on, or becomes a new entry beside the one it resembles most.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// Add its wordings to this approved entry instead.
    #[serde(default)]
    as_alternate_of: Option<String>,
    /// A new entry even when based on an approved one.
    #[serde(default)]
    as_new: bool,
}

fn accept_error(e: crate::kb::AcceptError) -> AppError {
    use crate::kb::AcceptError;
    match e {
        AcceptError::NoProposal(_) | AcceptError::NoEntry(_) => AppError::NotFound(e.to_string()),
        AcceptError::File(e) => learn_error(e),
        _ => AppError::Unprocessable(e.to_string()),
    }
}

/// Runs a change of the inbox on a blocking thread, one KB edit at a time,
/// and reloads the KB after it.
async fn edit_inbox<F>(state: &AppState, f: F) -> Result<Json<Value>, AppError>
where
    F: FnOnce(&crate::kb::KnowledgeBase) -> Result<Value, AppError> + Send + 'static,
{
    let _one = state.learning.lock().await;
    let kb_dir = state.config.kb_dir.clone();
    let done = tokio::task::spawn_blocking(move || {
        let kb = kb_with_inbox(&kb_dir)?;
        f(&kb)
    })
    .await
    .map_err(|e| AppError::Internal(format!("inbox task failed: {e}")))??;
    if let Err(e) = state.kb.reload().await {
        eprintln!("warning: knowledge base not reloaded after an approval: {e}");
    }
    Ok(Json(done))
}

pub async fn accept_proposal(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<AcceptBody>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    use crate::kb::{Approval, Outcome};
    let reviewer = who(&headers)?;
    // No body (or none marked JSON) is the default approval.
    let body = match body {
        Ok(Json(b)) => b,
        Err(JsonRejection::MissingJsonContentType(_)) => AcceptBody::default(),
        Err(e) => return Err(json_error(e)),
    };
    if body.as_new && body.as_alternate_of.is_some() {
        return Err(AppError::BadRequest(
            "`as_new` and `as_alternate_of` exclude each other".into(),
        ));
    }
    let matcher = state.kb.matcher();
    edit_inbox(&state, move |kb| {
        let approval = match body.as_alternate_of {
            Some(entry) => Approval::AlternateOf(entry),
            None => {
                // Beside the approved entry it resembles most.
                let into = crate::kb::find_proposal(kb, &id)
                    .ok()
                    .and_then(|p| matcher.home_file(&p.question));
                if body.as_new {
                    Approval::AsNew { into }
                } else {
                    Approval::Approve { into }
                }
            }
        };
        let done = crate::kb::accept(
            kb,
            &[(id.clone(), approval)],
            crate::kb::Date::today(),
            false,
        )
        .map_err(accept_error)?;
        let (_, outcome) = &done.outcomes[0];
        eprintln!("{reviewer} approved proposal `{id}`");
        Ok(match outcome {
            Outcome::Added { id: entry, file } => json!({
                "proposal": id, "outcome": "added", "entry": entry,
                "file": kb_relative(file, &kb.root),
            }),
            Outcome::Updated {
                id: entry,
                was,
                alternates,
            } => json!({
                "proposal": id, "outcome": "updated", "entry": entry,
                "answer_was": was, "alternates_added": alternates,
            }),
            Outcome::Alternates {
                id: entry,
                alternates,
                differs,
            } => json!({
                "proposal": id, "outcome": "alternates", "entry": entry,
                "alternates_added": alternates,
                "answer_kept": differs.as_ref().map(|(kept, _)| kept),
            }),
        })
    })
    .await
}

pub async fn reject_proposal(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    let reviewer = who(&headers)?;
    edit_inbox(&state, move |kb| {
        crate::kb::reject(kb, std::slice::from_ref(&id), false).map_err(accept_error)?;
        eprintln!("{reviewer} rejected proposal `{id}`");
        Ok(json!({ "proposal": id, "outcome": "rejected" }))
    })
    .await
}

pub async fn kb_reload(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let status =
        state.kb.reload().await.map_err(|e| {
            AppError::Unprocessable(format!("the knowledge base did not load: {e}"))
        })?;
    Ok(Json(kb_json(&status)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_cleaned() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\x\\q.xlsx"), "q.xlsx");
        assert_eq!(clean_file_name(".."), "questionnaire");
        assert_eq!(clean_file_name("a\u{0}b.csv"), "ab.csv");
    }
}

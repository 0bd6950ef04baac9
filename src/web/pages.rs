//! Server-rendered pages (askama templates in `templates/`, auto-escaped)
//! and the static CSS and JS.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::error::PageError;
use super::security::{
    REVIEWER_COOKIE, TOKEN_COOKIE, clean_name, clear_cookie, constant_time_eq, is_https, reviewer,
    set_cookie,
};
use super::throttle::ClientAddr;
use super::{AppError, AppState};
use crate::review::{Action, Counts, Decision, Listing, Questionnaire};

fn html<T: Template>(t: &T) -> Result<Html<String>, PageError> {
    t.render()
        .map(Html)
        .map_err(|e| PageError(AppError::Internal(format!("template: {e}"))))
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub message: String,
}

pub async fn not_found() -> PageError {
    PageError(AppError::NotFound("no such page".into()))
}

pub async fn method_not_allowed() -> PageError {
    PageError(AppError::MethodNotAllowed(
        "this page does not take that method".into(),
    ))
}

pub async fn css() -> Response {
    static_file(
        include_str!("../../static/app.css"),
        "text/css; charset=utf-8",
    )
}

pub async fn js() -> Response {
    static_file(
        include_str!("../../static/app.js"),
        "text/javascript; charset=utf-8",
    )
}

fn static_file(body: &'static str, content_type: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

// ---- login ----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    name: String,
    needs_token: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths: no `//host` or `/\host` redirects.
/// A local path to go back to after the login, else `/`. Browsers drop
/// tabs and line breaks from a URL (`/\t/evil.example` is
/// `//evil.example`, another site): any control character or space refuses
/// it.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n[1..].starts_with(['/', '\\'])
                && !n.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<NextQuery>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let Query(q) = q.map_err(|e| AppError::BadRequest(format!("bad query: {}", e.body_text())))?;
    html(&LoginPage {
        next: safe_next(q.next.as_deref()),
        name: reviewer(&headers).unwrap_or_default(),
        needs_token: state.config.token.is_some(),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(Some(&form.next));
    let needs_token = state.config.token.is_some();
    let fail = |status: StatusCode, error: &str| -> Result<Response, PageError> {
        let page = html(&LoginPage {
            next: next.clone(),
            name: form.name.clone(),
            needs_token,
            error: Some(error.to_string()),
        })?;
        Ok((status, page).into_response())
    };
    if needs_token && let Some(wait) = state.throttle.blocked(client) {
        return Err(super::security::too_many(wait).into());
    }
    if let Some(token) = &state.config.token
        && !constant_time_eq(form.token.trim().as_bytes(), token.as_bytes())
    {
        state.throttle.failed(client);
        return fail(StatusCode::UNAUTHORIZED, "Wrong access token.");
    }
    let Some(name) = clean_name(&form.name) else {
        return fail(StatusCode::BAD_REQUEST, "Give your name.");
    };
    let secure = is_https(&headers);
    let mut res = Redirect::to(&next).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(REVIEWER_COOKIE, &name, secure)) {
        h.append(header::SET_COOKIE, v);
    }
    if let Some(token) = &state.config.token
        && let Ok(v) = HeaderValue::from_str(&set_cookie(TOKEN_COOKIE, token, secure))
    {
        h.append(header::SET_COOKIE, v);
    }
    Ok(res)
}

pub async fn logout() -> Response {
    let mut res = Redirect::to("/login").into_response();
    for name in [REVIEWER_COOKIE, TOKEN_COOKIE] {
        if let Ok(v) = HeaderValue::from_str(&clear_cookie(name)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

// ---- home ----

/// `2026-11-23T02:48:11Z` → `2026-11-23 02:48 UTC`.
pub fn short_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => rfc3339.to_string(),
    }
}

struct ListingView {
    l: Listing,
    uploaded: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    reviewer: String,
    listings: Vec<ListingView>,
    kb: super::kb::KbStatus,
    max_upload_mb: usize,
}

pub async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let listings = state.db(|s| s.list()).await?;
    html(&HomePage {
        reviewer: reviewer(&headers).unwrap_or_default(),
        listings: listings
            .into_iter()
            .map(|l| ListingView {
                uploaded: short_time(&l.uploaded_at),
                l,
            })
            .collect(),
        kb: state.kb.status(),
        max_upload_mb: state.config.max_upload / (1024 * 1024),
    })
}

// ---- review ----

pub struct EvidenceView {
    pub title: String,
    pub url: String,
}

pub struct CandidateView {
    pub entry: String,
    pub score: String,
    pub answer: String,
    pub current: bool,
}

/// One question as the review page shows it.
pub struct QuestionView {
    pub index: usize,
    pub sheet: String,
    pub reference: String,
    pub row: u32,
    pub cell: String,
    pub question: String,
    pub status: &'static str,
    pub score: String,
    pub answer: String,
    pub details: String,
    pub entry: String,
    pub evidence: Vec<EvidenceView>,
    pub candidates: Vec<CandidateView>,
    pub reasons: Vec<String>,
    pub allowed: Vec<String>,
    /// Whether the answer cell takes only `allowed` (else they are offered).
    pub allowed_only: bool,
    /// `accept`, `edit`, ... or empty when undecided.
    pub action: &'static str,
    pub decided: bool,
    pub flagged: bool,
    pub note: String,
    pub by: String,
    pub at: String,
    /// Lowercased text the search box looks in.
    pub search: String,
}

/// Only http(s) links are shown as links.
fn is_web_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn action_label(a: Action) -> &'static str {
    match a {
        Action::Accept => "accepted",
        Action::Edit => "edited",
        Action::Choose => "chose another entry",
        Action::Clear => "cleared",
        Action::Flag => "flagged",
    }
}

pub fn question_view(q: &Questionnaire, index: usize) -> QuestionView {
    let r = &q.report.questions[index];
    let d: Option<&Decision> = q.decisions.get(index).and_then(Option::as_ref);
    let decided = d.is_some_and(|d| d.action.decides());
    let (answer, details, entry, evidence) = match d {
        Some(d) if decided => (
            d.answer.clone(),
            d.details.clone(),
            d.entry.clone(),
            d.evidence.clone(),
        ),
        _ => (
            r.answer.clone(),
            r.details.clone(),
            r.entry.clone(),
            r.evidence.clone(),
        ),
    };
    let answer = answer.unwrap_or_default();
    let details = details.unwrap_or_default();
    let entry = entry.unwrap_or_default();
    let search = [
        r.question.as_str(),
        r.reference.as_deref().unwrap_or_default(),
        r.sheet.as_str(),
        &answer,
        &details,
        &entry,
    ]
    .join(" ")
    .to_lowercase();
    QuestionView {
        index,
        sheet: r.sheet.clone(),
        reference: r.reference.clone().unwrap_or_default(),
        row: r.row,
        cell: r.answer_cell.clone(),
        question: r.question.clone(),
        status: r.status.as_str(),
        score: r.score.map(|s| format!("{s:.2}")).unwrap_or_default(),
        evidence: evidence
            .into_iter()
            .filter(|e| is_web_url(&e.url))
            .map(|e| EvidenceView {
                title: e.title,
                url: e.url,
            })
            .collect(),
        candidates: r
            .candidates
            .iter()
            .map(|c| CandidateView {
                entry: c.entry.clone(),
                score: format!("{:.2}", c.score),
                answer: c.answer.clone(),
                current: c.entry == entry,
            })
            .collect(),
        answer,
        details,
        entry,
        reasons: r.reasons.clone(),
        allowed: r.allowed.clone().unwrap_or_default(),
        allowed_only: r.allowed_only,
        action: d.map(|d| d.action.as_str()).unwrap_or_default(),
        decided,
        flagged: d.is_some_and(|d| d.action == Action::Flag),
        note: d.and_then(|d| d.note.clone()).unwrap_or_default(),
        by: d.map(|d| d.by.clone()).unwrap_or_default(),
        at: d.map(|d| short_time(&d.at)).unwrap_or_default(),
        search,
    }
}

impl QuestionView {
    pub fn decision_label(&self) -> &'static str {
        Action::parse(self.action)
            .map(action_label)
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    reviewer: String,
    listing: Listing,
    counts: Counts,
    questions: Vec<QuestionView>,
}

pub async fn review(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let q = state.db(move |s| s.get(&id)).await?;
    let questions = (0..q.report.questions.len())
        .map(|i| question_view(&q, i))
        .collect();
    html(&ReviewPage {
        reviewer: reviewer(&headers).unwrap_or_default(),
        counts: q.listing.counts.clone(),
        listing: q.listing,
        questions,
    })
}

#[derive(Template)]
#[template(path = "question.html")]
struct QuestionFragment {
    q: QuestionView,
}

/// One question's HTML, for the page's script to swap in after a decision.
pub async fn question_fragment(
    State(state): State<AppState>,
    Path((id, index)): Path<(String, usize)>,
) -> Result<Html<String>, PageError> {
    let q = state.db(move |s| s.get(&id)).await?;
    if index >= q.report.questions.len() {
        return Err(PageError(AppError::NotFound(format!(
            "no question {index}"
        ))));
    }
    html(&QuestionFragment {
        q: question_view(&q, index),
    })
}

// ---- inbox ----

/// An approved entry a proposal's wordings could join.
pub struct TargetView {
    pub id: String,
    pub answer: String,
}

/// A proposal as the inbox page shows it.
pub struct ProposalView {
    pub id: String,
    pub file: String,
    pub question: String,
    pub alternates: Vec<String>,
    pub answer: String,
    pub details: String,
    pub note: Vec<String>,
    /// The approved entry approving it updates, and that entry's answer.
    pub base: Option<TargetView>,
    /// The approved entries it resembles most, best first.
    pub near: Vec<TargetView>,
    /// The KB file a new entry made of it goes to (relative to the KB).
    pub home: Option<String>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    reviewer: String,
    proposals: Vec<ProposalView>,
    /// Proposals beyond those shown.
    more: usize,
}

/// How many proposals the inbox page shows at once (each is matched against
/// the KB to offer the entries it resembles).
const INBOX_SHOWN: usize = 200;

pub async fn inbox(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let matcher = state.kb.matcher();
    let kb_dir = state.config.kb_dir.clone();
    let (proposals, more) =
        tokio::task::spawn_blocking(move || -> Result<(Vec<ProposalView>, usize), AppError> {
            let kb = super::api::kb_with_inbox(&kb_dir)?;
            let pending = crate::kb::pending(&kb).map_err(|e| AppError::Internal(e.to_string()))?;
            let approved = |id: &str| kb.entries.iter().find(|e| e.id == id && !e.proposed);
            let target = |e: &crate::kb::Entry| TargetView {
                id: e.id.clone(),
                answer: e.answer.clone(),
            };
            let more = pending.len().saturating_sub(INBOX_SHOWN);
            let shown = &pending[..pending.len() - more];
            let questions: Vec<&str> = shown.iter().map(|p| p.entry.question.as_str()).collect();
            let (matches, mut homes) = matcher.match_and_place(&questions).unwrap_or_default();
            homes.resize(questions.len(), None);
            let views = shown
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let e = &p.entry;
                    let near = matches
                        .get(i)
                        .map(|m| {
                            m.candidates
                                .iter()
                                .take(3)
                                .filter_map(|c| approved(&matcher.entry(c).id).map(target))
                                .collect()
                        })
                        .unwrap_or_default();
                    ProposalView {
                        id: e.id.clone(),
                        file: super::api::kb_relative(&e.location.file, &kb.root),
                        question: e.question.clone(),
                        alternates: e.alternates.clone(),
                        answer: e.answer.clone(),
                        details: e.details.clone().unwrap_or_default(),
                        note: p.note.clone(),
                        base: p.base.as_deref().and_then(approved).map(target),
                        near,
                        home: homes[i]
                            .as_deref()
                            .map(|h| super::api::kb_relative(h, &kb.root)),
                    }
                })
                .collect();
            Ok((views, more))
        })
        .await
        .map_err(|e| PageError(AppError::Internal(format!("inbox task failed: {e}"))))?
        .map_err(PageError)?;
    html(&InboxPage {
        reviewer: reviewer(&headers).unwrap_or_default(),
        proposals,
        more,
    })
}

// ---- KB entries ----

#[derive(Template)]
#[template(path = "entry.html")]
struct EntryPage {
    reviewer: String,
    id: String,
    question: String,
    alternates: Vec<String>,
    does_not_answer: Vec<String>,
    answer: String,
    details: String,
    evidence: Vec<EvidenceView>,
    tags: Vec<String>,
    owner: String,
    reviewed: String,
    review_by: String,
    stale: bool,
    location: String,
}

pub async fn entry(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let matcher = state.kb.matcher();
    let today = matcher.options().today;
    let e = matcher
        .kb()
        .entries
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| {
            PageError(AppError::NotFound(format!(
                "no entry `{id}` in the knowledge base"
            )))
        })?;
    let root = matcher.kb().root();
    let file = e
        .location
        .file
        .strip_prefix(root)
        .unwrap_or(&e.location.file);
    html(&EntryPage {
        reviewer: reviewer(&headers).unwrap_or_default(),
        id: e.id.clone(),
        question: e.question.clone(),
        alternates: e.alternates.clone(),
        does_not_answer: e.does_not_answer.clone(),
        answer: e.answer.clone(),
        details: e.details.clone().unwrap_or_default(),
        evidence: e
            .evidence
            .iter()
            .filter(|x| is_web_url(&x.url))
            .map(|x| EvidenceView {
                title: x.title.clone(),
                url: x.url.clone(),
            })
            .collect(),
        tags: e.tags.clone(),
        owner: e.owner.clone().unwrap_or_default(),
        reviewed: e.reviewed.map(|d| d.to_string()).unwrap_or_default(),
        review_by: e.review_by.map(|d| d.to_string()).unwrap_or_default(),
        stale: e.is_stale(today),
        location: format!("{}:{}", file.display(), e.location.line),
    })
}

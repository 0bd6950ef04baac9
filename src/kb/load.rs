//! Reading a KB directory and validating it, with file and line for every problem.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::date::Date;
use super::model::{Choice, Entry, Evidence, KnowledgeBase, Location, words};
use super::{INBOX_DIR, SYNONYMS_FILE};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding of a KB scan, tied to a file and (where known) a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a knowledge base could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    #[error("knowledge base `{}` does not exist", .0.display())]
    NotFound(PathBuf),
    #[error("knowledge base `{}` is not a directory", .0.display())]
    NotADirectory(PathBuf),
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("knowledge base `{}` has no entries", .0.display())]
    Empty(PathBuf),
    #[error("knowledge base `{}` is invalid ({count} error{s}): {first}", root.display(), s = if *count == 1 { "" } else { "s" })]
    Invalid {
        root: PathBuf,
        count: usize,
        first: Box<Diagnostic>,
    },
}

/// The result of reading a KB: the valid entries and every finding.
#[derive(Debug, Default)]
pub struct Scan {
    pub kb: KnowledgeBase,
    pub diagnostics: Vec<Diagnostic>,
    /// Number of `*.toml` entry files read.
    pub files: usize,
}

impl Scan {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }
}

/// Loads a KB for matching: any validation error fails the load.
pub fn load(root: &Path) -> Result<KnowledgeBase, KbError> {
    load_scope(root, false)
}

/// Like [`load`], plus the proposed entries in `_inbox/` (marked
/// [`Entry::proposed`](super::Entry::proposed)).
pub fn load_with_inbox(root: &Path) -> Result<KnowledgeBase, KbError> {
    load_scope(root, true)
}

/// `loaded`, or an empty KB at `root` where the folder holds no entries:
/// for what can start a KB (importing past answers, approving them, the web
/// UI that does both).
pub fn allow_empty(
    root: &Path,
    loaded: Result<KnowledgeBase, KbError>,
) -> Result<KnowledgeBase, KbError> {
    match loaded {
        Err(KbError::Empty(_)) => Ok(KnowledgeBase {
            root: root.to_path_buf(),
            ..KnowledgeBase::default()
        }),
        other => other,
    }
}

fn load_scope(root: &Path, inbox: bool) -> Result<KnowledgeBase, KbError> {
    let scan = scan_with(root, Date::today(), inbox)?;
    let errors: Vec<&Diagnostic> = scan.errors().collect();
    if let Some(first) = errors.first() {
        return Err(KbError::Invalid {
            root: root.to_path_buf(),
            count: errors.len(),
            first: Box::new((*first).clone()),
        });
    }
    if scan.kb.entries.is_empty() {
        return Err(KbError::Empty(root.to_path_buf()));
    }
    Ok(scan.kb)
}

/// Reads every `*.toml` below `root` (recursively, in path order), skipping the
/// `_inbox/` folder and hidden folders, and validates the whole KB. Stale
/// entries (relative to `today`) are reported as warnings.
pub fn scan(root: &Path, today: Date) -> Result<Scan, KbError> {
    scan_with(root, today, false)
}

/// [`scan`], also reading `_inbox/` when `inbox` is set.
pub fn scan_with(root: &Path, today: Date, inbox: bool) -> Result<Scan, KbError> {
    let meta = std::fs::metadata(root).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => KbError::NotFound(root.to_path_buf()),
        _ => KbError::Io {
            path: root.to_path_buf(),
            source: e,
        },
    })?;
    if !meta.is_dir() {
        return Err(KbError::NotADirectory(root.to_path_buf()));
    }
    let mut files = Vec::new();
    collect_toml_files(root, &mut files)?;
    let inbox_dir = root.join(INBOX_DIR);
    if inbox && inbox_dir.is_dir() {
        collect_toml_files(&inbox_dir, &mut files)?;
    }
    files.sort();

    let mut scan = Scan {
        kb: KnowledgeBase {
            root: root.to_path_buf(),
            ..KnowledgeBase::default()
        },
        ..Scan::default()
    };
    let mut first_seen: HashMap<String, Location> = HashMap::new();
    for path in files {
        let src = std::fs::read_to_string(&path).map_err(|source| KbError::Io {
            path: path.clone(),
            source,
        })?;
        let mut sink = Sink {
            file: &path,
            src: &src,
            out: &mut scan.diagnostics,
        };
        if path.parent() == Some(root) && path.file_name() == Some(SYNONYMS_FILE.as_ref()) {
            scan.kb.synonyms = parse_synonyms(&mut sink);
            continue;
        }
        scan.files += 1;
        let proposed = path.starts_with(&inbox_dir);
        for mut entry in parse_entries(&mut sink) {
            entry.proposed = proposed;
            if let Some(prev) = first_seen.get(&entry.id) {
                sink.error(
                    Some(entry.location.line),
                    format!("duplicate id `{}`: already defined at {prev}", entry.id),
                );
                continue;
            }
            if entry.is_stale(today) {
                let by = entry.review_by.map(|d| d.to_string()).unwrap_or_default();
                sink.warning(
                    Some(entry.location.line),
                    format!(
                        "entry `{}` is stale: its review date {by} has passed; it is never auto-filled",
                        entry.id
                    ),
                );
            }
            first_seen.insert(entry.id.clone(), entry.location.clone());
            scan.kb.entries.push(entry);
        }
    }
    shared_wordings(&scan.kb.entries, &mut scan.diagnostics);
    Ok(scan)
}

/// Two approved entries worded the same way (a question or alternate with
/// the same words): a question asked so meets both, and the matcher cannot
/// tell them apart. Likely after approving imported or learned proposals.
fn shared_wordings(entries: &[Entry], out: &mut Vec<Diagnostic>) {
    let mut owner: HashMap<String, &Entry> = HashMap::new();
    for e in entries.iter().filter(|e| !e.proposed) {
        let mut own: Vec<String> = Vec::new();
        for p in e.phrasings() {
            let w = words(p);
            if w.is_empty() || own.contains(&w) {
                continue;
            }
            match owner.get(&w) {
                Some(first) => out.push(Diagnostic {
                    severity: Severity::Warning,
                    file: e.location.file.clone(),
                    line: Some(e.location.line),
                    message: format!(
                        "entries `{}` ({}) and `{}` are both worded `{}`: {}",
                        first.id,
                        first.location,
                        e.id,
                        p.trim(),
                        if words(&first.answer) == words(&e.answer) {
                            "merge them, or remove the wording from one".to_owned()
                        } else {
                            format!(
                                "they answer `{}` and `{}`, so a question worded so is never `auto`",
                                first.answer.trim(),
                                e.answer.trim()
                            )
                        }
                    ),
                }),
                None => {
                    owner.insert(w.clone(), e);
                }
            }
            own.push(w);
        }
    }
}

fn collect_toml_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), KbError> {
    let io = |source| KbError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for item in std::fs::read_dir(dir).map_err(io)? {
        let item = item.map_err(io)?;
        let path = item.path();
        let name = item.file_name();
        let name = name.to_string_lossy();
        let file_type = item.file_type().map_err(io)?;
        if file_type.is_dir() {
            if name.starts_with('.') || name == INBOX_DIR {
                continue;
            }
            collect_toml_files(&path, out)?;
        } else if name.ends_with(".toml") && !name.starts_with('.') {
            out.push(path);
        }
    }
    Ok(())
}

/// Collects diagnostics for one file.
struct Sink<'a> {
    file: &'a Path,
    src: &'a str,
    out: &'a mut Vec<Diagnostic>,
}

impl Sink<'_> {
    fn push(&mut self, severity: Severity, line: Option<usize>, message: String) {
        self.out.push(Diagnostic {
            severity,
            file: self.file.to_path_buf(),
            line,
            message,
        });
    }

    fn error(&mut self, line: Option<usize>, message: String) {
        self.push(Severity::Error, line, message);
    }

    fn warning(&mut self, line: Option<usize>, message: String) {
        self.push(Severity::Warning, line, message);
    }

    fn line_at(&self, offset: usize) -> usize {
        let offset = offset.min(self.src.len());
        self.src.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// The line of `key = ...` in the table that starts at `span` (up to the
    /// next table header), else the table's first line.
    fn key_line(&self, span: &std::ops::Range<usize>, key: &str) -> usize {
        let start = span.start.min(self.src.len());
        let mut offset = start;
        for (i, line) in self.src[start..].split_inclusive('\n').enumerate() {
            let trimmed = line.trim_start();
            if i > 0 && trimmed.starts_with('[') {
                break;
            }
            if let Some(rest) = trimmed.strip_prefix(key)
                && rest.trim_start().starts_with('=')
            {
                return self.line_at(offset);
            }
            offset += line.len();
        }
        self.line_at(start)
    }

    /// A TOML syntax or type error, with the line it points at.
    fn toml_error(&mut self, err: &toml::de::Error) {
        let line = err.span().map(|s| self.line_at(s.start));
        self.error(line, one_line(err.message()));
    }
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    entry: Vec<Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    question: String,
    #[serde(default)]
    alternates: Vec<String>,
    answer: String,
    details: Option<String>,
    #[serde(default)]
    evidence: Vec<RawEvidence>,
    #[serde(default)]
    choices: Vec<RawChoice>,
    #[serde(default)]
    does_not_answer: Vec<String>,
    #[serde(default)]
    asked: Vec<RawAsked>,
    #[serde(default)]
    tags: Vec<String>,
    owner: Option<String>,
    reviewed: Option<toml::value::Datetime>,
    review_by: Option<toml::value::Datetime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    question: String,
    choice: String,
    answer: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAsked {
    question: String,
    after: String,
    answers: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvidence {
    title: String,
    url: String,
}

fn parse_entries(sink: &mut Sink<'_>) -> Vec<Entry> {
    let raw: RawFile = match toml::from_str(sink.src) {
        Ok(raw) => raw,
        Err(err) => {
            sink.toml_error(&err);
            return Vec::new();
        }
    };
    let mut entries = Vec::new();
    for table in raw.entry {
        let span = table.span();
        let table = table.into_inner();
        let entry_line = sink.line_at(span.start);
        let raw: RawEntry = match toml::Value::Table(table.clone()).try_into() {
            Ok(raw) => raw,
            Err(err) => {
                let message = one_line(err.message());
                // Point at the offending key when the message names one.
                let key = table
                    .keys()
                    .find(|k| message.contains(&format!("`{k}`")))
                    .cloned();
                let line = key.map_or(entry_line, |k| sink.key_line(&span, &k));
                let id = table.get("id").and_then(|v| v.as_str()).unwrap_or("?");
                sink.error(Some(line), format!("entry `{id}`: {message}"));
                continue;
            }
        };
        if let Some(entry) = validate(sink, raw, &span, entry_line) {
            entries.push(entry);
        }
    }
    entries
}

fn validate(
    sink: &mut Sink<'_>,
    raw: RawEntry,
    span: &std::ops::Range<usize>,
    entry_line: usize,
) -> Option<Entry> {
    let before = sink.out.len();
    let id = raw.id.clone();
    let bad = |sink: &mut Sink<'_>, key: &str, message: String| {
        let line = sink.key_line(span, key);
        sink.error(Some(line), format!("entry `{id}`: {message}"));
    };
    if raw.id.is_empty()
        || !raw
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        bad(
            sink,
            "id",
            "id may only hold lowercase letters, digits and '-'".into(),
        );
    }
    if raw.question.trim().is_empty() {
        bad(sink, "question", "`question` is empty".into());
    }
    if raw.answer.trim().is_empty() {
        bad(sink, "answer", "`answer` is empty".into());
    }
    for c in &raw.choices {
        if c.question.trim().is_empty() || c.choice.trim().is_empty() || c.answer.trim().is_empty()
        {
            bad(
                sink,
                "choices",
                "a choice needs a `question`, a `choice` and the `answer` it was made for".into(),
            );
        } else if c.answer.trim() != raw.answer.trim() {
            let line = sink.key_line(span, "choices");
            sink.warning(
                Some(line),
                format!(
                    "entry `{id}`: the choice `{}` was made when the entry answered `{}`; it is ignored until a reviewer chooses again",
                    c.choice.trim(),
                    c.answer.trim()
                ),
            );
        }
    }
    for ev in &raw.evidence {
        if ev.title.trim().is_empty() {
            bad(
                sink,
                "evidence",
                "an evidence link has an empty title".into(),
            );
        }
        if let Err(why) = check_url(&ev.url) {
            bad(sink, "evidence", format!("evidence url `{}` {why}", ev.url));
        }
    }
    let date = |sink: &mut Sink<'_>, key: &str, value: Option<toml::value::Datetime>| {
        let value = value?;
        match (value.date, value.time, value.offset) {
            (Some(d), None, None) => {
                let parsed = Date::new(i32::from(d.year), d.month, d.day);
                if parsed.is_none() {
                    bad(sink, key, format!("`{key}` is not a valid date"));
                }
                parsed
            }
            _ => {
                bad(
                    sink,
                    key,
                    format!("`{key}` must be a date like 2026-05-04, without a time"),
                );
                None
            }
        }
    };
    let reviewed = date(sink, "reviewed", raw.reviewed);
    let review_by = date(sink, "review_by", raw.review_by);
    if let (Some(r), Some(by)) = (reviewed, review_by)
        && by < r
    {
        bad(
            sink,
            "review_by",
            format!("`review_by` ({by}) is before `reviewed` ({r})"),
        );
    }
    if sink.out[before..]
        .iter()
        .any(|d| d.severity == Severity::Error)
    {
        return None;
    }
    // Phrasings that add nothing: empty, or the same words as the question
    // or an earlier alternate. Harmless, but a sign of a slip.
    let mut seen = vec![words(&raw.question)];
    for alternate in &raw.alternates {
        let w = words(alternate);
        let message = if w.is_empty() {
            "an empty alternate is ignored".to_string()
        } else if seen.contains(&w) {
            format!(
                "the alternate `{}` repeats the question or another alternate",
                alternate.trim()
            )
        } else {
            seen.push(w);
            continue;
        };
        let line = sink.key_line(span, "alternates");
        sink.warning(Some(line), format!("entry `{id}`: {message}"));
    }
    // A wording both answered and not: the rejection holds (no `auto`), but
    // one of the two is a slip.
    for w in &raw.does_not_answer {
        let message = if words(w).is_empty() {
            "an empty `does_not_answer` wording is ignored".to_string()
        } else if let Some(p) = std::iter::once(&raw.question)
            .chain(&raw.alternates)
            .find(|p| super::wording::near_duplicate(p, w))
            // Decided where it was asked (`asked`, by `kb learn`): settled.
            .filter(|_| {
                !raw.asked
                    .iter()
                    .any(|a| super::wording::near_duplicate(&a.question, w))
            })
        {
            format!(
                "`{}` is both a phrasing of the entry and in `does_not_answer` (as `{}`): the entry is held at review for it; remove one of the two",
                p.trim(),
                w.trim()
            )
        } else {
            continue;
        };
        let line = sink.key_line(span, "does_not_answer");
        sink.warning(Some(line), format!("entry `{id}`: {message}"));
    }
    if raw
        .asked
        .iter()
        .any(|a| words(&a.question).is_empty() || words(&a.after).is_empty())
    {
        let line = sink.key_line(span, "asked");
        sink.warning(
            Some(line),
            format!(
                "entry `{id}`: an `asked` record without a `question` or an `after` is ignored"
            ),
        );
    }
    if raw.tags.iter().any(|t| t.trim().is_empty()) {
        let line = sink.key_line(span, "tags");
        sink.warning(Some(line), format!("entry `{id}`: an empty tag is ignored"));
    }
    let clean = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    Some(Entry {
        id: raw.id,
        question: raw.question.trim().to_string(),
        alternates: clean(raw.alternates),
        answer: raw.answer.trim().to_string(),
        details: raw
            .details
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty()),
        evidence: raw
            .evidence
            .into_iter()
            .map(|e| Evidence {
                title: e.title.trim().to_string(),
                url: e.url.trim().to_string(),
            })
            .collect(),
        choices: raw
            .choices
            .into_iter()
            .map(|c| Choice {
                question: c.question.trim().to_string(),
                choice: c.choice.trim().to_string(),
                answer: c.answer.trim().to_string(),
            })
            .collect(),
        does_not_answer: clean(raw.does_not_answer),
        asked: raw
            .asked
            .into_iter()
            .filter(|a| !words(&a.question).is_empty() && !words(&a.after).is_empty())
            .map(|a| super::Asked {
                question: a.question.trim().to_string(),
                after: a.after.trim().to_string(),
                answers: a.answers,
            })
            .collect(),
        tags: clean(raw.tags),
        owner: raw
            .owner
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty()),
        reviewed,
        review_by,
        location: Location {
            file: sink.file.to_path_buf(),
            line: entry_line,
        },
        proposed: false,
    })
}

fn check_url(raw: &str) -> Result<(), &'static str> {
    let url = url::Url::parse(raw.trim()).map_err(|_| "is not an absolute URL")?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        "http" | "https" => Err("has no host"),
        _ => Err("must start with https:// or http://"),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSynonyms {
    #[serde(default)]
    group: Vec<Spanned<RawGroup>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    terms: Vec<String>,
}

/// Parses synonym groups (`[[group]] terms = [...]`); shared by the KB-local
/// `synonyms.toml` and the built-in vocabulary.
pub(crate) fn parse_synonym_groups(src: &str) -> Result<Vec<Vec<String>>, toml::de::Error> {
    Ok(parse_raw_synonyms(src)?
        .into_iter()
        .map(|(_, terms)| terms)
        .collect())
}

/// Groups with the byte offset where each starts, terms trimmed and lowercased.
fn parse_raw_synonyms(src: &str) -> Result<Vec<(usize, Vec<String>)>, toml::de::Error> {
    let raw: RawSynonyms = toml::from_str(src)?;
    Ok(raw
        .group
        .into_iter()
        .map(|g| {
            let start = g.span().start;
            let terms = g
                .into_inner()
                .terms
                .into_iter()
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty())
                .collect();
            (start, terms)
        })
        .collect())
}

fn parse_synonyms(sink: &mut Sink<'_>) -> Vec<Vec<String>> {
    let groups = match parse_raw_synonyms(sink.src) {
        Ok(groups) => groups,
        Err(err) => {
            sink.toml_error(&err);
            return Vec::new();
        }
    };
    let mut out = Vec::with_capacity(groups.len());
    for (start, terms) in groups {
        if terms.len() < 2 {
            let line = sink.line_at(start);
            sink.error(
                Some(line),
                "a synonym group needs at least two terms".into(),
            );
        } else {
            out.push(terms);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_src(src: &str) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut sink = Sink {
            file: Path::new("kb.toml"),
            src,
            out: &mut out,
        };
        parse_entries(&mut sink);
        out
    }

    #[test]
    fn errors_point_at_the_offending_line() {
        let src = "[[entry]]\nid = \"a\"\nquestion = \"Q?\"\nanswer = \"Yes\"\n\n[[entry]]\nid = \"b\"\nquestion = \"Q?\"\nanwser = \"Yes\"\n";
        let diags = scan_src(src);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].line, Some(9));
        assert!(
            diags[0].message.contains("unknown field `anwser`"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn review_dates_must_be_ordered_dates() {
        let src = "[[entry]]\nid = \"a\"\nquestion = \"Q?\"\nanswer = \"Yes\"\nreviewed = 2026-05-04\nreview_by = 2026-01-01\n";
        let diags = scan_src(src);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, Some(6));
        let src = "[[entry]]\nid = \"a\"\nquestion = \"Q?\"\nanswer = \"Yes\"\nreviewed = 2026-05-04T10:00:00\n";
        assert!(scan_src(src)[0].message.contains("without a time"));
    }

    #[test]
    fn urls_need_a_web_scheme_and_host() {
        assert!(check_url("https://trust.example.com/x").is_ok());
        assert!(check_url("trust.example.com/x").is_err());
        assert!(check_url("ftp://example.com").is_err());
        assert!(check_url("javascript:alert(1)").is_err());
    }
}

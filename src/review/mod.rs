//! Review: the store of uploaded questionnaires and reviewers' decisions.
//!
//! An embedded SQLite database (`vetted.db`) in the data directory holds the
//! questionnaires (the report as JSON, the counts per status as columns) and
//! one current decision per question, with who decided and when. Every
//! decision is also appended to `decision_log`. The uploaded originals are
//! kept beside the database in `originals/`, named by id.
//!
//! Durability: WAL with `synchronous=FULL`, so a decision is on disk when
//! [`Store::decide`] returns (decisions are human-paced; the fsync per commit
//! costs nothing noticeable, and NORMAL could lose the last decisions on a
//! power cut).
//!
//! Invariant: rusqlite types never leave this module.

mod decision;
mod export;
mod learn;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::report::Report;
pub use decision::{Action, Decision, DecisionError, Request, apply, resolve};
pub use export::{write_finished, write_finished_draft};
pub use learn::{ToLearn, to_learn};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory `{}`: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database `{}`: {detail}", path.display())]
    Database { path: PathBuf, detail: String },
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no questionnaire `{0}`")]
    NotFound(String),
    #[error("questionnaire `{id}` has no question {index}")]
    NoQuestion { id: String, index: usize },
    /// A decision that cannot be recorded as asked.
    #[error("{0}")]
    Rejected(String),
    #[error("stored report of `{id}` is unreadable: {detail}")]
    BadReport { id: String, detail: String },
}

/// One questionnaire as listed: counts, not questions.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct Listing {
    pub id: String,
    pub file_name: String,
    pub customer: String,
    pub uploaded_at: String,
    pub uploaded_by: String,
    pub counts: Counts,
}

/// Counts per status, and how many questions are decided or flagged.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct Counts {
    pub questions: usize,
    pub auto: usize,
    pub review: usize,
    pub unmatched: usize,
    pub answered: usize,
    /// Decided: accepted, edited, chosen or cleared.
    pub reviewed: usize,
    pub flagged: usize,
}

impl Counts {
    /// Reviewed share in 0..=100.
    pub fn percent(&self) -> usize {
        (self.reviewed * 100)
            .checked_div(self.questions)
            .unwrap_or(0)
    }
}

/// A stored questionnaire with its decisions, one slot per question.
#[derive(Debug, Clone)]
pub struct Questionnaire {
    pub listing: Listing,
    pub report: Report,
    pub decisions: Vec<Option<Decision>>,
}

/// The review store: a SQLite database and the uploaded originals.
pub struct Store {
    conn: Connection,
    db_path: PathBuf,
    originals: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("db_path", &self.db_path)
            .finish()
    }
}

/// The database schema's version (`PRAGMA user_version`), raised with
/// each migration.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS questionnaires (
    id TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    customer TEXT NOT NULL DEFAULT '',
    uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL DEFAULT '',
    questions INTEGER NOT NULL,
    auto INTEGER NOT NULL,
    review INTEGER NOT NULL,
    unmatched INTEGER NOT NULL,
    answered INTEGER NOT NULL,
    report TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
    questionnaire TEXT NOT NULL REFERENCES questionnaires(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    action TEXT NOT NULL,
    answer TEXT,
    details TEXT,
    entry TEXT,
    evidence TEXT NOT NULL DEFAULT '[]',
    note TEXT,
    by TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (questionnaire, idx)
);
CREATE TABLE IF NOT EXISTS decision_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    questionnaire TEXT NOT NULL,
    idx INTEGER NOT NULL,
    action TEXT NOT NULL,
    answer TEXT,
    details TEXT,
    entry TEXT,
    note TEXT,
    by TEXT NOT NULL,
    at TEXT NOT NULL
);
";

impl Store {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let originals = dir.join("originals");
        std::fs::create_dir_all(&originals).map_err(|source| StoreError::CreateDir {
            path: originals.clone(),
            source,
        })?;
        let db_path = dir.join("vetted.db");
        let fail = |e: rusqlite::Error| StoreError::Database {
            path: db_path.clone(),
            detail: e.to_string(),
        };
        let conn = Connection::open(&db_path).map_err(fail)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(fail)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(fail)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(fail)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Database {
                path: db_path.clone(),
                detail: format!(
                    "made by a newer vetted (schema {version}, this one knows {SCHEMA_VERSION})"
                ),
            });
        }
        conn.execute_batch(SCHEMA).map_err(fail)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(fail)?;
        Ok(Store {
            conn,
            db_path,
            originals,
        })
    }

    fn db(&self, e: rusqlite::Error) -> StoreError {
        StoreError::Database {
            path: self.db_path.clone(),
            detail: e.to_string(),
        }
    }

    /// Stores a new questionnaire: the original file, then its report.
    /// Returns its id.
    pub fn insert(
        &mut self,
        file_name: &str,
        customer: &str,
        uploaded_by: &str,
        original: &[u8],
        report: &Report,
    ) -> Result<String, StoreError> {
        let id = new_id();
        let path = self.originals.join(&id);
        write_atomic(&path, original)?;
        let json = serde_json::to_string(report).map_err(|e| StoreError::BadReport {
            id: id.clone(),
            detail: e.to_string(),
        })?;
        let s = &report.summary;
        let inserted = self.conn.execute(
            "INSERT INTO questionnaires (id, file_name, customer, uploaded_at, uploaded_by,
                questions, auto, review, unmatched, answered, report)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                id,
                file_name,
                customer,
                now_rfc3339(),
                uploaded_by,
                report.questions.len() as i64,
                s.auto as i64,
                s.review as i64,
                s.unmatched as i64,
                s.answered as i64,
                json
            ],
        );
        if let Err(e) = inserted {
            let _ = std::fs::remove_file(&path);
            return Err(self.db(e));
        }
        Ok(id)
    }

    /// Every questionnaire, newest first.
    pub fn list(&self) -> Result<Vec<Listing>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "{LISTING_SQL} ORDER BY q.uploaded_at DESC, q.rowid DESC"
            ))
            .map_err(|e| self.db(e))?;
        let rows = stmt
            .query_map([], listing_row)
            .map_err(|e| self.db(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.db(e))?;
        Ok(rows)
    }

    /// One questionnaire's listing.
    pub fn listing(&self, id: &str) -> Result<Listing, StoreError> {
        self.conn
            .query_row(&format!("{LISTING_SQL} WHERE q.id = ?1"), [id], listing_row)
            .optional()
            .map_err(|e| self.db(e))?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))
    }

    /// One questionnaire with its report and decisions.
    pub fn get(&self, id: &str) -> Result<Questionnaire, StoreError> {
        let listing = self.listing(id)?;
        let json: String = self
            .conn
            .query_row(
                "SELECT report FROM questionnaires WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .map_err(|e| self.db(e))?;
        let report: Report = serde_json::from_str(&json).map_err(|e| StoreError::BadReport {
            id: id.to_string(),
            detail: e.to_string(),
        })?;
        let mut decisions = vec![None; report.questions.len()];
        let mut stmt = self
            .conn
            .prepare(
                "SELECT idx, action, answer, details, entry, evidence, note, by, at
                 FROM decisions WHERE questionnaire = ?1",
            )
            .map_err(|e| self.db(e))?;
        let rows = stmt
            .query_map([id], |r| {
                let idx: i64 = r.get(0)?;
                let action: String = r.get(1)?;
                let evidence: String = r.get(5)?;
                Ok((
                    idx,
                    Decision {
                        action: Action::parse(&action).unwrap_or(Action::Flag),
                        answer: r.get(2)?,
                        details: r.get(3)?,
                        entry: r.get(4)?,
                        evidence: serde_json::from_str(&evidence).unwrap_or_default(),
                        note: r.get(6)?,
                        by: r.get(7)?,
                        at: r.get(8)?,
                    },
                ))
            })
            .map_err(|e| self.db(e))?;
        for row in rows {
            let (idx, decision) = row.map_err(|e| self.db(e))?;
            if let Some(slot) = usize::try_from(idx).ok().and_then(|i| decisions.get_mut(i)) {
                *slot = Some(decision);
            }
        }
        Ok(Questionnaire {
            listing,
            report,
            decisions,
        })
    }

    /// Records a decision on question `index` (0-based), replacing the
    /// previous one, and appends it to the log; committed when this returns.
    pub fn decide(&mut self, id: &str, index: usize, d: &Decision) -> Result<(), StoreError> {
        self.decide_many(id, &[(index, d.clone())])
    }

    /// Records several decisions in one transaction.
    pub fn decide_many(
        &mut self,
        id: &str,
        decisions: &[(usize, Decision)],
    ) -> Result<(), StoreError> {
        let listing = self.listing(id)?;
        if let Some((index, _)) = decisions
            .iter()
            .find(|(i, _)| *i >= listing.counts.questions)
        {
            return Err(StoreError::NoQuestion {
                id: id.to_string(),
                index: *index,
            });
        }
        let db_path = self.db_path.clone();
        let fail = move |e: rusqlite::Error| StoreError::Database {
            path: db_path.clone(),
            detail: e.to_string(),
        };
        let tx = self.conn.transaction().map_err(&fail)?;
        for (index, d) in decisions {
            let evidence = serde_json::to_string(&d.evidence).unwrap_or_else(|_| "[]".into());
            tx.execute(
                "INSERT OR REPLACE INTO decisions
                 (questionnaire, idx, action, answer, details, entry, evidence, note, by, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    id,
                    *index as i64,
                    d.action.as_str(),
                    d.answer,
                    d.details,
                    d.entry,
                    evidence,
                    d.note,
                    d.by,
                    d.at
                ],
            )
            .map_err(&fail)?;
            log(&tx, id, *index, d.action.as_str(), Some(d), &d.by, &d.at).map_err(&fail)?;
        }
        tx.commit().map_err(&fail)
    }

    /// Removes the decision on question `index`: it is undecided again.
    pub fn undo(&mut self, id: &str, index: usize, by: &str) -> Result<(), StoreError> {
        let listing = self.listing(id)?;
        if index >= listing.counts.questions {
            return Err(StoreError::NoQuestion {
                id: id.to_string(),
                index,
            });
        }
        let db_path = self.db_path.clone();
        let fail = move |e: rusqlite::Error| StoreError::Database {
            path: db_path.clone(),
            detail: e.to_string(),
        };
        let tx = self.conn.transaction().map_err(&fail)?;
        tx.execute(
            "DELETE FROM decisions WHERE questionnaire = ?1 AND idx = ?2",
            params![id, index as i64],
        )
        .map_err(&fail)?;
        log(&tx, id, index, "undo", None, by, &now_rfc3339()).map_err(&fail)?;
        tx.commit().map_err(&fail)
    }

    /// Sets the customer name.
    pub fn set_customer(&mut self, id: &str, customer: &str) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE questionnaires SET customer = ?2 WHERE id = ?1",
                params![id, customer],
            )
            .map_err(|e| self.db(e))?;
        if n == 0 {
            return Err(StoreError::NotFound(id.to_string()));
        }
        Ok(())
    }

    /// Deletes a questionnaire, its decisions and its original.
    pub fn delete(&mut self, id: &str) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM questionnaires WHERE id = ?1", [id])
            .map_err(|e| self.db(e))?;
        if n == 0 {
            return Err(StoreError::NotFound(id.to_string()));
        }
        if is_id(id) {
            let _ = std::fs::remove_file(self.originals.join(id));
        }
        Ok(())
    }

    /// The uploaded original file.
    pub fn original(&self, id: &str) -> Result<Vec<u8>, StoreError> {
        if !is_id(id) {
            return Err(StoreError::NotFound(id.to_string()));
        }
        let path = self.originals.join(id);
        std::fs::read(&path).map_err(|source| StoreError::Read { path, source })
    }
}

fn log(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    index: usize,
    action: &str,
    d: Option<&Decision>,
    by: &str,
    at: &str,
) -> rusqlite::Result<usize> {
    tx.execute(
        "INSERT INTO decision_log (questionnaire, idx, action, answer, details, entry, note, by, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            index as i64,
            action,
            d.and_then(|d| d.answer.as_deref()),
            d.and_then(|d| d.details.as_deref()),
            d.and_then(|d| d.entry.as_deref()),
            d.and_then(|d| d.note.as_deref()),
            by,
            at
        ],
    )
}

const LISTING_SQL: &str = "
SELECT q.id, q.file_name, q.customer, q.uploaded_at, q.uploaded_by,
       q.questions, q.auto, q.review, q.unmatched, q.answered,
       (SELECT COUNT(*) FROM decisions d WHERE d.questionnaire = q.id AND d.action != 'flag'),
       (SELECT COUNT(*) FROM decisions d WHERE d.questionnaire = q.id AND d.action = 'flag')
FROM questionnaires q";

fn listing_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Listing> {
    let n = |i: usize| -> rusqlite::Result<usize> { Ok(r.get::<_, i64>(i)?.max(0) as usize) };
    Ok(Listing {
        id: r.get(0)?,
        file_name: r.get(1)?,
        customer: r.get(2)?,
        uploaded_at: r.get(3)?,
        uploaded_by: r.get(4)?,
        counts: Counts {
            questions: n(5)?,
            auto: n(6)?,
            review: n(7)?,
            unmatched: n(8)?,
            answered: n(9)?,
            reviewed: n(10)?,
            flagged: n(11)?,
        },
    })
}

/// A fresh random id: 24 hex digits.
fn new_id() -> String {
    let mut bytes = [0u8; 12];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: fall back to the clock (ids stay unique per process).
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes.copy_from_slice(&nanos.to_le_bytes()[..12]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `s` has the shape of an id (so it is safe as a file name).
pub fn is_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let fail = |source| StoreError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// The current UTC time as `2026-11-23T02:48:11Z`.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    format_rfc3339(secs)
}

fn format_rfc3339(secs: u64) -> String {
    let date = crate::kb::Date::from_days_since_epoch((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{KbInfo, QuestionReport, Status, Summary};

    fn report(n: usize) -> Report {
        let questions: Vec<QuestionReport> = (0..n)
            .map(|i| QuestionReport {
                sheet: "S".into(),
                row: i as u32 + 2,
                reference: None,
                question: format!("Question {i}?"),
                question_cell: format!("A{}", i + 2),
                answer_cell: format!("B{}", i + 2),
                details_cell: format!("C{}", i + 2),
                status: if i == 0 {
                    Status::Auto
                } else {
                    Status::Unmatched
                },
                entry: None,
                score: None,
                answer: (i == 0).then(|| "Yes".to_string()),
                allowed: None,
                allowed_only: true,
                details: None,
                evidence: vec![],
                candidates: vec![],
                reasons: vec![],
            })
            .collect();
        Report {
            version: 1,
            input: "x.csv".into(),
            kb: KbInfo {
                path: "kb".into(),
                entries: 1,
            },
            sheets: vec![],
            summary: Summary::of(&questions),
            original: None,
            questions,
        }
    }

    fn decision(action: Action) -> Decision {
        Decision {
            action,
            answer: Some("No".into()),
            details: None,
            entry: None,
            evidence: vec![],
            note: None,
            by: "Ann".into(),
            at: now_rfc3339(),
        }
    }

    #[test]
    fn questions_left_without_an_entry_are_learned_as_left() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let id = store
            .insert("x.csv", "Acme", "Ann", b"q,a\n", &report(4))
            .unwrap();
        store.decide(&id, 1, &decision(Action::Edit)).unwrap();
        store.decide(&id, 2, &decision(Action::Flag)).unwrap();
        store.decide(&id, 3, &decision(Action::Clear)).unwrap();
        let rows = to_learn(
            &store.get(&id).unwrap(),
            &crate::kb::KnowledgeBase::default(),
        );
        // Undecided, flagged, and cleared without a drafted entry.
        let left: Vec<&str> = rows.left.iter().map(|l| l.question.as_str()).collect();
        assert_eq!(left, ["Question 0?", "Question 2?", "Question 3?"]);
        assert_eq!(rows.approved.len(), 1);
        assert!(rows.rejected.is_empty());
    }

    #[test]
    fn round_trip_decisions_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let id = store
            .insert("x.csv", "Acme", "Ann", b"q,a\n", &report(3))
            .unwrap();
        assert!(is_id(&id));
        store.decide(&id, 1, &decision(Action::Edit)).unwrap();
        store.decide(&id, 2, &decision(Action::Flag)).unwrap();
        store.decide(&id, 0, &decision(Action::Clear)).unwrap();
        store.undo(&id, 0, "Ann").unwrap();
        assert!(matches!(
            store.decide(&id, 3, &decision(Action::Edit)),
            Err(StoreError::NoQuestion { .. })
        ));
        drop(store);
        // Reopened: everything is there.
        let mut store = Store::open(dir.path()).unwrap();
        let q = store.get(&id).unwrap();
        assert_eq!(q.listing.customer, "Acme");
        assert_eq!(q.listing.counts.reviewed, 1);
        assert_eq!(q.listing.counts.flagged, 1);
        assert_eq!(q.listing.counts.auto, 1);
        assert_eq!(q.listing.counts.unmatched, 2);
        assert!(q.decisions[0].is_none());
        assert_eq!(
            q.decisions[1].as_ref().unwrap().answer.as_deref(),
            Some("No")
        );
        assert_eq!(store.original(&id).unwrap(), b"q,a\n");
        store.set_customer(&id, "Globex").unwrap();
        assert_eq!(store.list().unwrap()[0].customer, "Globex");
        store.delete(&id).unwrap();
        assert!(matches!(store.get(&id), Err(StoreError::NotFound(_))));
        assert!(store.original(&id).is_err());
        assert!(store.list().unwrap().is_empty());
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let conn = Connection::open(dir.path().join("vetted.db")).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let e = Store::open(dir.path()).unwrap_err();
        assert!(e.to_string().contains("newer vetted"), "{e}");
    }

    #[test]
    fn timestamps() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(1_795_402_091), "2026-11-23T02:48:11Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}

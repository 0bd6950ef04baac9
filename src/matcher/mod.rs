//! Matching questions against the knowledge base.
//!
//! For each question: normalize it ([`normalize`]), expand it with the
//! security vocabulary ([`vocabulary`]), take BM25 candidates from the
//! [`crate::index`], then score every candidate in 0..1 ([`score`]) from the
//! IDF-weighted concept overlap with its best phrasing and the character-level
//! similarity of the wordings. The score decides the [`Status`]; a stale entry
//! or a close runner-up with a different answer caps it at `review`, because a
//! wrong answer sent unreviewed is worse than no answer.

pub mod normalize;
mod score;
mod vocabulary;

use std::collections::HashSet;

use crate::index::{self, Clause, Index};
use crate::kb::{Date, Entry, KnowledgeBase};

pub use vocabulary::{Token, Vocabulary};

/// How many BM25 candidates are re-scored per question.
const RETRIEVE: usize = 30;
/// Weight of a vocabulary expansion relative to a word of the question.
const EXPANSION_BOOST: f32 = 0.5;
/// A runner-up this close to the best candidate makes the match ambiguous.
const AMBIGUITY_MARGIN: f32 = 0.05;

#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error(transparent)]
    Index(#[from] index::IndexError),
}

/// The confidence band of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Confident: the answer is drafted as is.
    Auto,
    /// Plausible: the answer is drafted and flagged for a human.
    Review,
    /// No good candidate: left blank.
    Unmatched,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Auto => "auto",
            Status::Review => "review",
            Status::Unmatched => "unmatched",
        }
    }
}

/// Matching settings.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Minimum score for `auto`.
    pub auto_threshold: f32,
    /// Minimum score for `review`.
    pub review_threshold: f32,
    /// How many candidates a [`Match`] keeps.
    pub candidates: usize,
    /// The date against which `review_by` is checked.
    pub today: Date,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            auto_threshold: DEFAULT_AUTO_THRESHOLD,
            review_threshold: DEFAULT_REVIEW_THRESHOLD,
            candidates: 3,
            today: Date::today(),
        }
    }
}

pub const DEFAULT_AUTO_THRESHOLD: f32 = 0.80;
pub const DEFAULT_REVIEW_THRESHOLD: f32 = 0.40;
/// Only this much of a question is matched: real questions are shorter, and
/// a 1 MB cell would otherwise cost a minute and gigabytes (one query clause
/// per word).
pub const MAX_QUESTION_BYTES: usize = 4096;

/// A KB entry (by position in [`KnowledgeBase::entries`]) and its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub entry: usize,
    pub score: f32,
}

/// The outcome for one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub status: Status,
    /// Best first; empty when nothing in the KB shares a word with the question.
    pub candidates: Vec<Candidate>,
    /// Why the status is lower than the score alone would give.
    pub reasons: Vec<String>,
}

impl Match {
    /// The chosen candidate, unless unmatched.
    pub fn best(&self) -> Option<Candidate> {
        match self.status {
            Status::Unmatched => None,
            _ => self.candidates.first().copied(),
        }
    }
}

/// One phrasing of an entry, prepared for scoring.
#[derive(Debug)]
struct Phrasing {
    core: String,
    tokens: HashSet<Token>,
}

/// The KB, indexed and ready to match questions.
pub struct Matcher {
    kb: KnowledgeBase,
    index: Index,
    vocabulary: Vocabulary,
    weights: score::Weights,
    phrasings: Vec<Vec<Phrasing>>,
    options: Options,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("entries", &self.kb.entries.len())
            .field("vocabulary", &self.vocabulary.len())
            .finish_non_exhaustive()
    }
}

impl Matcher {
    pub fn new(kb: KnowledgeBase, options: Options) -> Result<Matcher, MatchError> {
        let index = Index::build(kb.entries.iter().map(|e| index::Document {
            phrasings: e.phrasings().collect(),
            details: e.details.as_deref().unwrap_or(""),
            tags: e.tags.iter().map(String::as_str).collect(),
        }))?;
        let vocabulary = Vocabulary::new(&kb.synonyms, |t| index.analyze(t));
        let tokens = |text: &str| -> HashSet<Token> {
            vocabulary
                .tokens(&index.analyze(text))
                .into_iter()
                .collect()
        };
        let phrasings: Vec<Vec<Phrasing>> = kb
            .entries
            .iter()
            .map(|e| {
                e.phrasings()
                    .map(|p| {
                        let core = normalize::core(p);
                        Phrasing {
                            tokens: tokens(&core),
                            core,
                        }
                    })
                    .collect()
            })
            .collect();
        let docs: Vec<HashSet<Token>> = kb
            .entries
            .iter()
            .zip(&phrasings)
            .map(|(e, ps)| {
                let mut all: HashSet<Token> =
                    ps.iter().flat_map(|p| p.tokens.iter().cloned()).collect();
                all.extend(e.tags.iter().flat_map(|t| tokens(t)));
                all
            })
            .collect();
        let weights = score::Weights::new(docs.iter());
        Ok(Matcher {
            kb,
            index,
            vocabulary,
            weights,
            phrasings,
            options,
        })
    }

    pub fn kb(&self) -> &KnowledgeBase {
        &self.kb
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub fn entry(&self, candidate: &Candidate) -> &Entry {
        &self.kb.entries[candidate.entry]
    }

    /// Matches one question, on its first [`MAX_QUESTION_BYTES`].
    pub fn match_question(&self, question: &str) -> Result<Match, MatchError> {
        let mut end = question.len().min(MAX_QUESTION_BYTES);
        while !question.is_char_boundary(end) {
            end -= 1;
        }
        let mut found = self.decide(self.score_all(&question[..end])?);
        found.candidates.truncate(self.options.candidates);
        Ok(found)
    }

    /// The BM25 candidates, re-scored, best first.
    fn score_all(&self, question: &str) -> Result<Vec<Candidate>, MatchError> {
        let core = normalize::core(question);
        let terms = self.index.analyze(&core);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<Clause> = terms
            .iter()
            .map(|t| Clause {
                terms: vec![t.clone()],
                boost: 1.0,
            })
            .collect();
        clauses.extend(
            self.vocabulary
                .expansions(&terms)
                .into_iter()
                .map(|t| Clause {
                    terms: t.to_vec(),
                    boost: EXPANSION_BOOST,
                }),
        );
        let hits = self.index.search(&index::Query { clauses }, RETRIEVE)?;
        let Some(top_bm25) = hits.first().map(|h| h.score).filter(|s| *s > 0.0) else {
            return Ok(Vec::new());
        };
        let q_tokens: HashSet<Token> = self.vocabulary.tokens(&terms).into_iter().collect();
        let mut scored: Vec<Candidate> = hits
            .iter()
            .map(|hit| {
                let best = self.phrasings[hit.doc]
                    .iter()
                    .map(|p| {
                        score::combine(
                            score::weighted_overlap(&q_tokens, &p.tokens, &self.weights),
                            score::phrase_similarity(&core, &p.core),
                        )
                    })
                    .fold(0.0f32, f32::max);
                // Retrieval rank breaks near-ties: at most a 10% discount.
                let retrieval = (hit.score / top_bm25).clamp(0.0, 1.0);
                Candidate {
                    entry: hit.doc,
                    score: (best * (0.9 + 0.1 * retrieval)).clamp(0.0, 1.0),
                }
            })
            .collect();
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        Ok(scored)
    }

    fn decide(&self, candidates: Vec<Candidate>) -> Match {
        let o = &self.options;
        let mut reasons = Vec::new();
        let Some(best) = candidates.first().copied() else {
            return Match {
                status: Status::Unmatched,
                candidates,
                reasons,
            };
        };
        let mut status = if best.score >= o.auto_threshold {
            Status::Auto
        } else if best.score >= o.review_threshold {
            Status::Review
        } else {
            Status::Unmatched
        };
        if status == Status::Auto {
            let entry = self.entry(&best);
            if entry.is_stale(o.today) {
                status = Status::Review;
                let by = entry.review_by.map(|d| d.to_string()).unwrap_or_default();
                reasons.push(format!("entry `{}` is past its review date {by}", entry.id));
            }
            if let Some(second) = candidates.get(1)
                && best.score - second.score < AMBIGUITY_MARGIN
                && !same_answer(&entry.answer, &self.entry(second).answer)
            {
                status = Status::Review;
                reasons.push(format!(
                    "entry `{}` scores almost as high and answers differently",
                    self.entry(second).id
                ));
            }
        }
        Match {
            status,
            candidates,
            reasons,
        }
    }
}

fn same_answer(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

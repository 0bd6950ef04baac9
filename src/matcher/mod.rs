//! Matching questions against the knowledge base.
//!
//! For each question: normalize it ([`normalize`]), expand it with the
//! security vocabulary ([`vocabulary`]), take BM25 candidates from the
//! [`crate::index`] (plus, with a model, the nearest entries by embedding),
//! then score every candidate in 0..1 ([`score`]) from the IDF-weighted
//! concept overlap with its best phrasing, the character-level similarity of
//! the wordings and, with a model, the cosine similarity of the sentence
//! embeddings ([`crate::embed`]), with the entry's phrasings or with the
//! wordings of the question bank linked to it ([`bank`]). The score decides
//! the [`Status`] (`auto` on the score without the bank); a stale
//! entry, a close runner-up with a different answer, a lead over the
//! runner-up too small for the score (with a model), a question with
//! words the entry lacks (without one), a question turned around
//! ("without ...") against a yes/no entry phrased plainly, or a question
//! about a neighbouring thing ("prevention" against "detection") caps it at
//! `review`, because a wrong answer sent unreviewed is worse than no answer.

mod area;
mod bank;
mod fx;
pub mod normalize;
mod score;
mod topics;
mod vocabulary;

use std::collections::{HashMap, HashSet};

use crate::embed::{self, Cache, CacheOutcome, EmbedError, Model, Vector};
use crate::index::{self, Clause, Index};
use crate::kb::{Date, Entry, KnowledgeBase, Wording};

pub use crate::kb::Bigrams;
pub use vocabulary::{Token, Vocabulary};

/// A set of tokens (fast hashing: see [`fx`]).
pub type TokenSet = fx::FxHashSet<Token>;

/// How many BM25 candidates are re-scored per question.
const RETRIEVE: usize = 30;
/// How many nearest entries by embedding join the candidates.
const RETRIEVE_DENSE: usize = 20;
/// Weight of a vocabulary expansion relative to a word of the question.
const EXPANSION_BOOST: f32 = 0.5;
/// A runner-up this close to the best candidate makes the match ambiguous
/// (word scores are coarser than embeddings: a missing qualifier such as
/// "accessibility" in "accessibility contact phone" moves them less).
const AMBIGUITY_MARGIN_LEXICAL: f32 = 0.10;
const AMBIGUITY_MARGIN_SEMANTIC: f32 = 0.05;
/// With a model, `auto` also needs the best score plus its lead over the
/// runner-up to reach this: the lower the score, the clearer the lead must
/// be (a score of 0.70 needs a lead of 0.22). Scores of right and wrong
/// first candidates overlap, but a wrong one rarely leads by much: the KB
/// has a neighbour on the same topic. Set with the fusion weights
/// (2026-12-07) on both labeled KBs, their copies without alternates and
/// the same KBs having learned every labeled wording: 0.92 is the lowest
/// that lets no more unanswerable questions through than before on any of
/// them (0.90-0.91 add one on the learned CAIQ, 0.85 one on the second KB
/// cold; `eval/README.md`).
const AUTO_LEAD_TARGET: f32 = 0.92;
/// With a model, `auto` also needs one of the two views to find a phrasing
/// that says what the question asks: the model (cosine at least
/// `AUTO_MEANING`) or the words (lexical part at least `AUTO_WORDING`).
/// Score and lead alone let through questions that add a qualifier to a
/// topic the KB covers but does not answer ("physical entry logs" against
/// log review, "initial passwords" against password storage): on a KB
/// written apart from the labeled questionnaires (`eval/kb2/`) they were
/// 12 of 70 `auto` answers. Calibrated on both labeled KBs together.
/// Yes/no questions on entries that answer yes, no or N/A are held to a
/// lower floor ([`AUTO_MEANING_YES_NO`]): exempt from it under the earlier
/// weights, they were right 34 times in 36 across the three labeled sets
/// (94%), below the 98% that `auto` must keep (`eval/README.md`).
const AUTO_MEANING: f32 = 0.80;
const AUTO_WORDING: f32 = 0.65;
/// The meaning floor for a yes/no question on an entry that answers yes,
/// no or N/A: the errors the floors stop draft a fact for a question that
/// asks something else, and a `Yes` to a yes/no question on the right topic
/// is right. Not 0, which admits as much on the labeled sets: a floor keeps
/// the topic close. With the refitted weights and the checks of kind,
/// 0.70 adds 9, 4 and 5 `auto` answers on the three labeled sets (8, 4
/// and 5 on their copies without alternates), all right (`eval/README.md`).
const AUTO_MEANING_YES_NO: f32 = 0.70;
/// A wording asked in several places still names its own subject when it
/// holds this share of an entry phrasing's (IDF-weighted) words
/// ([`Matcher::hold_out_of_place`]): "Do you have a formal incident
/// response plan?" holds all of "Do you have a documented incident response
/// plan?"; "Are the policies and procedures reviewed and updated at least
/// annually?" holds 37% of "Are all components of the BCP reviewed at least
/// annually ...?" and all of "Are policies reviewed at least annually?"
/// (read loosely: "policies ... reviewed" holds "policy review").
const PLACE_FREE: f32 = 0.9;
/// Without a model, `auto` also needs this share of the question's
/// (IDF-weighted) words in the entry: a word matcher cannot tell what a
/// qualifier it does not find ("accessibility contact email") changes.
const LEXICAL_AUTO_COVERAGE: f32 = 0.9;

#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error(transparent)]
    Index(#[from] index::IndexError),
    #[error(transparent)]
    Embed(#[from] EmbedError),
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
    /// Minimum score for `auto` (with a model, the lead over the runner-up
    /// must also be clear enough); `None`: the calibrated default of the
    /// mode (lexical or semantic).
    pub auto_threshold: Option<f32>,
    /// Minimum score for `review`; `None`: the calibrated default.
    pub review_threshold: Option<f32>,
    /// How many candidates a [`Match`] keeps.
    pub candidates: usize,
    /// The date against which `review_by` is checked.
    pub today: Date,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            auto_threshold: None,
            review_threshold: None,
            candidates: 3,
            today: Date::today(),
        }
    }
}

/// Calibrated thresholds of lexical-only matching (`auto` also needs
/// `LEXICAL_AUTO_COVERAGE`).
pub const LEXICAL_THRESHOLDS: Thresholds = Thresholds {
    auto: 0.80,
    review: 0.40,
};
/// Calibrated thresholds of semantic matching (see `eval/README.md`); the
/// auto threshold is a floor, above which the lead over the runner-up
/// decides (`AUTO_LEAD_TARGET`). The review threshold moved from 0.45 to
/// 0.48 with the fusion weights (2026-12-07): on the three labeled sets it
/// drafted 43 more right first answers than before, 14 fewer wrong ones and
/// 12 more for questions the KB cannot answer; then to 0.50 with the topic
/// profiles (2026-12-07): 22 more right, 33 fewer wrong and 12 fewer for
/// questions the KB cannot answer than 0.48 without them.
pub const SEMANTIC_THRESHOLDS: Thresholds = Thresholds {
    auto: 0.62,
    review: 0.50,
};

/// The score bands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub auto: f32,
    pub review: f32,
}
/// Only this much of a question is matched: real questions are shorter, and
/// a 1 MB cell would otherwise cost a minute and gigabytes (one query clause
/// per word).
pub const MAX_QUESTION_BYTES: usize = 4096;

/// A KB entry (by position in [`KnowledgeBase::entries`]) and its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub entry: usize,
    /// The final score in 0..1.
    pub score: f32,
    /// What the score is made of.
    pub parts: Parts,
}

/// The evidence behind a candidate's score.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Parts {
    /// Word overlap and wording similarity with the best phrasing, in 0..1.
    pub lexical: f32,
    /// IDF-weighted share of the question's words found anywhere in the
    /// entry (phrasings, details, tags), in 0..1.
    pub coverage: f32,
    /// BM25 score relative to the best hit (0 when not a BM25 hit).
    pub retrieval: f32,
    /// Cosine similarity with the closest phrasing, when a model is loaded.
    pub semantic: Option<f32>,
    /// Cosine similarity with the whole entry (question, answer, details).
    pub context: Option<f32>,
    /// Cosine similarity with the closest wording of a topic of the
    /// question bank linked to the entry, when a model is loaded and a
    /// topic is linked.
    pub bridge: Option<f32>,
    /// How alike the question's and the closest phrasing's profiles over
    /// the bank's topics are ([`topics`]), when a model is loaded.
    pub topic: Option<f32>,
    /// The question is worded (nearly) exactly like one of the phrasings,
    /// e.g. one learned from a reviewed questionnaire.
    pub verbatim: bool,
}

/// The outcome for one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub status: Status,
    /// Best first; empty when nothing in the KB resembles the question.
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
    bigrams: Bigrams,
    tokens: TokenSet,
}

/// The embeddings of every phrasing, for a loaded model.
struct Semantic {
    model: Model,
    /// Per phrasing: its entry and its vector.
    vectors: Vec<(usize, Vector)>,
    /// Per entry: the vector of its whole text.
    contexts: Vec<Vector>,
    /// The question bank, linked to the entries.
    bridge: bank::Bridge,
    /// The bank's topics as a classifier, and per entry the profiles of its
    /// phrasings over them.
    topics: Option<topics::Topics>,
    profiles: Vec<Vec<Vec<f32>>>,
}

/// `one` for each of `0..count`, in order, on `threads` threads.
fn in_parallel(
    count: usize,
    threads: usize,
    one: impl Fn(usize) -> Result<Match, MatchError> + Sync,
) -> Result<Vec<Match>, MatchError> {
    let chunk = count.div_ceil(threads);
    let indices: Vec<usize> = (0..count).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = indices
            .chunks(chunk)
            .map(|part| {
                let one = &one;
                scope.spawn(move || part.iter().map(|&i| one(i)).collect::<Result<Vec<_>, _>>())
            })
            .collect();
        let mut out = Vec::with_capacity(count);
        for h in handles {
            out.extend(h.join().expect("matching thread panicked")?);
        }
        Ok(out)
    })
}

/// The KB, indexed and ready to match questions.
pub struct Matcher {
    kb: KnowledgeBase,
    index: Index,
    vocabulary: Vocabulary,
    weights: score::Weights,
    phrasings: Vec<Vec<Phrasing>>,
    /// Per entry: every token of its phrasings, details and tags.
    documents: Vec<TokenSet>,
    /// Per entry: its `does_not_answer` wordings, as compared.
    refusals: Vec<Vec<Wording>>,
    /// Per entry: where reviewers decided a wording both ways (`asked`).
    places: Vec<Vec<crate::kb::Place>>,
    options: Options,
    thresholds: Thresholds,
    semantic: Option<Semantic>,
    /// Where new entries go ([`area`]), made on first use.
    placement: std::sync::OnceLock<area::Placement>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("entries", &self.kb.entries.len())
            .field("vocabulary", &self.vocabulary.len())
            .field("semantic", &self.semantic.is_some())
            .finish_non_exhaustive()
    }
}

fn thresholds(options: &Options, defaults: Thresholds) -> Thresholds {
    Thresholds {
        auto: options.auto_threshold.unwrap_or(defaults.auto),
        review: options.review_threshold.unwrap_or(defaults.review),
    }
}

/// Every entry's phrasings as matched, every entry's tokens (phrasings,
/// tags, answer, details) and the words' weights. `loose`: a vocabulary
/// term also counts where a short text holds its words apart
/// ([`Vocabulary::token_set`]), which only word matching wants.
fn word_tables(
    kb: &KnowledgeBase,
    index: &Index,
    vocabulary: &Vocabulary,
    loose: bool,
) -> (Vec<Vec<Phrasing>>, Vec<TokenSet>, score::Weights) {
    let tokens = |text: &str| -> TokenSet { vocabulary.token_set(&index.analyze(text), loose) };
    let phrasings: Vec<Vec<Phrasing>> = kb
        .entries
        .iter()
        .map(|e| {
            e.phrasings()
                .map(|p| {
                    let core = normalize::core(p);
                    Phrasing {
                        tokens: tokens(&core),
                        bigrams: Bigrams::new(&core),
                        core,
                    }
                })
                .collect()
        })
        .collect();
    let docs: Vec<TokenSet> = kb
        .entries
        .iter()
        .zip(&phrasings)
        .map(|(e, ps)| {
            let mut all: TokenSet = ps.iter().flat_map(|p| p.tokens.iter().cloned()).collect();
            all.extend(e.tags.iter().flat_map(|t| tokens(t)));
            all
        })
        .collect();
    let weights = score::Weights::new(docs.iter());
    let documents: Vec<TokenSet> = kb
        .entries
        .iter()
        .zip(docs)
        .map(|(e, mut all)| {
            all.extend(tokens(&e.answer));
            all.extend(tokens(e.details.as_deref().unwrap_or("")));
            all
        })
        .collect();
    (phrasings, documents, weights)
}

impl Matcher {
    /// A lexical matcher; see [`Matcher::semantic`] for semantic matching.
    pub fn new(kb: KnowledgeBase, options: Options) -> Result<Matcher, MatchError> {
        Matcher::build(kb, options, true)
    }

    /// A semantic matcher: the model re-ranks what the words find. The KB's
    /// phrasings are embedded once and kept in `cache` (when given), so later
    /// runs only embed the questions.
    pub fn semantic(
        kb: KnowledgeBase,
        options: Options,
        model: Model,
        cache: Option<&Cache>,
    ) -> Result<(Matcher, CacheOutcome), MatchError> {
        Matcher::build(kb, options, false)?.attach(model, cache)
    }

    /// The word matcher. `loose`: vocabulary terms also count with their
    /// words apart ([`word_tables`]), as only matching without a model wants.
    fn build(kb: KnowledgeBase, options: Options, loose: bool) -> Result<Matcher, MatchError> {
        let index = Index::build(kb.entries.iter().map(|e| index::Document {
            phrasings: e.phrasings().collect(),
            details: e.details.as_deref().unwrap_or(""),
            tags: e.tags.iter().map(String::as_str).collect(),
        }))?;
        let vocabulary = Vocabulary::new(&kb.synonyms, |t| index.analyze(t));
        let (phrasings, documents, weights) = word_tables(&kb, &index, &vocabulary, loose);
        let refusals = kb
            .entries
            .iter()
            .map(|e| e.does_not_answer.iter().map(|w| Wording::new(w)).collect())
            .collect();
        let places = kb
            .entries
            .iter()
            .map(|e| e.asked.iter().map(crate::kb::Place::new).collect())
            .collect();
        Ok(Matcher {
            kb,
            index,
            vocabulary,
            weights,
            phrasings,
            documents,
            refusals,
            places,
            thresholds: thresholds(&options, LEXICAL_THRESHOLDS),
            options,
            semantic: None,
            placement: std::sync::OnceLock::new(),
        })
    }

    /// Embeds the KB (or takes it from `cache`) and fits what the model
    /// needs. The word tables must be strict: with a model, words are
    /// evidence that a phrasing says what the question asks
    /// (`AUTO_WORDING`), and only terms as written count.
    fn attach(
        mut self,
        model: Model,
        cache: Option<&Cache>,
    ) -> Result<(Matcher, CacheOutcome), MatchError> {
        let contexts: Vec<String> = self.kb.entries.iter().map(context_text).collect();
        let bank = bank::wordings();
        let texts: Vec<&str> = self
            .phrasings
            .iter()
            .flat_map(|ps| ps.iter().map(|p| p.core.as_str()))
            .chain(contexts.iter().map(String::as_str))
            .chain(bank.iter().flatten().map(String::as_str))
            .collect();
        let (vectors, outcome) = match cache {
            Some(cache) => cache.embed(&model, &texts)?,
            None => {
                let vectors = model.embed(&texts)?;
                let outcome = CacheOutcome {
                    misses: vectors.len(),
                    ..CacheOutcome::default()
                };
                (vectors, outcome)
            }
        };
        let owners = self
            .phrasings
            .iter()
            .enumerate()
            .flat_map(|(i, ps)| std::iter::repeat_n(i, ps.len()));
        let mut vectors = vectors;
        let bank_vectors =
            vectors.split_off(vectors.len() - bank.iter().map(Vec::len).sum::<usize>());
        let contexts = vectors.split_off(vectors.len() - contexts.len());
        let vectors: Vec<(usize, Vector)> = owners.zip(vectors).collect();
        let wordings = bank::grouped(bank_vectors);
        let bridge = bank::Bridge::new(&wordings, &vectors, self.kb.entries.len())?;
        let (topics, written) = topics::fitted(&wordings, bank, cache)?;
        let mut outcome = outcome;
        outcome.write_error = outcome.write_error.or(written);
        let mut profiles = vec![Vec::new(); self.kb.entries.len()];
        if let Some(t) = &topics {
            let all = t.profiles(
                &vectors
                    .iter()
                    .map(|(_, v)| v.as_slice())
                    .collect::<Vec<_>>(),
            )?;
            for ((entry, _), p) in vectors.iter().zip(all) {
                profiles[*entry].push(p);
            }
        }
        self.semantic = Some(Semantic {
            model,
            vectors,
            contexts,
            bridge,
            topics,
            profiles,
        });
        self.thresholds = thresholds(&self.options, SEMANTIC_THRESHOLDS);
        self.placement = std::sync::OnceLock::new();
        Ok((self, outcome))
    }

    pub fn kb(&self) -> &KnowledgeBase {
        &self.kb
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The thresholds in force (the options, or the mode's defaults).
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    fn ambiguity_margin(&self) -> f32 {
        if self.is_semantic() {
            AMBIGUITY_MARGIN_SEMANTIC
        } else {
            AMBIGUITY_MARGIN_LEXICAL
        }
    }

    /// With a model: how many topics of the question bank are linked to an
    /// entry, and how many there are.
    pub fn bank_links(&self) -> Option<(usize, usize)> {
        self.semantic
            .as_ref()
            .map(|s| (s.bridge.linked_topics(), bank::wordings().len()))
    }

    /// Whether a model re-ranks the candidates.
    pub fn is_semantic(&self) -> bool {
        self.semantic.is_some()
    }

    pub fn entry(&self, candidate: &Candidate) -> &Entry {
        &self.kb.entries[candidate.entry]
    }

    /// Matches one question, on its first [`MAX_QUESTION_BYTES`].
    pub fn match_question(&self, question: &str) -> Result<Match, MatchError> {
        Ok(self
            .match_questions(&[question])?
            .pop()
            .expect("one match per question"))
    }

    /// Matches questions, in order. Questions are embedded in batches and
    /// scored on all available cores.
    pub fn match_questions(&self, questions: &[&str]) -> Result<Vec<Match>, MatchError> {
        Ok(self.match_with_areas(questions, false)?.0)
    }

    /// [`Matcher::match_questions`], and with `areas` each question's
    /// [`area::Area`] from the same embedding (else none).
    fn match_with_areas(
        &self,
        questions: &[&str],
        areas: bool,
    ) -> Result<(Vec<Match>, Vec<Option<area::Area>>), MatchError> {
        let questions: Vec<&str> = questions
            .iter()
            .map(|q| {
                let mut end = q.len().min(MAX_QUESTION_BYTES);
                while !q.is_char_boundary(end) {
                    end -= 1;
                }
                &q[..end]
            })
            .collect();
        let cores: Vec<String> = questions.iter().map(|q| normalize::core(q)).collect();
        // Where each question is asked: the words of the question before it
        // that the list asks only once.
        // Each question's words, as wordings are compared.
        let worded: Vec<String> = questions.iter().map(|q| crate::kb::words(q)).collect();
        let afters: Vec<Option<String>> = crate::kb::placed_after_words(&worded)
            .into_iter()
            .map(|j| j.map(|j| worded[j].clone()))
            .collect();
        // A review of policies on a subject is also matched as one of
        // policies in general; its form comes after all cores below.
        let generals: Vec<Option<String>> =
            cores.iter().map(|c| normalize::policy_review(c)).collect();
        let mut texts: Vec<&str> = cores.iter().map(String::as_str).collect();
        let general_at: Vec<Option<usize>> = generals
            .iter()
            .map(|g| {
                g.as_deref().map(|g| {
                    texts.push(g);
                    texts.len() - 1
                })
            })
            .collect();
        let vectors: Vec<Option<Vector>> = match &self.semantic {
            Some(s) => s.model.embed(&texts)?.into_iter().map(Some).collect(),
            None => vec![None; texts.len()],
        };
        let embedded: Vec<&[f32]> = vectors.iter().flatten().map(Vec::as_slice).collect();
        // Each question's similarity with every wording of the bank.
        let bank_sims: Vec<f32> = match &self.semantic {
            Some(s) => s.bridge.similarities(&embedded)?,
            None => Vec::new(),
        };
        let wordings = self.semantic.as_ref().map_or(0, |s| s.bridge.wordings());
        // Each question's profile over the bank's topics.
        let profiles: Vec<Vec<f32>> = match self.semantic.as_ref().and_then(|s| s.topics.as_ref()) {
            Some(t) => t.profiles(&embedded)?,
            None => Vec::new(),
        };
        let found_areas: Vec<Option<area::Area>> = if !areas {
            Vec::new()
        } else if self.semantic.is_some() {
            (0..questions.len())
                .map(|i| {
                    bank_sims
                        .get(i * wordings..(i + 1) * wordings)
                        .and_then(|run| self.area_by_similarities(run))
                })
                .collect()
        } else {
            cores.iter().map(|c| self.area_by_text(c)).collect()
        };
        let scored = |at: usize, core: &str| {
            self.score_all(
                core,
                vectors[at].as_deref(),
                bank_sims.get(at * wordings..(at + 1) * wordings),
                profiles.get(at).map(Vec::as_slice),
            )
        };
        let one = |i: usize| -> Result<Match, MatchError> {
            let mut candidates = scored(i, &cores[i])?;
            // Each entry keeps the better of its scores as asked and in
            // general, unless the KB holds the question as asked.
            let mut general = HashSet::new();
            if let (Some(at), Some(text)) = (general_at[i], &generals[i])
                && !candidates.iter().any(|c| c.parts.verbatim)
            {
                (candidates, general) = merge_better(candidates, scored(at, text)?);
            }
            let mut found =
                self.decide_reviewed(questions[i], afters[i].as_deref(), &cores[i], candidates);
            if found
                .candidates
                .first()
                .is_some_and(|c| general.contains(&c.entry))
            {
                self.hold_general_policies(questions[i], &mut found);
            }
            found.candidates.truncate(self.options.candidates);
            Ok(found)
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8);
        let mut found = if threads <= 1 || questions.len() < 32 {
            (0..questions.len()).map(one).collect::<Result<_, _>>()?
        } else {
            in_parallel(questions.len(), threads, one)?
        };
        self.hold_out_of_place(&worded, &cores, &afters, &mut found);
        self.hold_siblings(&worded, &cores, &mut found);
        Ok((found, found_areas))
    }

    /// Holds at review an `auto` answer to a review of policies on some
    /// subject that was found as a review of policies in general
    /// ([`normalize::policy_review`]): "our policies are reviewed annually"
    /// says nothing of whether the company has policies on that subject. A
    /// wording the entry holds (one reviewers approved for it) is exempt.
    fn hold_general_policies(&self, question: &str, found: &mut Match) {
        let Some(best) = found.candidates.first() else {
            return;
        };
        if found.status != Status::Auto {
            return;
        }
        let entry = &self.kb.entries[best.entry];
        let asked = crate::kb::Wording::new(question);
        if entry
            .phrasings()
            .any(|p| asked.same(&crate::kb::Wording::new(p)))
        {
            return;
        }
        found.status = Status::Review;
        found.reasons.push(format!(
            "the question asks whether policies on a subject are reviewed, and entry `{}` answers it for policies in general: whether there are policies on that subject is for a person to say",
            entry.id
        ));
    }

    /// Holds at review an `auto` answer whose entry holds, word for word,
    /// another question of the same questionnaire: the questionnaire asks
    /// both, so this one asks something else, however close in meaning.
    /// CAIQ asks of each domain's policies whether they are "established,
    /// documented, approved, communicated, ..." and whether they are
    /// "reviewed and updated at least annually"; once the KB has learned the
    /// second for its policy-review entry, the first is nearest to it. A
    /// question worded like a phrasing of the entry (a near duplicate, which
    /// `kb learn` does not add again) is that phrasing asked again, and is
    /// exempt.
    /// `worded` are the questions' [`crate::kb::words`], `cores` the
    /// questions as matched.
    fn hold_siblings(&self, worded: &[String], cores: &[String], found: &mut [Match]) {
        // Entry → the questions that it holds word for word.
        let mut held: HashMap<usize, Vec<usize>> = HashMap::new();
        for (j, m) in found.iter().enumerate() {
            if let Some(c) = m.candidates.first()
                && c.parts.verbatim
                && m.status != Status::Unmatched
            {
                held.entry(c.entry).or_default().push(j);
            }
        }
        if held.is_empty() {
            return;
        }
        for i in 0..found.len() {
            let Some(best) = found[i].candidates.first().copied() else {
                continue;
            };
            if found[i].status != Status::Auto || best.parts.verbatim {
                continue;
            }
            let sibling = held
                .get(&best.entry)
                .is_some_and(|js| js.iter().any(|&j| worded[j] != worded[i]));
            if !sibling {
                continue;
            }
            let asked = Bigrams::new(&cores[i]);
            if self.phrasings[best.entry]
                .iter()
                .any(|p| asked.at_least(&p.bigrams, crate::kb::NEAR_DUPLICATE))
            {
                continue;
            }
            let m = &mut found[i];
            m.status = Status::Review;
            m.reasons.push(format!(
                "entry `{}` holds another question of this questionnaire word for word, and this one is worded otherwise: it may ask something else",
                self.kb.entries[best.entry].id
            ));
        }
    }

    /// Whether a question (its [`normalize::core`]) says all that some
    /// phrasing of `entry` says (its IDF-weighted words, [`PLACE_FREE`]):
    /// then it names its subject and does not leave it to the row before.
    /// Both are read loosely ([`Vocabulary::token_set`]): this asks whether
    /// the phrasing's words are all there, not how they are put.
    fn names_all_of(&self, core: &str, entry: usize) -> bool {
        let loose = |text: &str| self.vocabulary.token_set(&self.index.analyze(text), true);
        let asked = loose(core);
        self.phrasings[entry]
            .iter()
            .any(|p| score::coverage(&loose(&p.core), &asked, &self.weights) >= PLACE_FREE)
    }

    /// Holds at review an `auto` answer to a wording the questionnaire asks
    /// more than once, after different questions: what it asks depends on
    /// where. CAIQ asks "Are the policies and procedures reviewed and updated
    /// at least annually?" in every domain; the wording says nothing of which
    /// policies, the question before it does. Every copy gets the same
    /// entry, matched on the wording alone: an entry on all policies answers
    /// each, one on a domain's (business continuity plan reviews) answers
    /// one and is wrong in the others. A phrasing the KB holds verbatim (one
    /// reviewers approved, with where they did: `asked`) is exempt, and so is
    /// a wording that says all a phrasing of the entry says ("Do you have a
    /// formal incident response plan?", asked twice in HECVAT Full 3): it
    /// names its subject.
    /// `worded` are the questions' [`crate::kb::words`], `afters` the words
    /// of the question that places each ([`crate::kb::placed_after`]),
    /// `cores` the questions as matched.
    fn hold_out_of_place(
        &self,
        worded: &[String],
        cores: &[String],
        afters: &[Option<String>],
        found: &mut [Match],
    ) {
        let mut copies: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, key) in worded.iter().enumerate() {
            if !key.is_empty() {
                copies.entry(key).or_default().push(i);
            }
        }
        for group in copies.values().filter(|g| g.len() > 1) {
            let places: HashSet<Option<&str>> =
                group.iter().map(|&i| afters[i].as_deref()).collect();
            if places.len() < 2 {
                continue;
            }
            for &i in group {
                let m = &mut found[i];
                if m.status != Status::Auto || m.candidates.first().is_none_or(|c| c.parts.verbatim)
                {
                    continue;
                }
                if self.names_all_of(&cores[i], m.candidates[0].entry) {
                    continue;
                }
                m.status = Status::Review;
                m.reasons.push(format!(
                    "the questionnaire asks this wording {} times, after different questions: what it asks may depend on where, and it does not name all that entry `{}` is about",
                    group.len(),
                    self.kb.entries[m.candidates[0].entry].id
                ));
            }
        }
    }

    /// The candidates, scored, best first.
    fn score_all(
        &self,
        core: &str,
        vector: Option<&[f32]>,
        bank: Option<&[f32]>,
        profile: Option<&[f32]>,
    ) -> Result<Vec<Candidate>, MatchError> {
        let terms = self.index.analyze(core);
        // Entry → BM25 score relative to the best hit.
        let mut pool: HashMap<usize, f32> = HashMap::new();
        if !terms.is_empty() {
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
            if let Some(top) = hits.first().map(|h| h.score).filter(|s| *s > 0.0) {
                pool.extend(
                    hits.iter()
                        .map(|h| (h.doc, (h.score / top).clamp(0.0, 1.0))),
                );
            }
        }
        // Per entry: best cosine over its phrasings, and with the whole entry;
        // the best cosine with a wording of the bank linked to it.
        let mut cosines: Vec<(f32, f32)> = Vec::new();
        let mut bridged: Vec<Option<f32>> = Vec::new();
        if let (Some(s), Some(v)) = (&self.semantic, vector) {
            if let Some(sims) = bank {
                bridged = s.bridge.entry_scores(sims);
            }
            cosines = s
                .contexts
                .iter()
                .map(|c| (f32::MIN, embed::cosine(v, c)))
                .collect();
            for (entry, p) in &s.vectors {
                let best = &mut cosines[*entry].0;
                *best = best.max(embed::cosine(v, p));
            }
            let mut nearest: Vec<(usize, f32)> = cosines
                .iter()
                .enumerate()
                .map(|(e, (phrasing, context))| {
                    let bridge = bridged.get(e).copied().flatten().unwrap_or(f32::MIN);
                    (e, phrasing.max(*context).max(bridge))
                })
                .collect();
            nearest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            for (entry, _) in nearest.into_iter().take(RETRIEVE_DENSE) {
                pool.entry(entry).or_insert(0.0);
            }
        }
        if pool.is_empty() {
            return Ok(Vec::new());
        }
        let q_tokens: TokenSet = self.vocabulary.token_set(&terms, !self.is_semantic());
        let q_bigrams = Bigrams::new(core);
        let mut scored: Vec<Candidate> = pool
            .into_iter()
            .map(|(entry, retrieval)| {
                let mut verbatim = false;
                let best = self.phrasings[entry]
                    .iter()
                    .map(|p| {
                        let overlap = score::weighted_overlap(&q_tokens, &p.tokens, &self.weights);
                        let phrase = q_bigrams.dice(&p.bigrams);
                        verbatim |= score::is_verbatim(overlap, phrase);
                        score::combine(overlap, phrase)
                    })
                    .fold(0.0f32, f32::max);
                let parts = Parts {
                    verbatim,
                    // Retrieval rank breaks near-ties: at most a 10% discount.
                    lexical: (best * (0.9 + 0.1 * retrieval)).clamp(0.0, 1.0),
                    coverage: score::coverage(&q_tokens, &self.documents[entry], &self.weights),
                    retrieval,
                    semantic: cosines.get(entry).map(|c| c.0),
                    context: cosines.get(entry).map(|c| c.1),
                    bridge: bridged.get(entry).copied().flatten(),
                    // The best affinity of profiles over its phrasings.
                    topic: self.semantic.as_ref().zip(profile).map(|(s, q)| {
                        s.profiles[entry]
                            .iter()
                            .map(|p| topics::affinity(q, p))
                            .fold(0.0, f32::max)
                    }),
                };
                Candidate {
                    entry,
                    score: score::fuse(&parts),
                    parts,
                }
            })
            .collect();
        scored.sort_by(best_first);
        Ok(scored)
    }

    /// [`Matcher::decide`] after what reviewers said of entries for this
    /// `question` (their `does_not_answer`). Entries a reviewer did not take
    /// for it are not proposed again, and what comes first without them is
    /// not `auto` on their account: they were the closest. One also taken
    /// for it (a phrasing of it) stays, held at review: it depends on where
    /// the wording is asked; where reviewers decided (`asked`: after the
    /// question whose words are `after`), their decision holds, and an
    /// entry they took there comes before one taken for the same wording
    /// elsewhere.
    fn decide_reviewed(
        &self,
        question: &str,
        after: Option<&str>,
        core: &str,
        candidates: Vec<Candidate>,
    ) -> Match {
        let mut refused = Vec::new();
        let mut held = Vec::new();
        // Entries reviewers took for this wording here.
        let mut placed = Vec::new();
        // The question as compared, once (and only when needed).
        let asked = std::sync::OnceLock::new();
        let asked = || asked.get_or_init(|| Wording::new(question));
        let mut candidates: Vec<Candidate> = candidates
            .into_iter()
            .filter(|c| {
                let e = self.entry(c);
                let decided =
                    after
                        .filter(|_| !self.places[c.entry].is_empty())
                        .and_then(|after| {
                            self.places[c.entry]
                                .iter()
                                .find(|p| p.holds(asked(), after))
                        });
                if let Some(place) = decided {
                    if place.answers {
                        placed.push(c.entry);
                    } else {
                        refused.push(format!("`{}`", e.id));
                    }
                    return place.answers;
                }
                let refusals = &self.refusals[c.entry];
                if refusals.is_empty() {
                    return true;
                }
                if !refusals.iter().any(|w| w.same(asked())) {
                    return true;
                }
                let taken = e.phrasings().any(|p| Wording::new(p).same(asked()));
                if taken { &mut held } else { &mut refused }.push(format!("`{}`", e.id));
                taken
            })
            .collect();
        // Taken here first: the same wording taken for another entry
        // elsewhere scores alike (both hold it verbatim).
        let here = |c: &Candidate| c.parts.verbatim && placed.contains(&c.entry);
        candidates.sort_by_key(|c| !here(c));
        let placed_first =
            candidates.first().is_some_and(here) && !candidates.get(1).is_some_and(here);
        let mut found = self.decide(core, candidates, placed_first);
        let first_verbatim = found.candidates.first().is_some_and(|c| c.parts.verbatim);
        if found.status == Status::Auto
            && (!held.is_empty() || (!refused.is_empty() && !first_verbatim))
        {
            found.status = Status::Review;
        }
        let entries = |ids: &[String]| {
            let noun = if ids.len() == 1 { "entry" } else { "entries" };
            format!("{noun} {}", ids.join(", "))
        };
        if !refused.is_empty() {
            found.reasons.push(format!(
                "a reviewer did not take {} for this wording (`does_not_answer`)",
                entries(&refused)
            ));
        }
        if !held.is_empty() {
            found.reasons.push(format!(
                "reviewers both took and did not take {} for this wording (a phrasing, and in `does_not_answer`): it depends on where it is asked",
                entries(&held)
            ));
        }
        found
    }

    /// `placed_first`: reviewers took the first candidate for this wording
    /// where it is asked, and not the second.
    fn decide(&self, core: &str, candidates: Vec<Candidate>, placed_first: bool) -> Match {
        let t = self.thresholds;
        let mut reasons = Vec::new();
        let Some(best) = candidates.first().copied() else {
            return Match {
                status: Status::Unmatched,
                candidates,
                reasons,
            };
        };
        // `auto` rests on the KB's own phrasings: its score and lead leave the
        // question bank out (it ranks candidates, it does not vouch for one).
        let own = |c: &Candidate| {
            score::fuse(&Parts {
                bridge: None,
                topic: None,
                ..c.parts
            })
        };
        // The ambiguity check leaves out only the topic profiles, which rank
        // neighbours closer together (`docs/matching.md`).
        let untopical = |c: &Candidate| {
            score::fuse(&Parts {
                topic: None,
                ..c.parts
            })
        };
        let best_own = own(&best);
        let mut status = if best.score >= t.auto {
            Status::Auto
        } else if best.score >= t.review {
            Status::Review
        } else {
            Status::Unmatched
        };
        if status == Status::Auto && best_own < t.auto {
            status = Status::Review;
            reasons.push(format!(
                "entry `{}` scores {best_own:.2} on its own phrasings, {:.2} with the question bank; auto needs {:.2} without it",
                self.entry(&best).id,
                best.score,
                t.auto
            ));
        }
        if status == Status::Auto {
            let entry = self.entry(&best);
            if entry.proposed {
                status = Status::Review;
                reasons.push(format!(
                    "entry `{}` is a proposal in `_inbox/`, not yet approved",
                    entry.id
                ));
            }
            if entry.is_stale(self.options.today) {
                status = Status::Review;
                let by = entry.review_by.map(|d| d.to_string()).unwrap_or_default();
                reasons.push(format!("entry `{}` is past its review date {by}", entry.id));
            }
            // A wording the KB holds verbatim for this entry (one a reviewer
            // approved for it) is not ambiguous with an entry merely close.
            if let Some(second) = candidates.get(1)
                && !placed_first
                && untopical(&best) - untopical(second) < self.ambiguity_margin()
                && (!best.parts.verbatim || second.parts.verbatim)
                && !same_answer(&entry.answer, &self.entry(second).answer)
            {
                status = Status::Review;
                reasons.push(format!(
                    "entry `{}` scores almost as high and answers differently",
                    self.entry(second).id
                ));
            }
            let runner_up = candidates[1..].iter().map(own).fold(0.0, f32::max);
            let lead = best_own - runner_up;
            if self.is_semantic() && !placed_first && best_own + lead < AUTO_LEAD_TARGET {
                status = Status::Review;
                reasons.push(format!(
                    "the runner-up is too close: a score of {best_own:.2} needs a lead of {:.2}, not {lead:.2}",
                    AUTO_LEAD_TARGET - best_own
                ));
            }
            let floor = if normalize::asks_yes_no(core) && entry.answers_yes_no() {
                AUTO_MEANING_YES_NO
            } else {
                AUTO_MEANING
            };
            if let Some(meaning) = best.parts.semantic
                && meaning < floor
                && best.parts.lexical < AUTO_WORDING
                && !best.parts.verbatim
            {
                status = Status::Review;
                reasons.push(format!(
                    "no phrasing of entry `{}` says quite what the question asks (meaning {meaning:.2}, wording {:.2}; auto needs {floor:.2} or {AUTO_WORDING:.2})",
                    entry.id, best.parts.lexical
                ));
            }
            // A yes or no to a question turned around ("operated without
            // disruptions") is the opposite answer to its plain wording.
            if !best.parts.verbatim && entry.answers_yes_no() {
                let asked = normalize::negation(core);
                let phrased: Vec<Option<&str>> = self.phrasings[best.entry]
                    .iter()
                    .map(|p| normalize::negation(&p.core))
                    .collect();
                if phrased.iter().all(|p| p.is_some() != asked.is_some()) {
                    status = Status::Review;
                    reasons.push(match (asked, phrased.iter().flatten().next().copied()) {
                        (Some(word), _) => format!(
                            "the question says `{word}` and no phrasing of entry `{}` does: its `{}` may be the opposite answer",
                            entry.id,
                            entry.answer.trim()
                        ),
                        (None, word) => format!(
                            "entry `{}` is phrased with `{}` and the question is not: its `{}` may be the opposite answer",
                            entry.id,
                            word.unwrap_or("not"),
                            entry.answer.trim()
                        ),
                    });
                }
            }
            // "Intrusion prevention" is not answered by "intrusion detection".
            if !best.parts.verbatim
                && let Some((asked, phrased)) = normalize::contrast(
                    core,
                    self.phrasings[best.entry]
                        .iter()
                        .map(|p| p.core.as_str())
                        .chain([entry.answer.as_str()]),
                )
            {
                status = Status::Review;
                reasons.push(format!(
                    "the question names `{asked}` where entry `{}` names `{phrased}`",
                    entry.id
                ));
            }
            // The checks of form below look at how the question is asked: a
            // phrasing worded like it (a near duplicate, which `kb learn`
            // does not add again) and asked the same way says the entry
            // answers it so. Asked the same way: "How regularly do you
            // scan?" is a near duplicate of "Do you regularly scan?".
            let asked = Bigrams::new(core);
            let worded = |form: fn(&str) -> bool| {
                best.parts.verbatim
                    || self.phrasings[best.entry].iter().any(|p| {
                        asked.at_least(&p.bigrams, crate::kb::NEAR_DUPLICATE) && form(&p.core)
                    })
            };
            // "How often ...?" is not answered by "Yes" alone.
            if let Some(open) = normalize::asks_open(core)
                && !worded(|p| normalize::asks_open(p).is_some())
                && entry.answers_only_yes_no()
            {
                status = Status::Review;
                reasons.push(format!(
                    "the question asks `{open}`, and entry `{}` answers only `{}`",
                    entry.id,
                    entry.answer.trim()
                ));
            }
            // "Anything else you want us to know about X?" asks for more than
            // the entry on X says.
            if let Some(phrase) = normalize::catch_all(core)
                .filter(|_| !worded(|p| normalize::catch_all(p).is_some()))
            {
                status = Status::Review;
                reasons.push(format!(
                    "the question is a catch-all (`{phrase}`): no entry answers it as such"
                ));
            }
            // A wording the KB holds (one a reviewer approved for this
            // entry) says the entry answers it, list and all.
            if let Some(list) = normalize::several_asked(core)
                .filter(|_| !worded(|p| normalize::several_asked(p).is_some()))
            {
                status = Status::Review;
                reasons.push(format!(
                    "the question asks for several things ({list}), more than one entry may hold"
                ));
            }
            if !self.is_semantic() && best.parts.coverage < LEXICAL_AUTO_COVERAGE {
                status = Status::Review;
                reasons.push(format!(
                    "entry `{}` lacks some of the question's words",
                    entry.id
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

/// Embeds the question bank into `cache` and fits its topics ahead of the
/// first match (`vetted model install` does), so that the first run only
/// embeds the KB.
pub fn prepare_bank(model: &Model, cache: &Cache) -> Result<CacheOutcome, MatchError> {
    let bank = bank::wordings();
    let texts: Vec<&str> = bank.iter().flatten().map(String::as_str).collect();
    let (vectors, mut outcome) = cache.embed(model, &texts)?;
    let (_, written) = topics::fitted(&bank::grouped(vectors), bank, Some(cache))?;
    outcome.write_error = outcome.write_error.or(written);
    Ok(outcome)
}

/// Candidates in order: higher score first, ties by entry.
fn best_first(a: &Candidate, b: &Candidate) -> std::cmp::Ordering {
    b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry))
}

/// `asked` and `other` (the same question read another way) as one list,
/// best first: each entry with the better of its two scores. Also the
/// entries whose score came from `other`.
fn merge_better(asked: Vec<Candidate>, other: Vec<Candidate>) -> (Vec<Candidate>, HashSet<usize>) {
    let mut best: HashMap<usize, (Candidate, bool)> =
        asked.into_iter().map(|c| (c.entry, (c, false))).collect();
    for c in other {
        let slot = best.entry(c.entry).or_insert((c, true));
        if c.score > slot.0.score {
            *slot = (c, true);
        }
    }
    let mut merged: Vec<(Candidate, bool)> = best.into_values().collect();
    merged.sort_by(|a, b| best_first(&a.0, &b.0));
    let from_other = merged.iter().filter(|c| c.1).map(|c| c.0.entry).collect();
    (merged.into_iter().map(|c| c.0).collect(), from_other)
}

/// The text that stands for a whole entry: its question, answer and details.
fn context_text(e: &Entry) -> String {
    let mut text = format!("{} {}", e.question, e.answer);
    if let Some(d) = &e.details {
        text.push(' ');
        text.push_str(d);
    }
    text
}

fn same_answer(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

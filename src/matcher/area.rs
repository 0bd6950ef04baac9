//! Areas: the parts of a security programme a KB is usually filed by
//! (identity, encryption, continuity, ...). Every topic of the question bank
//! belongs to one, so a question's area is the area of the bank topic it is
//! closest to: by meaning with a model ([`super::bank::Bridge::topic_scores`]),
//! else by words ([`Words`]).
//!
//! Only placement uses areas: a new entry that resembles no approved entry
//! goes to the KB file that holds the entries of its area, or to
//! `<area>.toml` when there are none yet. Matching never looks at them.

use std::collections::HashMap;
use std::path::PathBuf;

use super::fx::FxHashMap;
use super::vocabulary::Token;
use super::{Match, Matcher, TokenSet, bank, normalize};

/// A new entry goes beside an approved entry that scores this much for its
/// question (nearly the same question); below that its area decides. Left
/// out one at a time, the entries of both labeled KBs land in their own
/// file 77% and 75% of the time this way (73.8% and 74.9% at 0.8, 78.7%
/// and 74.9% by area alone), 35-63% beside the nearest entry at any score
/// (`eval/README.md`).
const SAME_QUESTION: f32 = 0.85;
/// An area's similarity with a question is the mean of its this many
/// closest topics': one topic alone is a noisier judge (areas named the
/// files of the two labeled KBs for 77-78% of entries against 77-79% this
/// way).
const AREA_TOPICS: usize = 2;
/// At most this many approved entries are classified to find which file
/// holds each area (about 0.5 s with a model).
const PLACEMENT_SAMPLE: usize = 2000;
/// With a model, a question closer than this to every wording of the bank
/// has no area (it asks about something no topic covers).
const SEMANTIC_FLOOR: f32 = 0.35;

/// An area. The bank names one per topic; a name it does not know fails
/// the bank's test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    /// WCAG, VPAT, Section 508, assistive technology.
    Accessibility,
    /// AI and machine-learning features, training data, AI governance.
    Ai,
    /// Secure development, code review, application testing, tenant isolation.
    Appsec,
    /// Change management, releases, configuration baselines.
    Change,
    /// Company facts and contacts.
    Company,
    /// Certifications, audits and their reports.
    Compliance,
    /// Business continuity, disaster recovery, backups, availability.
    Continuity,
    /// Data classification, retention, deletion, export.
    Data,
    /// Encryption at rest and in transit, keys, certificates.
    Encryption,
    /// Workstations and mobile devices.
    Endpoint,
    /// Security programme, policies, risk management, assets.
    Governance,
    /// Authentication, single sign-on, access control and reviews.
    Identity,
    /// Incident response and breach notification.
    Incident,
    /// Network security, hosting, servers, email security.
    Infrastructure,
    /// Logging, monitoring and alerting.
    Logging,
    /// Screening, agreements and training of staff.
    People,
    /// Physical security of offices and data centers.
    Physical,
    /// Privacy law and personal data.
    Privacy,
    /// Third parties, subprocessors, supply chain.
    Vendors,
    /// Scanning, penetration testing, patching.
    Vulnerability,
}

impl Area {
    /// The name, as in `bank.toml` and as a KB file's stem.
    pub fn name(self) -> &'static str {
        match self {
            Area::Accessibility => "accessibility",
            Area::Ai => "ai",
            Area::Appsec => "appsec",
            Area::Change => "change",
            Area::Company => "company",
            Area::Compliance => "compliance",
            Area::Continuity => "continuity",
            Area::Data => "data",
            Area::Encryption => "encryption",
            Area::Endpoint => "endpoint",
            Area::Governance => "governance",
            Area::Identity => "identity",
            Area::Incident => "incident",
            Area::Infrastructure => "infrastructure",
            Area::Logging => "logging",
            Area::People => "people",
            Area::Physical => "physical",
            Area::Privacy => "privacy",
            Area::Vendors => "vendors",
            Area::Vulnerability => "vulnerability",
        }
    }
}

/// The bank's topics as bags of words, to find a question's closest topic
/// without a model (TF-IDF cosine over the tokens of all its wordings).
pub struct Words {
    /// Per token: per topic holding it, the token's weight there.
    postings: FxHashMap<Token, Vec<(u32, f32)>>,
    /// Per token: its inverse document frequency over topics.
    idf: FxHashMap<Token, f32>,
}

impl Words {
    /// `topics`: per topic, the token sets of its wordings.
    pub fn new(topics: &[Vec<TokenSet>]) -> Words {
        let n = topics.len() as f32;
        let mut counts: Vec<FxHashMap<Token, f32>> = Vec::with_capacity(topics.len());
        let mut df: FxHashMap<Token, f32> = FxHashMap::default();
        for wordings in topics {
            let mut tf: FxHashMap<Token, f32> = FxHashMap::default();
            for set in wordings {
                for t in set {
                    *tf.entry(t.clone()).or_default() += 1.0;
                }
            }
            for t in tf.keys() {
                *df.entry(t.clone()).or_default() += 1.0;
            }
            counts.push(tf);
        }
        let idf: FxHashMap<Token, f32> = df
            .into_iter()
            .map(|(t, d)| (t, (n / d).ln() + 1.0))
            .collect();
        let mut postings: FxHashMap<Token, Vec<(u32, f32)>> = FxHashMap::default();
        for (topic, tf) in counts.into_iter().enumerate() {
            let weights: Vec<(Token, f32)> = tf
                .into_iter()
                .map(|(t, c)| {
                    let w = (1.0 + c.ln()) * idf[&t];
                    (t, w)
                })
                .collect();
            let norm = weights.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            for (t, w) in weights {
                postings
                    .entry(t)
                    .or_default()
                    .push((topic as u32, w / norm.max(f32::MIN_POSITIVE)));
            }
        }
        Words { postings, idf }
    }

    /// Each topic's cosine with `question`'s tokens (0 for a topic that
    /// shares none), one value per topic.
    pub fn topic_scores(&self, question: &TokenSet, topics: usize) -> Vec<f32> {
        let mut scores = vec![0.0f32; topics];
        let mut norm = 0.0f32;
        for t in question {
            let Some(idf) = self.idf.get(t) else {
                continue;
            };
            norm += idf * idf;
            for (topic, w) in &self.postings[t] {
                scores[*topic as usize] += idf * w;
            }
        }
        let norm = norm.sqrt();
        if norm > 0.0 {
            scores.iter_mut().for_each(|s| *s /= norm);
        }
        scores
    }
}

/// The area whose [`AREA_TOPICS`] best topics score highest on average
/// (`scores`: one per bank topic), if that is above `floor`.
fn closest_area(scores: &[f32], floor: f32) -> Option<Area> {
    let mut by_area: HashMap<Area, Vec<f32>> = HashMap::new();
    for (t, s) in scores.iter().enumerate() {
        by_area.entry(bank::area(t)).or_default().push(*s);
    }
    by_area
        .into_iter()
        .map(|(area, mut s)| {
            s.sort_by(|a, b| b.total_cmp(a));
            let n = s.len().min(AREA_TOPICS);
            (area, s[..n].iter().sum::<f32>() / n as f32)
        })
        .filter(|(_, s)| *s > floor)
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(area, _)| area)
}

/// What placement needs, made on first use.
pub(super) struct Placement {
    /// Without a model: the bank's topics by words.
    words: Option<Words>,
    /// Per area: the KB file that holds most of the approved entries of
    /// that area.
    files: HashMap<Area, PathBuf>,
}

impl Matcher {
    /// Where a new entry answering `question` belongs: the file of an
    /// approved entry that asks nearly the same ([`SAME_QUESTION`]), else
    /// the file that holds the approved entries of its area, else
    /// `<area>.toml` in the KB folder (which may not exist yet). `None` when
    /// the question has no area either.
    pub fn home_file(&self, question: &str) -> Option<PathBuf> {
        self.match_and_place(&[question]).ok()?.1.pop().flatten()
    }

    /// [`Matcher::home_file`] of each question, from its match (`found`, as
    /// [`Matcher::match_questions`] gives them).
    pub fn home_files(&self, questions: &[&str], found: &[Match]) -> Vec<Option<PathBuf>> {
        let mut homes = self.beside(found, questions.len());
        let open: Vec<usize> = (0..questions.len())
            .filter(|&i| homes[i].is_none())
            .collect();
        if open.is_empty() {
            return homes;
        }
        let areas = self.area_of(&open.iter().map(|&i| questions[i]).collect::<Vec<_>>());
        for (i, area) in open.into_iter().zip(areas) {
            homes[i] = area.map(|area| self.file_of(area));
        }
        homes
    }

    /// Matches questions and places them ([`Matcher::home_files`]), each
    /// question embedded once for both.
    pub fn match_and_place(
        &self,
        questions: &[&str],
    ) -> Result<(Vec<Match>, Vec<Option<PathBuf>>), super::MatchError> {
        let (found, areas) = self.match_with_areas(questions, true)?;
        let mut homes = self.beside(&found, questions.len());
        for (home, area) in homes.iter_mut().zip(areas) {
            if home.is_none() {
                *home = area.map(|area| self.file_of(area));
            }
        }
        Ok((found, homes))
    }

    /// The file of an approved entry asking nearly the same, per match.
    fn beside(&self, found: &[Match], n: usize) -> Vec<Option<PathBuf>> {
        let mut homes: Vec<Option<PathBuf>> = found
            .iter()
            .map(|m| {
                m.candidates
                    .iter()
                    .filter(|c| c.score >= SAME_QUESTION)
                    .map(|c| self.entry(c))
                    .find(|e| !e.proposed)
                    .map(|e| e.location.file.clone())
            })
            .collect();
        homes.resize(n, None);
        homes
    }

    /// The file for new entries of `area`.
    fn file_of(&self, area: Area) -> PathBuf {
        self.placement()
            .files
            .get(&area)
            .cloned()
            .unwrap_or_else(|| self.kb.root.join(format!("{}.toml", area.name())))
    }

    /// The area of a question from its similarities with every wording of
    /// the bank.
    pub(super) fn area_by_similarities(&self, run: &[f32]) -> Option<Area> {
        let semantic = self.semantic.as_ref()?;
        closest_area(&semantic.bridge.topic_scores(run), SEMANTIC_FLOOR)
    }

    /// The area of a question's core by words (without a model).
    pub(super) fn area_by_text(&self, core: &str) -> Option<Area> {
        let placement = self.placement();
        self.area_by_words(placement.words.as_ref()?, core)
    }

    /// The area of the bank topic closest to each text: by meaning with a
    /// model, else by words.
    pub fn area_of(&self, texts: &[&str]) -> Vec<Option<Area>> {
        let cores: Vec<String> = texts.iter().map(|t| normalize::core(t)).collect();
        if let Some(semantic) = &self.semantic {
            // Without words to fall back on (they are made only without a
            // model), a text the model cannot embed has no area.
            let refs: Vec<&str> = cores.iter().map(String::as_str).collect();
            return match semantic.model.embed(&refs) {
                Ok(vectors) => {
                    let vectors: Vec<&[f32]> = vectors.iter().map(Vec::as_slice).collect();
                    self.areas_by_meaning(&vectors)
                }
                Err(_) => vec![None; texts.len()],
            };
        }
        cores.iter().map(|core| self.area_by_text(core)).collect()
    }

    fn area_by_words(&self, words: &Words, core: &str) -> Option<Area> {
        let tokens: TokenSet = self
            .vocabulary
            .tokens(&self.index.analyze(core))
            .into_iter()
            .collect();
        closest_area(&words.topic_scores(&tokens, bank::wordings().len()), 0.0)
    }

    fn areas_by_meaning(&self, vectors: &[&[f32]]) -> Vec<Option<Area>> {
        let Some(semantic) = &self.semantic else {
            return vec![None; vectors.len()];
        };
        let per = semantic.bridge.wordings();
        let mut areas = Vec::with_capacity(vectors.len());
        // A few hundred at a time: each brings a run of similarities with
        // every wording of the bank (28 KB).
        for group in vectors.chunks(256) {
            match semantic.bridge.similarities(group) {
                Ok(sims) if per > 0 => areas.extend(
                    sims.chunks_exact(per)
                        .map(|run| self.area_by_similarities(run)),
                ),
                _ => areas.extend(std::iter::repeat_n(None, group.len())),
            }
        }
        areas
    }

    fn placement(&self) -> &Placement {
        self.placement.get_or_init(|| {
            let words = self.semantic.is_none().then(|| {
                Words::new(
                    &bank::wordings()
                        .iter()
                        .map(|ws| {
                            ws.iter()
                                .map(|w| {
                                    self.vocabulary
                                        .tokens(&self.index.analyze(w))
                                        .into_iter()
                                        .collect()
                                })
                                .collect()
                        })
                        .collect::<Vec<_>>(),
                )
            });
            let mut placement = Placement {
                words,
                files: HashMap::new(),
            };
            // The approved entries' areas, from their questions (with a
            // model, their vectors are at hand); in a large KB, an even
            // sample of them (which file holds an area does not need all).
            let all: Vec<usize> = (0..self.kb.entries.len())
                .filter(|&i| !self.kb.entries[i].proposed)
                .collect();
            let stride = all.len().div_ceil(PLACEMENT_SAMPLE).max(1);
            let approved: Vec<usize> = all.into_iter().step_by(stride).collect();
            let areas = match &self.semantic {
                Some(semantic) => {
                    let mut first: Vec<Option<&[f32]>> = vec![None; self.kb.entries.len()];
                    for (entry, v) in &semantic.vectors {
                        first[*entry].get_or_insert(v.as_slice());
                    }
                    let vectors: Vec<&[f32]> =
                        approved.iter().map(|&i| first[i].unwrap_or(&[])).collect();
                    self.areas_by_meaning(&vectors)
                }
                None => {
                    // Not `area_of`: the cell being filled holds `words`.
                    let words = placement.words.as_ref().expect("made without a model");
                    approved
                        .iter()
                        .map(|&i| {
                            let core = normalize::core(&self.kb.entries[i].question);
                            self.area_by_words(words, &core)
                        })
                        .collect()
                }
            };
            // Per area, the file holding most of its entries (ties: the
            // first file by name).
            let mut counts: HashMap<(Area, &PathBuf), usize> = HashMap::new();
            for (&i, area) in approved.iter().zip(areas) {
                if let Some(area) = area {
                    *counts
                        .entry((area, &self.kb.entries[i].location.file))
                        .or_default() += 1;
                }
            }
            let mut ranked: Vec<((Area, &PathBuf), usize)> = counts.into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            for ((area, file), _) in ranked {
                placement.files.entry(area).or_insert_with(|| file.clone());
            }
            placement
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(words: &str) -> TokenSet {
        words
            .split(' ')
            .map(|w| Token::Term(w.to_owned()))
            .collect()
    }

    #[test]
    fn the_closest_topic_by_words_shares_the_rarer_words() {
        let topics = vec![
            vec![
                set("do you encrypt data at rest"),
                set("encryption at rest"),
            ],
            vec![set("do you require mfa"), set("mfa for admins")],
            vec![set("do you back up data"), set("backup frequency")],
        ];
        let words = Words::new(&topics);
        let best = |q: &str| {
            let scores = words.topic_scores(&set(q), 3);
            let top = scores.iter().copied().fold(0.0, f32::max);
            (top > 0.0).then(|| scores.iter().position(|s| *s == top).unwrap())
        };
        assert_eq!(best("do you use mfa for remote access"), Some(1));
        assert_eq!(best("is data encrypted at rest"), Some(0));
        assert_eq!(best("nothing in common"), None);
    }

    #[test]
    fn matching_and_placing_at_once_places_as_placing_after_matching() {
        let kb = crate::kb::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge_base"),
        )
        .unwrap();
        let matcher = Matcher::new(kb, super::super::Options::default()).unwrap();
        let questions = [
            "Do you enforce MFA for administrators?",
            "Is our data encrypted at rest with customer-managed keys?",
            "How often do you test restores from backup?",
            "Do you have a VPAT?",
            "What is the weather like in your office?",
        ];
        let (found, homes) = matcher.match_and_place(&questions).unwrap();
        assert_eq!(found, matcher.match_questions(&questions).unwrap());
        assert_eq!(homes, matcher.home_files(&questions, &found));
        assert!(homes[..4].iter().all(Option::is_some), "{homes:?}");
    }

    #[test]
    fn an_area_with_two_close_topics_beats_one_with_a_single_closer_topic() {
        let topics = bank::wordings().len();
        let of = |area: Area| (0..topics).filter(move |&t| bank::area(t) == area);
        let mut scores = vec![0.1; topics];
        let identity: Vec<usize> = of(Area::Identity).take(2).collect();
        let encryption = of(Area::Encryption).next().unwrap();
        scores[identity[0]] = 0.6;
        scores[identity[1]] = 0.55;
        scores[encryption] = 0.65;
        assert_eq!(closest_area(&scores, 0.35), Some(Area::Identity));
        assert_eq!(closest_area(&scores, 0.6), None);
        // Every area has topics to be found by.
        for area in [Area::Accessibility, Area::Physical, Area::Incident] {
            assert!(of(area).count() >= 5, "{area:?}");
        }
    }
}

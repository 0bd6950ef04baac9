//! The question bank: facts that security questionnaires ask about, each
//! worded many ways (`bank.toml`), written for this project from general
//! knowledge of CAIQ, SIG, HECVAT, VSAQ and buyers' own forms, with no
//! particular questionnaire or knowledge base in view.
//!
//! With a model, the bank bridges wordings that a KB's own phrasings do not
//! cover. A topic is linked to the KB entries it resembles as a whole (the
//! mean, over its wordings, of each wording's best cosine with the entry's
//! phrasings); a question then meets an entry through the closest wording of
//! a linked topic as well as through the entry's own phrasings. "Are
//! independent audit and assurance assessments conducted annually?" finds
//! a SOC 2 entry that never says "audit" that way, because the bank's SOC 2
//! topic holds both wordings.
//!
//! The bank only adds to the similarity a candidate's score is made of: the
//! evidence that `auto` asks for (a phrasing close in meaning or in words)
//! is still the KB's own phrasings.

use std::sync::OnceLock;

use super::normalize;
use crate::embed::{EmbedError, Matrix, Vector};

/// A topic is linked to an entry when its wordings resemble the entry's
/// phrasings at least this much on average ...
const LINK_FLOOR: f32 = 0.45;
/// ... and the entry is within this of the entry the topic resembles most.
const LINK_MARGIN: f32 = 0.05;
/// Wordings per matrix product when linking.
const LINK_BATCH: usize = 512;

/// One fact and the ways questionnaires ask about it.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// Names the topic for the people who edit the bank (checked unique).
    #[allow(dead_code)]
    pub id: String,
    /// The fact, in a sentence, for the same people.
    #[allow(dead_code)]
    pub about: String,
    pub area: super::area::Area,
    pub wordings: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    topic: Vec<Topic>,
}

/// The built-in bank.
fn topics() -> &'static [Topic] {
    static BANK: OnceLock<Vec<Topic>> = OnceLock::new();
    BANK.get_or_init(|| {
        toml::from_str::<File>(include_str!("bank.toml"))
            .expect("the built-in question bank is valid TOML (tested)")
            .topic
    })
}

/// The area of topic `t`.
pub fn area(t: usize) -> super::area::Area {
    topics()[t].area
}

/// Per topic, its wordings as the matcher embeds them ([`normalize::core`]),
/// made once per process.
pub fn wordings() -> &'static [Vec<String>] {
    static WORDINGS: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    WORDINGS.get_or_init(|| {
        topics()
            .iter()
            .map(|t| t.wordings.iter().map(|w| normalize::core(w)).collect())
            .collect()
    })
}

/// The vectors of [`wordings`], given in their order, as one list per topic.
pub fn grouped(mut vectors: Vec<Vector>) -> Vec<Vec<Vector>> {
    vectors.reverse();
    wordings()
        .iter()
        .map(|ws| (0..ws.len()).map_while(|_| vectors.pop()).collect())
        .collect()
}

/// The bank linked to one knowledge base, for one model.
pub struct Bridge {
    /// Per wording: its topic.
    topic_of: Vec<u32>,
    /// The wordings' vectors.
    wordings: Matrix,
    /// Per entry: the topics linked to it.
    links: Vec<Vec<u32>>,
    topics: usize,
}

impl Bridge {
    /// Links the topics of the bank (`wordings`: per topic, the vectors of
    /// its wordings) to the `entries` whose phrasings are `phrasings`
    /// (entry, vector).
    pub fn new(
        wordings: &[Vec<Vector>],
        phrasings: &[(usize, Vector)],
        entries: usize,
    ) -> Result<Bridge, EmbedError> {
        let topics = wordings.len();
        let topic_of: Vec<u32> = wordings
            .iter()
            .enumerate()
            .flat_map(|(t, ws)| std::iter::repeat_n(t as u32, ws.len()))
            .collect();
        let phrasing_matrix = Matrix::new(
            &phrasings
                .iter()
                .map(|(_, v)| v.as_slice())
                .collect::<Vec<_>>(),
        )?;
        let mut links = vec![Vec::new(); entries];
        let mut best = vec![f32::MIN; entries];
        let mut mean = vec![0.0f32; entries];
        // Topics go through the matrix product in groups of some hundreds of
        // wordings: one product per topic (about 20 rows) runs at a fraction
        // of the speed.
        let mut first = 0;
        while first < topics {
            let mut last = first;
            let mut size = 0;
            while last < topics && (size < LINK_BATCH || last == first) {
                size += wordings[last].len();
                last += 1;
            }
            let group: Vec<&[f32]> = wordings[first..last]
                .iter()
                .flatten()
                .map(Vec::as_slice)
                .collect();
            let sims = phrasing_matrix.similarities(&group)?;
            let mut rows = sims.chunks_exact(phrasings.len().max(1));
            for (t, ws) in wordings.iter().enumerate().take(last).skip(first) {
                // Per entry: the mean over the topic's wordings of each
                // one's best cosine with the entry's phrasings.
                mean.fill(0.0);
                for row in rows.by_ref().take(ws.len()) {
                    best.fill(f32::MIN);
                    for ((entry, _), s) in phrasings.iter().zip(row) {
                        best[*entry] = best[*entry].max(*s);
                    }
                    for (m, b) in mean.iter_mut().zip(&best) {
                        *m += *b / ws.len() as f32;
                    }
                }
                if ws.is_empty() {
                    continue;
                }
                let top = mean.iter().copied().fold(f32::MIN, f32::max);
                for (entry, m) in mean.iter().enumerate() {
                    if *m >= LINK_FLOOR && *m >= top - LINK_MARGIN {
                        links[entry].push(t as u32);
                    }
                }
            }
            first = last;
        }
        let all: Vec<&[f32]> = wordings.iter().flatten().map(Vec::as_slice).collect();
        Ok(Bridge {
            topic_of,
            wordings: Matrix::new(&all)?,
            links,
            topics,
        })
    }

    /// The similarity of each question with each wording: per question, a
    /// run of values for [`Bridge::entry_scores`].
    pub fn similarities(&self, questions: &[&[f32]]) -> Result<Vec<f32>, EmbedError> {
        self.wordings.similarities(questions)
    }

    /// How many wordings each run of [`Bridge::similarities`] holds.
    pub fn wordings(&self) -> usize {
        self.topic_of.len()
    }

    /// How many topics are linked to at least one entry.
    pub fn linked_topics(&self) -> usize {
        let mut seen = vec![false; self.topics];
        for t in self.links.iter().flatten() {
            seen[*t as usize] = true;
        }
        seen.into_iter().filter(|s| *s).count()
    }

    /// Per topic: the best similarity of the question with one of its
    /// wordings, from the question's similarity with every wording (`sims`).
    pub fn topic_scores(&self, sims: &[f32]) -> Vec<f32> {
        let mut topic_best = vec![f32::MIN; self.topics];
        for (t, s) in self.topic_of.iter().zip(sims) {
            let best = &mut topic_best[*t as usize];
            *best = best.max(*s);
        }
        topic_best
    }

    /// Per entry: the best similarity of the question with a wording of a
    /// topic linked to the entry, from the question's similarity with every
    /// wording (`sims`); `None` where no topic is linked.
    pub fn entry_scores(&self, sims: &[f32]) -> Vec<Option<f32>> {
        let topic_best = self.topic_scores(sims);
        self.links
            .iter()
            .map(|ts| ts.iter().map(|t| topic_best[*t as usize]).reduce(f32::max))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_bank_is_sound() {
        let topics = topics();
        assert!(topics.len() >= 250, "{}", topics.len());
        let mut ids = std::collections::HashSet::new();
        for t in topics {
            assert!(ids.insert(t.id.as_str()), "topic `{}` twice", t.id);
            assert!(
                !t.about.trim().is_empty(),
                "topic `{}` has no `about`",
                t.id
            );
            assert!(
                t.wordings.len() >= 8,
                "topic `{}`: {} wordings",
                t.id,
                t.wordings.len()
            );
            let mut seen = std::collections::HashSet::new();
            for w in &t.wordings {
                assert!(!w.trim().is_empty(), "topic `{}`: an empty wording", t.id);
                assert!(
                    seen.insert(w.to_lowercase()),
                    "topic `{}`: `{w}` twice",
                    t.id
                );
            }
        }
    }

    fn unit(v: &[f32]) -> Vector {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn a_topic_links_to_the_entries_it_resembles_and_bridges_to_them() {
        // Two topics in a 3-d space: topic 0 near entry 0, topic 1 near
        // nothing; entry 1 is elsewhere.
        let wordings = vec![
            vec![unit(&[1.0, 0.1, 0.0]), unit(&[1.0, 0.0, 0.2])],
            vec![unit(&[0.0, 0.0, 1.0])],
        ];
        let phrasings = vec![
            (0, unit(&[1.0, 0.0, 0.0])),
            (1, unit(&[0.0, 1.0, 0.0])),
            (1, unit(&[0.0, 1.0, 0.1])),
        ];
        let bridge = Bridge::new(&wordings, &phrasings, 3).unwrap();
        assert_eq!(bridge.links, vec![vec![0], vec![], vec![]]);
        assert_eq!(bridge.linked_topics(), 1);
        // A question whose closest wording is the second of topic 0.
        let q = unit(&[0.9, -0.3, 0.4]);
        let sims = bridge.similarities(&[&q]).unwrap();
        assert_eq!(sims.len(), bridge.wordings());
        let flat: Vec<&Vector> = wordings.iter().flatten().collect();
        assert!((sims[1] - crate::embed::cosine(&q, flat[1])).abs() < 1e-6);
        let scores = bridge.entry_scores(&sims);
        assert!(
            (scores[0].unwrap() - sims[1]).abs() < 1e-6,
            "{scores:?} {sims:?}"
        );
        assert_eq!(scores[1], None);
        assert_eq!(scores[2], None);
    }
}

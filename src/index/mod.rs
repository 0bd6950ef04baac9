//! Full-text index of the knowledge base (tantivy, in RAM, rebuilt at start).
//!
//! Invariant: tantivy types never leave this module. Callers hand in plain
//! [`Document`]s and [`Query`] clauses and get back document ordinals (the
//! position of the document in the input) with BM25 scores. The same text
//! analyzer serves the index and [`Index::analyze`], so callers that compare
//! texts themselves see exactly the terms the index sees.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{
    DocAddress, DocId, IndexReader, ReloadPolicy, Score, SegmentOrdinal, SegmentReader,
    TantivyDocument, Term,
};

mod spelling;

/// Words that carry no meaning in questionnaire questions, on top of the
/// standard English stop words.
const DOMAIN_STOP_WORDS: &[&str] = &[
    "you", "your", "yours", "we", "our", "us", "do", "does", "did", "have", "has", "had", "can",
    "could", "would", "should", "will", "shall", "may", "please", "any", "all", "which", "what",
    "how", "who", "whom", "when", "where", "whether", "this", "these", "those", "there", "its",
    "from", "with", "about", "also", "etc", "e", "g", "i", "ie", "eg",
];

const ANALYZER: &str = "vetted_en";
const ORD_FIELD: &str = "ord";

/// Why the index could not be built or searched.
#[derive(Debug, thiserror::Error)]
#[error("search index: {0}")]
pub struct IndexError(#[from] tantivy::TantivyError);

/// One searchable document; its ordinal is its position in the build input.
#[derive(Debug, Clone, Default)]
pub struct Document<'a> {
    /// Primary texts: a question and its alternate phrasings.
    pub phrasings: Vec<&'a str>,
    /// Secondary text: the narrative answer.
    pub details: &'a str,
    pub tags: Vec<&'a str>,
}

/// A weighted disjunction of words and phrases.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub clauses: Vec<Clause>,
}

/// A term, or a phrase of several, as produced by [`Index::analyze`], and its weight.
#[derive(Debug, Clone)]
pub struct Clause {
    pub terms: Vec<String>,
    pub boost: f32,
}

/// A document ordinal and its BM25 score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub doc: usize,
    pub score: f32,
}

pub struct Index {
    reader: IndexReader,
    /// Per segment, each document's ordinal (read once from the fast field:
    /// the index never changes after it is built).
    ordinals: Vec<Vec<usize>>,
    analyzer: TextAnalyzer,
    phrasings: Field,
    details: Field,
    tags: Field,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").finish_non_exhaustive()
    }
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(spelling::American)
        .filter(StopWordFilter::new(Language::English).expect("English stop words are built in"))
        .filter(StopWordFilter::remove(
            DOMAIN_STOP_WORDS.iter().map(|w| w.to_string()),
        ))
        .filter(Stemmer::new(Language::English))
        .build()
}

impl Index {
    /// Builds an in-RAM index over `docs`.
    pub fn build<'a>(docs: impl IntoIterator<Item = Document<'a>>) -> Result<Index, IndexError> {
        let mut schema = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let phrasings = schema.add_text_field("phrasings", text.clone());
        let details = schema.add_text_field("details", text.clone());
        let tags = schema.add_text_field("tags", text);
        let ord = schema.add_u64_field(ORD_FIELD, FAST);
        let index = tantivy::Index::create_in_ram(schema.build());
        index.tokenizers().register(ANALYZER, analyzer());

        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 50_000_000)?;
        for (i, doc) in docs.into_iter().enumerate() {
            let mut d = TantivyDocument::default();
            for p in &doc.phrasings {
                d.add_text(phrasings, p);
            }
            d.add_text(details, doc.details);
            for t in &doc.tags {
                d.add_text(tags, t);
            }
            d.add_u64(ord, i as u64);
            writer.add_document(d)?;
        }
        writer.commit()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let ordinals = reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|segment| {
                let column = segment.fast_fields().u64(ORD_FIELD)?;
                Ok((0..segment.max_doc())
                    .map(|d| column.first(d).unwrap_or_default() as usize)
                    .collect())
            })
            .collect::<Result<Vec<Vec<usize>>, IndexError>>()?;
        Ok(Index {
            reader,
            ordinals,
            analyzer: analyzer(),
            phrasings,
            details,
            tags,
        })
    }

    /// The index terms of `text`: lowercased, stop words removed, stemmed.
    pub fn analyze(&self, text: &str) -> Vec<String> {
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        stream.process(&mut |t| out.push(t.text.clone()));
        out
    }

    /// BM25 search; returns at most `limit` hits, best first.
    pub fn search(&self, query: &Query, limit: usize) -> Result<Vec<Hit>, IndexError> {
        // Field weights: the question wording matters most, tags name the
        // topic, the narrative only backs up.
        let fields = [
            (self.phrasings, 1.0),
            (self.tags, 0.5),
            (self.details, 0.25),
        ];
        let clauses: Vec<_> = query
            .clauses
            .iter()
            .flat_map(|c| self.clause_queries(c, &fields))
            .collect();
        if clauses.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let found = searcher.search(&BooleanQuery::new(clauses), &TopScores(limit))?;
        Ok(found
            .into_iter()
            .map(|(score, address)| Hit {
                doc: self.ordinals[address.segment_ord as usize][address.doc_id as usize],
                score,
            })
            .collect())
    }

    fn clause_queries(
        &self,
        clause: &Clause,
        fields: &[(Field, f32)],
    ) -> Vec<(Occur, Box<dyn tantivy::query::Query>)> {
        let terms = &clause.terms;
        let mut out: Vec<(Occur, Box<dyn tantivy::query::Query>)> = Vec::new();
        for (i, &(field, weight)) in fields.iter().enumerate() {
            // Multi-word expansions are phrase queries, the costliest kind:
            // only over the phrasings, where wording matters.
            if i > 0 && terms.len() > 1 {
                continue;
            }
            let q: Box<dyn tantivy::query::Query> = match terms.as_slice() {
                [] => continue,
                [one] => Box::new(TermQuery::new(
                    Term::from_field_text(field, one),
                    IndexRecordOption::WithFreqs,
                )),
                many => Box::new(PhraseQuery::new(
                    many.iter()
                        .map(|t| Term::from_field_text(field, t))
                        .collect(),
                )),
            };
            out.push((
                Occur::Should,
                Box::new(BoostQuery::new(q, clause.boost * weight)),
            ));
        }
        out
    }
}

/// The `n` best-scoring documents, best first, ties in document order.
/// Unlike tantivy's `TopDocs`, it visits every match without block-WAND
/// pruning: queries here have dozens of clauses of like weight over many
/// near-alike documents, where pruning costs more than it saves. With the
/// phrase clauses left out (tantivy prunes only unions of terms), the scale
/// bench (`benches/fill.rs`) matched its 10,000 questions in 12.9 s with
/// pruning and 2.5 s without; with them, 5.1-6.0 s and 4.6-5.6 s.
struct TopScores(usize);

/// A hit, ordered best first: higher score, then lower address.
#[derive(PartialEq)]
struct Ranked(Score, DocAddress);

impl Eq for Ranked {}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.0.total_cmp(&self.0).then_with(|| {
            (self.1.segment_ord, self.1.doc_id).cmp(&(other.1.segment_ord, other.1.doc_id))
        })
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

struct TopScoresSegment {
    segment: SegmentOrdinal,
    n: usize,
    /// The best so far; the worst of them on top.
    best: std::collections::BinaryHeap<Ranked>,
}

impl Collector for TopScores {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = TopScoresSegment;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        _reader: &SegmentReader,
    ) -> tantivy::Result<TopScoresSegment> {
        Ok(TopScoresSegment {
            segment,
            n: self.0,
            best: std::collections::BinaryHeap::with_capacity(self.0 + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(Score, DocAddress)>>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<Ranked> = fruits
            .into_iter()
            .flatten()
            .map(|(score, address)| Ranked(score, address))
            .collect();
        all.sort();
        all.truncate(self.0);
        Ok(all.into_iter().map(|r| (r.0, r.1)).collect())
    }
}

impl SegmentCollector for TopScoresSegment {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let hit = Ranked(score, DocAddress::new(self.segment, doc));
        if self.best.len() < self.n {
            self.best.push(hit);
        } else if self.best.peek().is_some_and(|worst| hit < *worst) {
            self.best.pop();
            self.best.push(hit);
        }
    }

    /// In no order: [`TopScores::merge_fruits`] sorts.
    fn harvest(self) -> Self::Fruit {
        self.best.into_iter().map(|r| (r.0, r.1)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document<'_> {
        Document {
            phrasings: vec![text],
            ..Document::default()
        }
    }

    fn query(index: &Index, words: &[&str]) -> Query {
        Query {
            clauses: words
                .iter()
                .map(|w| Clause {
                    terms: index.analyze(w),
                    boost: 1.0,
                })
                .collect(),
        }
    }

    #[test]
    fn hits_come_best_first_ties_in_document_order_and_at_most_the_limit() {
        let texts = [
            "Do you back up customer data daily?",
            "Is customer data encrypted at rest?",
            "Is customer data encrypted at rest?",
            "Do you encrypt backups?",
            "Is customer data encrypted at rest?",
            "Who is your security contact?",
        ];
        let index = Index::build(texts.iter().map(|t| doc(t))).unwrap();
        let q = query(&index, &["encrypted", "customer", "data"]);
        let hits = index.search(&q, 10).unwrap();
        let docs: Vec<usize> = hits.iter().map(|h| h.doc).collect();
        // The three copies score alike and come in their order; the one
        // that only shares "customer data" next; nothing for the contact.
        assert_eq!(&docs[..3], &[1, 2, 4], "{hits:?}");
        assert_eq!(docs[3], 0, "{hits:?}");
        assert!(!docs.contains(&5), "{hits:?}");
        assert!(
            hits.windows(2).all(|w| w[0].score >= w[1].score),
            "{hits:?}"
        );
        let two = index.search(&q, 2).unwrap();
        assert_eq!(two, hits[..2].to_vec());
        assert!(index.search(&q, 0).unwrap().is_empty());
    }

    #[test]
    fn a_phrase_counts_only_with_its_words_together() {
        let index = Index::build(
            [
                "Do you offer single sign-on?",
                "Is a single password used to sign on?",
            ]
            .iter()
            .map(|t| doc(t)),
        )
        .unwrap();
        let phrase = Query {
            clauses: vec![Clause {
                terms: index.analyze("single sign-on"),
                boost: 1.0,
            }],
        };
        let hits = index.search(&phrase, 10).unwrap();
        assert_eq!(
            hits.iter().map(|h| h.doc).collect::<Vec<_>>(),
            [0],
            "{hits:?}"
        );
    }
}

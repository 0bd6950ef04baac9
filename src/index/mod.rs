//! Full-text index of the knowledge base (tantivy, in RAM, rebuilt at start).
//!
//! Invariant: tantivy types never leave this module. Callers hand in plain
//! [`Document`]s and [`Query`] clauses and get back document ordinals (the
//! position of the document in the input) with BM25 scores. The same text
//! analyzer serves the index and [`Index::analyze`], so callers that compare
//! texts themselves see exactly the terms the index sees.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{IndexReader, ReloadPolicy, TantivyDocument, Term};

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
        let found = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit).order_by_score(),
        )?;
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

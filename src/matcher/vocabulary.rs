//! The security vocabulary: groups of interchangeable terms (acronyms,
//! synonyms, spelling variants).
//!
//! Groups come from the built-in `vocabulary.toml` and the KB's own
//! `synonyms.toml`; groups that share a term are merged. Terms are matched as
//! sequences of analyzed (stemmed) words, longest first.

use std::collections::HashMap;

use super::fx::FxHashMap;

/// The built-in groups, in the same format as a KB's `synonyms.toml`.
const BUILT_IN: &str = include_str!("vocabulary.toml");

/// Terms of at most this many words are also found with their words apart
/// ([`Vocabulary::token_set`]) ...
const LOOSE_WORDS: usize = 3;
/// ... in texts of at most this many (analyzed) words.
const LOOSE_TEXT: usize = 20;

/// A token of a question after vocabulary matching: a plain analyzed term or
/// the id of a concept (vocabulary group).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Token {
    Term(String),
    Concept(u32),
}

#[derive(Debug)]
struct Group {
    /// Each term as its analyzed word sequence.
    terms: Vec<Vec<String>>,
}

#[derive(Debug, Default)]
pub struct Vocabulary {
    groups: Vec<Group>,
    /// First analyzed word of a term → (group, term) pairs, longest term first.
    by_first: FxHashMap<String, Vec<(u32, usize)>>,
    /// The same for terms of two to [`LOOSE_WORDS`] words only.
    loose_first: FxHashMap<String, Vec<(u32, usize)>>,
}

impl Vocabulary {
    /// The built-in groups plus `extra` groups (raw terms), analyzed with
    /// `analyze` so that they match the way the index sees text.
    pub fn new(extra: &[Vec<String>], analyze: impl Fn(&str) -> Vec<String>) -> Vocabulary {
        let built_in = crate::kb::parse_synonym_groups(BUILT_IN)
            .expect("the built-in vocabulary is valid TOML (checked by a unit test)");
        let raw: Vec<&Vec<String>> = built_in.iter().chain(extra.iter()).collect();

        // Merge groups that share an analyzed term (union-find over groups).
        let analyzed: Vec<Vec<Vec<String>>> = raw
            .iter()
            .map(|g| {
                let mut terms: Vec<Vec<String>> = g
                    .iter()
                    .map(|t| analyze(t))
                    .filter(|t| !t.is_empty())
                    .collect();
                terms.sort();
                terms.dedup();
                terms
            })
            .collect();
        let mut parent: Vec<usize> = (0..analyzed.len()).collect();
        fn find(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        let mut owner: HashMap<&[String], usize> = HashMap::new();
        for (g, terms) in analyzed.iter().enumerate() {
            for t in terms {
                if let Some(&other) = owner.get(t.as_slice()) {
                    let (a, b) = (find(&mut parent, g), find(&mut parent, other));
                    parent[a] = b;
                } else {
                    owner.insert(t.as_slice(), g);
                }
            }
        }
        let mut merged: HashMap<usize, Vec<Vec<String>>> = HashMap::new();
        for (g, terms) in analyzed.iter().enumerate() {
            let root = find(&mut parent, g);
            merged
                .entry(root)
                .or_default()
                .extend(terms.iter().cloned());
        }
        let mut roots: Vec<usize> = merged.keys().copied().collect();
        roots.sort_unstable();

        let mut vocab = Vocabulary::default();
        for root in roots {
            let mut terms = merged.remove(&root).unwrap_or_default();
            terms.sort();
            terms.dedup();
            if terms.len() < 2 {
                continue;
            }
            let id = vocab.groups.len() as u32;
            for (i, t) in terms.iter().enumerate() {
                vocab
                    .by_first
                    .entry(t[0].clone())
                    .or_default()
                    .push((id, i));
                if (2..=LOOSE_WORDS).contains(&t.len()) {
                    vocab
                        .loose_first
                        .entry(t[0].clone())
                        .or_default()
                        .push((id, i));
                }
            }
            vocab.groups.push(Group { terms });
        }
        for list in vocab.by_first.values_mut() {
            let groups = &vocab.groups;
            list.sort_by_key(|&(g, t)| std::cmp::Reverse(groups[g as usize].terms[t].len()));
        }
        vocab
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Replaces every vocabulary term in `terms` by its concept, longest
    /// match first; other terms pass through.
    pub fn tokens(&self, terms: &[String]) -> Vec<Token> {
        let mut out = Vec::with_capacity(terms.len());
        let mut i = 0;
        while i < terms.len() {
            match self.match_at(terms, i) {
                Some((group, len)) => {
                    out.push(Token::Concept(group));
                    i += len;
                }
                None => {
                    out.push(Token::Term(terms[i].clone()));
                    i += 1;
                }
            }
        }
        out
    }

    /// The distinct tokens of `terms` ([`Vocabulary::tokens`]); `loose`,
    /// also the concepts whose every word the text holds apart: "policies
    /// and procedures reviewed" holds "policy review" although its words
    /// are not side by side. Only short texts (questions, phrasings) get
    /// those: in a paragraph, two words far apart are rarely one term.
    pub fn token_set(&self, terms: &[String], loose: bool) -> super::TokenSet {
        let mut set: super::TokenSet = self.tokens(terms).into_iter().collect();
        if loose && terms.len() <= LOOSE_TEXT {
            // Every term is listed under its first word, which the text
            // must hold anyway.
            for w in terms {
                for &(g, t) in self.loose_first.get(w).into_iter().flatten() {
                    let term = &self.groups[g as usize].terms[t];
                    if !set.contains(&Token::Concept(g))
                        && term[1..].iter().all(|x| terms.contains(x))
                    {
                        set.insert(Token::Concept(g));
                    }
                }
            }
        }
        set
    }

    /// The other terms of every group found in `terms`, as analyzed word
    /// sequences, for query expansion.
    pub fn expansions(&self, terms: &[String]) -> Vec<&[String]> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < terms.len() {
            match self.match_at(terms, i) {
                Some((group, len)) => {
                    let found = &terms[i..i + len];
                    out.extend(
                        self.groups[group as usize]
                            .terms
                            .iter()
                            .filter(|t| t.as_slice() != found)
                            .map(Vec::as_slice),
                    );
                    i += len;
                }
                None => i += 1,
            }
        }
        out
    }

    fn match_at(&self, terms: &[String], i: usize) -> Option<(u32, usize)> {
        let candidates = self.by_first.get(&terms[i])?;
        candidates.iter().find_map(|&(g, t)| {
            let term = &self.groups[g as usize].terms[t];
            terms[i..].starts_with(term).then_some((g, term.len()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(String::from)
            .collect()
    }

    #[test]
    fn built_in_vocabulary_parses_and_is_large() {
        let groups = crate::kb::parse_synonym_groups(BUILT_IN).unwrap();
        assert!(groups.len() >= 150, "only {} groups", groups.len());
    }

    #[test]
    fn no_built_in_term_is_in_two_groups() {
        // Groups sharing a term would be merged silently: the file's rule is
        // that each term has one place, where its neighbours can be read.
        let groups = crate::kb::parse_synonym_groups(BUILT_IN).unwrap();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (g, terms) in groups.iter().enumerate() {
            for t in terms {
                if let Some(other) = seen.insert(t.to_lowercase(), g)
                    && other != g
                {
                    panic!("`{t}` is in groups {other} and {g}");
                }
            }
        }
    }

    #[test]
    fn longest_term_wins_and_groups_merge() {
        let extra = vec![
            vec!["single sign on".to_string(), "sso".to_string()],
            vec!["sso".to_string(), "okta login".to_string()],
        ];
        let v = Vocabulary::new(&extra, words);
        let a = v.tokens(&words("we use okta login"));
        let b = v.tokens(&words("we use single sign on"));
        assert_eq!(a.last(), b.last());
        assert!(matches!(a.last(), Some(Token::Concept(_))));
        let exp = v.expansions(&words("is sso supported"));
        assert!(exp.iter().any(|t| t.join(" ") == "okta login"));
        assert!(!exp.iter().any(|t| t.join(" ") == "sso"));
    }

    #[test]
    fn loose_token_sets_find_terms_whose_words_stand_apart() {
        let extra = vec![vec![
            "policy review".to_string(),
            "review of policy".to_string(),
        ]];
        let v = Vocabulary::new(&extra, words);
        let concept = v.tokens(&words("policy review"))[0].clone();
        assert!(matches!(concept, Token::Concept(_)));
        let apart = words("are the policy and procedure review and update done");
        assert!(!v.token_set(&apart, false).contains(&concept));
        let loose = v.token_set(&apart, true);
        assert!(loose.contains(&concept));
        // The words stay: the text still holds them.
        assert!(v.token_set(&apart, false).is_subset(&loose));
        // One of the words is not enough.
        assert!(
            !v.token_set(&words("is the policy approved"), true)
                .contains(&concept)
        );
        // Nor are words far apart in a paragraph.
        let mut long = words("our policy is approved by the board");
        long.extend(words(
            "and each year we review access to production systems and logs of admin work too",
        ));
        assert!(long.len() > LOOSE_TEXT);
        assert!(!v.token_set(&long, true).contains(&concept));
    }
}

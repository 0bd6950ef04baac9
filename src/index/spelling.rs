//! British spellings read as American ones, so that a KB written in one
//! and a questionnaire in the other share their words: "data centres" are
//! "data centers", "organisation" is "organization". The filter runs after
//! lowercasing and before stemming, in the one analyzer that serves the
//! index and [`super::Index::analyze`]. The embedding model reads the text
//! as written: a copy of the bundled KB respelled the British way scores
//! the same with it (`eval/README.md`).

use std::borrow::Cow;

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Words spelled differently, British → American, sorted.
const WORDS: &[(&str, &str)] = &[
    ("acknowledgement", "acknowledgment"),
    ("acknowledgements", "acknowledgments"),
    ("ageing", "aging"),
    ("amongst", "among"),
    ("analogue", "analog"),
    ("analyse", "analyze"),
    ("analysed", "analyzed"),
    ("analyser", "analyzer"),
    ("analysing", "analyzing"),
    ("artefact", "artifact"),
    ("artefacts", "artifacts"),
    ("behaviour", "behavior"),
    ("behavioural", "behavioral"),
    ("behaviours", "behaviors"),
    ("cancelled", "canceled"),
    ("cancelling", "canceling"),
    ("catalogue", "catalog"),
    ("catalogued", "cataloged"),
    ("catalogues", "catalogs"),
    ("centre", "center"),
    ("centres", "centers"),
    ("channelled", "channeled"),
    ("colour", "color"),
    ("colours", "colors"),
    ("counselling", "counseling"),
    ("defence", "defense"),
    ("defences", "defenses"),
    ("dialogue", "dialog"),
    ("endeavour", "endeavor"),
    ("enrol", "enroll"),
    ("enrolment", "enrollment"),
    ("enrolments", "enrollments"),
    ("enrols", "enrolls"),
    ("favour", "favor"),
    ("fibre", "fiber"),
    ("fuelled", "fueled"),
    ("fulfil", "fulfill"),
    ("fulfilment", "fulfillment"),
    ("fulfils", "fulfills"),
    ("grey", "gray"),
    ("harbour", "harbor"),
    ("honour", "honor"),
    ("instalment", "installment"),
    ("instalments", "installments"),
    ("judgement", "judgment"),
    ("judgements", "judgments"),
    ("labelled", "labeled"),
    ("labelling", "labeling"),
    ("labour", "labor"),
    ("levelled", "leveled"),
    ("licence", "license"),
    ("licences", "licenses"),
    ("modelled", "modeled"),
    ("modelling", "modeling"),
    ("neighbour", "neighbor"),
    ("neighbours", "neighbors"),
    ("offence", "offense"),
    ("offences", "offenses"),
    ("paediatric", "pediatric"),
    ("practise", "practice"),
    ("practised", "practiced"),
    ("practises", "practices"),
    ("programme", "program"),
    ("programmes", "programs"),
    ("sceptical", "skeptical"),
    ("signalled", "signaled"),
    ("signalling", "signaling"),
    ("travelled", "traveled"),
    ("travelling", "traveling"),
    ("whilst", "while"),
];

/// Stems that take `-ize` in American spelling and `-ise` in British:
/// `organ` + `isation` → `organization`. A list, not a rule: `advise`,
/// `compromise`, `enterprise`, `exercise`, `premises` and `revise` end in
/// `-ise` in both.
const IZE_STEMS: &[&str] = &[
    "anonym",
    "apolog",
    "author",
    "capital",
    "categor",
    "central",
    "character",
    "commercial",
    "container",
    "contextual",
    "critic",
    "custom",
    "decentral",
    "digit",
    "emphas",
    "final",
    "formal",
    "general",
    "global",
    "harmon",
    "hospital",
    "individual",
    "industrial",
    "initial",
    "internal",
    "international",
    "item",
    "jeopard",
    "legal",
    "legitim",
    "local",
    "maxim",
    "memor",
    "minim",
    "mobil",
    "modern",
    "monet",
    "neutral",
    "normal",
    "operational",
    "optim",
    "organ",
    "parameter",
    "personal",
    "priorit",
    "pseudonym",
    "random",
    "rational",
    "real",
    "recogn",
    "revital",
    "sanit",
    "serial",
    "special",
    "stabil",
    "standard",
    "steril",
    "subsid",
    "summar",
    "symbol",
    "synchron",
    "systemat",
    "token",
    "util",
    "virtual",
    "visual",
];

/// Endings after an `IZE_STEMS` stem, British (`is`) form.
const IZE_ENDINGS: &[&str] = &[
    "ise", "ised", "ises", "ising", "isation", "isations", "iser", "isers",
];

/// The American spelling of a lowercased word spelled the British way, or
/// `None` when the word is not one of those.
pub fn american(word: &str) -> Option<Cow<'static, str>> {
    if let Ok(i) = WORDS.binary_search_by(|(british, _)| british.cmp(&word)) {
        return Some(Cow::Borrowed(WORDS[i].1));
    }
    let ending = IZE_ENDINGS.iter().find(|e| word.ends_with(*e))?;
    let stem = &word[..word.len() - ending.len()];
    IZE_STEMS
        .contains(&stem)
        .then(|| Cow::Owned(format!("{stem}iz{}", &ending[2..])))
}

/// The token filter: every British spelling it knows becomes American.
#[derive(Clone, Copy, Debug, Default)]
pub struct American;

impl TokenFilter for American {
    type Tokenizer<T: Tokenizer> = AmericanFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> AmericanFilter<T> {
        AmericanFilter(tokenizer)
    }
}

#[derive(Clone)]
pub struct AmericanFilter<T>(T);

impl<T: Tokenizer> Tokenizer for AmericanFilter<T> {
    type TokenStream<'a> = AmericanStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        AmericanStream(self.0.token_stream(text))
    }
}

pub struct AmericanStream<S>(S);

impl<S: TokenStream> TokenStream for AmericanStream<S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        if let Some(word) = american(&self.0.token().text) {
            self.0.token_mut().text = word.into_owned();
        }
        true
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_list_is_sorted_for_binary_search() {
        assert!(
            WORDS.windows(2).all(|w| w[0].0 < w[1].0),
            "WORDS out of order"
        );
    }

    #[test]
    fn british_spellings_become_american_and_others_stay() {
        for (british, american_) in [
            ("centres", "centers"),
            ("organisation", "organization"),
            ("organisations", "organizations"),
            ("authorised", "authorized"),
            ("minimising", "minimizing"),
            ("behaviour", "behavior"),
            ("licence", "license"),
            ("programme", "program"),
        ] {
            assert_eq!(american(british).as_deref(), Some(american_), "{british}");
        }
        for same in [
            "exercise",
            "premises",
            "enterprise",
            "compromise",
            "advised",
            "center",
            "analyses",
            "organization",
            "licensing",
            "enrolled",
            "rise",
        ] {
            assert_eq!(american(same), None, "{same}");
        }
    }

    #[test]
    fn the_index_reads_both_spellings_alike() {
        let index = super::super::Index::build([]).unwrap();
        assert_eq!(
            index.analyze("Authorised organisations in data centres"),
            index.analyze("authorized organizations in data centers")
        );
    }
}

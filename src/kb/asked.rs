//! Where a wording was asked: one wording, two answers.
//!
//! Some wordings come back in one questionnaire with different right
//! answers: CAIQ asks "Are the policies and procedures reviewed and updated
//! at least annually?" in every domain, and the policy-review entry answers
//! it only in the domains that have a policy. Reviewers then both take and
//! reject the entry for it, and the entry is held at review for it. `kb
//! learn` also records where each was decided: after which question (and
//! so for a wording taken for one entry on one row and for another on
//! another, which would otherwise be ambiguous between the two). A
//! wording is placed by the nearest question before it that the
//! questionnaire asks only once (the domain's "Are ... policies
//! established?"), so a wording asked twice in a row is still told apart.

use super::model::words;
use super::wording::Wording;

/// Where a reviewer took (`answers`) or did not take an entry for a
/// wording: asked right after the question `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub question: String,
    pub after: String,
    pub answers: bool,
}

/// For each of a questionnaire's questions, in order, the index of the
/// question that places it: the nearest one before it that the
/// questionnaire asks only once (compared by [`words`]), and not the
/// question itself.
pub fn placed_after(questions: &[&str]) -> Vec<Option<usize>> {
    let keys: Vec<String> = questions.iter().map(|q| words(q)).collect();
    placed_after_words(&keys)
}

/// [`placed_after`] of questions already reduced to their [`words`].
pub fn placed_after_words(keys: &[String]) -> Vec<Option<usize>> {
    let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for k in keys {
        *count.entry(k.as_str()).or_default() += 1;
    }
    let mut last_unique: Option<usize> = None;
    let mut out = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        out.push(last_unique.filter(|&j| keys[j] != *k));
        if !k.is_empty() && count[k.as_str()] == 1 {
            last_unique = Some(i);
        }
    }
    out
}

/// The texts of [`placed_after`].
pub fn placed_after_texts(questions: &[&str]) -> Vec<Option<String>> {
    placed_after(questions)
        .into_iter()
        .map(|j| j.map(|j| questions[j].to_owned()))
        .collect()
}

/// [`Asked`] as compared, made once.
#[derive(Debug, Clone)]
pub struct Place {
    question: Wording,
    /// The words of the question before.
    after: String,
    pub answers: bool,
}

impl Place {
    pub fn new(a: &Asked) -> Place {
        Place {
            question: Wording::new(&a.question),
            after: words(&a.after),
            answers: a.answers,
        }
    }

    /// Whether `question`, asked after the question whose [`words`] are
    /// `after`, is asked where this was decided: the wording compared as
    /// `kb learn` compares wordings, the question before by its words
    /// alone (CAIQ's "Are ... policies established?" of two domains are
    /// alike but for a word or two).
    pub fn holds(&self, question: &Wording, after: &str) -> bool {
        self.after == after && self.question.same(question)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wording_is_placed_by_the_last_question_asked_once() {
        let qs = [
            "Section intro?",
            "Are BCM policies established?",
            "Are the policies reviewed annually?",
            "Are change policies established?",
            "Are the policies reviewed annually?",
            "Are the policies reviewed annually?",
        ];
        let after = placed_after(&qs);
        assert_eq!(
            after,
            vec![None, Some(0), Some(1), Some(1), Some(3), Some(3)]
        );
        // Repeated wordings never place another.
        let qs = ["Is it logged?", "Is it logged?", "How long are logs kept?"];
        assert_eq!(placed_after(&qs), vec![None, None, None]);
    }

    #[test]
    fn places_compare_as_learn_compares_wordings() {
        let p = Place::new(&Asked {
            question: "Are the policies reviewed and updated at least annually?".into(),
            after: "Are change management policies established?".into(),
            answers: false,
        });
        let w = Wording::new;
        assert!(p.holds(
            &w("Are the policies reviewed and updated at least annually"),
            &words("Are change-management policies established?")
        ));
        assert!(!p.holds(
            &w("Are the policies reviewed and updated at least annually?"),
            &words("Are change management policies established and approved?")
        ));
    }
}

//! Comparing wordings: character bigrams, and when two wordings are one.

use super::model::words;

/// Wordings at least this similar (Sørensen–Dice over the characters of
/// their [`words`]) are one wording: learning skips them, an import merges
/// them, and a rejection holds for them.
pub const NEAR_DUPLICATE: f64 = 0.9;

/// The character bigrams of a text, whitespace left out, as a sorted
/// multiset: Sørensen–Dice similarity of two texts in one merge.
#[derive(Debug, Clone, Default)]
pub struct Bigrams(Vec<u64>);

impl Bigrams {
    pub fn new(text: &str) -> Bigrams {
        let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
        let mut pairs: Vec<u64> = chars
            .windows(2)
            .map(|w| (u64::from(w[0]) << 32) | u64::from(w[1]))
            .collect();
        pairs.sort_unstable();
        Bigrams(pairs)
    }

    /// Character-level similarity (Sørensen–Dice over bigrams) in 0..1:
    /// near-verbatim wordings score near 1.0.
    pub fn dice(&self, other: &Bigrams) -> f32 {
        let (a, b) = (self.0.len(), other.0.len());
        if a == 0 || b == 0 {
            return 0.0;
        }
        (2 * self.common(other)) as f32 / (a + b) as f32
    }

    /// How many bigrams the two have in common (as a multiset).
    fn common(&self, other: &Bigrams) -> usize {
        let (a, b) = (&self.0, &other.0);
        let (mut i, mut j, mut common) = (0, 0, 0usize);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    common += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        common
    }

    /// Whether the similarity is at least `share`, computed as `strsim`
    /// computes it (in `f64`), and skipped where the counts alone rule it
    /// out.
    pub fn at_least(&self, other: &Bigrams, share: f64) -> bool {
        let (a, b) = (self.0.len(), other.0.len());
        if a == 0 || b == 0 || (2 * a.min(b)) as f64 / ((a + b) as f64) < share {
            return false;
        }
        (2 * self.common(other)) as f64 / ((a + b) as f64) >= share
    }

    /// How many bigrams: two texts whose counts differ much cannot be alike
    /// (Sørensen–Dice is at most 2·min / (min + max)).
    pub fn count(&self) -> usize {
        self.0.len()
    }
}

/// A wording as compared: its [`words`] and their bigrams, made once.
#[derive(Debug, Clone)]
pub struct Wording {
    words: String,
    bigrams: Bigrams,
}

impl Wording {
    pub fn new(text: &str) -> Wording {
        let words = words(text);
        Wording {
            bigrams: Bigrams::new(&words),
            words,
        }
    }

    /// Its words (lowercased, one space apart).
    pub fn words(&self) -> &str {
        &self.words
    }

    /// Whether two wordings are one: the same words, or bigrams alike by
    /// [`NEAR_DUPLICATE`] (a typo, punctuation, case).
    pub fn same(&self, other: &Wording) -> bool {
        self.words == other.words || self.bigrams.at_least(&other.bigrams, NEAR_DUPLICATE)
    }
}

/// Whether two wordings are the same, or nearly ([`Wording::same`]).
pub fn near_duplicate(a: &str, b: &str) -> bool {
    Wording::new(a).same(&Wording::new(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigram_dice_agrees_with_strsim() {
        for (a, b) in [
            ("do you encrypt data at rest", "do you encrypt data at rest"),
            (
                "do you encrypt data at rest",
                "is data encrypted in transit",
            ),
            ("aaaa", "aa"),
            ("contact email", "accessibility contact email"),
        ] {
            let ours = Bigrams::new(a).dice(&Bigrams::new(b));
            let theirs = strsim::sorensen_dice(a, b) as f32;
            assert!(
                (ours - theirs).abs() < 1e-6,
                "{a} / {b}: {ours} vs {theirs}"
            );
        }
    }

    #[test]
    fn the_share_test_agrees_with_strsim() {
        for (a, b) in [
            ("do you encrypt data at rest", "do you encrypt data at rest"),
            ("do you encrypt data at rest", "do you encrypt data at-rest"),
            (
                "is customer data encrypted at rest",
                "is customer data encrypted in transit",
            ),
            ("are backups tested", "are backups tested quarterly"),
            ("aaaa", "aa"),
            ("ab", "ab"),
        ] {
            for share in [0.5, 0.8, 0.9, 0.95] {
                assert_eq!(
                    Bigrams::new(a).at_least(&Bigrams::new(b), share),
                    strsim::sorensen_dice(a, b) >= share,
                    "{a} / {b} at {share}"
                );
            }
        }
    }
}

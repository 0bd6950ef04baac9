//! Knowledge base: approved answers kept as TOML files in git.
//!
//! The on-disk format is a contract documented in `docs/knowledge-base.md`.
//! This module owns parsing and validation; everything downstream works with
//! [`KnowledgeBase`] and never sees TOML.

mod accept;
mod asked;
mod date;
mod learn;
mod load;
mod model;
mod wording;

pub use accept::{
    AcceptError, Accepted, Approval, Outcome, Pending, accept, find_proposal, pending,
    proposals_in, reject,
};
pub use asked::{Asked, Place, placed_after, placed_after_texts, placed_after_words};
pub use date::Date;
pub use learn::{
    Approved, LearnError, Learned, Left, Proposal, Proposed, Rejected, learn, learned_in_memory,
    propose, slug,
};
pub(crate) use load::parse_synonym_groups;
pub use load::{
    Diagnostic, KbError, Scan, Severity, allow_empty, load, load_with_inbox, scan, scan_with,
};
#[cfg(test)]
pub(crate) use model::test_entry;
pub use model::{Choice, Entry, Evidence, KnowledgeBase, Location, words};
pub use wording::{Bigrams, NEAR_DUPLICATE, Wording, near_duplicate};

/// The file name of KB-local synonym groups at the root of a KB.
pub const SYNONYMS_FILE: &str = "synonyms.toml";
/// The folder of proposed entries awaiting approval; never matched against.
pub const INBOX_DIR: &str = "_inbox";

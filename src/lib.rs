//! `vetted`: a security questionnaire answer engine.
//!
//! Dependencies flow one way: [`kb`] → [`index`] and [`embed`] → [`matcher`] → [`fill`]
//! (with [`sheet`] for spreadsheets and [`report`] for the JSON contract);
//! the [`cli`] sits on top. See `ARCHITECTURE.md`.

pub mod cli;
pub mod embed;
pub mod eval;
pub mod files;
pub mod fill;
pub mod harvest;
pub mod index;
pub mod kb;
pub mod matcher;
pub mod report;
pub mod review;
pub mod sheet;
pub mod web;

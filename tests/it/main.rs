//! Integration tests: run the real `vetted` binary in temporary directories.

mod accept;
mod ask;
mod browser;
mod eval;
mod fill;
mod harvest;
mod hostile;
mod import;
mod kb;
mod learn;
mod original;
mod real_files;
mod semantic;
mod serve;
mod support;
mod web;

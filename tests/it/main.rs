//! Integration tests: run the real `vetted` binary in temporary directories.

mod ask;
mod fill;
mod hostile;
mod kb;
mod real_files;
mod support;

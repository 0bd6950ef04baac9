//! A small builder for running `vetted` the way a user does.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (for the bundled KB and samples).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared real questionnaires, or `None` (with a printed notice) when the
/// folder is absent, as in a user's clone. CI sets `VETTED_REQUIRE_SHARED=1`
/// so that a missing folder fails instead.
pub fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("VETTED_QUESTIONNAIRES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/questionnaires"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("VETTED_REQUIRE_SHARED").is_some() {
        panic!("shared questionnaires not found at `{}`", dir.display());
    }
    eprintln!(
        "notice: skipping: shared questionnaires not found at `{}`",
        dir.display()
    );
    None
}

/// The sentence-embedding model for semantic tests (`VETTED_TEST_MODEL`, a
/// directory with `config.json`, `tokenizer.json`, `model.safetensors`), or
/// `None` with a printed notice. CI sets `VETTED_REQUIRE_MODEL=1` so that a
/// missing model fails instead.
pub fn model() -> Option<PathBuf> {
    let dir = std::env::var_os("VETTED_TEST_MODEL").map(PathBuf::from);
    if let Some(dir) = dir.filter(|d| d.join("model.safetensors").is_file()) {
        return Some(dir);
    }
    if std::env::var_os("VETTED_REQUIRE_MODEL").is_some() {
        panic!("VETTED_REQUIRE_MODEL is set but VETTED_TEST_MODEL is not a model directory");
    }
    eprintln!("notice: skipping: set VETTED_TEST_MODEL to a model directory to run semantic tests");
    None
}

/// The `VETTED_HOME` that semantic tests share, its cache holding the
/// question bank's vectors and topics. Embedding the bank and fitting its
/// topics takes a minute in a test build: the first test to get here does it
/// (once per test run, once ever while `target/` lasts), the others wait for
/// it rather than each doing it at the same time.
pub fn shared_home(model: &Path) -> &'static Path {
    static HOME: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    HOME.get_or_init(|| {
        let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vetted-home");
        Test::new()
            .file(
                "kb/a.toml",
                entry("one", "Is the question bank embedded?", "Yes"),
            )
            .env("VETTED_MODEL", model.to_str().unwrap())
            .env("VETTED_HOME", home.to_str().unwrap())
            .args(["ask", "--kb", "kb", "Is the bank ready?"])
            .run()
            .expect(0);
        home
    })
}

/// One invocation of `vetted` in a fresh temporary directory.
pub struct Test {
    pub dir: tempfile::TempDir,
    args: Vec<String>,
    envs: Vec<(String, String)>,
}

impl Test {
    /// Runs without a model: `VETTED_HOME` is a fresh folder of the test.
    pub fn new() -> Test {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join(".vetted-home").display().to_string();
        Test {
            dir,
            args: Vec::new(),
            envs: vec![
                ("VETTED_TODAY".into(), "2026-11-23".into()),
                ("VETTED_HOME".into(), home),
            ],
        }
    }

    /// Uses the test model, with an embedding cache shared by the tests.
    pub fn model(self, model: &Path) -> Test {
        let home = shared_home(model);
        self.env("VETTED_MODEL", model.to_str().unwrap())
            .env("VETTED_HOME", home.to_str().unwrap())
    }

    /// Uses the test model with this test's own `VETTED_HOME`, its cache
    /// a copy of the shared one: the question bank is embedded and its
    /// topics fitted, and the test sees every write to the cache.
    pub fn model_with_own_cache(self, model: &Path) -> Test {
        let from = shared_home(model).join("cache");
        let to = self.path(".vetted-home/cache");
        std::fs::create_dir_all(&to).expect("cache folder");
        for file in std::fs::read_dir(&from).expect("shared cache") {
            let file = file.expect("shared cache");
            std::fs::copy(file.path(), to.join(file.file_name())).expect("copy the shared cache");
        }
        self.env("VETTED_MODEL", model.to_str().unwrap())
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file (creating folders) below the temp dir.
    pub fn file(self, rel: &str, contents: impl AsRef<[u8]>) -> Test {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    /// Copies a file into the temp dir under `rel`.
    pub fn copy(self, from: &Path, rel: &str) -> Test {
        let bytes = std::fs::read(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        self.file(rel, bytes)
    }

    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Test {
        self.envs.push((key.into(), value.into()));
        self
    }

    pub fn run(&self) -> Run {
        self.again(&self.args)
    }

    /// Runs `vetted` again in the same folder, with other arguments.
    pub fn again<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vetted"));
        cmd.current_dir(self.dir.path())
            .args(args)
            .env_remove("VETTED_KB")
            .env_remove("VETTED_MODEL")
            .env("NO_COLOR", "1");
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        let output = cmd.output().expect("run vetted");
        Run { output }
    }
}

pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Asserts the exit code, showing the output when it differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code(),
            code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        assert!(
            !self.stderr().contains("panicked"),
            "panic: {}",
            self.stderr()
        );
        self
    }
}

/// The one inbox file of the KB folder `kb`.
pub fn inbox_file(kb: &Path) -> PathBuf {
    let files: Vec<_> = std::fs::read_dir(kb.join("_inbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// Parses `C12` into 0-based (row, col).
pub fn cell(reference: &str) -> (u32, u32) {
    let split = reference.find(|c: char| c.is_ascii_digit()).unwrap();
    let col = vetted::sheet::parse_column(&reference[..split]).unwrap();
    let row: u32 = reference[split..].parse().unwrap();
    (row - 1, col)
}

/// A small valid KB entry.
pub fn entry(id: &str, question: &str, answer: &str) -> String {
    format!("[[entry]]\nid = \"{id}\"\nquestion = \"{question}\"\nanswer = \"{answer}\"\n\n")
}

/// A questionnaire workbook with one sheet, `Security` (ID, Question,
/// Answer, Comments): `questions` as `Q-1`, `Q-2`, ..., `notes` in the
/// Comments cells of the first ones (empty for none), and each dropdown on
/// the answer cells of questions `first..=last` (1-based).
pub fn dropdown_workbook(
    questions: &[&str],
    notes: &[&str],
    dropdowns: &[(u32, u32, &rust_xlsxwriter::DataValidation)],
) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("Security").unwrap();
    for (c, h) in ["ID", "Question", "Answer", "Comments"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (i, q) in questions.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, format!("Q-{r}")).unwrap();
        ws.write_string(r, 1, *q).unwrap();
    }
    for (i, note) in notes.iter().enumerate() {
        if !note.is_empty() {
            ws.write_string(i as u32 + 1, 3, *note).unwrap();
        }
    }
    for (first, last, dv) in dropdowns {
        ws.add_data_validation(*first, 2, *last, 2, dv).unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// A one-sheet xlsx of text cells: `rows[0]` is the header row; empty
/// strings leave a cell empty.
pub fn table_workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                ws.write_string(r as u32, c as u16, *text).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// Reads a JSON report.
pub fn report(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("report is JSON")
}

/// The entries of a zip package, in order: name and inflated bytes.
pub fn zip_entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read as _;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip package");
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().unwrap().to_string(), data)
        })
        .collect()
}

/// The names of the entries that differ between two packages with the same
/// entries (asserted), in order.
pub fn changed_entries(before: &[u8], after: &[u8]) -> Vec<String> {
    let (a, b) = (zip_entries(before), zip_entries(after));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|e| e.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "the packages hold other entries");
    a.iter()
        .zip(&b)
        .filter(|(x, y)| x.1 != y.1)
        .map(|(x, _)| x.0.clone())
        .collect()
}

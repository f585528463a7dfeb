//! The saved login (`minicloud login` / `logout`), like the official `mincloud`'s `.mincloudrc`: a JSON file
//! `{url, client_id, client_secret}`, readable by its owner only (0600). Its own name, `~/.minicloudrc`
//! (or `MINICLOUD_CONFIG`), so the official tool's file is never touched. The secret is kept so the token can
//! be renewed; it is never printed.

use serde_json::{json, Value};
use std::path::PathBuf;

/// A saved login. No `Debug`: it holds the client secret.
pub struct Login {
    /// The open API's base URL.
    pub url: String,
    /// The client ID.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
}

/// Where the login is kept: `MINICLOUD_CONFIG`, else `~/.minicloudrc`.
pub fn path() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("MINICLOUD_CONFIG").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|home| PathBuf::from(home).join(".minicloudrc"))
        .ok_or_else(|| "cannot find the home directory: set HOME or MINICLOUD_CONFIG".to_string())
}

/// The saved login, if there is one.
pub fn load() -> Result<Option<Login>, String> {
    let path = path()?;
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        format!("{} is not a minicloud login ({e}): run `minicloud logout` and log in again", path.display())
    })?;
    let field = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
    match (field("url"), field("client_id"), field("client_secret")) {
        (Some(url), Some(client_id), Some(client_secret)) => Ok(Some(Login { url, client_id, client_secret })),
        _ => Err(format!("{} lacks url, client_id or client_secret: run `minicloud login` again", path.display())),
    }
}

/// Saves `login`, readable by its owner only.
pub fn save(login: &Login) -> Result<PathBuf, String> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let path = path()?;
    let text = json!({"url": login.url, "client_id": login.client_id, "client_secret": login.client_secret});
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut file =
        std::fs::OpenOptions::new().create(true).write(true).truncate(true).mode(0o600).open(&path).map_err(fail)?;
    // An older file keeps its mode on open: make it private before the secret goes in.
    file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(fail)?;
    file.write_all(format!("{text:#}\n").as_bytes()).map_err(fail)?;
    Ok(path)
}

/// Forgets the saved login; whether there was one.
pub fn remove() -> Result<bool, String> {
    let path = path()?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
    }
}

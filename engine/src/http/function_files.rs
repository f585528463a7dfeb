//! A function's files besides `index.js` through the open API (a minicloud extension): `deploy` sends the
//! whole function directory — `config.json`, helpers — as `files: {"relative/path": "text"}` next to
//! `function_code`, and `pull` reads them back. A real 知晓云 ignores the field. Paths are relative, without
//! `..`, NUL or a leading `/`; `node_modules`, dot-files and `index.js` itself are not files of this kind.

use super::reply::{err, ApiError};
use serde_json::{Map, Value};
use std::path::{Component, Path};

/// At most this many files per function.
const MAX_FILES: usize = 200;

/// Whether `path` may be written under a function directory.
fn allowed(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty()
        && !path.contains('\0')
        && !path.contains('\\')
        && p.components().all(|c| matches!(c, Component::Normal(n) if !n.to_string_lossy().starts_with('.')))
        && p.components().next().is_some_and(|c| c.as_os_str() != "node_modules")
        && path != "index.js"
}

/// The `files` field: `{path: text}` (absent or null: none).
pub(crate) fn parse(value: Option<&Value>) -> Result<Vec<(String, String)>, ApiError> {
    let Some(value) = value.filter(|v| !v.is_null()) else { return Ok(Vec::new()) };
    let Value::Object(map) = value else { return Err(err(400, "files must be an object of path: text")) };
    if map.len() > MAX_FILES {
        return Err(err(400, format!("files holds {} files; at most {MAX_FILES}", map.len())));
    }
    map.iter()
        .map(|(path, text)| match text {
            Value::String(t) if allowed(path) => Ok((path.clone(), t.clone())),
            Value::String(_) => Err(err(400, format!("files: {path:?} is not a relative path inside the function"))),
            _ => Err(err(400, format!("files: {path:?} must be text"))),
        })
        .collect()
}

/// Writes `files` under `dir`.
pub(crate) fn write(dir: &Path, files: &[(String, String)]) -> std::io::Result<()> {
    for (path, text) in files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, text)?;
    }
    Ok(())
}

/// The function directory's files of this kind that are UTF-8 text, by relative path.
pub(crate) fn read(dir: &Path) -> Map<String, Value> {
    let mut out = Map::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&at) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(relative) = path.strip_prefix(dir).ok().and_then(|r| r.to_str()).map(str::to_owned) else {
                continue;
            };
            if !allowed(&relative) || out.len() >= MAX_FILES {
                continue;
            }
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => {
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        out.insert(relative, Value::String(text));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_relative_paths_inside_the_function_are_allowed() {
        for ok in ["config.json", "lib/工具.js"] {
            assert!(allowed(ok), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "node_modules/x.js", ".env", "index.js", "a\0b", "a\\b"] {
            assert!(!allowed(bad), "{bad}");
        }
    }
}

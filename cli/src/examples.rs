//! The example functions, embedded in the binary (the checkout may move or be gone): the embedded engine
//! serves them when there is no `./functions`, and `minicloud new` writes a function of either contract.

use std::path::{Path, PathBuf};

/// The bundled example functions: `(function, file, text)`.
const BUNDLED: &[(&str, &str, &str)] = &[
    ("helloWorld", "index.js", include_str!("../../examples/functions/helloWorld/index.js")),
    ("greetChain", "index.js", include_str!("../../examples/functions/greetChain/index.js")),
    ("sendTemplateMessage", "index.js", include_str!("../../examples/functions/sendTemplateMessage/index.js")),
    ("sendTemplateMessage", "config.json", include_str!("../../examples/functions/sendTemplateMessage/config.json")),
];

/// A new 知晓云-style function (PROTOCOL.md §3.1, §5.4).
const MINAPP_TEMPLATE: &str = r#"// 知晓云 cloud function: `event.data` holds the caller's params; the global `BaaS` calls other functions.
exports.main = async function (event) {
  console.log('event.data: ', event.data)
  const name = (event.data && event.data.name) || 'world'
  return `hello ${name}`
}
"#;

/// A new WeChat-style function (PROTOCOL.md §3.2).
const WECHAT_TEMPLATE: &str = r#"// WeChat cloud function: runs with wx-server-sdk (the local engine supplies a stand-in).
const cloud = require('wx-server-sdk')
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })
exports.main = async (event, context) => {
  const { OPENID, APPID } = cloud.getWXContext()
  return { event, OPENID, APPID }
}
"#;

/// Writes the bundled examples under `dir` (one directory per function).
pub fn write_bundled(dir: &Path) -> std::io::Result<()> {
    for (function, file, text) in BUNDLED {
        let at = dir.join(function);
        std::fs::create_dir_all(&at)?;
        std::fs::write(at.join(file), text)?;
    }
    Ok(())
}

/// Which contract a new function follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Contract {
    /// 知晓云: `exports.main = async (event) => ...`, `event.data`, the global `BaaS`.
    Minapp,
    /// WeChat: `require('wx-server-sdk')`, `exports.main = async (event, context) => ...`.
    Wechat,
}

/// Writes a new function `name` under `root`; refuses to overwrite one. Returns its directory.
pub fn scaffold(root: &Path, name: &str, contract: Contract) -> Result<PathBuf, String> {
    let dir = root.join(name);
    if dir.exists() {
        return Err(format!("{} already exists: pick another name or remove it", dir.display()));
    }
    let (code, config) = match contract {
        Contract::Minapp => (MINAPP_TEMPLATE, None),
        Contract::Wechat => (WECHAT_TEMPLATE, Some("{\n  \"permissions\": {\n    \"openapi\": []\n  }\n}\n")),
    };
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("index.js"), code)?;
        if let Some(config) = config {
            std::fs::write(dir.join("config.json"), config)?;
        }
        Ok(())
    };
    write().map_err(|e| format!("cannot write {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Where functions are served from when no directory is given: `./functions` if present, else the bundled
/// examples written to a private temporary directory (kept while the returned guard lives).
pub fn default_dir() -> Result<(PathBuf, Option<tempfile::TempDir>), String> {
    let local = PathBuf::from("functions");
    if local.is_dir() {
        return Ok((local, None));
    }
    let tmp = tempfile::Builder::new()
        .prefix("minicloud-examples-")
        .tempdir()
        .map_err(|e| format!("cannot write the bundled examples: {e}"))?;
    write_bundled(tmp.path()).map_err(|e| format!("cannot write the bundled examples: {e}"))?;
    Ok((tmp.path().to_path_buf(), Some(tmp)))
}

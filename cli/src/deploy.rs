//! `minicloud deploy <name> [root] [-m remark]`: uploads a function — the whole directory: `index.js` as
//! `function_code`, and its other text files (`config.json`, helpers) as minicloud's `files` (a real 知晓云
//! ignores them) — creating it, or updating it when it exists, on the target [`crate::target`] picks.
//!
//! The source is `<root>/<name>/` (root default: ./functions if it exists, else the current directory);
//! `root` may also be the function's own directory or a single `.js` file (the older `deploy NAME PATH`).
//! `node_modules`, dot-files and files that are not UTF-8 text are not uploaded (and are named).

use crate::target::TargetArgs;
use clap::Args;
use minicloud_core::minapp_server::{check_function_name, ServerOp};
use minicloud_core::ErrorKind;
use std::path::{Path, PathBuf};

/// Arguments of `minicloud deploy`.
#[derive(Args)]
pub struct DeployArgs {
    /// The function's name.
    pub name: String,
    /// Where functions live (`<root>/<name>/`), or the function's directory, or a `.js` file.
    pub root: Option<PathBuf>,
    /// Remark stored with the function.
    #[arg(short = 'm', long = "message", visible_alias = "remark")]
    pub remark: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// What is uploaded.
struct Source {
    code: String,
    files: Vec<(String, String)>,
    skipped: Vec<String>,
}

/// Most other files uploaded with a function.
const MAX_FILES: usize = 200;

fn source_dir(name: &str, root: Option<&Path>) -> PathBuf {
    match root {
        Some(root) if root.join(name).is_dir() => root.join(name),
        Some(root) => root.to_path_buf(),
        None => crate::new::default_root().join(name),
    }
}

fn read_source(path: &Path) -> Result<Source, String> {
    let read = |file: &Path| std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()));
    if !path.is_dir() {
        return Ok(Source { code: read(path)?, files: Vec::new(), skipped: Vec::new() });
    }
    let code = read(&path.join("index.js"))?;
    let (mut files, mut skipped) = (Vec::new(), Vec::new());
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let full = entry.path();
            let relative = full.strip_prefix(path).unwrap_or(&full).to_string_lossy().into_owned();
            let name = entry.file_name().to_string_lossy().into_owned();
            if relative == "index.js" {
                continue;
            }
            if name.starts_with('.') || name == "node_modules" {
                skipped.push(relative);
                continue;
            }
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(full),
                Ok(_) => match std::fs::read_to_string(&full) {
                    Ok(text) if files.len() < MAX_FILES => files.push((relative, text)),
                    _ => skipped.push(relative),
                },
                Err(_) => skipped.push(relative),
            }
        }
    }
    files.sort();
    skipped.sort();
    Ok(Source { code, files, skipped })
}

/// Creates the function, or updates it when it exists.
pub async fn run(args: DeployArgs) -> Result<(), String> {
    check_function_name(&args.name).map_err(|e| crate::describe(&e))?;
    let path = source_dir(&args.name, args.root.as_deref());
    let source = read_source(&path)?;
    let target = args.target.connect().await?;
    if target.in_process() {
        target.close().await;
        return Err(crate::needs_server("deploy"));
    }
    let exists = match target.server.get_function(&args.name).await {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(format!("looking up the function failed: {}", crate::describe(&e))),
    };
    let op = |exists: bool| match exists {
        true => ServerOp::UpdateFunction {
            name: args.name.clone(),
            code: Some(source.code.clone()),
            remark: args.remark.clone(),
            files: source.files.clone(),
        },
        false => ServerOp::CreateFunction {
            name: args.name.clone(),
            code: source.code.clone(),
            remark: args.remark.clone(),
            files: source.files.clone(),
        },
    };
    let result = match exists {
        Ok(exists) => target.server.call(op(exists), None).await.map(|_| exists).map_err(|e| crate::describe(&e)),
        Err(e) => Err(e),
    };
    let url = target.url.clone();
    target.close().await;
    let updated = result?;
    let verb = if updated { "updated" } else { "created" };
    let others = if source.files.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = source.files.iter().map(|(p, _)| p.as_str()).collect();
        format!(" and {}", names.join(", "))
    };
    println!("{verb} function {} ({} bytes of index.js{others}) on {url}", args.name, source.code.len());
    if !source.skipped.is_empty() {
        println!("note: not uploaded: {}", source.skipped.join(", "));
    }
    Ok(())
}

//! `minicloud list`, `pull <name> [root]` and `delete <name>`: the open API's function management, on the
//! target [`crate::target`] picks.

use crate::target::{Target, TargetArgs};
use clap::Args;
use minicloud_core::minapp_server::{check_function_name, ServerOp};
use serde_json::Value;
use std::path::{Component, Path, PathBuf};

/// Arguments of `minicloud list`.
#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Arguments of `minicloud pull`.
#[derive(Args)]
pub struct PullArgs {
    /// The function's name.
    pub name: String,
    /// Where to write it (`<root>/<name>/`; default ./functions if it exists, else the current directory).
    pub root: Option<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Arguments of `minicloud delete`.
#[derive(Args)]
pub struct DeleteArgs {
    /// The function's name.
    pub name: String,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// A page size the open API accepts.
const PAGE: u32 = 100;

/// Every function, page by page.
async fn all_functions(target: &Target) -> Result<Vec<Value>, String> {
    let mut objects = Vec::new();
    loop {
        let page = target
            .server
            .list_functions(Some(PAGE), Some(objects.len() as u32))
            .await
            .map_err(|e| crate::describe(&e))?;
        let batch = page["objects"].as_array().cloned().unwrap_or_default();
        let total = page["meta"]["total_count"].as_u64();
        let done = batch.len() < PAGE as usize || total.is_some_and(|t| objects.len() + batch.len() >= t as usize);
        objects.extend(batch);
        if done {
            return Ok(objects);
        }
    }
}

/// Prints the functions: name, audit status and remark per line (`--json`: the objects).
pub async fn list(args: ListArgs) -> Result<(), String> {
    let target = args.target.connect().await?;
    let result = all_functions(&target).await;
    target.close().await;
    let objects = result?;
    if args.target.json {
        println!("{}", Value::Array(objects));
        return Ok(());
    }
    for f in &objects {
        let field = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
        println!("{}\t{}\t{}", field("name"), field("audit_status"), field("remark"));
    }
    Ok(())
}

/// A relative path a pulled file may be written to: no `..`, no root, no prefix.
fn safe_relative(path: &str) -> bool {
    !path.is_empty() && Path::new(path).components().all(|c| matches!(c, Component::Normal(_)))
}

/// Writes the function's code (and, from a minicloud engine, its other files) to `<root>/<name>/`.
pub async fn pull(args: PullArgs) -> Result<(), String> {
    check_function_name(&args.name).map_err(|e| crate::describe(&e))?;
    let target = args.target.connect().await?;
    let result = target.server.get_function(&args.name).await;
    target.close().await;
    let function = result.map_err(|e| crate::describe(&e))?;
    let dir = args.root.unwrap_or_else(crate::new::default_root).join(&args.name);
    let code = function["function_code"].as_str().ok_or("the answer has no function_code")?;
    let mut files = vec![("index.js".to_owned(), code.to_owned())];
    if let Some(extra) = function["files"].as_object() {
        for (path, text) in extra {
            if !safe_relative(path) {
                return Err(format!("the server sent a file outside the function: {path:?}"));
            }
            files.push((path.clone(), text.as_str().unwrap_or_default().to_owned()));
        }
    }
    for (path, text) in &files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&target, text).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    if args.target.json {
        println!("{function}");
    } else {
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        println!("pulled {} into {} ({})", args.name, dir.display(), names.join(", "));
    }
    Ok(())
}

/// Deletes the function. Refused on the in-process engine, whose functions are your own directory.
pub async fn delete(args: DeleteArgs) -> Result<(), String> {
    check_function_name(&args.name).map_err(|e| crate::describe(&e))?;
    let target = args.target.connect().await?;
    if target.in_process() {
        target.close().await;
        return Err(crate::needs_server("delete"));
    }
    let result = target.server.call(ServerOp::DeleteFunction { name: args.name.clone() }, None).await;
    let url = target.url.clone();
    target.close().await;
    result.map_err(|e| crate::describe(&e))?;
    println!("deleted function {} on {url}", args.name);
    Ok(())
}

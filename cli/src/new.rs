//! `minicloud new <name> [root]`: scaffolds a function (`<root>/<name>/index.js`), as `mincloud new` does,
//! in either contract.

use crate::examples::{self, Contract};
use clap::Args;
use minicloud_core::minapp_server::check_function_name;
use std::path::PathBuf;

/// Arguments of `minicloud new`.
#[derive(Args)]
pub struct NewArgs {
    /// The function's name.
    pub name: String,
    /// Where functions live (default ./functions if it exists, else the current directory).
    pub root: Option<PathBuf>,
    /// The contract: 知晓云 (`exports.main = async (event) => ...`) or WeChat (`wx-server-sdk`).
    #[arg(long, value_enum, default_value_t = Contract::Minapp)]
    pub contract: Contract,
}

/// Where functions live when no root is given: `./functions` if present, else the current directory.
pub fn default_root() -> PathBuf {
    let functions = PathBuf::from("functions");
    if functions.is_dir() {
        functions
    } else {
        PathBuf::from(".")
    }
}

/// Writes the new function and says where.
pub async fn run(args: NewArgs) -> Result<(), String> {
    check_function_name(&args.name).map_err(|e| crate::describe(&e))?;
    let root = args.root.unwrap_or_else(default_root);
    let dir = examples::scaffold(&root, &args.name, args.contract)?;
    println!("created {}", dir.join("index.js").display());
    Ok(())
}

//! `minicloud`: run a local 知晓云-compatible cloud engine and deploy functions to it.
//!
//! Subcommands:
//! - `serve [DIR]` runs the engine in the foreground;
//! - `invoke NAME [PARAMS]` calls a function through the core (on an embedded engine unless `--url`);
//! - `wx-invoke NAME [BODY] --appid .. --env ..` (secret from `MINICLOUD_WX_SECRET` or `--secret-file`) calls
//!   WeChat's `invokeCloudFunction`;
//! - `deploy NAME PATH --url URL` uploads a function through the management API (admin token from
//!   `MINICLOUD_ADMIN_TOKEN` or `--admin-token-file`: secrets never go on the command line);
//! - `outbox --url URL` lists the open-API calls functions made (cloud call);
//! - `triggers [DIR]` lists the timer triggers declared in a functions directory and their next firings.

mod deploy;
mod invoke;
mod outbox;
mod secret;
mod serve;
mod triggers;
mod wx_invoke;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The minicloud command line. No `Debug`: its arguments can hold secrets (the refused `--secret`, `--admin-token`,
/// `--password`), and a derived `Debug` would print them.
#[derive(Parser)]
#[command(name = "minicloud", version, about = "Run and deploy 知晓云-compatible cloud functions locally")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands. Each has its own module with an `Args` struct and a `run` function.
#[derive(Subcommand)]
enum Command {
    /// Run the local engine (until Ctrl-C / SIGTERM).
    Serve(serve::ServeArgs),
    /// Upload a function (a directory with index.js, or a .js file) through the management API.
    Deploy(deploy::DeployArgs),
    /// Call a cloud function through the core and print the result JSON. Without --url, an engine runs
    /// in-process on ./functions (or the bundled examples) and a local user is signed in.
    Invoke(invoke::InvokeArgs),
    /// Call a WeChat cloud function through WeChat's server-side HTTP API (invokeCloudFunction), with the
    /// access_token fetched and cached for you. Point --url at `minicloud serve` to develop locally.
    WxInvoke(wx_invoke::WxInvokeArgs),
    /// List the open-API calls (cloud.openapi.*) functions made on an engine: API, arguments, calling
    /// function, OPENID, time. Needs the engine's admin token.
    Outbox(outbox::OutboxArgs),
    /// List the timer triggers declared in a functions directory (config.json "triggers") with their next
    /// firing times (UTC+8, as WeChat).
    Triggers(triggers::TriggersArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("minicloud: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Deploy(args) => deploy::run(args).await,
            Command::Invoke(args) => invoke::run(args).await,
            Command::WxInvoke(args) => wx_invoke::run(args).await,
            Command::Outbox(args) => outbox::run(args).await,
            Command::Triggers(args) => triggers::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("minicloud: {msg}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use static_assertions::assert_not_impl_any;

    // The argument structs that hold a secret have no `Debug`, so no `{:?}` (a log line, a panic message, a
    // future `dbg!`) can print `--secret`, `--admin-token` or `--password`.
    assert_not_impl_any!(super::Cli: std::fmt::Debug);
    assert_not_impl_any!(super::Command: std::fmt::Debug);
    assert_not_impl_any!(super::wx_invoke::WxInvokeArgs: std::fmt::Debug);
    assert_not_impl_any!(super::invoke::InvokeArgs: std::fmt::Debug);
    assert_not_impl_any!(super::outbox::OutboxArgs: std::fmt::Debug);
    assert_not_impl_any!(super::deploy::DeployArgs: std::fmt::Debug);
    assert_not_impl_any!(super::serve::ServeArgs: std::fmt::Debug);
}

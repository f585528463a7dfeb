//! `minicloud`: a local 知晓云-compatible cloud engine, and a superset of the official `mincloud` CLI.
//!
//! - `serve [DIR]` runs the engine in the foreground;
//! - `new`, `deploy`, `invoke`, `list`, `pull`, `delete`, `login`, `logout`: `mincloud`'s commands, on the
//!   local engine by default and on a real 知晓云 (`--url https://cloud.minapp.com`, or the saved login)
//!   with the same code (see [`target`]); `invoke` also calls as an app user (see [`invoke`]);
//! - `wx-invoke NAME [BODY] --appid .. --env ..` (secret from `MINICLOUD_WX_SECRET` or `--secret-file`) calls
//!   WeChat's `invokeCloudFunction`;
//! - `outbox --url URL` lists the open-API calls functions made (cloud call);
//! - `triggers [DIR]` lists the timer triggers declared in a functions directory and their next firings.
//!
//! Secrets come from the environment or a file, never a flag (`login`'s positional secret excepted, as
//! `mincloud` takes it; it also reads it from standard input).

mod deploy;
mod examples;
mod functions;
mod invoke;
mod login;
mod new;
mod outbox;
mod rc;
mod secret;
mod serve;
mod target;
mod triggers;
mod wx_invoke;

use clap::{Parser, Subcommand};
use minicloud_core::HError;
use std::process::ExitCode;

const EXIT_CODES: &str = "\
Exit codes:
  0  done (an invoke whose function failed still prints its answer, code 1 inside, and exits 0)
  1  failed: the server refused (the HError is printed), bad input, no credentials, unreachable server
  2  usage error (unknown command or flag)

Secrets (client secret, admin token, passwords) come from the environment or a --*-file, never from a flag.";

/// The minicloud command line. No `Debug`: its arguments can hold secrets (the refused `--secret`, `--admin-token`,
/// `--password`), and a derived `Debug` would print them.
#[derive(Parser)]
#[command(
    name = "minicloud",
    version,
    about = "Run 知晓云-compatible cloud functions locally, and manage them here or on 知晓云 (a superset of mincloud)",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands. Each has its own module with an `Args` struct and a `run` function.
#[derive(Subcommand)]
enum Command {
    /// Run the local engine (until Ctrl-C / SIGTERM).
    #[command(after_help = "Example:\n  MINICLOUD_ADMIN_TOKEN=dev minicloud serve ./functions --port 8000")]
    Serve(serve::ServeArgs),
    /// Create a function from a template: <root>/<name>/index.js (知晓云 or WeChat contract).
    #[command(after_help = "Examples:\n  minicloud new hello\n  minicloud new notify ./functions --contract wechat")]
    New(new::NewArgs),
    /// Upload a function directory (index.js, config.json, helpers): create it, or update it.
    #[command(
        after_help = "Examples:\n  minicloud deploy hello -m '第一版'\n  minicloud deploy hello ./functions --url https://cloud.minapp.com"
    )]
    Deploy(deploy::DeployArgs),
    /// Call a cloud function and print the result. As an app user (the answer's JSON), or as a server
    /// (mincloud's form: result, job id, run time, billing time, memory, log) with --server or after `login`.
    #[command(
        after_help = "Examples:\n  minicloud invoke helloWorld '{\"name\":\"allen\"}'\n  minicloud invoke helloWorld '{\"name\":\"小明\"}' --server"
    )]
    Invoke(invoke::InvokeArgs),
    /// List the functions: name, audit status, remark.
    #[command(after_help = "Example:\n  minicloud list --json")]
    List(functions::ListArgs),
    /// Download a function into <root>/<name>/ (index.js and, from a minicloud engine, its other files).
    #[command(after_help = "Example:\n  minicloud pull hello ./backup")]
    Pull(functions::PullArgs),
    /// Delete a function.
    #[command(after_help = "Example:\n  minicloud delete hello")]
    Delete(functions::DeleteArgs),
    /// Check open-API credentials and save them (~/.minicloudrc, mode 0600) for the other commands.
    #[command(
        after_help = "Examples:\n  minicloud login my-client-id            # asks for the secret without echoing it\n  \
                            printf %s \"$SECRET\" | minicloud login my-client-id - --url http://127.0.0.1:8000"
    )]
    Login(login::LoginArgs),
    /// Forget the saved login.
    #[command(after_help = "Example:\n  minicloud logout")]
    Logout,
    /// Call a WeChat cloud function through WeChat's server-side HTTP API (invokeCloudFunction), with the
    /// access_token fetched and cached for you. Point --url at `minicloud serve` to develop locally.
    #[command(
        after_help = "Example:\n  MINICLOUD_WX_SECRET=... minicloud wx-invoke add '{\"a\":1}' --appid wx123 --env prod-1"
    )]
    WxInvoke(wx_invoke::WxInvokeArgs),
    /// List the open-API calls (cloud.openapi.*) functions made on an engine: API, arguments, calling
    /// function, OPENID, time. Needs the engine's admin token.
    #[command(after_help = "Example:\n  MINICLOUD_ADMIN_TOKEN=dev minicloud outbox --url http://127.0.0.1:8000")]
    Outbox(outbox::OutboxArgs),
    /// List the timer triggers declared in a functions directory (config.json "triggers") with their next
    /// firing times (UTC+8, as WeChat).
    #[command(after_help = "Example:\n  minicloud triggers ./functions --count 3")]
    Triggers(triggers::TriggersArgs),
}

/// `"404: not found (kind not_found, request r-1)"`.
pub(crate) fn describe(error: &HError) -> String {
    let mut text = format!("{} (kind {}", error.message(), error.kind());
    if let Some(id) = error.request_id() {
        text.push_str(&format!(", request {id}"));
    }
    text.push(')');
    text
}

/// Why `command` cannot run on the in-process engine.
pub(crate) fn needs_server(command: &str) -> String {
    format!(
        "{command} needs a server: start one (`minicloud serve`) and `minicloud login minicloud-local --url URL`, \
         or pass --url (the in-process engine serves your own ./functions directory)"
    )
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One thread: the engine's own work per call is small (the functions run in worker processes), and on
    // a single thread it skips the wake-ups between runtime threads: at concurrency 1 the engine spent ~20%
    // less CPU per call and answered ~15% more calls per second than on the multi-thread runtime
    // (benches/README.md, "Local engine").
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("minicloud: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::New(args) => new::run(args).await,
            Command::Deploy(args) => deploy::run(args).await,
            Command::Invoke(args) => invoke::run(args).await,
            Command::List(args) => functions::list(args).await,
            Command::Pull(args) => functions::pull(args).await,
            Command::Delete(args) => functions::delete(args).await,
            Command::Login(args) => login::run(args).await,
            Command::Logout => login::logout().await,
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
    // future `dbg!`) can print `--secret`, `--admin-token`, `--password` or a client secret.
    assert_not_impl_any!(super::Cli: std::fmt::Debug);
    assert_not_impl_any!(super::Command: std::fmt::Debug);
    assert_not_impl_any!(super::wx_invoke::WxInvokeArgs: std::fmt::Debug);
    assert_not_impl_any!(super::invoke::InvokeArgs: std::fmt::Debug);
    assert_not_impl_any!(super::outbox::OutboxArgs: std::fmt::Debug);
    assert_not_impl_any!(super::deploy::DeployArgs: std::fmt::Debug);
    assert_not_impl_any!(super::serve::ServeArgs: std::fmt::Debug);
    assert_not_impl_any!(super::login::LoginArgs: std::fmt::Debug);
    assert_not_impl_any!(super::target::TargetArgs: std::fmt::Debug);
    assert_not_impl_any!(super::rc::Login: std::fmt::Debug);
}

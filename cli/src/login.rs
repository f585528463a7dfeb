//! `minicloud login <client_id> [client_secret]` and `logout`: the open-API login the other commands use,
//! checked (a token is fetched) before it is saved ([`crate::rc`], 0600). The secret may come as the
//! argument (as `mincloud login` takes it), from `MINICLOUD_CLIENT_SECRET`, or from standard input (`-`, or
//! typed at a prompt that does not echo), so it need not sit in shell history.

use crate::rc::{self, Login};
use clap::Args;
use minicloud_core::minapp_server::{MinappServer, ServerConfig, DEFAULT_BASE_URL};
use std::io::{BufRead, IsTerminal};

/// Arguments of `minicloud login`. No `Debug`: it holds the secret.
#[derive(Args)]
pub struct LoginArgs {
    /// The open-API client ID (知晓云 console; `minicloud serve` prints its own).
    pub client_id: String,
    /// The client secret, as mincloud takes it (then visible to other users in `ps`: prefer `-`, which reads it
    /// from standard input, or leaving it out: MINICLOUD_CLIENT_SECRET, else a prompt that does not echo).
    pub client_secret: Option<String>,
    /// The open API to log in to (default https://cloud.minapp.com; `minicloud serve`'s URL for the engine).
    #[arg(long, default_value = DEFAULT_BASE_URL)]
    pub url: String,
}

fn secret(args: &LoginArgs) -> Result<String, String> {
    let from_stdin = || -> Result<String, String> {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the client secret: {e}"))?;
        Ok(line.trim_end_matches(['\n', '\r']).to_owned())
    };
    let secret = match args.client_secret.as_deref() {
        Some("-") => from_stdin()?,
        Some(given) => given.to_owned(),
        None => match std::env::var("MINICLOUD_CLIENT_SECRET").ok().filter(|v| !v.is_empty()) {
            Some(env) => env,
            None if std::io::stdin().is_terminal() => rpassword::prompt_password("client secret: ")
                .map_err(|e| format!("cannot read the client secret: {e}"))?,
            None => from_stdin()?,
        },
    };
    if secret.is_empty() {
        return Err("the client secret is empty".to_string());
    }
    Ok(secret)
}

/// Checks the credentials against the server, then saves them.
pub async fn run(args: LoginArgs) -> Result<(), String> {
    let client_secret = secret(&args)?;
    let config = ServerConfig::new(&args.client_id, &client_secret).with_host(&args.url);
    let server = MinappServer::builder(config).build().map_err(|e| crate::describe(&e))?;
    server.access_token().await.map_err(|e| format!("login failed: {}", crate::describe(&e)))?;
    let path = rc::save(&Login { url: args.url.clone(), client_id: args.client_id.clone(), client_secret })?;
    println!("logged in to {} as {} (saved in {})", args.url, args.client_id, path.display());
    Ok(())
}

/// Forgets the saved login.
pub async fn logout() -> Result<(), String> {
    let path = rc::path()?;
    if rc::remove()? {
        println!("logged out (removed {})", path.display());
    } else {
        println!("not logged in ({} does not exist)", path.display());
    }
    Ok(())
}

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use wayfare::commands;
use wayfare::config::Settings;

/// Wayfare, a self-hostable travel planner. Configuration comes from the environment
/// (and `.env`); see the README for every variable.
#[derive(Parser)]
#[command(name = "wayfare", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application (the default).
    Serve,
    /// Apply pending database migrations.
    Migrate {
        /// Revert the most recent migration instead.
        #[arg(long, conflicts_with = "status")]
        revert: bool,
        /// List migrations, applied and pending, and change nothing.
        #[arg(long)]
        status: bool,
    },
    /// Create a verified staff account (the first administrator).
    CreateStaff {
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        username: Option<String>,
        /// Prefer the prompt (or standard input): a password on the command line shows in `ps`.
        #[arg(long)]
        password: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    wayfare::telemetry::init();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("wayfare: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("wayfare: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => commands::serve(settings).await,
            Command::Migrate { revert, status } => {
                commands::migrate(settings, revert, status).await
            }
            Command::CreateStaff {
                email,
                username,
                password,
            } => commands::create_staff(settings, email, username, password).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wayfare: {e:#}");
            ExitCode::FAILURE
        }
    }
}

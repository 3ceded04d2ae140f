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
    Serve {
        /// Create a demo traveller with a few plans (once) and print how to log in.
        #[arg(long)]
        demo: bool,
    },
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
    /// Fill the database with realistic, deterministic data (for demos and benchmarks).
    Seed {
        #[arg(long, default_value_t = 100)]
        users: u32,
        #[arg(long, default_value_t = 5)]
        plans_per_user: u32,
        #[arg(long, default_value_t = 10)]
        activities_per_plan: u32,
        /// The same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Seed even though PUBLIC_URL is https (a production server). Every seeded
        /// account then gets a random password, printed once.
        #[arg(long)]
        allow_production: bool,
    },
    /// Move plans archived and untouched for long into the archive tables.
    Archive {
        /// Age of the last change: 2y, 18m, 30d.
        #[arg(long, default_value = "2y")]
        older_than: String,
        /// Only count what would move.
        #[arg(long)]
        dry_run: bool,
        /// Bring this archived plan back instead.
        #[arg(long, value_name = "PLAN_ID")]
        restore: Option<wayfare::domain::ids::PlanId>,
    },
    /// Write a verified pg_dump backup and keep the newest few.
    Backup {
        #[arg(long, default_value = "backups")]
        dir: std::path::PathBuf,
        /// How many backups to keep in the directory.
        #[arg(long, env = "BACKUP_KEEP", default_value_t = 7)]
        keep: usize,
    },
    /// Restore a backup into an empty database and check it.
    Restore {
        file: std::path::PathBuf,
        /// The empty database to restore into, as the role that is to own its tables; the
        /// runtime role (DATABASE_URL's user, or `wayfare`) is granted what it needs there.
        #[arg(long)]
        into: String,
    },
    /// Delete expired sessions and old rate-limit counters.
    Purge,
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
        match cli.command.unwrap_or(Command::Serve { demo: false }) {
            Command::Serve { demo } => commands::serve(settings, demo).await,
            Command::Migrate { revert, status } => {
                commands::migrate(settings, revert, status).await
            }
            Command::CreateStaff {
                email,
                username,
                password,
            } => commands::create_staff(settings, email, username, password).await,
            Command::Seed {
                users,
                plans_per_user,
                activities_per_plan,
                seed,
                allow_production,
            } => {
                let options = wayfare::ops::seed::SeedOptions {
                    users,
                    plans_per_user,
                    activities_per_plan,
                    seed,
                };
                commands::seed(settings, options, allow_production).await
            }
            Command::Archive {
                older_than,
                dry_run,
                restore,
            } => commands::archive(settings, &older_than, dry_run, restore).await,
            Command::Backup { dir, keep } => commands::backup(settings, &dir, keep).await,
            Command::Restore { file, into } => commands::restore(settings, &file, &into).await,
            Command::Purge => commands::purge(settings).await,
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

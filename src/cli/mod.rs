//! The `trapperkeeper` operator CLI.
//!
//! Exit codes: 0 success; 1 runtime failure (database unreachable, migration failed, a row not
//! found or in conflict); 2 usage, configuration or validation error. Errors are printed as one
//! plain line on stderr, redacted.

mod admin;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{CliOverrides, DatabaseConfig, MigrationPolicy};
use crate::error::Error;
use crate::pool::connect_sync;

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "trapperkeeper",
    version,
    about = "TrapperKeeper operator commands"
)]
pub struct Cli {
    /// Database URL (sqlite://, postgres://, postgresql://, mysql://, mariadb://); default SQLite in the data dir. Env: TK_DATABASE_URL
    #[arg(long, global = true, value_name = "URL")]
    pub db_url: Option<String>,
    /// Directory of the default SQLite database. Env: TK_DATA_DIR. Default ./data
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// TOML configuration file. Env: TK_CONFIG_FILE. Default ./trapperkeeper.toml if present
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Database lifecycle.
    #[command(subcommand)]
    Db(DbCommand),
    /// Tenants.
    #[command(subcommand)]
    Tenant(admin::TenantCommand),
    /// Users of a tenant.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Sensors of a tenant.
    #[command(subcommand)]
    Sensor(admin::SensorCommand),
    /// Rules of a tenant.
    #[command(subcommand)]
    Rule(admin::RuleCommand),
    /// Configuration values of a tenant.
    #[command(subcommand)]
    Config(admin::ConfigCommand),
}

/// `trapperkeeper db ...`
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply pending migrations (under the migration lock).
    Migrate,
    /// Show the backend, the redacted URL, applied and pending migrations and the settings in force.
    Status,
    /// Check that the database answers within the connection timeout.
    Check,
    /// Copy every row (deleted ones too) from one database to another, then verify both sides.
    Copy {
        /// Source database URL.
        #[arg(long, value_name = "URL")]
        from: String,
        /// Target database URL (migrated first; must be empty, or an interrupted copy with --resume).
        #[arg(long, value_name = "URL")]
        to: String,
        /// Continue an interrupted copy.
        #[arg(long)]
        resume: bool,
        /// Rows per batch (one transaction each).
        #[arg(long, default_value_t = crate::copy::DEFAULT_BATCH)]
        batch_size: usize,
    },
    /// Compare row counts and checksums of every table in two databases.
    Verify {
        /// One database URL.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The other database URL.
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Copy a SQLite database online (while others write) to a new file, mode 0600, and check it.
    Backup {
        /// The new file; must not exist.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
}

/// Why a command failed; decides the exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input or configuration: exit 2.
    #[error("{0}")]
    Usage(String),
    /// A database-layer failure.
    #[error(transparent)]
    Db(#[from] Error),
    /// `db status` found what start-up would refuse (listed on stdout): exit 1.
    #[error("start-up would refuse this database ({0} reason(s) above)")]
    NotReady(usize),
    /// A repository failure.
    #[error(transparent)]
    Repo(#[from] crate::repository::Error),
    /// Writing the report to stdout failed.
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    /// A copy that was refused or did not verify.
    #[error(transparent)]
    Copy(#[from] crate::copy::CopyError),
    /// The report could not be rendered (a bug, not the operator's input): exit 1.
    #[error("cannot render the output as JSON: {0}")]
    Render(#[from] serde_json::Error),
}

impl From<crate::config::ConfigError> for CliError {
    fn from(e: crate::config::ConfigError) -> Self {
        CliError::Db(Error::Config(e))
    }
}

impl From<crate::migrations::MigrationError> for CliError {
    fn from(e: crate::migrations::MigrationError) -> Self {
        CliError::Db(Error::Migration(e))
    }
}

impl From<diesel::result::Error> for CliError {
    fn from(e: diesel::result::Error) -> Self {
        CliError::Db(Error::Query(e))
    }
}

/// Parses `args` (including the program name) and runs the command, printing to stdout/stderr.
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        // A bad value (an id, a role) is one line like every other error; other usage errors
        // keep clap's hints.
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::ValueValidation | clap::error::ErrorKind::InvalidValue
            ) =>
        {
            let text = e.render().to_string();
            stderr_line(text.lines().next().unwrap_or_default());
            return ExitCode::from(2);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let mut out = std::io::stdout().lock();
    match run(&cli, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader stopped reading (`tenant list | head -1`): it has what it wanted.
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let code = exit_code(&e);
            // Repository errors keep the database's words as their source; an operator needs
            // them on this one line (they are redacted like every other message).
            let text = match &e {
                CliError::Repo(
                    r @ (crate::repository::Error::Database { source }
                    | crate::repository::Error::Unavailable { source }
                    | crate::repository::Error::Timeout { source }
                    | crate::repository::Error::OutcomeUnknown { source }),
                ) => format!("{r}: {source}"),
                other => other.to_string(),
            };
            stderr_line(&format!("error: {}", one_line(&text)));
            ExitCode::from(code)
        }
    }
}

/// 2 for usage, configuration and validation errors, 1 for everything else.
pub fn exit_code(error: &CliError) -> u8 {
    match error {
        CliError::Usage(_) | CliError::Db(Error::Config(_)) => 2,
        CliError::Repo(crate::repository::Error::Validation { .. }) => 2,
        CliError::Copy(crate::copy::CopyError::InvalidRow { .. }) => 2,
        _ => 1,
    }
}

/// Writes one line to stderr. `eprintln!` panics when stderr is closed (`cmd 2>&1 | head -c 9`
/// closes both), turning an ordinary failure into exit 101; a line nobody can read is dropped.
pub(crate) fn stderr_line(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `target` is a SQLite file that does not exist: commands that only look must not
/// create it.
pub(crate) fn missing_sqlite(target: &crate::url::DatabaseUrl) -> bool {
    target.sqlite_path().is_some_and(|p| !p.exists())
}

/// Runs a parsed command, writing its report to `out`.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<(), CliError> {
    let overrides = CliOverrides {
        db_url: cli.db_url.clone(),
        data_dir: cli.data_dir.clone(),
        config_file: cli.config.clone(),
    };
    let config = DatabaseConfig::load(&overrides)?;
    let target = config.target()?;
    match &cli.command {
        Command::Db(DbCommand::Migrate) => {
            let mut conn = connect_sync(&config)?;
            let report = crate::startup::apply_migrations(&mut conn)?;
            for m in &report.applied_now {
                writeln!(out, "applied {}", m.name)?;
            }
            writeln!(
                out,
                "{} at {}: {} migration(s) applied now, {} in total, {} pending",
                target.backend(),
                target.redacted(),
                report.applied_now.len(),
                report.status.applied.len(),
                report.status.pending.len()
            )?;
        }
        Command::Db(DbCommand::Status) => {
            let policy = config.migrations().value;
            // A status looks; it must not create the database it reports on.
            let missing = missing_sqlite(&target);
            let readiness = if missing {
                let pending = crate::migrations::embedded(target.backend());
                let refusals = match policy {
                    MigrationPolicy::Apply => vec![],
                    MigrationPolicy::Refuse => {
                        vec![Error::from(crate::migrations::MigrationError::Pending {
                            names: pending.iter().map(|m| m.name.clone()).collect(),
                        })]
                    }
                };
                crate::startup::Readiness {
                    status: crate::migrations::MigrationStatus {
                        applied: vec![],
                        pending,
                    },
                    refusals,
                }
            } else {
                crate::startup::inspect(&mut connect_sync(&config)?, policy)?
            };
            let status = &readiness.status;
            writeln!(out, "backend:    {}", target.backend())?;
            writeln!(
                out,
                "database:   {} (from {})",
                target.redacted(),
                config.target_source()
            )?;
            if missing {
                writeln!(
                    out,
                    "            does not exist yet: it is created with its schema at first use"
                )?;
            }
            writeln!(
                out,
                "migrations: {} applied, {} pending",
                status.applied.len(),
                status.pending.len()
            )?;
            for m in &status.applied {
                writeln!(out, "  applied  {}", m.name)?;
            }
            for m in &status.pending {
                writeln!(out, "  pending  {}", m.name)?;
            }
            writeln!(out, "settings:")?;
            for (key, value, source) in config.describe() {
                writeln!(out, "  {:<22} {:<40} ({source})", key.name(), value)?;
            }
            match readiness.refusals.as_slice() {
                [] if missing => writeln!(out, "start-up:   ready (creates the database)")?,
                [] => writeln!(out, "start-up:   ready")?,
                refusals => {
                    for r in refusals {
                        writeln!(out, "start-up:   refused: {}", one_line(&r.to_string()))?;
                    }
                    return Err(CliError::NotReady(refusals.len()));
                }
            }
        }
        Command::Db(DbCommand::Backup { to }) => admin::backup(&config, to, cli.json, out)?,
        Command::Db(DbCommand::Copy {
            from,
            to,
            resume,
            batch_size,
        }) => admin::copy(&config, from, to, *resume, *batch_size, cli.json, out)?,
        Command::Db(DbCommand::Verify { from, to }) => {
            admin::verify(&config, from, to, cli.json, out)?
        }
        Command::Tenant(cmd) => admin::run(&config, cmd, cli.json, out)?,
        Command::User(cmd) => admin::run(&config, cmd, cli.json, out)?,
        Command::Sensor(cmd) => admin::run(&config, cmd, cli.json, out)?,
        Command::Rule(cmd) => admin::run(&config, cmd, cli.json, out)?,
        Command::Config(cmd) => admin::run(&config, cmd, cli.json, out)?,
        Command::Db(DbCommand::Check) if missing_sqlite(&target) => {
            return Err(CliError::Usage(format!(
                "no SQLite database at {} yet (it is created with its schema at first use, e.g. by `db migrate`)",
                target.redacted()
            )));
        }
        Command::Db(DbCommand::Check) => {
            let started = std::time::Instant::now();
            let mut conn = connect_sync(&config)?;
            let settings = conn.session_settings()?;
            writeln!(
                out,
                "ok: {} at {} answered in {}ms",
                target.backend(),
                target.redacted(),
                started.elapsed().as_millis()
            )?;
            for (name, value) in settings {
                writeln!(out, "  {name} = {value}")?;
            }
        }
    }
    Ok(())
}

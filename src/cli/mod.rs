//! The `trapperkeeper` operator CLI.
//!
//! Exit codes: 0 success; 1 runtime failure (database unreachable, migration failed, a row not
//! found or in conflict); 2 usage, configuration or validation error. Errors are printed as one
//! plain line on stderr, redacted.

mod admin;
mod db;

pub use db::DbCommand;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{CliOverrides, DatabaseConfig};
use crate::error::Error;

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
    /// Print nothing on stderr but errors (no progress, no notes).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Log what the data layer does (info level) on stderr; TK_LOG=debug and the like override.
    #[arg(short, long, global = true)]
    pub verbose: bool,
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
    /// Print a shell completion script: `trapperkeeper completions bash > /etc/bash_completion.d/trapperkeeper`.
    Completions {
        /// The shell.
        shell: Shell,
    },
}

/// Shells `completions` writes for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Shell {
    /// bash.
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
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
        // --help and --version print as clap renders them, on stdout.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        // No command at all (`trapperkeeper`, `trapperkeeper db`): the list of commands is
        // the useful answer, on stderr as a usage error.
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            stderr_line(&format!("error: a command is required\n\n{}", e.render()));
            return ExitCode::from(2);
        }
        // Usage errors are one line like every other error: clap's message with its list
        // (missing arguments, suggestions) folded in, without the usage block.
        Err(e) => {
            let text = e.render().to_string();
            let message = text
                .split("\n\nUsage:")
                .next()
                .unwrap_or_default()
                .split("\n\nFor more information")
                .next()
                .unwrap_or_default();
            let hint = match e.kind() {
                clap::error::ErrorKind::ValueValidation | clap::error::ErrorKind::InvalidValue => {
                    ""
                }
                _ => " (see --help)",
            };
            stderr_line(&format!("{}{hint}", one_line(message)));
            return ExitCode::from(2);
        }
    };
    init_logging(&cli);
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
                ) => match source {
                    // `Error::Query` says "database error" itself; say it once.
                    Error::Query(q) => format!("{r}: {q}"),
                    other => format!("{r}: {other}"),
                },
                other => other.to_string(),
            };
            stderr_line(&format!("error: {}", one_line(&text)));
            ExitCode::from(code)
        }
    }
}

/// 2 for usage, configuration (a database that refused the sign-in included) and validation
/// errors, 1 for everything else.
pub fn exit_code(error: &CliError) -> u8 {
    use crate::error::ErrorKind;
    match error {
        CliError::Usage(_) => 2,
        CliError::Db(e) if e.kind() == ErrorKind::Config => 2,
        CliError::Repo(e) if matches!(e.kind(), ErrorKind::Config | ErrorKind::Validation) => 2,
        CliError::Copy(
            crate::copy::CopyError::InvalidRow { .. } | crate::copy::CopyError::OtherSource { .. },
        ) => 2,
        _ => 1,
    }
}

/// Writes one line to stderr. `eprintln!` panics when stderr is closed (`cmd 2>&1 | head -c 9`
/// closes both), turning an ordinary failure into exit 101; a line nobody can read is dropped.
pub(crate) fn stderr_line(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A message on one line: its lines joined with "; " (a driver's message is often a sentence
/// per line), white space folded.
fn one_line(s: &str) -> String {
    s.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether `target` is a SQLite file that does not exist: commands that only look must not
/// create it.
pub(crate) fn missing_sqlite(target: &crate::url::DatabaseUrl) -> bool {
    target.sqlite_path().is_some_and(|p| !p.exists())
}

/// Runs a parsed command, writing its report to `out`.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<(), CliError> {
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    if let Command::Completions { shell } = &cli.command {
        // Needs no configuration and no database.
        let mut command = <Cli as clap::CommandFactory>::command();
        let shell = match shell {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
        };
        let mut buffer = Vec::new();
        clap_complete::generate(shell, &mut command, "trapperkeeper", &mut buffer);
        out.write_all(&buffer)?;
        return Ok(());
    }
    let overrides = CliOverrides {
        db_url: cli.db_url.clone(),
        data_dir: cli.data_dir.clone(),
        config_file: cli.config.clone(),
    };
    // `db new` writes files and needs no database: a broken configuration must not stop it.
    if let Command::Db(DbCommand::New { name, dir }) = &cli.command {
        return db::new_migration(dir, name, cli.json, out);
    }
    let config = DatabaseConfig::load(&overrides)?;
    match &cli.command {
        Command::Db(cmd) => db::run(&config, cmd, cli.json, out),
        Command::Tenant(cmd) => admin::run(&config, cmd, cli.json, out),
        Command::User(cmd) => admin::run(&config, cmd, cli.json, out),
        Command::Sensor(cmd) => admin::run(&config, cmd, cli.json, out),
        Command::Rule(cmd) => admin::run(&config, cmd, cli.json, out),
        Command::Config(cmd) => admin::run(&config, cmd, cli.json, out),
        Command::Completions { .. } => Ok(()),
    }
}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `-q` asked for errors only.
pub(crate) fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// An informational line on stderr (progress, hints); `-q` drops it.
pub(crate) fn note(line: &str) {
    if !quiet() {
        stderr_line(line);
    }
}

/// Sets up logging on stderr: `TK_LOG` when set, else info with `-v`, nothing with `-q`, warnings
/// otherwise. Colour codes only for a person at a terminal, not in log files and pipes.
fn init_logging(cli: &Cli) {
    let default = if cli.verbose {
        "info"
    } else if cli.quiet {
        "off"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // A second initialisation (tests call in-process) keeps the first.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter)
        .try_init();
}

//! `trapperkeeper db …`: the database's life cycle — migrations (apply, revert, redo, new),
//! status and check, copy and verify between backends, the SQLite backup. Every report is a
//! text for people or, with `--json`, one JSON document.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::{json, Value};

use super::{missing_sqlite, note, one_line, CliError};
use crate::config::DatabaseConfig;
use crate::migrations::{self, MigrationInfo};
use crate::pool::connect_sync;
use crate::url::DatabaseUrl;
use crate::AnyConnection;

/// `trapperkeeper db ...`
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply pending migrations (under the migration lock, taken only when something is pending).
    Migrate,
    /// Revert the last applied migrations (their down.sql), under the migration lock.
    Revert {
        /// How many, newest first.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        count: u32,
    },
    /// Revert the last applied migration and apply it again.
    Redo,
    /// Create NNNN_NAME/{up,down}.sql in all three migration folders with the next shared number.
    New {
        /// Lowercase letters, digits and underscores, starting with a letter.
        name: String,
        /// The folder holding sqlite/, postgres/ and mysql/.
        #[arg(long, default_value = "migrations", value_name = "DIR")]
        dir: PathBuf,
    },
    /// Show the backend, the redacted URL, migrations (applied with when, pending), the settings
    /// in force, and whether start-up would accept the database (exit 1 if not). Creates nothing.
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
        /// Rows per batch (one transaction each), at least 1.
        #[arg(long, default_value_t = crate::copy::DEFAULT_BATCH as u64, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        batch_size: u64,
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

/// Runs a `db` command.
pub fn run(
    config: &DatabaseConfig,
    cmd: &DbCommand,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let target = config.target()?;
    match cmd {
        DbCommand::Migrate => migrate(config, &target, json, out),
        DbCommand::Revert { count } => {
            let reverted = migrations::revert(&mut existing(config, &target)?, *count as usize)?;
            report_migrations(out, json, "reverted", &reverted)
        }
        DbCommand::Redo => {
            let redone = migrations::redo(&mut existing(config, &target)?)?;
            report_migrations(out, json, "redid", std::slice::from_ref(&redone))
        }
        DbCommand::New { name, dir } => new_migration(dir, name, json, out),
        DbCommand::Status => status(config, &target, json, out),
        DbCommand::Check => check(config, &target, json, out),
        DbCommand::Copy {
            from,
            to,
            resume,
            batch_size,
        } => copy(config, from, to, *resume, *batch_size as usize, json, out),
        DbCommand::Verify { from, to } => verify(config, from, to, json, out),
        DbCommand::Backup { to } => backup(config, &target, to, json, out),
    }
}

/// A connection to a database that must already exist (commands that only look, or undo).
fn existing(config: &DatabaseConfig, target: &DatabaseUrl) -> Result<AnyConnection, CliError> {
    if missing_sqlite(target) {
        return Err(CliError::Usage(format!(
            "no SQLite database at {} yet (it is created with its schema at first use, e.g. by `db migrate`)",
            target.redacted()
        )));
    }
    Ok(connect_sync(config)?)
}

fn names(list: &[MigrationInfo]) -> Vec<&str> {
    list.iter().map(|m| m.name.as_str()).collect()
}

fn report_migrations(
    out: &mut dyn Write,
    json: bool,
    verb: &str,
    list: &[MigrationInfo],
) -> Result<(), CliError> {
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json!({ verb: names(list) }))?
        )?;
    } else {
        for m in list {
            writeln!(out, "{verb} {}", m.name)?;
        }
    }
    Ok(())
}

fn migrate(
    config: &DatabaseConfig,
    target: &DatabaseUrl,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let mut conn = connect_sync(config)?;
    let report = crate::startup::apply_migrations(&mut conn)?;
    if json {
        let value = json!({
            "backend": target.backend().to_string(),
            "database": target.redacted(),
            "applied_now": names(&report.applied_now),
            "applied": report.status.applied.len(),
            "pending": report.status.pending.len(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
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
    Ok(())
}

fn status(
    config: &DatabaseConfig,
    target: &DatabaseUrl,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let policy = config.migrations().value;
    // A status looks; it must not create the database it reports on. Where it could not be
    // created either (the data directory is a file), that is the answer.
    let missing = missing_sqlite(target);
    if let Some(dir) = target
        .sqlite_path()
        .filter(|_| missing)
        .and_then(Path::parent)
    {
        crate::config::check_creatable_dir(dir, config.target_source())?;
    }
    let (readiness, applied, unknown) = if missing {
        let readiness = crate::startup::inspect_missing(target.backend(), policy);
        (readiness, vec![], vec![])
    } else {
        let mut conn = connect_sync(config)?;
        let readiness = crate::startup::inspect(&mut conn, policy)?;
        let unknown = migrations::unknown_versions(&mut conn)?;
        (
            readiness,
            migrations::applied_with_times(&mut conn)?,
            unknown,
        )
    };
    let pending = &readiness.status.pending;
    let refusals: Vec<String> = readiness
        .refusals
        .iter()
        .map(|r| one_line(&r.to_string()))
        .collect();
    if json {
        let settings: Vec<Value> = config
            .describe()
            .into_iter()
            .map(|(k, v, s)| json!({ "key": k.name(), "value": v, "source": s.to_string() }))
            .collect();
        let value = json!({
            "backend": target.backend().to_string(),
            "database": target.redacted(),
            "database_source": config.target_source().to_string(),
            "exists": !missing,
            "migrations": { "applied": applied, "pending": pending, "unknown": unknown },
            "settings": settings,
            "startup": { "ready": refusals.is_empty(), "refusals": refusals },
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
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
            applied.len(),
            pending.len()
        )?;
        for m in &applied {
            writeln!(out, "  applied  {}  at {}", m.migration.name, m.applied_at)?;
        }
        for m in pending {
            writeln!(out, "  pending  {}", m.name)?;
        }
        for v in &unknown {
            writeln!(out, "  unknown  {v} (applied, but not in this binary)")?;
        }
        writeln!(out, "settings:")?;
        for (key, value, source) in config.describe() {
            writeln!(out, "  {:<22} {:<40} ({source})", key.name(), value)?;
        }
        match refusals.as_slice() {
            [] if missing => writeln!(out, "start-up:   ready (creates the database)")?,
            [] => writeln!(out, "start-up:   ready")?,
            refusals => {
                for r in refusals {
                    writeln!(out, "start-up:   refused: {r}")?;
                }
            }
        }
    }
    match refusals.len() {
        0 => Ok(()),
        n => Err(CliError::NotReady(n)),
    }
}

fn check(
    config: &DatabaseConfig,
    target: &DatabaseUrl,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let started = std::time::Instant::now();
    let mut conn = existing(config, target)?;
    let settings = conn.session_settings()?;
    let ms = started.elapsed().as_millis();
    if json {
        let session: serde_json::Map<String, Value> = settings
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::String(v)))
            .collect();
        let value = json!({
            "ok": true,
            "backend": target.backend().to_string(),
            "database": target.redacted(),
            "answered_in_ms": ms,
            "session": session,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "ok: {} at {} answered in {ms}ms",
        target.backend(),
        target.redacted(),
    )?;
    for (name, value) in settings {
        writeln!(out, "  {name} = {value}")?;
    }
    Ok(())
}

/// The folders of the three backends under `dir`.
const BACKEND_DIRS: [&str; 3] = ["sqlite", "postgres", "mysql"];

/// `db new NAME`: the next shared number across the three folders, and an `up.sql` and
/// `down.sql` in each; nothing is created unless all six files can be.
pub(super) fn new_migration(
    dir: &Path,
    name: &str,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let valid = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(CliError::Usage(format!(
            "migration name {name:?}: use 1–64 lowercase letters, digits and underscores, starting with a letter"
        )));
    }
    let mut highest = 0u32;
    let mut highest_per_folder = Vec::new();
    for backend in BACKEND_DIRS {
        let folder = dir.join(backend);
        let entries = std::fs::read_dir(&folder).map_err(|e| {
            CliError::Usage(format!(
                "--dir: cannot read {} ({e}); run from the repository root or name the migrations folder",
                folder.display()
            ))
        })?;
        let mut folder_highest = 0u32;
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some((number, existing)) = file_name.to_str().and_then(|n| n.split_once('_'))
            else {
                continue;
            };
            if existing == name {
                return Err(CliError::Usage(format!(
                    "a migration named {name} exists: {}",
                    folder.join(&file_name).display()
                )));
            }
            let n = number.parse::<u32>().unwrap_or(0);
            highest = highest.max(n);
            folder_highest = folder_highest.max(n);
        }
        highest_per_folder.push((backend, folder_highest));
    }
    if highest_per_folder.iter().any(|(_, n)| *n != highest) {
        let seen: Vec<String> = highest_per_folder
            .iter()
            .map(|(b, n)| format!("{b} {n:04}"))
            .collect();
        note(&format!(
            "warning: the migration folders are out of step (last: {}); every migration belongs in all three",
            seen.join(", ")
        ));
    }
    let folder_name = format!("{:04}_{name}", highest + 1);
    let folders: Vec<PathBuf> = BACKEND_DIRS
        .iter()
        .map(|b| dir.join(b).join(&folder_name))
        .collect();
    if let Some(taken) = folders.iter().find(|f| f.exists()) {
        return Err(CliError::Usage(format!("{} exists", taken.display())));
    }
    let mut files = Vec::new();
    for (folder, backend) in folders.iter().zip(BACKEND_DIRS) {
        std::fs::create_dir_all(folder)?;
        for (file, what) in [("up.sql", "the change"), ("down.sql", "how to undo it")] {
            let path = folder.join(file);
            std::fs::write(
                &path,
                format!("-- {folder_name} ({backend}): {what}. Keep the three backends' files in step.\n"),
            )?;
            files.push(path.display().to_string());
        }
    }
    if json {
        writeln!(
            out,
            "{}",
            json!({ "migration": folder_name, "files": files })
        )?;
    } else {
        for f in &files {
            writeln!(out, "created {f}")?;
        }
        note("rebuild (cargo build) to embed the new migration in the binary");
    }
    Ok(())
}

/// `db backup --to FILE` ([`crate::backup::sqlite`]).
fn backup(
    config: &DatabaseConfig,
    source: &DatabaseUrl,
    to: &Path,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    use crate::backup::BackupError as B;
    // A backup of a database that is not there would create an empty one and "succeed".
    if missing_sqlite(source) {
        return Err(CliError::Usage(format!(
            "no SQLite database at {} to back up",
            source.redacted()
        )));
    }
    crate::backup::sqlite(config, to).map_err(|e| match e {
        B::Db(e) => CliError::Db(e),
        e @ (B::Exists(_) | B::NotUtf8 | B::Create { .. }) => CliError::Usage(format!("--to: {e}")),
        e => CliError::Usage(e.to_string()),
    })?;
    let shown = to.display();
    if json {
        let value = json!({ "backup": shown.to_string(), "integrity_check": "ok" });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        writeln!(
            out,
            "backed up {} to {shown}; integrity_check: ok",
            source.redacted()
        )?;
    }
    Ok(())
}

/// A connection for `--from`/`--to`, with the pool settings (timeouts) of `config`; a SQLite
/// file is created only where `may_create` (a copy's target).
fn open_url(
    config: &DatabaseConfig,
    flag: &str,
    url: &str,
    may_create: bool,
) -> Result<(AnyConnection, String), CliError> {
    let parsed = DatabaseUrl::parse(url).map_err(|e| CliError::Usage(format!("{flag}: {e}")))?;
    // Only a copy's target may be created; a source (or either side of a verify) must exist.
    if !may_create && missing_sqlite(&parsed) {
        return Err(CliError::Usage(format!(
            "{flag}: no SQLite database at {}",
            parsed.redacted()
        )));
    }
    let c = config
        .clone()
        .with_url_from(parsed.clone(), crate::config::Source::Cli("--from/--to"));
    let conn = connect_sync(&c)?;
    // The label a copy records and a resume compares: a SQLite file by its absolute path, so
    // that the same file is the same source from any directory.
    let label = match parsed.sqlite_path().and_then(|p| p.canonicalize().ok()) {
        Some(path) => format!("sqlite://{}", path.display()),
        None => parsed.redacted().to_string(),
    };
    Ok((conn, label))
}

fn print_checks(
    out: &mut dyn Write,
    json: bool,
    checks: &[crate::copy::TableCheck],
) -> Result<(), CliError> {
    if json {
        let rows: Vec<Value> = checks
            .iter()
            .map(|c| {
                let mut v = serde_json::to_value(c).unwrap_or_default();
                v["ok"] = Value::Bool(c.ok());
                v
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    for c in checks {
        let verdict = if c.ok() { "ok" } else { "DIFFERS" };
        writeln!(
            out,
            "{:<16} {verdict:<8} source {}; target {}",
            c.table, c.source, c.target
        )?;
    }
    Ok(())
}

/// `db copy`: every table, batch by batch, then verification.
fn copy(
    config: &DatabaseConfig,
    from: &str,
    to: &str,
    resume: bool,
    batch: usize,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let (mut source, source_label) = open_url(config, "--from", from, false)?;
    let (mut target, target_label) = open_url(config, "--to", to, true)?;
    note(&format!("copying {source_label} -> {target_label}"));
    let started = std::time::Instant::now();
    // A bar per table on a terminal; one plain line per table otherwise (logs, CI).
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr()) && !super::quiet();
    let mut totals = std::collections::HashMap::new();
    if tty {
        for &table in crate::copy::Table::ALL {
            totals.insert(table, crate::copy::count_rows(&mut source, table)?);
        }
    }
    let mut bar: Option<(crate::copy::Table, indicatif::ProgressBar)> = None;
    let mut progress = |table: crate::copy::Table, rows: u64, done: bool| {
        if !tty {
            if done {
                note(&format!("{table}: {rows} rows copied"));
            }
            return;
        }
        if bar.as_ref().map(|(t, _)| *t) != Some(table) {
            let b = indicatif::ProgressBar::new(totals.get(&table).copied().unwrap_or(0));
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg:>16} [{bar:30}] {pos}/{len} rows, {per_sec}, ETA {eta}",
            ) {
                b.set_style(style);
            }
            b.set_message(table.name());
            bar = Some((table, b));
        }
        if let Some((_, b)) = &bar {
            b.set_position(rows);
            if done {
                b.finish();
            }
        }
    };
    let checks = crate::copy::copy(
        &mut source,
        &mut target,
        &source_label,
        resume,
        batch,
        &mut progress,
    )?;
    let total: u64 = checks.iter().map(|c| c.target.rows).sum();
    let secs = started.elapsed().as_secs_f64();
    note(&format!(
        "copied and verified {total} rows in {secs:.1}s ({:.0} rows/s)",
        total as f64 / secs.max(1e-9)
    ));
    print_checks(out, json, &checks)
}

/// `db verify`: counts and checksums of both sides; exit 1 naming the tables that differ.
fn verify(
    config: &DatabaseConfig,
    from: &str,
    to: &str,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let (mut a, _) = open_url(config, "--from", from, false)?;
    let (mut b, _) = open_url(config, "--to", to, false)?;
    let checks = crate::copy::verify(&mut a, &mut b, crate::copy::DEFAULT_BATCH)?;
    print_checks(out, json, &checks)?;
    let bad: Vec<String> = checks
        .iter()
        .filter(|c| !c.ok())
        .map(|c| c.table.to_string())
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(CliError::Copy(crate::copy::CopyError::Mismatch(bad)))
    }
}

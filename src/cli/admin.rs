//! Admin commands over the repository (`tenant`, `user`, `sensor`, `rule`, `config`) and the
//! SQLite online backup. Every command opens the configured database and applies pending
//! migrations first, so the first command on a new machine works on the SQLite default.

use std::io::Write;
use std::path::Path;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::CliError;
use crate::config::DatabaseConfig;
use crate::repository::configurations;
use crate::repository::rules::{self, NewRule, RuleAction, RuleState};
use crate::repository::sensors::{self, NewSensor};
use crate::repository::tenants::{self, NewTenant};
use crate::repository::users::{self, NewUser, Role};
use crate::repository::{Deleted, Page, MAX_PAGE};
use crate::types::{RuleId, SensorId, TenantId, UserId};
use crate::AnyConnection;

/// `trapperkeeper tenant …`
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    Create {
        /// Display name (1–128 characters).
        name: String,
    },
    /// List live tenants.
    List,
    /// Show one tenant.
    Show {
        /// Tenant id.
        id: TenantId,
    },
    /// Soft-delete a tenant and everything it owns.
    Delete {
        /// Tenant id.
        id: TenantId,
    },
}

/// `--tenant ID`: the tenant a command works in.
#[derive(Debug, Args)]
pub struct TenantArg {
    /// Tenant id.
    #[arg(long)]
    pub tenant: TenantId,
}

/// `--tenant ID ID`: one row of a tenant.
#[derive(Debug, Args)]
pub struct RowArgs<Id>
where
    Id: Clone + Send + Sync + std::str::FromStr<Err = crate::types::InvalidId> + 'static,
{
    /// Tenant id.
    #[arg(long)]
    pub tenant: TenantId,
    /// The row's id.
    pub id: Id,
}

/// `list`, `show`, `delete`: the row commands every tenant-owned entity has.
#[derive(Debug, Subcommand)]
pub enum RowCommand<Id>
where
    Id: Clone + Send + Sync + std::str::FromStr<Err = crate::types::InvalidId> + 'static,
{
    /// List the live rows of a tenant.
    List(TenantArg),
    /// Show one row.
    Show(RowArgs<Id>),
    /// Soft-delete a row and, in the same transaction, the rows that point at it.
    Delete(RowArgs<Id>),
}

/// `--tenant ID --name NAME [--description TEXT]`: how a named row of a tenant begins.
#[derive(Debug, Args)]
pub struct NamedArgs {
    /// Owning tenant id.
    #[arg(long)]
    pub tenant: TenantId,
    /// Name (1–128 characters).
    #[arg(long)]
    pub name: String,
    /// Free text.
    #[arg(long)]
    pub description: Option<String>,
}

/// `trapperkeeper user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create {
        /// Owning tenant id.
        #[arg(long)]
        tenant: TenantId,
        /// Login name, unique across tenants.
        #[arg(long)]
        username: String,
        /// Password hash (this tool never sees passwords).
        #[arg(long)]
        password_hash: String,
        /// admin, operator or observer.
        #[arg(long, default_value = "observer")]
        role: Role,
        /// Require a password change at the next login.
        #[arg(long)]
        force_password_change: bool,
    },
    /// The row commands.
    #[command(flatten)]
    Rows(RowCommand<UserId>),
}

/// `trapperkeeper sensor …`
#[derive(Debug, Subcommand)]
pub enum SensorCommand {
    /// Create a sensor.
    Create {
        /// Tenant, name, description.
        #[command(flatten)]
        named: NamedArgs,
        /// JSON metadata.
        #[arg(long, default_value = "{}")]
        metadata: String,
    },
    /// The row commands (deleting a sensor deletes its rule links).
    #[command(flatten)]
    Rows(RowCommand<SensorId>),
}

/// `trapperkeeper rule …`
#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// Create a rule.
    Create {
        /// Tenant, name, description.
        #[command(flatten)]
        named: NamedArgs,
        /// draft, active or disabled.
        #[arg(long, default_value = "draft")]
        state: RuleState,
        /// observe, drop or fail.
        #[arg(long, default_value = "observe")]
        action: RuleAction,
        /// Fraction of events evaluated, 0 to 1.
        #[arg(long, default_value_t = 1.0)]
        sample_rate: f64,
        /// Create it switched off.
        #[arg(long)]
        disabled: bool,
        /// JSON array of tags.
        #[arg(long, default_value = "[]")]
        scope_tags: String,
        /// JSON expression.
        #[arg(long, default_value = "{}")]
        expression: String,
    },
    /// The row commands (deleting a rule deletes its sensor links).
    #[command(flatten)]
    Rows(RowCommand<RuleId>),
}

/// `trapperkeeper config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Set a key to a JSON value (creates or replaces the live value).
    Set {
        /// Tenant id.
        #[arg(long)]
        tenant: TenantId,
        /// Key (1–128 characters).
        key: String,
        /// JSON value.
        value: String,
    },
    /// Print the live value of a key.
    Get {
        /// Tenant id.
        #[arg(long)]
        tenant: TenantId,
        /// Key.
        key: String,
    },
    /// List live values of a tenant.
    List(TenantArg),
}

fn open(config: &DatabaseConfig) -> Result<AnyConnection, CliError> {
    Ok(crate::startup::open_sync(config)?)
}

/// Prints rows as JSON or as an aligned table of `columns`.
fn print_rows<T: Serialize>(
    out: &mut dyn Write,
    json: bool,
    rows: &[T],
    columns: &[&str],
) -> Result<(), CliError> {
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(rows)?)?;
        return Ok(());
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let value = serde_json::to_value(row).unwrap_or_default();
            columns
                .iter()
                .map(|c| match &value[*c] {
                    serde_json::Value::Null => "-".to_string(),
                    serde_json::Value::String(s) => s.replace(['\n', '\r', '\t'], " "),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| {
        values
            .iter()
            .zip(&widths)
            // Padded by hand: a `{:<w$}` width above 65,535 panics in `format!`.
            .map(|(v, w)| format!("{v}{}", " ".repeat(w.saturating_sub(v.chars().count()))))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    writeln!(out, "{}", line(columns.to_vec()))?;
    for row in &cells {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

fn print_one<T: Serialize>(
    out: &mut dyn Write,
    json: bool,
    row: &T,
    columns: &[&str],
) -> Result<(), CliError> {
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(row)?)?;
        return Ok(());
    }
    print_rows(out, false, std::slice::from_ref(row), columns)
}

fn print_deleted(
    out: &mut dyn Write,
    json: bool,
    what: &str,
    id: &str,
    d: Deleted,
) -> Result<(), CliError> {
    if json {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "deleted": what, "id": id, "deleted_at": d.deleted_at, "children": d.children })
        )?;
    } else {
        writeln!(
            out,
            "deleted {what} {id} and {} child row(s) at {}",
            d.children, d.deleted_at
        )?;
    }
    Ok(())
}

/// Every live row (up to the repository's page limit).
fn all<Id>() -> Page<Id> {
    Page {
        after: None,
        limit: MAX_PAGE,
    }
}

/// `tenant …`
pub fn tenant(
    config: &DatabaseConfig,
    cmd: &TenantCommand,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    const COLUMNS: &[&str] = &["tenant_id", "name", "created_at"];
    let mut c = open(config)?;
    match cmd {
        TenantCommand::Create { name } => print_one(
            out,
            json,
            &tenants::create(&mut c, NewTenant { name: name.clone() })?,
            COLUMNS,
        ),
        TenantCommand::List => print_rows(out, json, &tenants::list(&mut c, all())?, COLUMNS),
        TenantCommand::Show { id } => print_one(
            out,
            json,
            &tenants::get(&mut c, *id)?,
            &["tenant_id", "name", "created_at", "modified_at"],
        ),
        TenantCommand::Delete { id } => {
            let d = tenants::soft_delete(&mut c, *id)?;
            print_deleted(out, json, "tenant", &id.to_string(), d)
        }
    }
}

/// An entity's repository functions behind its row commands, and how its rows are shown.
struct Rows<Id, M> {
    entity: &'static str,
    list: fn(&mut AnyConnection, TenantId, Page<Id>) -> crate::repository::Result<Vec<M>>,
    get: fn(&mut AnyConnection, TenantId, Id) -> crate::repository::Result<M>,
    delete: fn(&mut AnyConnection, TenantId, Id) -> crate::repository::Result<Deleted>,
    /// The row as printed (a user's password hash is masked).
    shown: fn(&M) -> serde_json::Value,
    /// Columns of `list` and of `show`.
    columns: (&'static [&'static str], &'static [&'static str]),
}

impl<Id, M> Rows<Id, M>
where
    Id: Copy
        + std::fmt::Display
        + Clone
        + Send
        + Sync
        + std::str::FromStr<Err = crate::types::InvalidId>,
{
    fn run(
        &self,
        c: &mut AnyConnection,
        cmd: &RowCommand<Id>,
        json: bool,
        out: &mut dyn Write,
    ) -> Result<(), CliError> {
        match cmd {
            RowCommand::List(TenantArg { tenant }) => {
                let rows: Vec<_> = (self.list)(c, *tenant, all())?
                    .iter()
                    .map(self.shown)
                    .collect();
                print_rows(out, json, &rows, self.columns.0)
            }
            RowCommand::Show(RowArgs { tenant, id }) => print_one(
                out,
                json,
                &(self.shown)(&(self.get)(c, *tenant, *id)?),
                self.columns.1,
            ),
            RowCommand::Delete(RowArgs { tenant, id }) => {
                let d = (self.delete)(c, *tenant, *id)?;
                print_deleted(out, json, self.entity, &id.to_string(), d)
            }
        }
    }
}

fn as_json<M: Serialize>(row: &M) -> serde_json::Value {
    serde_json::to_value(row).unwrap_or_default()
}

/// `user …`
pub fn user(
    config: &DatabaseConfig,
    cmd: &UserCommand,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    // The hash is not secret like a password, but it has no place on a screen either.
    const COLUMNS: &[&str] = &[
        "user_id",
        "username",
        "role",
        "force_password_change",
        "created_at",
    ];
    let mut c = open(config)?;
    match cmd {
        UserCommand::Create {
            tenant,
            username,
            password_hash,
            role,
            force_password_change,
        } => {
            let new = NewUser {
                username: username.clone(),
                password_hash: password_hash.clone(),
                role: *role,
                force_password_change: *force_password_change,
            };
            let row = users::create(&mut c, *tenant, new)?;
            print_one(out, json, &redact_hash(&row), COLUMNS)
        }
        UserCommand::Rows(rows) => Rows {
            entity: "user",
            list: users::list,
            get: users::get,
            delete: users::soft_delete,
            shown: redact_hash,
            columns: (COLUMNS, COLUMNS),
        }
        .run(&mut c, rows, json, out),
    }
}

fn redact_hash(u: &users::User) -> serde_json::Value {
    let mut v = as_json(u);
    v["password_hash"] = serde_json::Value::String("***".into());
    v
}

/// `sensor …`
pub fn sensor(
    config: &DatabaseConfig,
    cmd: &SensorCommand,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    const COLUMNS: &[&str] = &[
        "sensor_id",
        "name",
        "description",
        "last_seen_at",
        "created_at",
    ];
    let mut c = open(config)?;
    match cmd {
        SensorCommand::Create { named, metadata } => {
            let new = NewSensor {
                name: named.name.clone(),
                description: named.description.clone(),
                metadata: metadata.clone(),
            };
            print_one(
                out,
                json,
                &sensors::create(&mut c, named.tenant, new)?,
                COLUMNS,
            )
        }
        SensorCommand::Rows(rows) => Rows {
            entity: "sensor",
            list: sensors::list,
            get: sensors::get,
            delete: sensors::soft_delete,
            shown: as_json,
            columns: (
                COLUMNS,
                &[
                    "sensor_id",
                    "name",
                    "description",
                    "metadata",
                    "last_seen_at",
                    "created_at",
                ],
            ),
        }
        .run(&mut c, rows, json, out),
    }
}

/// `rule …`
pub fn rule(
    config: &DatabaseConfig,
    cmd: &RuleCommand,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    const COLUMNS: &[&str] = &[
        "rule_id",
        "name",
        "state",
        "action",
        "sample_rate",
        "enabled",
        "created_at",
    ];
    let mut c = open(config)?;
    match cmd {
        RuleCommand::Create {
            named,
            state,
            action,
            sample_rate,
            disabled,
            scope_tags,
            expression,
        } => {
            let new = NewRule {
                name: named.name.clone(),
                description: named.description.clone(),
                state: *state,
                action: *action,
                sample_rate: *sample_rate,
                enabled: !disabled,
                scope_tags: scope_tags.clone(),
                expression: expression.clone(),
            };
            print_one(
                out,
                json,
                &rules::create(&mut c, named.tenant, new)?,
                COLUMNS,
            )
        }
        RuleCommand::Rows(rows) => Rows {
            entity: "rule",
            list: rules::list,
            get: rules::get,
            delete: rules::soft_delete,
            shown: as_json,
            columns: (
                COLUMNS,
                &[
                    "rule_id",
                    "name",
                    "state",
                    "action",
                    "sample_rate",
                    "enabled",
                    "scope_tags",
                    "expression",
                    "created_at",
                ],
            ),
        }
        .run(&mut c, rows, json, out),
    }
}

/// `config …`
pub fn config(
    config: &DatabaseConfig,
    cmd: &ConfigCommand,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    const COLUMNS: &[&str] = &["config_key", "config_value", "modified_at"];
    let mut c = open(config)?;
    match cmd {
        ConfigCommand::Set { tenant, key, value } => {
            let row = configurations::set(&mut c, *tenant, key, value)?;
            print_one(out, json, &row, COLUMNS)
        }
        ConfigCommand::Get { tenant, key } => {
            let row = configurations::get_by_key(&mut c, *tenant, key)?;
            if json {
                print_one(out, true, &row, COLUMNS)
            } else {
                writeln!(out, "{}", row.config_value)?;
                Ok(())
            }
        }
        ConfigCommand::List(TenantArg { tenant }) => print_rows(
            out,
            json,
            &configurations::list(&mut c, *tenant, all())?,
            COLUMNS,
        ),
    }
}

/// `db backup --to FILE` ([`crate::backup::sqlite`]).
pub fn backup(
    config: &DatabaseConfig,
    to: &Path,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    use crate::backup::BackupError as B;
    crate::backup::sqlite(config, to).map_err(|e| match e {
        B::Db(e) => CliError::Db(e),
        e @ (B::Exists(_) | B::NotUtf8 | B::Create { .. }) => CliError::Usage(format!("--to: {e}")),
        e => CliError::Usage(e.to_string()),
    })?;
    let shown = to.display();
    if json {
        let value = serde_json::json!({ "backup": shown.to_string(), "integrity_check": "ok" });
        writeln!(out, "{value}")?;
    } else {
        let target = config.target()?;
        writeln!(
            out,
            "backed up {} to {shown}; integrity_check: ok",
            target.redacted()
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
    let parsed =
        crate::url::DatabaseUrl::parse(url).map_err(|e| CliError::Usage(format!("{flag}: {e}")))?;
    // Only a copy's target may be created; a source (or either side of a verify) must exist.
    if !may_create && super::missing_sqlite(&parsed) {
        return Err(CliError::Usage(format!(
            "{flag}: no SQLite database at {}",
            parsed.redacted()
        )));
    }
    let c = config
        .clone()
        .with_url_from(parsed.clone(), crate::config::Source::Cli("--from/--to"));
    Ok((
        crate::pool::connect_sync(&c)?,
        parsed.redacted().to_string(),
    ))
}

fn print_checks(
    out: &mut dyn Write,
    json: bool,
    checks: &[crate::copy::TableCheck],
) -> Result<(), CliError> {
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(checks)?)?;
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
pub fn copy(
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
    super::stderr_line(&format!("copying {source_label} -> {target_label}"));
    let started = std::time::Instant::now();
    // A bar per table on a terminal; one plain line per table otherwise (logs, CI).
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
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
                super::stderr_line(&format!("{table}: {rows} rows copied"));
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
    super::stderr_line(&format!(
        "copied and verified {total} rows in {secs:.1}s ({:.0} rows/s)",
        total as f64 / secs.max(1e-9)
    ));
    print_checks(out, json, &checks)
}

/// `db verify`: counts and checksums of both sides; exit 1 naming the tables that differ.
pub fn verify(
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell longer than `format!`'s width limit (65,535) prints instead of panicking.
    #[test]
    fn the_table_printer_takes_any_width() {
        let long = "d".repeat(70_000);
        let rows = vec![
            serde_json::json!({ "name": "a", "description": long }),
            serde_json::json!({ "name": "bb", "description": "short" }),
        ];
        let mut out = Vec::new();
        print_rows(&mut out, false, &rows, &["name", "description"]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("name  description"));
        assert_eq!(lines[1], format!("a     {long}"));
        assert_eq!(lines[2], "bb    short");
    }
}

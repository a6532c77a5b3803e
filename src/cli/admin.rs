//! Admin commands over the repository (`tenant`, `user`, `sensor`, `rule`, `config`) and the
//! SQLite online backup. Every command opens the configured database and applies pending
//! migrations first, so the first command on a new machine works on the SQLite default.

use std::io::Write;
use std::path::Path;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::CliError;
use crate::config::DatabaseConfig;
use crate::repository::configurations::{self, ConfigurationChanges, NewConfiguration};
use crate::repository::rules::{self, NewRule, RuleAction, RuleState};
use crate::repository::sensors::{self, NewSensor};
use crate::repository::tenants::{self, NewTenant};
use crate::repository::users::{self, NewUser, Role};
use crate::repository::{Deleted, Page, MAX_PAGE};
use crate::types::{RuleId, SensorId, TenantId, UserId};
use crate::url::Backend;
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
        id: String,
    },
    /// Soft-delete a tenant and everything it owns.
    Delete {
        /// Tenant id.
        id: String,
    },
}

/// `--tenant ID`: the tenant a command works in.
#[derive(Debug, Args)]
pub struct TenantArg {
    /// Tenant id.
    #[arg(long)]
    pub tenant: String,
}

/// `--tenant ID ID`: one row of a tenant.
#[derive(Debug, Args)]
pub struct RowArgs {
    /// Tenant id.
    #[arg(long)]
    pub tenant: String,
    /// The row's id.
    pub id: String,
}

/// `trapperkeeper user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create {
        /// Owning tenant id.
        #[arg(long)]
        tenant: String,
        /// Login name, unique across tenants.
        #[arg(long)]
        username: String,
        /// Password hash (this tool never sees passwords).
        #[arg(long)]
        password_hash: String,
        /// admin, operator or observer.
        #[arg(long, default_value = "observer")]
        role: String,
        /// Require a password change at the next login.
        #[arg(long)]
        force_password_change: bool,
    },
    /// List live users of a tenant.
    List(TenantArg),
    /// Show one user.
    Show(RowArgs),
    /// Soft-delete a user.
    Delete(RowArgs),
}

/// `trapperkeeper sensor …`
#[derive(Debug, Subcommand)]
pub enum SensorCommand {
    /// Create a sensor.
    Create {
        /// Owning tenant id.
        #[arg(long)]
        tenant: String,
        /// Name (1–128 characters).
        #[arg(long)]
        name: String,
        /// Free text.
        #[arg(long)]
        description: Option<String>,
        /// JSON metadata.
        #[arg(long, default_value = "{}")]
        metadata: String,
    },
    /// List live sensors of a tenant.
    List(TenantArg),
    /// Show one sensor.
    Show(RowArgs),
    /// Soft-delete a sensor and its rule links.
    Delete(RowArgs),
}

/// `trapperkeeper rule …`
#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// Create a rule.
    Create {
        /// Owning tenant id.
        #[arg(long)]
        tenant: String,
        /// Name (1–128 characters).
        #[arg(long)]
        name: String,
        /// Free text.
        #[arg(long)]
        description: Option<String>,
        /// draft, active or disabled.
        #[arg(long, default_value = "draft")]
        state: String,
        /// observe, drop or fail.
        #[arg(long, default_value = "observe")]
        action: String,
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
    /// List live rules of a tenant.
    List(TenantArg),
    /// Show one rule.
    Show(RowArgs),
    /// Soft-delete a rule and its sensor links.
    Delete(RowArgs),
}

/// `trapperkeeper config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Set a key to a JSON value (creates or replaces the live value).
    Set {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// Key (1–128 characters).
        key: String,
        /// JSON value.
        value: String,
    },
    /// Print the live value of a key.
    Get {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// Key.
        key: String,
    },
    /// List live values of a tenant.
    List(TenantArg),
}

fn open(config: &DatabaseConfig) -> Result<AnyConnection, CliError> {
    Ok(crate::startup::open_sync(config)?)
}

fn id<T>(
    flag: &str,
    text: &str,
    parse: impl Fn(&str) -> Result<T, crate::types::InvalidId>,
) -> Result<T, CliError> {
    parse(text).map_err(|e| CliError::Usage(format!("{flag}: {e}")))
}

fn parsed<T: std::str::FromStr<Err = crate::repository::Error>>(text: &str) -> Result<T, CliError> {
    text.parse().map_err(CliError::Repo)
}

/// Prints rows as JSON or as an aligned table of `columns`.
fn print_rows<T: Serialize>(
    out: &mut dyn Write,
    json: bool,
    rows: &[T],
    columns: &[&str],
) -> Result<(), CliError> {
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(rows).map_err(|e| CliError::Usage(e.to_string()))?
        )?;
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
            .map(|(v, w)| format!("{v:<w$}"))
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
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(row).map_err(|e| CliError::Usage(e.to_string()))?
        )?;
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

/// The `--tenant` argument.
fn tenant_id(text: &str) -> Result<TenantId, CliError> {
    id("--tenant", text, TenantId::parse)
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
        TenantCommand::Show { id: text } => print_one(
            out,
            json,
            &tenants::get(&mut c, id("tenant id", text, TenantId::parse)?)?,
            &["tenant_id", "name", "created_at", "modified_at"],
        ),
        TenantCommand::Delete { id: text } => {
            let d = tenants::soft_delete(&mut c, id("tenant id", text, TenantId::parse)?)?;
            print_deleted(out, json, "tenant", text, d)
        }
    }
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
                role: parsed::<Role>(role)?,
                force_password_change: *force_password_change,
            };
            let row = users::create(&mut c, tenant_id(tenant)?, new)?;
            print_one(out, json, &redact_hash(&row), COLUMNS)
        }
        UserCommand::List(TenantArg { tenant }) => {
            let rows = users::list(&mut c, tenant_id(tenant)?, all())?;
            print_rows(
                out,
                json,
                &rows.iter().map(redact_hash).collect::<Vec<_>>(),
                COLUMNS,
            )
        }
        UserCommand::Show(RowArgs { tenant, id: text }) => {
            let row = users::get(
                &mut c,
                tenant_id(tenant)?,
                id("user id", text, UserId::parse)?,
            )?;
            print_one(out, json, &redact_hash(&row), COLUMNS)
        }
        UserCommand::Delete(RowArgs { tenant, id: text }) => {
            let d = users::soft_delete(
                &mut c,
                tenant_id(tenant)?,
                id("user id", text, UserId::parse)?,
            )?;
            print_deleted(out, json, "user", text, d)
        }
    }
}

fn redact_hash(u: &users::User) -> serde_json::Value {
    let mut v = serde_json::to_value(u).unwrap_or_default();
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
        SensorCommand::Create {
            tenant,
            name,
            description,
            metadata,
        } => {
            let new = NewSensor {
                name: name.clone(),
                description: description.clone(),
                metadata: metadata.clone(),
            };
            print_one(
                out,
                json,
                &sensors::create(&mut c, tenant_id(tenant)?, new)?,
                COLUMNS,
            )
        }
        SensorCommand::List(TenantArg { tenant }) => print_rows(
            out,
            json,
            &sensors::list(&mut c, tenant_id(tenant)?, all())?,
            COLUMNS,
        ),
        SensorCommand::Show(RowArgs { tenant, id: text }) => {
            let row = sensors::get(
                &mut c,
                tenant_id(tenant)?,
                id("sensor id", text, SensorId::parse)?,
            )?;
            print_one(
                out,
                json,
                &row,
                &[
                    "sensor_id",
                    "name",
                    "description",
                    "metadata",
                    "last_seen_at",
                    "created_at",
                ],
            )
        }
        SensorCommand::Delete(RowArgs { tenant, id: text }) => {
            let d = sensors::soft_delete(
                &mut c,
                tenant_id(tenant)?,
                id("sensor id", text, SensorId::parse)?,
            )?;
            print_deleted(out, json, "sensor", text, d)
        }
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
            tenant,
            name,
            description,
            state,
            action,
            sample_rate,
            disabled,
            scope_tags,
            expression,
        } => {
            let new = NewRule {
                name: name.clone(),
                description: description.clone(),
                state: parsed::<RuleState>(state)?,
                action: parsed::<RuleAction>(action)?,
                sample_rate: *sample_rate,
                enabled: !disabled,
                scope_tags: scope_tags.clone(),
                expression: expression.clone(),
            };
            print_one(
                out,
                json,
                &rules::create(&mut c, tenant_id(tenant)?, new)?,
                COLUMNS,
            )
        }
        RuleCommand::List(TenantArg { tenant }) => print_rows(
            out,
            json,
            &rules::list(&mut c, tenant_id(tenant)?, all())?,
            COLUMNS,
        ),
        RuleCommand::Show(RowArgs { tenant, id: text }) => {
            let row = rules::get(
                &mut c,
                tenant_id(tenant)?,
                id("rule id", text, RuleId::parse)?,
            )?;
            print_one(
                out,
                json,
                &row,
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
            )
        }
        RuleCommand::Delete(RowArgs { tenant, id: text }) => {
            let d = rules::soft_delete(
                &mut c,
                tenant_id(tenant)?,
                id("rule id", text, RuleId::parse)?,
            )?;
            print_deleted(out, json, "rule", text, d)
        }
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
            let t = tenant_id(tenant)?;
            let row = c.write_transaction(|c| match configurations::get_by_key(c, t, key) {
                Ok(existing) => configurations::update(
                    c,
                    t,
                    existing.configuration_id,
                    ConfigurationChanges {
                        config_value: Some(value.clone()),
                    },
                ),
                Err(crate::repository::Error::NotFound { .. }) => configurations::create(
                    c,
                    t,
                    NewConfiguration {
                        config_key: key.clone(),
                        config_value: value.clone(),
                    },
                ),
                Err(e) => Err(e),
            })?;
            print_one(out, json, &row, COLUMNS)
        }
        ConfigCommand::Get { tenant, key } => {
            let row = configurations::get_by_key(&mut c, tenant_id(tenant)?, key)?;
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
            &configurations::list(&mut c, tenant_id(tenant)?, all())?,
            COLUMNS,
        ),
    }
}

/// `db backup --to FILE`: SQLite's `VACUUM INTO`, a consistent snapshot taken while other
/// connections keep writing, into a new 0600 file that is then checked with
/// `PRAGMA integrity_check`.
pub fn backup(
    config: &DatabaseConfig,
    to: &Path,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let target = config.target()?;
    if target.backend() != Backend::Sqlite {
        let tool = if target.backend() == Backend::Postgres {
            "pg_dump"
        } else {
            "mysqldump or mariadb-backup"
        };
        return Err(CliError::Usage(format!(
            "db backup copies SQLite databases; back up {} with the server's own tools ({tool})",
            target.backend()
        )));
    }
    if to.exists() {
        return Err(CliError::Usage(format!(
            "--to: {} exists; choose a new file",
            to.display()
        )));
    }
    let text = to
        .to_str()
        .ok_or_else(|| CliError::Usage("--to: the path is not valid UTF-8".into()))?;
    // Created empty and private first: VACUUM INTO keeps an empty file's mode.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(to)
        .map_err(|e| CliError::Usage(format!("--to: cannot create {}: {e}", to.display())))?;
    let mut c = crate::pool::connect_sync(config)?;
    let result = (|| -> Result<String, CliError> {
        use diesel::connection::SimpleConnection;
        c.batch_execute(&format!("VACUUM INTO '{}'", text.replace('\'', "''")))?;
        let copy =
            crate::url::DatabaseUrl::sqlite_file(to).map_err(|e| CliError::Usage(e.to_string()))?;
        let mut check = crate::connection::establish(&copy)?;
        let sessions = check.session_settings()?; // proves it opens as a database
        drop(sessions);
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        use diesel::RunQueryDsl;
        let rows: Vec<Row> = diesel::sql_query("PRAGMA integrity_check").load(&mut check)?;
        Ok(rows
            .into_iter()
            .map(|r| r.integrity_check)
            .collect::<Vec<_>>()
            .join("; "))
    })();
    match result {
        Ok(status) if status == "ok" => {
            if json {
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({ "backup": text, "integrity_check": status })
                )?;
            } else {
                writeln!(
                    out,
                    "backed up {} to {text}; integrity_check: ok",
                    target.redacted()
                )?;
            }
            Ok(())
        }
        Ok(status) => {
            let _ = std::fs::remove_file(to);
            Err(CliError::Usage(format!(
                "the backup failed its integrity check ({status}) and was removed"
            )))
        }
        Err(e) => {
            let _ = std::fs::remove_file(to);
            Err(e)
        }
    }
}

/// A connection for `--from`/`--to`, with the pool settings (timeouts) of `config`.
fn open_url(
    config: &DatabaseConfig,
    flag: &str,
    url: &str,
) -> Result<(AnyConnection, String), CliError> {
    let parsed =
        crate::url::DatabaseUrl::parse(url).map_err(|e| CliError::Usage(format!("{flag}: {e}")))?;
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
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(checks).map_err(|e| CliError::Usage(e.to_string()))?
        )?;
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
    let (mut source, source_label) = open_url(config, "--from", from)?;
    let (mut target, target_label) = open_url(config, "--to", to)?;
    eprintln!("copying {source_label} -> {target_label}");
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
                eprintln!("{table}: {rows} rows copied");
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
    eprintln!(
        "copied and verified {total} rows in {secs:.1}s ({:.0} rows/s)",
        total as f64 / secs.max(1e-9)
    );
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
    let (mut a, _) = open_url(config, "--from", from)?;
    let (mut b, _) = open_url(config, "--to", to)?;
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

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
use crate::types::{ConfigurationId, RuleId, SensorId, TenantId, UserId};
use crate::AnyConnection;
use serde_json::Value;

/// `trapperkeeper tenant …`
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    Create {
        /// Display name (1–128 characters).
        name: String,
    },
    /// List tenants (every live one unless --limit; deleted ones too with --include-deleted).
    List(ListArgs<TenantId, NoTenant>),
    /// Show one tenant.
    Show(RowArgs<TenantId, NoTenant>),
    /// Rename a tenant.
    Rename {
        /// The row.
        #[command(flatten)]
        row: RowArgs<TenantId, NoTenant>,
        /// New display name (1–128 characters).
        name: String,
    },
    /// Soft-delete a tenant and everything it owns.
    Delete(RowArgs<TenantId, NoTenant>),
}

/// Ids as clap arguments.
pub trait IdArg:
    Copy
    + Clone
    + Send
    + Sync
    + std::fmt::Display
    + std::str::FromStr<Err = crate::types::InvalidId>
    + 'static
{
}
impl IdArg for TenantId {}
impl IdArg for UserId {}
impl IdArg for SensorId {}
impl IdArg for RuleId {}
impl IdArg for ConfigurationId {}

/// The tenant a command works in: `--tenant ID` ([`TenantArg`]) or none (tenants themselves).
pub trait Scope: Args + std::fmt::Debug + Send + Sync + 'static {
    /// The tenant, if the entity has one.
    fn tenant(&self) -> Option<TenantId>;
}

/// `--tenant ID`: the tenant a command works in.
#[derive(Debug, Args)]
pub struct TenantArg {
    /// Tenant id.
    #[arg(long)]
    pub tenant: TenantId,
}

impl Scope for TenantArg {
    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }
}

/// No tenant flag: the command is about tenants.
#[derive(Debug, Args)]
pub struct NoTenant {}

impl Scope for NoTenant {
    fn tenant(&self) -> Option<TenantId> {
        None
    }
}

/// `[--tenant ID] ID`: one row.
#[derive(Debug, Args)]
pub struct RowArgs<Id: IdArg, S: Scope> {
    /// The tenant.
    #[command(flatten)]
    pub scope: S,
    /// The row's id.
    pub id: Id,
}

/// `[--tenant ID] [--limit N] [--after ID] [--include-deleted]`: rows, oldest first.
#[derive(Debug, Args)]
pub struct ListArgs<Id: IdArg, S: Scope> {
    /// The tenant.
    #[command(flatten)]
    pub scope: S,
    /// At most this many rows; when more remain, stderr says how to go on. Default: all.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Start after this id (the last one of the previous page).
    #[arg(long, value_name = "ID")]
    pub after: Option<Id>,
    /// Show soft-deleted rows too (an audit).
    #[arg(long)]
    pub include_deleted: bool,
}

/// `list`, `show`, `delete`: the row commands every tenant-owned entity has.
#[derive(Debug, Subcommand)]
pub enum RowCommand<Id: IdArg> {
    /// List rows of a tenant, oldest first (every live one unless --limit; deleted ones too
    /// with --include-deleted).
    List(ListArgs<Id, TenantArg>),
    /// Show one row.
    Show(RowArgs<Id, TenantArg>),
    /// Soft-delete a row and, in the same transaction, the rows that point at it.
    Delete(RowArgs<Id, TenantArg>),
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
    /// Free text (at most 65,535 bytes).
    #[arg(long)]
    pub description: Option<String>,
}

/// `--tenant ID ID NAME`: a new name for a row.
#[derive(Debug, Args)]
pub struct RenameArgs<Id: IdArg> {
    /// The row.
    #[command(flatten)]
    pub row: RowArgs<Id, TenantArg>,
    /// New name (1–128 characters).
    pub name: String,
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
    /// Change a user's role.
    SetRole {
        /// The user.
        #[command(flatten)]
        row: RowArgs<UserId, TenantArg>,
        /// admin, operator or observer.
        role: Role,
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
        /// JSON metadata (at most 65,535 bytes).
        #[arg(long, default_value = "{}")]
        metadata: String,
    },
    /// Rename a sensor.
    Rename(RenameArgs<SensorId>),
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
        /// JSON array of tags (at most 65,535 bytes).
        #[arg(long, default_value = "[]")]
        scope_tags: String,
        /// JSON expression (at most 65,535 bytes).
        #[arg(long, default_value = "{}")]
        expression: String,
    },
    /// Rename a rule.
    Rename(RenameArgs<RuleId>),
    /// Switch a rule on.
    Enable(RowArgs<RuleId, TenantArg>),
    /// Switch a rule off.
    Disable(RowArgs<RuleId, TenantArg>),
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
        /// JSON value (at most 65,535 bytes).
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
    /// Soft-delete the live value of a key.
    Delete {
        /// Tenant id.
        #[arg(long)]
        tenant: TenantId,
        /// Key.
        key: String,
    },
    /// List the values of a tenant.
    List(ListArgs<ConfigurationId, TenantArg>),
}

/// How an entity's rows are printed: the columns of a table (`list`; `show` adds `detail`), the
/// columns that hold JSON text (nested as JSON in `--json` output) and those never shown.
struct View {
    entity: &'static str,
    list: &'static [&'static str],
    detail: &'static [&'static str],
    json_text: &'static [&'static str],
    masked: &'static [&'static str],
}

const TENANTS: View = View {
    entity: "tenant",
    list: &["tenant_id", "name", "created_at", "deleted_at"],
    detail: &["modified_at"],
    json_text: &[],
    masked: &[],
};

// The hash is not secret like a password, but it has no place on a screen either.
const USERS: View = View {
    entity: "user",
    list: &[
        "user_id",
        "username",
        "role",
        "force_password_change",
        "created_at",
        "deleted_at",
    ],
    detail: &["modified_at"],
    json_text: &[],
    masked: &["password_hash"],
};

const SENSORS: View = View {
    entity: "sensor",
    list: &[
        "sensor_id",
        "name",
        "description",
        "last_seen_at",
        "created_at",
        "deleted_at",
    ],
    detail: &["metadata"],
    json_text: &["metadata"],
    masked: &[],
};

const RULES: View = View {
    entity: "rule",
    list: &[
        "rule_id",
        "name",
        "state",
        "action",
        "sample_rate",
        "enabled",
        "created_at",
        "deleted_at",
    ],
    detail: &["scope_tags", "expression"],
    json_text: &["scope_tags", "expression"],
    masked: &[],
};

const CONFIGURATIONS: View = View {
    entity: "configuration",
    list: &["config_key", "config_value", "modified_at", "deleted_at"],
    detail: &[],
    json_text: &["config_value"],
    masked: &[],
};

impl View {
    /// A row as printed: its fields in declaration order (every entity: id, tenant, its own
    /// columns, then the audit timestamps), JSON text nested, masked columns starred.
    fn shown<M: Serialize>(&self, row: &M) -> Result<Value, CliError> {
        let mut v = serde_json::to_value(row)?;
        if let Value::Object(map) = &mut v {
            for c in self.json_text {
                if let Some(Value::String(text)) = map.get(*c) {
                    // Stored JSON was validated on the way in; a value that does not parse (written
                    // by other means) is shown as the text it is.
                    if let Ok(nested) = serde_json::from_str::<Value>(text) {
                        map.insert((*c).to_string(), nested);
                    }
                }
            }
            for c in self.masked {
                map.insert((*c).to_string(), Value::String("***".into()));
            }
        }
        Ok(v)
    }
}

/// What every admin command works with: a connection to the configured database (migrated),
/// and where and how to print.
pub struct Ctx<'a> {
    c: AnyConnection,
    json: bool,
    out: &'a mut dyn Write,
}

impl Ctx<'_> {
    fn rows<M: Serialize>(&mut self, view: &View, rows: &[M]) -> Result<(), CliError> {
        let shown = rows
            .iter()
            .map(|r| view.shown(r))
            .collect::<Result<Vec<_>, _>>()?;
        if self.json {
            writeln!(self.out, "{}", serde_json::to_string_pretty(&shown)?)?;
            Ok(())
        } else {
            print_table(self.out, &shown, view.list)
        }
    }

    fn one<M: Serialize>(&mut self, view: &View, row: &M) -> Result<(), CliError> {
        let shown = view.shown(row)?;
        if self.json {
            writeln!(self.out, "{}", serde_json::to_string_pretty(&shown)?)?;
            Ok(())
        } else {
            let columns: Vec<&str> = view.list.iter().chain(view.detail).copied().collect();
            print_table(self.out, std::slice::from_ref(&shown), &columns)
        }
    }

    fn deleted(
        &mut self,
        view: &View,
        id: &dyn std::fmt::Display,
        d: Deleted,
    ) -> Result<(), CliError> {
        let entity = view.entity;
        if self.json {
            let value = serde_json::json!({
                "deleted": entity, "id": id.to_string(), "deleted_at": d.deleted_at, "children": d.children
            });
            writeln!(self.out, "{value}")?;
        } else {
            writeln!(
                self.out,
                "deleted {entity} {id} and {} child row(s) at {}",
                d.children, d.deleted_at
            )?;
        }
        Ok(())
    }
}

/// An admin command: runs against the configured database.
pub trait Run {
    /// Runs the command, printing its report.
    fn run(&self, ctx: &mut Ctx) -> Result<(), CliError>;
}

/// Opens the configured database (applying migrations as start-up does) and runs `cmd`.
pub fn run(
    config: &DatabaseConfig,
    cmd: &dyn Run,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let c = crate::startup::open_sync(config)?;
    cmd.run(&mut Ctx { c, json, out })
}

/// Prints rows as an aligned table of `columns`; a column no row has is left out (a live-only
/// listing has no `deleted_at`).
fn print_table(out: &mut dyn Write, rows: &[Value], columns: &[&str]) -> Result<(), CliError> {
    let columns: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| *c != "deleted_at" || rows.iter().any(|r| !r[*c].is_null()))
        .collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| match &row[*c] {
                    Value::Null => "-".to_string(),
                    Value::String(s) => s.replace(['\n', '\r', '\t'], " "),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([columns[i].len()])
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
    writeln!(out, "{}", line(columns.clone()))?;
    for row in &cells {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

/// The rows `args` asks for, fetched a repository page at a time: all of them, or `--limit`
/// (then stderr says how to continue when more remain).
fn collect<Id: IdArg, S: Scope, M>(
    args: &ListArgs<Id, S>,
    id_of: fn(&M) -> Id,
    mut fetch: impl FnMut(bool, Page<Id>) -> crate::repository::Result<Vec<M>>,
) -> Result<Vec<M>, CliError> {
    let mut rows = Vec::new();
    let mut after = args.after;
    let wanted = args.limit.unwrap_or(u64::MAX);
    loop {
        let left = wanted - rows.len() as u64;
        // One more than asked for tells whether the listing is complete.
        let limit = left.saturating_add(1).min(MAX_PAGE as u64) as i64;
        let page = fetch(args.include_deleted, Page { after, limit })?;
        let full = page.len() as i64 == limit;
        for row in page {
            if rows.len() as u64 == wanted {
                let last = rows
                    .last()
                    .map(id_of)
                    .map(|id: Id| id.to_string())
                    .unwrap_or_default();
                super::stderr_line(&format!("more rows follow: continue with --after {last}"));
                return Ok(rows);
            }
            after = Some(id_of(&row));
            rows.push(row);
        }
        if !full {
            return Ok(rows);
        }
    }
}

impl Run for TenantCommand {
    fn run(&self, ctx: &mut Ctx) -> Result<(), CliError> {
        let v = &TENANTS;
        let c = &mut ctx.c;
        match self {
            TenantCommand::Create { name } => {
                let row = tenants::create(c, NewTenant { name: name.clone() })?;
                ctx.one(v, &row)
            }
            TenantCommand::List(args) => {
                let rows = collect(args, tenants::Tenant::id, |all, page| match all {
                    true => tenants::audit_list_including_deleted(c, page),
                    false => tenants::list(c, page),
                })?;
                ctx.rows(v, &rows)
            }
            TenantCommand::Show(row) => {
                let row = tenants::get(c, row.id)?;
                ctx.one(v, &row)
            }
            TenantCommand::Rename { row, name } => {
                let changes = tenants::TenantChanges {
                    name: Some(name.clone()),
                };
                let row = tenants::update(c, row.id, changes)?;
                ctx.one(v, &row)
            }
            TenantCommand::Delete(row) => {
                let d = tenants::soft_delete(c, row.id)?;
                ctx.deleted(v, &row.id, d)
            }
        }
    }
}

/// An entity's repository functions behind its commands.
struct Rows<Id, M, N, C> {
    view: &'static View,
    id_of: fn(&M) -> Id,
    create: fn(&mut AnyConnection, TenantId, N) -> crate::repository::Result<M>,
    list: fn(&mut AnyConnection, TenantId, Page<Id>) -> crate::repository::Result<Vec<M>>,
    audit_list: fn(&mut AnyConnection, TenantId, Page<Id>) -> crate::repository::Result<Vec<M>>,
    get: fn(&mut AnyConnection, TenantId, Id) -> crate::repository::Result<M>,
    update: fn(&mut AnyConnection, TenantId, Id, C) -> crate::repository::Result<M>,
    delete: fn(&mut AnyConnection, TenantId, Id) -> crate::repository::Result<Deleted>,
}

/// The functions of the entity module `$m`, shown through `$view`.
macro_rules! rows_of {
    ($m:ident :: $Model:ident, $view:expr) => {
        Rows {
            view: &$view,
            id_of: $m::$Model::id,
            create: $m::create,
            list: $m::list,
            audit_list: $m::audit_list_including_deleted,
            get: $m::get,
            update: $m::update,
            delete: $m::soft_delete,
        }
    };
}

impl<Id: IdArg, M: Serialize, N, C> Rows<Id, M, N, C> {
    fn run(&self, ctx: &mut Ctx, cmd: &RowCommand<Id>) -> Result<(), CliError> {
        let c = &mut ctx.c;
        match cmd {
            RowCommand::List(args) => {
                let tenant = args.scope.tenant;
                let rows = collect(args, self.id_of, |all, page| match all {
                    true => (self.audit_list)(c, tenant, page),
                    false => (self.list)(c, tenant, page),
                })?;
                ctx.rows(self.view, &rows)
            }
            RowCommand::Show(row) => {
                let found = (self.get)(c, row.scope.tenant, row.id)?;
                ctx.one(self.view, &found)
            }
            RowCommand::Delete(row) => {
                let d = (self.delete)(c, row.scope.tenant, row.id)?;
                ctx.deleted(self.view, &row.id, d)
            }
        }
    }

    fn create(&self, ctx: &mut Ctx, tenant: TenantId, new: N) -> Result<(), CliError> {
        let row = (self.create)(&mut ctx.c, tenant, new)?;
        ctx.one(self.view, &row)
    }

    fn update(
        &self,
        ctx: &mut Ctx,
        row: &RowArgs<Id, TenantArg>,
        changes: C,
    ) -> Result<(), CliError> {
        let updated = (self.update)(&mut ctx.c, row.scope.tenant, row.id, changes)?;
        ctx.one(self.view, &updated)
    }
}

impl Run for UserCommand {
    fn run(&self, ctx: &mut Ctx) -> Result<(), CliError> {
        let rows = &rows_of!(users::User, USERS);
        match self {
            UserCommand::Rows(cmd) => rows.run(ctx, cmd),
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
                rows.create(ctx, *tenant, new)
            }
            UserCommand::SetRole { row, role } => {
                let changes = users::UserChanges {
                    role: Some(*role),
                    ..Default::default()
                };
                rows.update(ctx, row, changes)
            }
        }
    }
}

impl Run for SensorCommand {
    fn run(&self, ctx: &mut Ctx) -> Result<(), CliError> {
        let rows = &rows_of!(sensors::Sensor, SENSORS);
        match self {
            SensorCommand::Create { named, metadata } => {
                let new = NewSensor {
                    name: named.name.clone(),
                    description: named.description.clone(),
                    metadata: metadata.clone(),
                };
                rows.create(ctx, named.tenant, new)
            }
            SensorCommand::Rename(RenameArgs { row, name }) => {
                let name = Some(name.clone());
                rows.update(
                    ctx,
                    row,
                    sensors::SensorChanges {
                        name,
                        ..Default::default()
                    },
                )
            }
            SensorCommand::Rows(cmd) => rows.run(ctx, cmd),
        }
    }
}

impl Run for RuleCommand {
    fn run(&self, ctx: &mut Ctx) -> Result<(), CliError> {
        let rows = &rows_of!(rules::Rule, RULES);
        let changes = rules::RuleChanges::default();
        match self {
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
                rows.create(ctx, named.tenant, new)
            }
            RuleCommand::Rename(RenameArgs { row, name }) => {
                let name = Some(name.clone());
                rows.update(ctx, row, rules::RuleChanges { name, ..changes })
            }
            RuleCommand::Enable(row) => rows.update(
                ctx,
                row,
                rules::RuleChanges {
                    enabled: Some(true),
                    ..changes
                },
            ),
            RuleCommand::Disable(row) => rows.update(
                ctx,
                row,
                rules::RuleChanges {
                    enabled: Some(false),
                    ..changes
                },
            ),
            RuleCommand::Rows(cmd) => rows.run(ctx, cmd),
        }
    }
}

impl Run for ConfigCommand {
    fn run(&self, ctx: &mut Ctx) -> Result<(), CliError> {
        let v = &CONFIGURATIONS;
        let c = &mut ctx.c;
        match self {
            ConfigCommand::Set { tenant, key, value } => {
                let row = configurations::set(c, *tenant, key, value)?;
                ctx.one(v, &row)
            }
            ConfigCommand::Get { tenant, key } => {
                let row = configurations::get_by_key(c, *tenant, key)?;
                if ctx.json {
                    ctx.one(v, &row)
                } else {
                    writeln!(ctx.out, "{}", row.config_value)?;
                    Ok(())
                }
            }
            ConfigCommand::Delete { tenant, key } => {
                let d = c.write_transaction(|c| {
                    let row = configurations::get_by_key(c, *tenant, key)?;
                    configurations::soft_delete(c, *tenant, row.configuration_id)
                })?;
                ctx.deleted(v, key, d)
            }
            ConfigCommand::List(args) => {
                let tenant = args.scope.tenant;
                let rows = collect(
                    args,
                    configurations::Configuration::id,
                    |all, page| match all {
                        true => configurations::audit_list_including_deleted(c, tenant, page),
                        false => configurations::list(c, tenant, page),
                    },
                )?;
                ctx.rows(v, &rows)
            }
        }
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
        print_table(&mut out, &rows, &["name", "description"]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("name  description"));
        assert_eq!(lines[1], format!("a     {long}"));
        assert_eq!(lines[2], "bb    short");
    }
}

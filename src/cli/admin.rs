//! Admin commands over the repository (`tenant`, `user`, `sensor`, `rule`, `config`) and the
//! SQLite online backup. Every command opens the configured database and applies pending
//! migrations first, so the first command on a new machine works on the SQLite default.

use std::io::Write;

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
    // A negative number is read as a value (and refused by the range), not as an unknown flag.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..))]
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
        /// Login name, 1–128 characters, unique across tenants (deleted users included).
        #[arg(long)]
        username: String,
        /// Password hash, 1–255 characters (this tool never sees passwords).
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
        #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
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
    // The id is what `--after` takes.
    list: &[
        "configuration_id",
        "config_key",
        "config_value",
        "modified_at",
        "deleted_at",
    ],
    detail: &[],
    json_text: &["config_value"],
    masked: &[],
};

impl View {
    /// A row as printed: its fields in declaration order (every entity: id, tenant, its own
    /// columns, then the audit timestamps), masked columns starred. JSON text stays the text
    /// stored (what `config get` prints).
    fn shown<M: Serialize>(&self, row: &M) -> Result<Value, CliError> {
        let mut v = serde_json::to_value(row)?;
        if let Value::Object(map) = &mut v {
            for c in self.masked {
                map.insert((*c).to_string(), Value::String("***".into()));
            }
        }
        Ok(v)
    }
}

/// A shown row for `--json`: JSON text columns nested as the very text stored, not reparsed (a
/// `serde_json::Value` would turn 12345678901234567890123 into 1.2345678901234568e22).
struct JsonRow<'a> {
    view: &'a View,
    row: Value,
}

impl Serialize for JsonRow<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(fields) = &self.row else {
            return self.row.serialize(serializer);
        };
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for (key, value) in fields {
            // Stored JSON was validated on the way in; a value that does not parse (written by
            // other means) is shown as the text it is.
            let stored = match value {
                Value::String(text) if self.view.json_text.contains(&key.as_str()) => {
                    serde_json::value::RawValue::from_string(text.clone()).ok()
                }
                _ => None,
            };
            match stored {
                Some(raw) => map.serialize_entry(key, &raw)?,
                None => map.serialize_entry(key, value)?,
            }
        }
        map.end()
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
            let rows: Vec<_> = shown.into_iter().map(|row| JsonRow { view, row }).collect();
            writeln!(self.out, "{}", serde_json::to_string_pretty(&rows)?)?;
            Ok(())
        } else {
            print_table(self.out, &shown, view.list)
        }
    }

    fn one<M: Serialize>(&mut self, view: &View, row: &M) -> Result<(), CliError> {
        let shown = view.shown(row)?;
        if self.json {
            let row = JsonRow { view, row: shown };
            writeln!(self.out, "{}", serde_json::to_string_pretty(&row)?)?;
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
            writeln!(self.out, "{}", serde_json::to_string_pretty(&value)?)?;
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

/// A cell on one line that cannot drive the terminal: line breaks and tabs become spaces, any
/// other control character (ESC, BEL, NUL, which JSON text may carry as `\u001b`) its `\u{…}`
/// escape.
fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
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
                    Value::String(s) => printable(s),
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
                super::note(&format!("more rows follow: continue with --after {last}"));
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

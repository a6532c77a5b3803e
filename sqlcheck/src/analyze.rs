//! Checks one block against the catalog and the portable grammar, and works out its parameter
//! and result types.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;

use crate::ast::{
    walk_here, Args, BinaryOp, Delete, Expr, ExprKind, Ident, Literal, Pos, Select, SelectItem,
    Statement, Update,
};
use crate::catalog::{self, option_inner, Catalog, Column};
use crate::file::{Block, Returns};
use crate::lint;
use crate::parse;
use crate::rules;
use crate::token::{self, Kind, Token};
use crate::types::{Lookup, ParamUse, SubTyped, SubqueryUse, Ty, Typer, AGGREGATES};

use crate::diagnostic::{Code, Diagnostic};

/// A parameter of the generated function.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name (snake_case).
    pub name: String,
    /// Rust type of the argument.
    pub rust: String,
    /// diesel SQL type it binds as.
    pub sql: String,
    /// A LIMIT or OFFSET value: the generated function refuses a negative one (PostgreSQL
    /// raises an error, SQLite reads it as "no limit", MySQL refuses it as a literal only).
    pub non_negative: bool,
    /// Written to a column of at most this many characters: the generated function refuses a
    /// longer value (PostgreSQL and MySQL refuse it, SQLite would store it).
    pub max_chars: Option<usize>,
    /// Written to a JSON column: the generated function refuses text that is not JSON.
    pub json: bool,
    /// Written to a text column: the generated function refuses a value longer than the
    /// portable limit (`MAX_TEXT_BYTES`, what MySQL's `TEXT` holds), as the repository does.
    pub text: bool,
    /// Seen only in an UPDATE's `SET`, not its `WHERE`: a new value, which the generated
    /// signature puts after the parameters that pick the rows.
    pub value_only: bool,
    /// Written to this column of this entity (`crate::repository::sensors`, `name`): the
    /// generated function applies the entity's rule for the column (`COLUMN_RULES`).
    pub column_rule: Option<(String, String)>,
    /// A value the generated function makes rather than takes (a Rust expression: a new
    /// UUIDv7 id, the current time), for a column the block leaves out.
    pub generated: Option<String>,
    /// A `-- list:` parameter: a slice (`rust` is `&[T]`, `sql` the type of one value), bound
    /// as one placeholder per value.
    pub list: bool,
    /// In the rows of an `INSERT … SELECT`: one value for every row (a parameter the SELECT
    /// lists), not a field of each row.
    pub shared: bool,
}

/// An `INSERT INTO t (columns) SELECT …`: the function selects the rows (`source`), then
/// inserts them as a batch (`rows`, whose parameters are the columns), in one write
/// transaction, so every row gets a new id, timestamps and the entity's checks.
#[derive(Debug, Clone)]
pub struct CopyRows {
    /// The SELECT, without the parameters it lists as values.
    pub source: Box<Analyzed>,
    /// The batch INSERT of the rows.
    pub rows: Box<Analyzed>,
    /// For each field of a row: (the field, the source column it takes, whether it wraps the
    /// value in `Some`).
    pub map: Vec<(String, String, bool)>,
}

/// The checks a named INSERT into a tenant's table runs first, in its write transaction, as
/// the repository's `create` does.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertChecks {
    /// The entity's repository module (`crate::repository::sensors`).
    pub entity: String,
    /// The parameter holding the tenant (which must be live).
    pub tenant: usize,
    /// Further parents the row points at: (their repository module, the parameter of the id).
    pub parents: Vec<(String, usize)>,
    /// How many rows the statement inserts.
    pub rows: usize,
}

/// What the generated function must check of a parameter written to a column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ValueCheck {
    max_chars: Option<usize>,
    json: bool,
    text: bool,
    column_rule: Option<(String, String)>,
    /// The value of a NOT NULL column.
    not_null: bool,
}

/// A result column.
#[derive(Debug, Clone, PartialEq)]
pub struct OutColumn {
    /// Field name.
    pub name: String,
    /// Rust type (with `Option` when nullable).
    pub rust: String,
    /// diesel SQL type (with `Nullable` when nullable).
    pub sql: String,
}

/// A checked block.
#[derive(Debug, Clone)]
pub struct Analyzed {
    /// The block.
    pub block: Block,
    /// What it returns.
    pub returns: Returns,
    /// Parameters, in order of first appearance.
    pub params: Vec<Param>,
    /// For each placeholder in the text, the index of its parameter.
    pub binds: Vec<usize>,
    /// Result columns (empty for exec).
    pub columns: Vec<OutColumn>,
    /// The Rust path of the `-- row:` model, if the block maps onto one.
    pub row_path: Option<String>,
    /// The SQL with `?` placeholders (MySQL, SQLite).
    pub qmark_sql: String,
    /// The SQL with `$n` placeholders (PostgreSQL).
    pub pg_sql: String,
    /// An INSERT's checks before it runs (a tenant's table with a repository model).
    pub insert: Option<InsertChecks>,
    /// The parameter of an INSERT's generated primary key: the function returns the new id.
    pub returns_id: Option<usize>,
    /// `-- batch`: the function inserts a slice of rows (every parameter but the tenant is a
    /// field of a row; a generated id is made per row).
    pub batch: bool,
    /// An `INSERT … SELECT`: the function runs these two and takes the parameters of both.
    pub copy: Option<CopyRows>,
    /// A soft delete of a table with children: the function cascades it.
    pub cascade: Option<Cascade>,
}

/// A named soft delete of a table whose rows other tables point at: in one write transaction
/// with the UPDATE, the function marks the children of every row of the tenant deleted at that
/// instant deleted too (`<entity>::cascade_deleted_at`, what the repository's soft delete
/// marks).
#[derive(Debug, Clone, PartialEq)]
pub struct Cascade {
    /// The entity's repository module (`crate::repository::rules`).
    pub entity: String,
    /// The parameter holding the tenant.
    pub tenant: usize,
    /// The parameter holding the instant (`deleted_at`).
    pub at: usize,
}

struct Placeholder {
    name: Option<String>,
    line: usize,
    col: usize,
}

/// Finds the `:name` and `?` placeholders (the tokenizer skips strings and comments); returns
/// the SQL with each `:name` replaced by `?` padded to the same width (so positions stay true).
fn placeholders(sql: &str, tokens: &[Token]) -> (String, Vec<Placeholder>) {
    let found: Vec<Placeholder> = tokens
        .iter()
        .filter(|t| t.kind == Kind::Param && !t.text.starts_with('$'))
        .map(|t| Placeholder {
            name: t.text.strip_prefix(':').map(str::to_ascii_lowercase),
            line: t.line,
            col: t.column,
        })
        .collect();
    let mut out = String::with_capacity(sql.len());
    let (mut line, mut col) = (1usize, 1usize);
    let mut skip = 0;
    // The tokens come in the order of the text: the next placeholder is the only one to look
    // for (a search of all of them at every character was quadratic in long lists).
    let mut next = found.iter().peekable();
    for c in sql.chars() {
        if skip > 0 {
            skip -= 1;
            out.push(' ');
        } else if let Some(p) = next.next_if(|p| (p.line, p.col) == (line, col)) {
            out.push(if c == ':' { '?' } else { c });
            skip = p.name.as_ref().map_or(0, String::len);
        } else {
            out.push(c);
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (out, found)
}

/// Rewrites `?` placeholders (outside strings) as `$1…$n` for PostgreSQL.
fn dollar(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quote = None;
    let mut n = 0;
    for c in sql.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' => quote = Some(c),
            None if c == '?' => {
                n += 1;
                out.push_str(&format!("${n}"));
                continue;
            }
            None => {}
        }
        out.push(c);
    }
    out
}

/// Drops `--` and `/* */` comments outside string literals. The emitted SQL is one line, where a
/// `--` comment would swallow everything after it.
fn strip_comments(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            in_string = c != '\'';
            out.push(c);
        } else if c == '\'' {
            in_string = true;
            out.push(c);
        } else if c == '-' && chars.peek() == Some(&'-') {
            for c in chars.by_ref() {
                if c == '\n' {
                    out.push('\n');
                    break;
                }
            }
        } else if c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut last = ' ';
            for c in chars.by_ref() {
                if last == '*' && c == '/' {
                    break;
                }
                last = c;
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Collapses runs of whitespace (the padding left by placeholders) for the emitted SQL.
fn tidy(sql: &str) -> String {
    // Outside string literals only: the oracle caught `'a ,b'` emitted as `'a,b'`.
    let sql = strip_comments(sql);
    let mut out = String::with_capacity(sql.len());
    let mut in_string = false;
    let mut space = false;
    for c in sql.chars() {
        if in_string {
            out.push(c);
            in_string = c != '\'';
            continue;
        }
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space && c != ',' && c != ')' {
            out.push(' ');
        }
        space = false;
        out.push(c);
        in_string = c == '\'';
    }
    out
}

pub(crate) struct Scope<'a> {
    pub(crate) catalog: &'a Catalog,
    /// (name or alias as written, table)
    pub(crate) tables: Vec<(String, String)>,
    /// Tables joined with LEFT JOIN: every column of theirs may be NULL in a result row.
    pub(crate) outer: Vec<String>,
    /// Where each of `tables` is named, for the diagnostics about it.
    pub(crate) positions: Vec<Pos>,
    /// The query this one is a subquery of: its tables are visible here (a correlated
    /// reference), after this query's own.
    pub(crate) parent: Option<&'a Scope<'a>>,
    /// How deeply this query is nested (0: the statement).
    pub(crate) level: usize,
}

/// A column reference resolved to a table of some enclosing query.
pub(crate) struct Found<'a> {
    pub(crate) col: &'a Column,
    /// The table's name.
    pub(crate) table: String,
    /// The table's name or alias as written.
    pub(crate) alias: String,
    /// The level of the query the table belongs to.
    pub(crate) level: usize,
}

/// The words measured to fail as an unquoted alias or identifier on at least one engine
/// (`scripts/measure-reserved-words`).
static RESERVED_WORDS: std::sync::LazyLock<Vec<(&'static str, &'static str)>> =
    std::sync::LazyLock::new(|| {
        include_str!("reserved_words.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| l.split_once('\t').unwrap_or((l, "")))
            .collect()
    });

/// Refuses an alias that one of the engines reserves, or that repeats a column name of a table
/// in scope for another value.
fn check_alias(alias: &Ident, problems: &mut Vec<Diagnostic>) {
    let lower = alias.value.to_ascii_lowercase();
    if let Some((_, where_)) = RESERVED_WORDS.iter().find(|(w, _)| *w == lower) {
        // The measurement's tags (`mysql:column-alias,…`) say which engines refuse the word.
        let mut engines: Vec<&str> = Vec::new();
        for tag in where_.split(',') {
            let engine = match tag.split(':').next() {
                Some("mysql") => "MySQL/MariaDB",
                Some("postgres") => "PostgreSQL",
                Some("sqlite") => "SQLite",
                _ => continue,
            };
            if !engines.contains(&engine) {
                engines.push(engine);
            }
        }
        problems.push(Diagnostic::at(
            Code::Portability,
            alias.pos.0,
            alias.pos.1,
            format!(
                "{} is a reserved word on {} (measured: scripts/measure-reserved-words)",
                alias.value,
                engines.join(" and ")
            ),
            "choose another alias",
        ));
    }
}

impl<'a> Scope<'a> {
    fn add(&mut self, name: &Ident, alias: Option<&Ident>, problems: &mut Vec<Diagnostic>) {
        let table = name.value.clone();
        let (l, c) = name.pos;
        if !self.catalog.contains_key(&table) {
            problems.push(Diagnostic::at(
                Code::Schema,
                l,
                c,
                format!("unknown table {table}"),
                format!(
                    "tables are: {} (table names are case-sensitive on MySQL)",
                    self.catalog.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
            return;
        }
        if let Some(a) = alias {
            check_alias(a, problems);
        }
        let written = alias.map_or_else(|| table.clone(), |a| a.value.clone());
        // A name that an enclosing query uses too would make `x.col` mean the inner table on
        // every engine, silently: refused, so a qualified name always says which query.
        if self.chain().any(|s| {
            s.tables
                .iter()
                .any(|(w, _)| w.eq_ignore_ascii_case(&written))
        }) {
            problems.push(Diagnostic::at(
                Code::Schema,
                l,
                c,
                format!("{written} names two tables of the query"),
                "give each an alias of its own",
            ));
        }
        self.tables.push((written, table));
        self.positions.push(name.pos);
    }

    /// This scope and the ones enclosing it, innermost first.
    fn chain(&self) -> impl Iterator<Item = &Scope<'a>> {
        std::iter::successors(Some(self), |s| s.parent)
    }

    /// A scope for a subquery of this one.
    pub(crate) fn child<'b>(&'b self) -> Scope<'b> {
        Scope {
            catalog: self.catalog,
            tables: vec![],
            outer: vec![],
            positions: vec![],
            parent: Some(self),
            level: self.level + 1,
        }
    }

    pub(crate) fn resolve(&self, expr: &Expr) -> Option<(&'a Column, String)> {
        self.find(expr).map(|f| (f.col, f.table))
    }

    /// Resolves a column reference, with the query its table belongs to.
    pub(crate) fn find(&self, expr: &Expr) -> Option<Found<'a>> {
        match &expr.kind {
            ExprKind::Column { table, column } => {
                self.find_ident(table.as_ref(), column, &mut Vec::new())
            }
            ExprKind::Nested(e) => self.find(e),
            _ => None,
        }
    }

    fn resolve_ident(
        &self,
        qualifier: Option<&Ident>,
        ident: &Ident,
        problems: &mut Vec<Diagnostic>,
    ) -> Option<(&'a Column, String)> {
        self.find_ident(qualifier, ident, problems)
            .map(|f| (f.col, f.table))
    }

    fn find_ident(
        &self,
        qualifier: Option<&Ident>,
        ident: &Ident,
        problems: &mut Vec<Diagnostic>,
    ) -> Option<Found<'a>> {
        let (l, c) = ident.pos;
        let name = ident.value.to_ascii_lowercase();
        if let Some(q) = qualifier {
            if !self.tables.iter().any(|(alias, _)| q.value == *alias) {
                if let Some(parent) = self.parent.filter(|p| {
                    p.chain()
                        .any(|s| s.tables.iter().any(|(a, _)| q.value == *a))
                }) {
                    return parent.find_ident(qualifier, ident, problems);
                }
            }
            // MySQL on Linux compares table aliases case-sensitively.
            if !self.tables.iter().any(|(alias, _)| q.value == *alias) {
                let (l, c) = q.pos;
                let near = self
                    .chain()
                    .flat_map(|s| &s.tables)
                    .find(|(alias, _)| q.value.eq_ignore_ascii_case(alias));
                problems.push(match near {
                    Some((alias, _)) => Diagnostic::at(
                        Code::Portability,
                        l,
                        c,
                        format!("{} is written {alias} where it is introduced: MySQL compares table names and aliases case-sensitively", q.value),
                        format!("write {alias}"),
                    ),
                    None => Diagnostic::at(
                        Code::Schema,
                        l,
                        c,
                        format!("unknown table or alias {}", q.value),
                        "name a table from the FROM clause",
                    ),
                });
                return None;
            }
        }
        let candidates: Vec<(&String, &String, &'a Column)> = self
            .tables
            .iter()
            .filter(|(alias, _)| qualifier.is_none_or(|q| q.value == *alias))
            .filter_map(|(alias, table)| {
                self.catalog[table]
                    .iter()
                    .find(|col| col.name == name)
                    .map(|col| (alias, table, col))
            })
            .collect();
        match candidates.as_slice() {
            [] if qualifier.is_none()
                && self
                    .parent
                    .is_some_and(|p| p.find_ident(None, ident, &mut Vec::new()).is_some()) =>
            {
                // Every engine reads it as the enclosing query's column; a misspelt column of
                // the subquery's own table would do the same, silently.
                problems.push(Diagnostic::at(
                    Code::Meaning,
                    l,
                    c,
                    format!("{name} is not a column of the subquery's tables: it would be read from the enclosing query"),
                    "qualify a column of the enclosing query with its table or alias, e.g. s.name",
                ));
                None
            }
            [] => {
                let tables: Vec<&str> = self.tables.iter().map(|(_, t)| t.as_str()).collect();
                problems.push(Diagnostic::at(
                    Code::Schema,
                    l,
                    c,
                    format!("unknown column {name} in {}", tables.join(", ")),
                    "check the column name against src/schema.rs",
                ));
                None
            }
            [(alias, table, col)] => Some(Found {
                col,
                table: (*table).clone(),
                alias: (*alias).clone(),
                level: self.level,
            }),
            _ => {
                problems.push(Diagnostic::at(
                    Code::Schema,
                    l,
                    c,
                    format!("ambiguous column {name}"),
                    "qualify it with its table or alias, e.g. r.name",
                ));
                None
            }
        }
    }

    fn lookup(&self, qualifier: Option<&Ident>, ident: &Ident) -> Lookup {
        match self.find_ident(qualifier, ident, &mut Vec::new()) {
            Some(found) => {
                let mut col = found.col.clone();
                let scope = self
                    .chain()
                    .find(|s| s.level == found.level)
                    .unwrap_or(self);
                col.nullable |= scope.outer.contains(&found.table);
                Lookup::Column(col)
            }
            None => Lookup::Missing,
        }
    }
}

/// Where `expr` is a bare parameter (through parentheses), its position.
pub(crate) fn placeholder_pos(expr: &Expr) -> Option<(usize, usize)> {
    match &expr.kind {
        ExprKind::Param => Some(expr.pos),
        ExprKind::Nested(e) => placeholder_pos(e),
        _ => None,
    }
}

/// Refuses subqueries in `root`, a place of the statement where the checked grammar has none.
fn refuse_subqueries(root: &Expr, place: &str, problems: &mut Vec<Diagnostic>) {
    for q in crate::ast::subqueries(root) {
        problems.push(Diagnostic::at(
            Code::Syntax,
            q.pos.0,
            q.pos.1,
            format!("a subquery in {place} is not supported by the checker"),
            "use subqueries in WHERE, or in the select list of a query without aggregates",
        ));
    }
}

/// Every column reference in `root` must resolve (aliases are resolved by the typer, in ORDER
/// BY only).
fn check_columns(
    scope: &Scope<'_>,
    root: &Expr,
    aliases: &[String],
    problems: &mut Vec<Diagnostic>,
) {
    let _ = walk_here(root, &mut |e| {
        if let ExprKind::Column { table, column } = &e.kind {
            let alias =
                table.is_none() && aliases.iter().any(|a| column.value.eq_ignore_ascii_case(a));
            if !alias {
                scope.resolve_ident(table.as_ref(), column, problems);
            }
        }
        ControlFlow::Continue(())
    });
}

/// The top-level conjuncts of a condition: the terms every row it lets through satisfies.
fn conjuncts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary {
            left,
            op: BinaryOp::And,
            right,
        } => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        ExprKind::Nested(inner) => conjuncts(inner, out),
        _ => out.push(e),
    }
}

/// One side of an equality: a column (the level of its query, its table's name or alias as
/// written, the column), or a parameter.
#[derive(Clone, PartialEq)]
pub(crate) enum Side {
    Column(usize, String, String),
    Param,
}

/// The `a = b` top-level conjuncts of `root`, between columns and parameters.
pub(crate) fn equalities(scope: &Scope<'_>, root: Option<&Expr>) -> Vec<(Side, Side)> {
    let mut terms = Vec::new();
    if let Some(r) = root {
        conjuncts(r, &mut terms);
    }
    let side = |e: &Expr| {
        if placeholder_pos(e).is_some() {
            return Some(Side::Param);
        }
        scope
            .find(e)
            .map(|f| Side::Column(f.level, f.alias, f.col.name.clone()))
    };
    terms
        .iter()
        .filter_map(|e| match &e.kind {
            ExprKind::Binary {
                left,
                op: BinaryOp::Eq,
                right,
            } => Some((side(left)?, side(right)?)),
            _ => None,
        })
        .collect()
}

/// The conditions of one query that decide which rows of its tables it reads or changes.
#[derive(Default)]
struct Conditions<'e> {
    /// Equalities every row satisfies (WHERE, inner joins' ON).
    everywhere: Vec<(Side, Side)>,
    /// Each LEFT JOIN's table (as written) and the equalities of its ON, which filter only it.
    left_joins: Vec<(String, Vec<(Side, Side)>)>,
    /// Conditions that filter rows, each with the one table (as written) it filters when it
    /// cannot filter the others (a LEFT JOIN's ON).
    filters: Vec<(Option<&'e Expr>, Option<String>)>,
}

impl<'e> Conditions<'e> {
    /// The WHERE of a statement.
    fn of_where(scope: &Scope<'_>, selection: Option<&'e Expr>) -> Self {
        Conditions {
            everywhere: equalities(scope, selection),
            left_joins: vec![],
            filters: vec![(selection, None)],
        }
    }

    /// A SELECT's WHERE and joins.
    fn of_select(scope: &Scope<'_>, select: &'e Select) -> Self {
        let mut out = Self::of_where(scope, select.selection.as_ref());
        for join in select.from.iter().flat_map(|twj| &twj.joins) {
            let written = join.table.alias.as_ref().unwrap_or(&join.table.name);
            if join.left {
                out.left_joins
                    .push((written.value.clone(), equalities(scope, Some(&join.on))));
                out.filters
                    .push((Some(&join.on), Some(written.value.clone())));
            } else {
                out.everywhere.extend(equalities(scope, Some(&join.on)));
                out.filters.push((Some(&join.on), None));
            }
        }
        out
    }
}

/// The columns proven equal to a parameter, from what the enclosing queries proved: through
/// the WHERE and inner-join equalities (`s.tenant_id = rs.tenant_id AND rs.tenant_id = :t`
/// scopes both), and for a LEFT JOIN's table through its own ON (which filters only that
/// table's rows).
fn proven_sides(scope: &Scope<'_>, inherited: &[Side], conditions: &Conditions<'_>) -> Vec<Side> {
    let mut proven: Vec<Side> = vec![Side::Param];
    proven.extend(inherited.iter().cloned());
    let grow = |eqs: &[(Side, Side)], proven: &mut Vec<Side>, only: Option<&str>| {
        let mut changed = true;
        while changed {
            changed = false;
            for (a, b) in eqs {
                for (x, y) in [(a, b), (b, a)] {
                    let allowed = match (only, x) {
                        (Some(t), Side::Column(level, alias, _)) => {
                            *level == scope.level && alias == t
                        }
                        _ => true,
                    };
                    if allowed && proven.contains(y) && !proven.contains(x) {
                        proven.push(x.clone());
                        changed = true;
                    }
                }
            }
        }
    };
    grow(&conditions.everywhere, &mut proven, None);
    for (table, eqs) in &conditions.left_joins {
        grow(eqs, &mut proven, Some(table));
    }
    proven
}

/// Whether `root` requires `<table>.deleted_at IS NULL` of every row (the table as written in
/// this query): as a top-level conjunct, not under `OR` or `NOT`.
fn filters_deleted(scope: &Scope<'_>, root: Option<&Expr>, table: &str) -> bool {
    let Some(root) = root else { return false };
    let mut terms = Vec::new();
    conjuncts(root, &mut terms);
    terms.iter().any(|e| match &e.kind {
        ExprKind::IsNull {
            expr,
            negated: false,
        } => matches!(scope.find(expr), Some(f) if f.col.name == "deleted_at" && f.alias == table && f.level == scope.level),
        _ => false,
    })
}

/// The tenant-scope and soft-delete rules for every table of one query (the statement or a
/// subquery); returns what is proven equal to a parameter, for its subqueries.
fn table_rules(
    scope: &Scope<'_>,
    block: &Block,
    conditions: &Conditions<'_>,
    inherited: &[Side],
    delete: bool,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Side> {
    let proven = proven_sides(scope, inherited, conditions);
    for ((alias, table), at) in scope.tables.iter().zip(&scope.positions) {
        if scope.catalog.derived.contains(table) {
            continue; // scoped and filtered inside its WITH query
        }
        let cols = &scope.catalog[table];
        // On `tenants` itself tenant_id is the key, not a scope.
        let needs_scope = table != "tenants" && cols.iter().any(|c| c.name == "tenant_id");
        let scoped = proven.contains(&Side::Column(
            scope.level,
            alias.clone(),
            "tenant_id".into(),
        ));
        if needs_scope && !block.all_tenants && !scoped {
            problems.push(Diagnostic::at(Code::TenantScope, at.0, at.1, format!("{table} is read or changed without constraining {table}.tenant_id to a parameter"), "add `tenant_id = :tenant_id` to WHERE (or ON), or annotate `-- all-tenants`"));
        }
        if cols.iter().any(|c| c.name == "deleted_at")
            && !block.include_deleted
            && !delete
            && !conditions.filters.iter().any(|(f, only)| {
                only.as_deref().is_none_or(|t| t == alias) && filters_deleted(scope, *f, alias)
            })
        {
            problems.push(Diagnostic::at(
                Code::SoftDelete,
                at.0,
                at.1,
                format!("{table} is read without filtering {table}.deleted_at IS NULL"),
                "add `deleted_at IS NULL` to WHERE (or ON), or annotate `-- include-deleted`",
            ));
        }
    }
    proven
}

/// Puts the tables of a subquery's FROM in its scope.
fn add_tables(scope: &mut Scope<'_>, select: &Select, problems: &mut Vec<Diagnostic>) {
    for twj in &select.from {
        scope.add(&twj.table.name, twj.table.alias.as_ref(), problems);
        for join in &twj.joins {
            scope.add(&join.table.name, join.table.alias.as_ref(), problems);
            if join.left {
                scope.outer.push(join.table.name.value.clone());
            }
        }
    }
}

/// The table rules for every table of every subquery in `exprs` (and theirs), with what the
/// enclosing query proved; and a subquery of an UPDATE or DELETE may not read the table it
/// changes (MySQL refuses it, error 1093).
fn subquery_rules(
    parent: &Scope<'_>,
    block: &Block,
    exprs: &[&Expr],
    inherited: &[Side],
    target: Option<&str>,
    problems: &mut Vec<Diagnostic>,
) {
    for q in exprs.iter().flat_map(|e| crate::ast::subqueries(e)) {
        let mut scope = parent.child();
        // Naming problems were reported when the subquery was typed.
        add_tables(&mut scope, q, &mut Vec::new());
        for ((_, table), at) in scope.tables.iter().zip(&scope.positions) {
            if target == Some(table.as_str()) {
                problems.push(Diagnostic::at(
                    Code::Portability,
                    at.0,
                    at.1,
                    format!("a subquery reads {table}, which the statement changes: MySQL refuses it, and the others read it before the change"),
                    "select the rows first in a named query of their own",
                ));
            }
        }
        let conditions = Conditions::of_select(&scope, q);
        let proven = table_rules(&scope, block, &conditions, inherited, false, problems);
        subquery_rules(&scope, block, &q.expressions(), &proven, target, problems);
    }
}

/// Types a subquery in its own scope, whose parent is the query around it, and checks what
/// the checked grammar allows in one (the table rules run later, in [`subquery_rules`]).
fn type_subquery(parent: &Scope<'_>, q: &Select, how: SubqueryUse) -> SubTyped {
    let mut problems = Vec::new();
    let mut scope = parent.child();
    add_tables(&mut scope, q, &mut problems);
    let refuse = |problems: &mut Vec<Diagnostic>, code: Code, pos: Pos, what: &str, fix: &str| {
        problems.push(Diagnostic::at(code, pos.0, pos.1, what, fix));
    };
    if q.from.is_empty() {
        refuse(
            &mut problems,
            Code::Syntax,
            q.pos,
            "a subquery without FROM",
            "select from a table, or write the value itself",
        );
    }
    let clauses = [
        (q.group_by.first().map(|e| e.pos), "GROUP BY"),
        (q.having.as_ref().map(|e| e.pos), "HAVING"),
        (q.order_by.first().map(|o| o.expr.pos), "ORDER BY"),
        (q.limit.as_ref().map(|e| e.pos), "LIMIT"),
        (q.offset.as_ref().map(|e| e.pos), "OFFSET"),
    ];
    for (at, clause) in clauses {
        if let Some(at) = at {
            // MariaDB refuses LIMIT in an IN subquery; ORDER BY means nothing without it.
            refuse(
                &mut problems,
                Code::Syntax,
                at,
                &format!("{clause} inside a subquery is not supported by the checker"),
                "filter with WHERE, or use an aggregate (MAX, COUNT) without GROUP BY",
            );
        }
    }
    let value_item = match (how, q.items.as_slice()) {
        (SubqueryUse::Exists, _) => None,
        (_, [SelectItem::Expr { expr, .. }]) => Some(expr),
        _ => {
            refuse(
                &mut problems,
                Code::Result,
                q.pos,
                "this subquery must select exactly one value",
                "select one column or expression (row values are not portable)",
            );
            None
        }
    };
    let lookup = |qualifier: Option<&Ident>, i: &Ident| scope.lookup(qualifier, i);
    let nested = |inner: &Select, how: SubqueryUse| type_subquery(&scope, inner, how);
    let mut typer = Typer::new(&lookup);
    typer.subquery = Some(&nested);
    for e in q.expressions() {
        check_columns(&scope, e, &[], &mut problems);
    }
    let aggregated = q.items.iter().any(|i| match i {
        SelectItem::Expr { expr, .. } => typer_aggregate(expr),
        _ => false,
    });
    typer.aggregates_allowed = true;
    let mut value = None;
    for item in &q.items {
        if let SelectItem::Expr { expr, .. } = item {
            let t = typer.synth(expr);
            if value_item.is_some_and(|v| std::ptr::eq(v, expr)) {
                value = Some(t);
            }
            // An aggregate over the enclosing query's columns is computed by the enclosing
            // query on PostgreSQL; an aggregated subquery's bare columns have no one value.
            let _ = crate::ast::walk_here(expr, &mut |e| {
                if let ExprKind::Function { name, .. } = &e.kind {
                    if AGGREGATES.contains(&name.value.to_ascii_uppercase().as_str()) {
                        let mut reads = Vec::new();
                        for c in e.children() {
                            let _ = crate::ast::walk_here(c, &mut |x| {
                                if matches!(x.kind, ExprKind::Column { .. }) {
                                    reads.push(x);
                                }
                                ControlFlow::Continue(())
                            });
                        }
                        for r in reads {
                            if scope.find(r).is_some_and(|f| f.level < scope.level) {
                                problems.push(Diagnostic::at(Code::Meaning, r.pos.0, r.pos.1, "an aggregate over a column of the enclosing query: PostgreSQL computes it in the enclosing query, MySQL in the subquery", "aggregate the subquery's own columns"));
                            }
                        }
                    }
                }
                ControlFlow::Continue(())
            });
            if aggregated {
                let mut bare = Vec::new();
                bare_columns(expr, &mut bare);
                for b in bare {
                    problems.push(Diagnostic::at(Code::Meaning, b.pos.0, b.pos.1, "a column beside an aggregate in a subquery without GROUP BY: the databases pick its value differently (PostgreSQL refuses it)", "aggregate it too, or select it in the enclosing query"));
                }
            }
        }
    }
    typer.aggregates_allowed = false;
    if let Some(w) = &q.selection {
        typer.condition(w, "WHERE");
    }
    for join in q.from.iter().flat_map(|twj| &twj.joins) {
        refuse_subqueries(&join.on, "ON", &mut problems);
        typer.condition(&join.on, "ON");
    }
    if how == SubqueryUse::Scalar {
        // One row at most: SQLite takes the first of several, PostgreSQL and MySQL raise an
        // error. An aggregate without GROUP BY gives exactly one; so does the primary key of
        // the only table pinned to a parameter or an enclosing query's column.
        let by_key = !aggregated
            && q.from.len() == 1
            && q.from[0].joins.is_empty()
            && scope.tables.first().is_some_and(|(alias, table)| {
                let Some(pk) = scope.catalog.primary_keys.get(table) else {
                    return false;
                };
                let key = Side::Column(scope.level, alias.clone(), pk.clone());
                equalities(&scope, q.selection.as_ref())
                    .iter()
                    .any(|(a, b)| {
                        [(a, b), (b, a)].iter().any(|(x, y)| {
                            **x == key
                                && match y {
                                    Side::Param => true,
                                    Side::Column(level, _, _) => *level < scope.level,
                                }
                        })
                    })
            });
        if !aggregated && !by_key {
            refuse(&mut problems, Code::Meaning, q.pos, "a subquery used as a value must return at most one row: SQLite takes the first of several, PostgreSQL and MySQL raise an error", "select an aggregate (MAX, COUNT, …) without GROUP BY, or pin the table's primary key with `= :param`");
        }
        if let Some(v) = value.as_mut() {
            // No row is NULL; an aggregate always gives its one row.
            v.nullable |= !aggregated;
        }
    }
    if let (Some(v), Some(e)) = (&value, value_item) {
        if v.ty.is_none() {
            problems.push(Diagnostic::at(
                Code::Type,
                e.pos.0,
                e.pos.1,
                "cannot infer the type of the subquery's value",
                "select a column or an expression over one",
            ));
        }
    }
    problems.append(&mut typer.problems);
    SubTyped {
        value,
        params: std::mem::take(&mut typer.params),
        null_tested: std::mem::take(&mut typer.null_tested),
        problems,
    }
}

/// Column references of `e` outside aggregate calls.
pub(crate) fn bare_columns<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Column { .. } => out.push(e),
        ExprKind::Function { name, .. }
            if AGGREGATES.contains(&name.value.to_ascii_uppercase().as_str()) => {}
        _ => {
            for c in e.children() {
                bare_columns(c, out);
            }
        }
    }
}

fn out_column(name: String, ty: &Ty, nullable: bool) -> OutColumn {
    let (rust, sql) = ty.rust_and_sql();
    if nullable {
        OutColumn {
            name,
            rust: format!("Option<{rust}>"),
            sql: format!("diesel::sql_types::Nullable<{sql}>"),
        }
    } else {
        OutColumn { name, rust, sql }
    }
}

/// Checks one block; diagnostics carry the block's name and lines of the file (the file's
/// name is the caller's).
pub fn analyze(block: &Block, catalog: &Catalog) -> Result<Analyzed, Vec<Diagnostic>> {
    let unknown_model = block
        .row
        .as_deref()
        .filter(|m| catalog.model(m).is_none())
        .map(|m| {
            Diagnostic::new(
                "",
                block.row_at.0,
                block.row_at.1,
                &block.name,
                Code::Schema,
                &format!("unknown model {m}"),
                &format!("row models are {}", catalog.model_names()),
            )
        });
    let checked = check_block(block, catalog).map_err(|problems| {
        problems
            .into_iter()
            .map(|mut d| {
                d.line = block.sql_line + d.line.max(1) - 1;
                d.column = d.column.max(1);
                d.query.clone_from(&block.name);
                d
            })
            .collect::<Vec<_>>()
    });
    // Declarations must name something the block has: a misspelt one would be ignored.
    let undeclared = |a: &Analyzed| {
        let params = block
            .params
            .iter()
            .zip(&block.params_at)
            .filter(|((n, _), _)| !a.params.iter().any(|p| p.name == *n))
            .map(|((n, _), at)| (n, at, "parameter", "param"));
        let columns = block
            .columns
            .iter()
            .zip(&block.columns_at)
            .filter(|((n, _), _)| !a.columns.iter().any(|c| c.name == *n))
            .map(|((n, _), at)| (n, at, "result column", "column"));
        let lists = block
            .lists
            .iter()
            .filter(|(n, _)| !a.params.iter().any(|p| p.name == *n))
            .map(|(n, at)| (n, at, "parameter", "list"));
        params
            .chain(columns)
            .chain(lists)
            .map(|(n, at, what, key)| {
                Diagnostic::new(
                    "",
                    at.0,
                    at.1,
                    &block.name,
                    Code::Annotation,
                    &format!("`-- {key}: {n}` declares no {what} of this block"),
                    "remove the declaration, or fix the name",
                )
            })
            .collect::<Vec<_>>()
    };
    let checked = checked.and_then(|a| {
        let stray = undeclared(&a);
        if stray.is_empty() {
            Ok(a)
        } else {
            Err(stray)
        }
    });
    match (checked, unknown_model) {
        (Ok(a), None) => Ok(a),
        (Ok(_), Some(d)) => Err(vec![d]),
        (Err(mut found), Some(d)) => {
            found.insert(0, d);
            Err(found)
        }
        (Err(found), None) => Err(found),
    }
}

/// Checks and types one SELECT (the statement, or a branch of a UNION ALL) in `scope`: its
/// result columns go to `columns`; returns the conditions that pick its rows.
#[allow(clippy::too_many_arguments)]
fn check_select<'s>(
    scope: &Scope<'_>,
    block: &Block,
    select: &'s Select,
    typer: &mut Typer<'_>,
    columns: &mut Vec<OutColumn>,
    column_pos: &mut Vec<Pos>,
    rewrites: &mut Vec<((usize, usize), String)>,
    problems: &mut Vec<Diagnostic>,
) -> Conditions<'s> {
    let aliases: Vec<String> = select
        .items
        .iter()
        .filter_map(|i| match i {
            SelectItem::Expr { alias: Some(a), .. } => Some(a.value.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    // Subqueries in WHERE, and in the select list of a query without aggregates (in
    // one with, a correlated column is grouped differently per engine).
    let aggregated = select
        .items
        .iter()
        .any(|i| matches!(i, SelectItem::Expr { expr, .. } if typer_aggregate(expr)))
        || select.having.as_ref().is_some_and(typer_aggregate)
        || select.order_by.iter().any(|o| typer_aggregate(&o.expr));
    if aggregated || !select.group_by.is_empty() {
        for item in &select.items {
            if let SelectItem::Expr { expr, .. } = item {
                refuse_subqueries(expr, "the select list of a query with aggregates", problems);
            }
        }
    }
    for twj in &select.from {
        for join in &twj.joins {
            refuse_subqueries(&join.on, "ON", problems);
        }
    }
    for (place, e) in select
        .group_by
        .iter()
        .map(|e| ("GROUP BY", e))
        .chain(select.having.iter().map(|e| ("HAVING", e)))
        .chain(select.order_by.iter().map(|o| ("ORDER BY", &o.expr)))
        .chain(select.limit.iter().map(|e| ("LIMIT", e)))
        .chain(select.offset.iter().map(|e| ("OFFSET", e)))
    {
        refuse_subqueries(e, place, problems);
    }
    typer.aggregates_allowed = true;
    typer.windows_allowed = !aggregated && select.group_by.is_empty() && !select.distinct;
    for item in &select.items {
        project(scope, block, item, typer, columns, rewrites, problems);
        let at = match item {
            SelectItem::Expr { expr, alias } => alias.as_ref().map_or(expr.pos, |a| a.pos),
            SelectItem::Wildcard(pos) | SelectItem::QualifiedWildcard(_, pos) => *pos,
        };
        column_pos.resize(columns.len(), at);
    }
    // One diagnostic per place (a `*` over a join repeats several names at once).
    let mut seen = std::collections::BTreeSet::new();
    let mut repeated: BTreeMap<Pos, Vec<&str>> = BTreeMap::new();
    for (c, at) in columns.iter().zip(column_pos.iter()) {
        if !seen.insert(c.name.as_str()) {
            repeated.entry(*at).or_default().push(&c.name);
        }
    }
    for (at, names) in repeated {
        let (what, fix) = match names.as_slice() {
            [one] => (
                format!("two result columns are named {one}"),
                "give one of them an alias",
            ),
            many => (
                format!("result columns named {} appear twice", many.join(", ")),
                "select the columns by name, and alias the repeated ones",
            ),
        };
        problems.push(Diagnostic::at(Code::Result, at.0, at.1, what, fix));
    }
    typer.windows_allowed = false;
    check_row_numbers(scope, select, problems);
    typer.aggregates_allowed = false;
    if let Some(w) = &select.selection {
        check_columns(scope, w, &[], problems);
        typer.condition(w, "WHERE");
    }
    for join in select.from.iter().flat_map(|twj| &twj.joins) {
        check_columns(scope, &join.on, &[], problems);
        typer.condition(&join.on, "ON");
    }
    for g in &select.group_by {
        check_columns(scope, g, &[], problems);
        typer.synth(g);
        if scope.resolve(g).is_none() {
            problems.push(Diagnostic::at(
                Code::Syntax,
                g.pos.0,
                g.pos.1,
                "GROUP BY takes columns only here",
                "group by the column, and compute the expression in the select list",
            ));
        }
    }
    typer.aggregates_allowed = true;
    if let Some(h) = &select.having {
        if select.group_by.is_empty() {
            problems.push(Diagnostic::at(
                Code::Portability,
                h.pos.0,
                h.pos.1,
                "HAVING without GROUP BY: SQLite refuses it on a query without aggregates",
                "move the condition to WHERE, or add GROUP BY",
            ));
        }
        check_columns(scope, h, &[], problems);
        typer.condition(h, "HAVING");
    }
    let mut order_keys = Vec::new();
    for o in &select.order_by {
        // An alias only as a whole key: PostgreSQL does not see it inside an expression.
        let bare_alias = matches!(&o.expr.kind, ExprKind::Column { table: None, column } if aliases.iter().any(|a| column.value.eq_ignore_ascii_case(a)));
        let visible: &[String] = if bare_alias { &aliases } else { &[] };
        check_columns(scope, &o.expr, visible, problems);
        let mut reads = Vec::new();
        bare_columns(&o.expr, &mut reads);
        if reads.is_empty() && !typer_aggregate(&o.expr) {
            problems.push(Diagnostic::at(Code::Meaning, o.expr.pos.0, o.expr.pos.1, "ORDER BY a constant: a number is a column position on every database, and PostgreSQL refuses other constants", "order by a column or an alias"));
        }
        typer.aliases_visible = bare_alias;
        let t = typer.synth(&o.expr);
        order_keys.push(t);
    }
    typer.aliases_visible = false;
    typer.aggregates_allowed = false;
    for e in select.limit.iter().chain(select.offset.iter()) {
        typer.expect(e, &Ty::Int, false, Some("limit"), "LIMIT");
    }
    rules::select_meaning(
        scope,
        select,
        &aliases,
        &order_keys,
        aggregated,
        rewrites,
        problems,
    );
    Conditions::of_select(scope, select)
}

/// The result columns of a UNION ALL: the first branch's names; every branch gives each
/// column the same type (the engines combine different ones differently: PostgreSQL refuses
/// text with numbers, SQLite keeps each row's own); NULL if any branch's may be.
fn union_columns(
    union: &crate::ast::Union,
    branches: &[Vec<OutColumn>],
    problems: &mut Vec<Diagnostic>,
) -> Vec<OutColumn> {
    let inner = |c: &OutColumn| option_inner(&c.rust).unwrap_or(&c.rust).to_string();
    let first = &branches[0];
    for (branch, cols) in union.branches.iter().zip(branches).skip(1) {
        if cols.len() != first.len() {
            problems.push(Diagnostic::at(
                Code::Result,
                branch.pos.0,
                branch.pos.1,
                format!(
                    "this branch selects {} columns and the first {}",
                    cols.len(),
                    first.len()
                ),
                "select the same columns, in the same order, in every branch",
            ));
            continue;
        }
        for (a, b) in first.iter().zip(cols) {
            if inner(a) != inner(b) {
                problems.push(Diagnostic::at(
                    Code::Type,
                    branch.pos.0,
                    branch.pos.1,
                    format!("{} is {} in the first branch and {} in this one: the engines combine them differently", a.name, inner(a), inner(b)),
                    "select values of one type in every branch",
                ));
            }
        }
    }
    first
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let nullable = branches
                .iter()
                .any(|cols| cols.get(i).is_some_and(|c| c.rust.starts_with("Option<")));
            if nullable && !c.rust.starts_with("Option<") {
                OutColumn {
                    name: c.name.clone(),
                    rust: format!("Option<{}>", c.rust),
                    sql: format!("diesel::sql_types::Nullable<{}>", c.sql),
                }
            } else {
                c.clone()
            }
        })
        .collect()
}

/// A UNION ALL is ordered by result columns named as such (PostgreSQL takes nothing else),
/// NOT NULL ones (the NULL placement cannot be spelled the portable way there), and a LIMIT
/// needs every column in the ORDER BY (rows that tie on all of them are the same).
fn union_order(
    union: &crate::ast::Union,
    columns: &[OutColumn],
    typer: &mut Typer<'_>,
    problems: &mut Vec<Diagnostic>,
) {
    let mut keys: Vec<&str> = Vec::new();
    for o in &union.order_by {
        let pos = o.expr.pos;
        let named = match &o.expr.kind {
            ExprKind::Column {
                table: None,
                column,
            } => columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(&column.value)),
            _ => None,
        };
        match named {
            None => problems.push(Diagnostic::at(
                Code::Syntax,
                pos.0,
                pos.1,
                "a UNION ALL is ordered by the names of its result columns",
                format!(
                    "order by one of {}",
                    columns
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
            Some(c) if c.rust.starts_with("Option<") => problems.push(Diagnostic::at(
                Code::Meaning,
                pos.0,
                pos.1,
                format!("ORDER BY {}, which may be NULL: NULLs sort last ascending on PostgreSQL and first on SQLite and MySQL", c.name),
                "order by NOT NULL columns, or COALESCE the column in every branch",
            )),
            Some(c) => keys.push(&c.name),
        }
    }
    for e in union.limit.iter().chain(union.offset.iter()) {
        typer.expect(e, &Ty::Int, false, Some("limit"), "LIMIT");
    }
    if let Some(limit) = union.limit.as_ref() {
        if columns.iter().any(|c| !keys.contains(&c.name.as_str())) {
            problems.push(Diagnostic::at(
                Code::Meaning,
                limit.pos.0,
                limit.pos.1,
                "LIMIT over a UNION ALL not ordered by every result column: rows that tie come back in another order on each database",
                "order by every result column (NOT NULL ones)",
            ));
        }
    }
}

/// A SELECT with a scope of its own (a UNION ALL branch, a WITH query), checked and typed as
/// a statement's SELECT, with the table rules for its tables and its subqueries'.
struct OwnSelect {
    columns: Vec<OutColumn>,
    column_pos: Vec<Pos>,
    params: BTreeMap<Pos, ParamUse>,
    null_tested: Vec<Pos>,
    /// The result column its rows are unique by: its one table's key, selected as it is.
    key: Option<String>,
}

fn check_own_select(
    catalog: &Catalog,
    block: &Block,
    select: &Select,
    rewrites: &mut Vec<((usize, usize), String)>,
    problems: &mut Vec<Diagnostic>,
) -> OwnSelect {
    let mut own = Scope {
        catalog,
        tables: vec![],
        outer: vec![],
        positions: vec![],
        parent: None,
        level: 0,
    };
    add_tables(&mut own, select, problems);
    let lookup = |q: Option<&Ident>, i: &Ident| own.lookup(q, i);
    let nested = |q: &Select, how: SubqueryUse| type_subquery(&own, q, how);
    let mut typer = Typer::new(&lookup);
    typer.subquery = Some(&nested);
    let (mut columns, mut column_pos) = (Vec::new(), Vec::new());
    let found = check_select(
        &own,
        block,
        select,
        &mut typer,
        &mut columns,
        &mut column_pos,
        rewrites,
        problems,
    );
    let proven = table_rules(&own, block, &found, &[], false, problems);
    subquery_rules(&own, block, &select.expressions(), &proven, None, problems);
    problems.append(&mut typer.problems);
    let key = match (own.tables.as_slice(), select.from.as_slice()) {
        ([(_, table)], [twj]) if twj.joins.is_empty() && select.group_by.is_empty() => {
            select.items.iter().find_map(|item| match item {
                SelectItem::Expr { expr, alias } => {
                    let f = own.find(expr)?;
                    (Some(&f.col.name) == catalog.primary_keys.get(table)).then(|| {
                        alias
                            .as_ref()
                            .map_or(f.col.name.clone(), |a| a.value.to_ascii_lowercase())
                    })
                }
                SelectItem::Wildcard(_) => catalog.primary_keys.get(table).cloned(),
                SelectItem::QualifiedWildcard(..) => None,
            })
        }
        _ => None,
    };
    OwnSelect {
        columns,
        column_pos,
        params: std::mem::take(&mut typer.params),
        null_tested: std::mem::take(&mut typer.null_tested),
        key,
    }
}

/// What the WITH queries of a block found, for the statement that reads them.
#[derive(Default)]
struct Before {
    params: BTreeMap<Pos, ParamUse>,
    null_tested: Vec<Pos>,
    rewrites: Vec<((usize, usize), String)>,
}

/// Checks each WITH query as a SELECT of its own (scope, table rules, types) against the
/// catalog with the ones before it, and returns the catalog with all of them as tables.
fn check_ctes(
    block: &Block,
    ctes: &[(Ident, Select)],
    catalog: &Catalog,
    before: &mut Before,
    problems: &mut Vec<Diagnostic>,
) -> Catalog {
    let mut current = catalog.clone();
    for (name, select) in ctes {
        let lower = name.value.to_ascii_lowercase();
        if current.keys().any(|t| t.eq_ignore_ascii_case(&lower)) {
            problems.push(Diagnostic::at(
                Code::Schema,
                name.pos.0,
                name.pos.1,
                format!("{} already names a table", name.value),
                "give the WITH query a name of its own",
            ));
            continue;
        }
        check_alias(name, problems);
        let own = check_own_select(&current, block, select, &mut before.rewrites, problems);
        before.params.extend(own.params);
        before.null_tested.extend(own.null_tested);
        let (cols, key) = (own.columns, own.key);
        let columns = cols
            .into_iter()
            .map(|c| {
                let inner = |t: &str, wrap: &str| {
                    t.strip_prefix(wrap)
                        .and_then(|r| r.strip_suffix('>'))
                        .map(str::to_string)
                };
                let rust = inner(&c.rust, "Option<");
                Column {
                    name: c.name,
                    nullable: rust.is_some(),
                    rust: rust.unwrap_or(c.rust),
                    sql: inner(&c.sql, "diesel::sql_types::Nullable<").unwrap_or(c.sql),
                    max_length: None,
                    json: false,
                }
            })
            .collect();
        current = current.with_derived(&name.value, columns, key);
    }
    current
}

/// The (line, column) positions of `sql`, as char indexes.
fn char_index(sql: &str, pos: Pos) -> usize {
    let (mut line, mut col) = (1, 1);
    for (i, c) in sql.chars().enumerate() {
        if (line, col) == pos {
            return i;
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    sql.chars().count()
}

/// `INSERT INTO t (columns) SELECT …`: checked as two blocks the function runs in one write
/// transaction. The SELECT (its parameter items blanked out, positions kept) loads the rows;
/// the INSERT becomes a `-- batch` of `VALUES (:column, …)`, so each row gets what a named
/// INSERT gets: a new UUIDv7 id and timestamps, the entity's column rules and text checks,
/// the live tenant and parents. A parameter the SELECT lists is one value for every row.
fn check_insert_select(
    block: &Block,
    catalog: &Catalog,
    insert: &crate::ast::Insert,
    source: &Select,
) -> Result<Analyzed, Vec<Diagnostic>> {
    let sql = &block.sql;
    let refuse = |code: Code, pos: Pos, what: String, fix: &str| {
        Err(vec![Diagnostic::at(code, pos.0, pos.1, what, fix)])
    };
    if insert.columns.is_empty() {
        return refuse(
            Code::Syntax,
            insert.table.pos,
            "INSERT must list its columns".into(),
            "write INSERT INTO t (col, …) SELECT …",
        );
    }
    if source.items.len() != insert.columns.len() {
        return refuse(
            Code::Result,
            source.pos,
            format!(
                "{} columns but the SELECT has {} values",
                insert.columns.len(),
                source.items.len()
            ),
            "select one value per listed column, in order",
        );
    }
    let table = &insert.table.value;
    if let Some(pk) = catalog.primary_keys.get(table) {
        if let Some(c) = insert
            .columns
            .iter()
            .find(|c| c.value.eq_ignore_ascii_case(pk))
        {
            return refuse(
                Code::Safety,
                c.pos,
                format!("INSERT … SELECT lists {pk}: every row gets a new id"),
                "leave the id out (the function makes a UUIDv7 per row)",
            );
        }
    }
    let tokens = token::tokenize_checked(sql).map_err(|p| vec![p])?;
    let mut chars: Vec<char> = sql.chars().collect();
    let mut blank = |from: usize, to: usize| {
        for c in &mut chars[from..to] {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    // The statement before SELECT.
    blank(0, char_index(sql, source.pos));
    let mut shared: Vec<(usize, String)> = Vec::new();
    for (i, item) in source.items.iter().enumerate() {
        match item {
            SelectItem::Expr { expr, alias: None } if matches!(expr.kind, ExprKind::Param) => {
                let Some(k) = tokens.iter().position(|t| (t.line, t.column) == expr.pos) else {
                    continue;
                };
                let Some(name) = tokens[k].text.strip_prefix(':') else {
                    return refuse(
                        Code::Parameter,
                        expr.pos,
                        "a `?` value in INSERT … SELECT".into(),
                        "name the parameter, e.g. :rule_id",
                    );
                };
                shared.push((i, name.to_ascii_lowercase()));
                let start = char_index(sql, expr.pos);
                blank(start, start + tokens[k].text.chars().count());
                // And one comma beside it.
                let comma = if tokens.get(k + 1).is_some_and(|t| t.is_symbol(",")) {
                    Some(k + 1)
                } else {
                    k.checked_sub(1).filter(|&j| tokens[j].is_symbol(","))
                };
                if let Some(j) = comma {
                    let at = char_index(sql, (tokens[j].line, tokens[j].column));
                    blank(at, at + 1);
                }
            }
            SelectItem::Expr { .. } => {}
            SelectItem::Wildcard(pos) | SelectItem::QualifiedWildcard(_, pos) => {
                return refuse(
                    Code::Syntax,
                    *pos,
                    "`*` in INSERT … SELECT".into(),
                    "select one value per listed column, in order",
                );
            }
        }
    }
    if shared.len() == source.items.len() {
        return refuse(
            Code::Syntax,
            source.pos,
            "INSERT … SELECT of parameters only".into(),
            "write INSERT … VALUES (…)",
        );
    }
    let column = |i: usize| insert.columns[i].value.to_ascii_lowercase();
    if let Some(t) = insert
        .columns
        .iter()
        .position(|c| c.value.eq_ignore_ascii_case("tenant_id"))
    {
        if !shared.iter().any(|(i, _)| *i == t) {
            let at = match &source.items[t] {
                SelectItem::Expr { expr, .. } => expr.pos,
                _ => source.pos,
            };
            return refuse(
                Code::TenantScope,
                at,
                "tenant_id of INSERT … SELECT comes from a column: only one tenant is checked live"
                    .into(),
                "select :tenant_id for it (one tenant for every row)",
            );
        }
    }
    for (i, name) in &shared {
        let clash = (0..insert.columns.len())
            .any(|j| !shared.iter().any(|(s, _)| *s == j) && column(j) == *name);
        if clash {
            let at = match &source.items[*i] {
                SelectItem::Expr { expr, .. } => expr.pos,
                _ => source.pos,
            };
            return refuse(
                Code::Parameter,
                at,
                format!(":{name} is named like a column the SELECT fills"),
                "give the parameter another name",
            );
        }
    }
    let source_block = Block {
        name: format!("{}-source", block.name),
        returns: Some(Returns::Many),
        row: None,
        columns: vec![],
        columns_at: vec![],
        lists: vec![],
        batch: false,
        keeps_modified_at: None,
        sql: chars.into_iter().collect(),
        ..block.clone()
    };
    let source_checked = check_block(&source_block, catalog)?;
    let values: Vec<String> = (0..insert.columns.len())
        .map(|i| match shared.iter().find(|(s, _)| *s == i) {
            Some((_, name)) => format!(":{name}"),
            None => format!(":{}", column(i)),
        })
        .collect();
    let head: String = sql.chars().take(char_index(sql, source.pos)).collect();
    let rows_block = Block {
        name: format!("{}-rows", block.name),
        returns: None,
        row: None,
        columns: vec![],
        columns_at: vec![],
        lists: vec![],
        batch: true,
        sql: format!("{head}VALUES ({})", values.join(", ")),
        ..block.clone()
    };
    let mut rows = check_block(&rows_block, catalog)?;
    let tenant = rows.insert.as_ref().map(|i| i.tenant);
    for (i, p) in rows.params.iter_mut().enumerate() {
        p.shared = Some(i) != tenant
            && p.generated.is_none()
            && shared.iter().any(|(_, name)| *name == p.name);
    }
    // Each selected value fills its column's field of a row: the same type, NULL only into a
    // nullable column.
    let mut map = Vec::new();
    let selected: Vec<usize> = (0..insert.columns.len())
        .filter(|i| !shared.iter().any(|(s, _)| s == i))
        .collect();
    let inner = |r: &str| {
        let r = r.replace("&str", "String");
        match option_inner(&r) {
            Some(x) => (x.to_string(), true),
            None => (r, false),
        }
    };
    let mut problems = Vec::new();
    for (k, &i) in selected.iter().enumerate() {
        let name = column(i);
        let (Some(field), Some(from)) = (
            rows.params.iter().find(|p| p.name == name),
            source_checked.columns.get(k),
        ) else {
            continue;
        };
        let (want, nullable) = inner(&field.rust);
        let (have, maybe_null) = inner(&from.rust);
        let at = match &source.items[i] {
            SelectItem::Expr { expr, .. } => expr.pos,
            _ => source.pos,
        };
        if want != have {
            problems.push(Diagnostic::at(
                Code::Type,
                at.0,
                at.1,
                format!("{name} takes {want}, but the SELECT gives {have}"),
                "select a value of the column's type",
            ));
        } else if maybe_null && !nullable {
            problems.push(Diagnostic::at(
                Code::Type,
                at.0,
                at.1,
                format!("the value for {name} may be NULL, and the column is NOT NULL"),
                "filter the NULLs out, or COALESCE the value",
            ));
        }
        map.push((name, from.name.clone(), nullable && !maybe_null));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // The function's parameters: the rows' (tenant and shared values), then the SELECT's.
    let mut params: Vec<Param> = rows
        .params
        .iter()
        .enumerate()
        .filter(|(i, p)| Some(*i) == tenant || p.shared)
        .map(|(_, p)| p.clone())
        .collect();
    for p in &source_checked.params {
        match params.iter().find(|q| q.name == p.name) {
            Some(q) if q.rust != p.rust => {
                let at = source.pos;
                return refuse(
                    Code::Parameter,
                    at,
                    format!(
                        ":{} is {} in the SELECT and {} in the INSERT",
                        p.name, p.rust, q.rust
                    ),
                    "use two parameters",
                );
            }
            Some(_) => {}
            None => params.push(Param {
                shared: false,
                ..p.clone()
            }),
        }
    }
    for p in &mut params {
        // Checked where they are bound (the rows' batch, the SELECT), not twice.
        p.column_rule = None;
        p.max_chars = None;
        p.json = false;
        p.text = false;
        p.non_negative = false;
        p.value_only = false;
    }
    Ok(Analyzed {
        block: block.clone(),
        returns: Returns::Exec,
        params,
        binds: vec![],
        columns: vec![],
        row_path: None,
        qmark_sql: source_checked.qmark_sql.clone(),
        pg_sql: source_checked.pg_sql.clone(),
        insert: None,
        returns_id: None,
        batch: false,
        copy: Some(CopyRows {
            source: Box::new(source_checked),
            rows: Box::new(rows),
            map,
        }),
        cascade: None,
    })
}

/// [`analyze`], with positions inside the block's SQL.
fn check_block(block: &Block, catalog: &Catalog) -> Result<Analyzed, Vec<Diagnostic>> {
    // One token stream for the lints, the placeholders and the parser.
    let tokens = token::tokenize_checked(&block.sql).map_err(|p| vec![p])?;
    let statement_pos = tokens.first().map_or((1, 1), |t| (t.line, t.column));
    let mut problems = lint::portability(&tokens);
    if !problems.is_empty() {
        return Err(problems);
    }
    let (qmark, found) = placeholders(&block.sql, &tokens);
    let statement = parse::parse_tokens(&block.sql, tokens).map_err(|p| vec![p])?;
    if let Statement::Insert(insert) = &statement {
        if let Some(source) = &insert.source {
            return check_insert_select(block, catalog, insert, source);
        }
    }
    // WITH queries first: each becomes a table of the catalog the body is checked against.
    let mut before = Before::default();
    let extended;
    let (statement, catalog) = match statement {
        Statement::With(with) => {
            let with = *with;
            extended = check_ctes(block, &with.ctes, catalog, &mut before, &mut problems);
            // A WITH query named like a table: the body would read the table instead, and
            // every rule about it would follow from the wrong name.
            if problems.iter().any(|p| p.code == Code::Schema) {
                return Err(problems);
            }
            (with.body, &extended)
        }
        other => (other, catalog),
    };
    let mut scope = Scope {
        catalog,
        tables: vec![],
        outer: vec![],
        positions: vec![],
        parent: None,
        level: 0,
    };
    // Tables first: the typer resolves columns against them.
    match &statement {
        Statement::Select(select) => add_tables(&mut scope, select, &mut problems),
        // Each branch has a scope of its own; a WITH was unwrapped above.
        Statement::Union(_) | Statement::With(_) => {}
        Statement::Insert(insert) => scope.add(&insert.table, None, &mut problems),
        Statement::Update(Update { table, .. }) | Statement::Delete(Delete { table, .. }) => {
            scope.add(&table.name, table.alias.as_ref(), &mut problems)
        }
    }
    // An unknown table (or a clashing alias) is the one thing to fix: its columns, their types
    // and its tenant and soft-delete rules would each be reported again.
    if problems.iter().any(|p| p.code == Code::Schema) {
        return Err(problems);
    }
    let lookup = |q: Option<&Ident>, i: &Ident| scope.lookup(q, i);
    let nested = |q: &Select, how: SubqueryUse| type_subquery(&scope, q, how);
    let mut typer = Typer::new(&lookup);
    typer.subquery = Some(&nested);
    let mut columns: Vec<OutColumn> = Vec::new();
    // Checks the generated function makes of parameters written to columns, by position.
    let mut checks: BTreeMap<(usize, usize), ValueCheck> = BTreeMap::new();
    // Where each result column comes from in the select list.
    let mut column_pos: Vec<(usize, usize)> = Vec::new();
    let mut rewrites: Vec<((usize, usize), String)> = std::mem::take(&mut before.rewrites);
    typer.params.append(&mut before.params);
    typer.null_tested.append(&mut before.null_tested);
    // What decides which rows of the statement's tables it reads or changes.
    let mut conditions = Conditions::default();
    let mut written_tenant_param = false;
    // Values for columns the block leaves out, which the function makes (`Generated`), and
    // where an INSERT's tenant and parent ids are.
    let mut generated: Vec<Generated> = Vec::new();
    let mut tenant_values: Vec<Pos> = Vec::new();
    let mut parent_values: Vec<(String, Pos)> = Vec::new();
    let mut inserted_rows = 0;
    // A cascading soft delete: (the entity's module, where its tenant and instant are bound).
    let mut cascade_at: Option<(String, Pos, Pos)> = None;
    let default_returns;

    match &statement {
        Statement::Select(select) => {
            default_returns = Returns::Many;
            conditions = check_select(
                &scope,
                block,
                select,
                &mut typer,
                &mut columns,
                &mut column_pos,
                &mut rewrites,
                &mut problems,
            );
        }
        Statement::With(_) => unreachable!("the body of a WITH is a SELECT or a UNION ALL"),
        Statement::Union(union) => {
            default_returns = Returns::Many;
            let mut branches: Vec<Vec<OutColumn>> = Vec::new();
            for (n, branch) in union.branches.iter().enumerate() {
                let own = check_own_select(catalog, block, branch, &mut rewrites, &mut problems);
                typer.params.extend(own.params);
                typer.null_tested.extend(own.null_tested);
                if n == 0 {
                    column_pos = own.column_pos;
                }
                let cols = own.columns;
                branches.push(cols);
            }
            columns = union_columns(union, &branches, &mut problems);
            union_order(union, &columns, &mut typer, &mut problems);
        }
        Statement::Insert(insert) => {
            default_returns = Returns::Exec;
            let table = insert.table.value.clone();
            if insert.columns.is_empty() {
                let (l, c) = insert.table.pos;
                return Err(vec![Diagnostic::at(Code::Syntax, l, c, "INSERT must list its columns", "write INSERT INTO t (col, …) VALUES (…), so a schema change cannot shift values")]);
            }
            let cols: Vec<Option<&Column>> = insert
                .columns
                .iter()
                .map(|c| {
                    scope
                        .resolve_ident(None, c, &mut problems)
                        .map(|(col, _)| col)
                })
                .collect();
            for (i, c) in insert.columns.iter().enumerate() {
                if insert.columns[..i]
                    .iter()
                    .any(|d| d.value.eq_ignore_ascii_case(&c.value))
                {
                    problems.push(Diagnostic::at(
                        Code::Schema,
                        c.pos.0,
                        c.pos.1,
                        format!("{} is listed twice", c.value),
                        "list each column once",
                    ));
                }
            }
            for row in &insert.rows {
                if row.len() != cols.len() {
                    let at = row.first().map_or(insert.table.pos, |v| v.pos);
                    return Err(vec![Diagnostic::at(
                        Code::Schema,
                        at.0,
                        at.1,
                        format!("{} columns but {} values", cols.len(), row.len()),
                        "give one value per listed column",
                    )]);
                }
                for (col, value) in cols.iter().zip(row) {
                    check_columns(&scope, value, &[], &mut problems);
                    refuse_subqueries(value, "VALUES", &mut problems);
                    let Some(col) = col else { continue };
                    check_value(&scope, &mut typer, col, value, &mut checks, &mut problems);
                    if let Some(at) = placeholder_pos(value).filter(|_| col.name == "tenant_id") {
                        written_tenant_param = true;
                        tenant_values.push(at);
                    }
                    let parent = catalog.parents.iter().find(|(child, parent, fk)| {
                        *child == table && parent != "tenants" && *fk == col.name
                    });
                    if let Some((_, parent, _)) = parent {
                        match placeholder_pos(value) {
                            Some(at) if insert.rows.len() == 1 => {
                                parent_values.push((parent.clone(), at))
                            }
                            // One parent check per row would need a value per row: the batch
                            // form (`-- batch`) checks every row's parents.
                            _ if insert.rows.len() > 1 => problems.push(Diagnostic::at(
                                Code::Safety,
                                value.pos.0,
                                value.pos.1,
                                format!("a multi-row INSERT into {table} cannot check that each row's {} is live", col.name),
                                "insert one row per call, or use `-- batch` with one row of VALUES",
                            )),
                            _ => {}
                        }
                    }
                }
            }
            inserted_rows = insert.rows.len();
            generate_insert_values(
                catalog,
                &table,
                insert,
                &mut generated,
                &mut rewrites,
                &mut problems,
            );
            let has_tenant = catalog
                .get(&table)
                .is_some_and(|c| c.iter().any(|c| c.name == "tenant_id"));
            if has_tenant && !written_tenant_param && !block.all_tenants {
                let (l, c) = insert.table.pos;
                problems.push(Diagnostic::at(
                    Code::TenantScope,
                    l,
                    c,
                    format!("the insert into {table} does not set tenant_id from a parameter"),
                    "add tenant_id = :tenant_id to the columns, or annotate `-- all-tenants`",
                ));
            }
        }
        Statement::Update(update) => {
            default_returns = Returns::Exec;
            let mut assigned: Vec<String> = Vec::new();
            for (target, value) in &update.assignments {
                check_columns(&scope, value, &[], &mut problems);
                refuse_subqueries(value, "SET", &mut problems);
                // MySQL evaluates SET left to right, so a later value reads the new value of an
                // earlier target; the others read the old row. And MariaDB 10.11 read a column
                // assigned *later* in the same SET through COALESCE as the new value cut to the
                // old length (`SET metadata = COALESCE(name, 'x'), name = 'straße'` stored
                // 'str'; found by the oracle). So a value reads no other column the SET assigns.
                let mut reads = Vec::new();
                bare_columns(value, &mut reads);
                let target_name = target.value.to_ascii_lowercase();
                for r in reads {
                    if let Some((col, _)) = scope.resolve(r) {
                        let later = update
                            .assignments
                            .iter()
                            .any(|(t, _)| t.value.eq_ignore_ascii_case(&col.name));
                        if assigned.contains(&col.name) {
                            problems.push(Diagnostic::at(Code::Meaning, r.pos.0, r.pos.1, format!("{} is read after it is assigned in the same SET: MySQL reads the new value, SQLite and PostgreSQL the old one", col.name), "read only columns this SET does not assign, or use a parameter"));
                        } else if later && col.name != target_name {
                            problems.push(Diagnostic::at(Code::Meaning, r.pos.0, r.pos.1, format!("{} is read by one assignment and assigned by a later one: MariaDB can read a mangled new value", col.name), "read only columns this SET does not assign, or use a parameter"));
                        }
                    }
                }
                let Some((col, _)) = scope.resolve_ident(None, target, &mut problems) else {
                    continue;
                };
                if assigned.contains(&col.name) {
                    problems.push(Diagnostic::at(
                        Code::Schema,
                        target.pos.0,
                        target.pos.1,
                        format!("{} is assigned twice", col.name),
                        "assign each column once",
                    ));
                }
                assigned.push(col.name.clone());
                let table = &scope.tables[0].1;
                if col.name == "tenant_id" {
                    problems.push(Diagnostic::at(
                        Code::Safety,
                        target.pos.0,
                        target.pos.1,
                        "an UPDATE may not assign tenant_id: that moves the row to another tenant",
                        "rows never change tenant; copy them if you must",
                    ));
                } else if catalog.primary_keys.get(table) == Some(&col.name)
                    || col.name == "created_at"
                {
                    problems.push(Diagnostic::at(
                        Code::Safety,
                        target.pos.0,
                        target.pos.1,
                        format!("an UPDATE may not assign {}", col.name),
                        "ids and creation times never change",
                    ));
                }
                check_value(&scope, &mut typer, col, value, &mut checks, &mut problems);
            }
            if let Some(e) = &update.selection {
                check_columns(&scope, e, &[], &mut problems);
                typer.condition(e, "WHERE");
            }
            conditions = Conditions::of_where(&scope, update.selection.as_ref());
            // The repository bumps modified_at on every change; so does a block that leaves it
            // out (unless it says why it keeps it).
            let table = &update.table.name.value;
            if update.selection.is_some()
                && block.keeps_modified_at.is_none()
                && !assigned.iter().any(|a| a == "modified_at")
            {
                if let Some(col) = catalog
                    .get(table)
                    .and_then(|cols| cols.iter().find(|c| c.name == "modified_at"))
                {
                    rewrites.push((update.set_end, format!("{BEFORE}, modified_at = ? ")));
                    // A soft delete: one instant for both, as the repository's.
                    let deleted = update.assignments.iter().find_map(|(t, v)| {
                        (t.value.eq_ignore_ascii_case("deleted_at"))
                            .then(|| placeholder_pos(v))
                            .flatten()
                    });
                    generated.push(Generated {
                        reuse: deleted,
                        name: "__now".into(),
                        rust: col.rust.clone(),
                        sql: col.sql.clone(),
                        expr: format!("{}::now()", col.rust),
                        at: vec![(update.set_end, 0)],
                    });
                    assigned.push("modified_at".into());
                }
            }
            // A soft delete of a table with children cascades as the repository's does: from a
            // parameter instant, within the tenant the WHERE names.
            if !catalog.children(table).is_empty() {
                let at = update.assignments.iter().find_map(|(t, v)| {
                    t.value
                        .eq_ignore_ascii_case("deleted_at")
                        .then(|| placeholder_pos(v))
                        .flatten()
                });
                let mut terms = Vec::new();
                if let Some(w) = &update.selection {
                    conjuncts(w, &mut terms);
                }
                let tenant = terms.iter().find_map(|e| match &e.kind {
                    ExprKind::Binary {
                        left,
                        op: BinaryOp::Eq,
                        right,
                    } => [(left, right), (right, left)]
                        .into_iter()
                        .find_map(|(a, b)| {
                            let f = scope.find(a)?;
                            (f.col.name == "tenant_id" && f.level == 0)
                                .then(|| placeholder_pos(b))
                                .flatten()
                        }),
                    _ => None,
                });
                let module = catalog
                    .models
                    .iter()
                    .find(|m| m.table == *table)
                    .and_then(|m| m.path.rsplit_once("::"))
                    .map(|(module, _)| module.to_string());
                if let (Some(at), Some(tenant), Some(module)) = (at, tenant, module) {
                    cascade_at = Some((module, tenant, at));
                }
            }
            rules::update_safety(
                &scope,
                block,
                update,
                &assigned,
                cascade_at.is_some(),
                &mut problems,
            );
        }
        Statement::Delete(delete) => {
            default_returns = Returns::Exec;
            if let Some(e) = &delete.selection {
                check_columns(&scope, e, &[], &mut problems);
                typer.condition(e, "WHERE");
            } else {
                let (l, c) = delete.table.name.pos;
                problems.push(Diagnostic::at(
                    Code::Safety,
                    l,
                    c,
                    "DELETE without WHERE",
                    "say which rows, e.g. WHERE tenant_id = :tenant_id AND …",
                ));
            }
            for ((_, table), at) in scope.tables.iter().zip(&scope.positions) {
                if catalog[table].iter().any(|c| c.name == "deleted_at") {
                    problems.push(Diagnostic::at(
                        Code::SoftDelete,
                        at.0,
                        at.1,
                        format!("hard DELETE from {table}, which is soft-deleted"),
                        "soft-delete with UPDATE … SET deleted_at = :now",
                    ));
                }
            }
            conditions = Conditions::of_where(&scope, delete.selection.as_ref());
        }
    }
    problems.append(&mut typer.problems);
    let param_uses = std::mem::take(&mut typer.params);
    let null_tested = std::mem::take(&mut typer.null_tested);
    drop(typer);

    // Safety lints on every table the statement reads or changes, and every table of its
    // subqueries.
    let (exprs, target): (Vec<&Expr>, Option<&str>) = match &statement {
        Statement::Select(select) => (select.expressions(), None),
        Statement::Insert(_) | Statement::Union(_) | Statement::With(_) => (vec![], None),
        Statement::Update(u) => (
            u.selection.iter().collect(),
            Some(u.table.name.value.as_str()),
        ),
        Statement::Delete(d) => (
            d.selection.iter().collect(),
            Some(d.table.name.value.as_str()),
        ),
    };
    if !matches!(statement, Statement::Insert(_) | Statement::Union(_)) {
        let delete = matches!(statement, Statement::Delete(_));
        let proven = table_rules(&scope, block, &conditions, &[], delete, &mut problems);
        subquery_rules(&scope, block, &exprs, &proven, target, &mut problems);
    }

    let (mut params, mut binds) = parameters(
        block,
        &found,
        &param_uses,
        &null_tested,
        &checks,
        &mut problems,
    );
    if let Statement::Update(Update {
        selection: Some(w), ..
    }) = &statement
    {
        let start = w.pos;
        for (i, param) in params.iter_mut().enumerate() {
            param.value_only = found
                .iter()
                .zip(&binds)
                .filter(|(_, &b)| b == i)
                .all(|(p, _)| (p.line, p.col) < start);
        }
    }

    check_lists(block, &statement, &found, &mut problems);
    let param_at = |pos: Pos, binds: &[usize]| {
        found
            .iter()
            .zip(binds)
            .find(|(p, _)| (p.line, p.col) == pos)
            .map(|(_, &b)| b)
    };
    // (Before the generated values join `binds`, which then no longer line up with `found`.)
    let cascade = cascade_at.and_then(|(entity, tenant, at)| {
        Some(Cascade {
            entity,
            tenant: param_at(tenant, &binds)?,
            at: param_at(at, &binds)?,
        })
    });
    let tenant_params: Vec<Option<usize>> = tenant_values
        .iter()
        .map(|&pos| param_at(pos, &binds))
        .collect();
    let tenant_param = tenant_params.first().copied().flatten();
    if tenant_params.iter().any(|&t| t != tenant_param) {
        let at = tenant_values[0];
        problems.push(Diagnostic::at(
            Code::TenantScope,
            at.0,
            at.1,
            "the rows of this INSERT name different tenant parameters: only one tenant is checked live",
            "use one :tenant_id for every row",
        ));
    }
    let parent_params: Vec<(String, usize)> = parent_values
        .iter()
        .filter_map(|(parent, pos)| {
            let module = catalog.models.iter().find(|m| m.table == *parent)?;
            let module = module.path.rsplit_once("::")?.0.to_string();
            Some((module, param_at(*pos, &binds)?))
        })
        .collect();
    let mut returns_id = None;
    if binds.len() == found.len() && !generated.is_empty() {
        // Each placeholder in text order: the block's, and the generated ones where their
        // rewrite put them (after the block's at the same place, in the order listed).
        let mut entries: Vec<(Pos, usize, usize)> = found
            .iter()
            .zip(&binds)
            .map(|(p, &b)| ((p.line, p.col), 0, b))
            .collect();
        for g in &generated {
            if let Some(index) = g.reuse.and_then(|pos| param_at(pos, &binds)) {
                // Bound to NOT NULL modified_at too, so it takes the non-null type.
                let param = &mut params[index];
                if let Some(inner) = option_inner(&param.rust) {
                    param.rust = inner.to_string();
                    param.sql.clone_from(&g.sql);
                }
                entries.extend(g.at.iter().map(|&(pos, order)| (pos, order + 1, index)));
                continue;
            }
            let index = params.len();
            if g.name == "__id" {
                returns_id = Some(index);
            }
            params.push(Param {
                name: g.name.clone(),
                rust: g.rust.clone(),
                sql: g.sql.clone(),
                non_negative: false,
                max_chars: None,
                json: false,
                text: false,
                value_only: false,
                column_rule: None,
                generated: Some(g.expr.clone()),
                list: false,
                shared: false,
            });
            entries.extend(g.at.iter().map(|&(pos, order)| (pos, order + 1, index)));
        }
        entries.sort_by_key(|&(pos, order, _)| (pos, order));
        binds = entries.into_iter().map(|(_, _, b)| b).collect();
    }
    let insert_checks = match (&statement, tenant_param) {
        (Statement::Insert(insert), Some(tenant)) => catalog
            .models
            .iter()
            .find(|m| m.table == insert.table.value && m.table != "tenants")
            .and_then(|m| m.path.rsplit_once("::"))
            .map(|(module, _)| InsertChecks {
                entity: module.to_string(),
                tenant,
                parents: parent_params,
                rows: inserted_rows,
            }),
        _ => None,
    };
    // Row mapping (`analyze` refuses an unknown model at its annotation).
    let row_model = block.row.as_deref().and_then(|m| catalog.model(m));
    if let Some(found) = row_model {
        let (model, table) = (&found.name, found.table.as_str());
        let want: Vec<&str> = catalog[table].iter().map(|c| c.name.as_str()).collect();
        let have: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let missing: Vec<&str> = want.iter().filter(|w| !have.contains(w)).copied().collect();
        let extra: Vec<&str> = have.iter().filter(|h| !want.contains(h)).copied().collect();
        let first_pos = column_pos.first().copied().unwrap_or(statement_pos);
        if missing.is_empty() && extra.is_empty() && have != want {
            let at = have
                .iter()
                .zip(&want)
                .position(|(h, w)| h != w)
                .map_or(first_pos, |i| column_pos[i]);
            problems.push(Diagnostic::at(
                Code::Result,
                at.0,
                at.1,
                format!("the columns are not in {model}'s order"),
                format!("select them as {}", want.join(", ")),
            ));
        }
        if !missing.is_empty() || !extra.is_empty() {
            let at = have
                .iter()
                .position(|h| !want.contains(h))
                .map_or(first_pos, |i| column_pos[i]);
            problems.push(Diagnostic::at(
                Code::Result,
                at.0,
                at.1,
                format!(
                    "the columns do not match {model}: missing [{}], extra [{}]",
                    missing.join(", "),
                    extra.join(", ")
                ),
                format!("select exactly the columns of {table}"),
            ));
        }
    }
    let returns = block.returns.unwrap_or(default_returns);
    if block.batch && !matches!(&statement, Statement::Insert(i) if i.rows.len() == 1) {
        problems.push(Diagnostic::at(
            Code::Annotation,
            statement_pos.0,
            statement_pos.1,
            "`-- batch` applies to an INSERT with one row of VALUES",
            "write INSERT INTO t (columns) VALUES (:params); the function takes a slice of rows",
        ));
    }
    if returns != Returns::Exec && columns.is_empty() && problems.is_empty() {
        problems.push(Diagnostic::at(
            Code::Result,
            statement_pos.0,
            statement_pos.1,
            "the block returns rows but selects no columns",
            "annotate `-- returns: exec` for statements without rows",
        ));
    }
    if returns == Returns::Exec && !matches!(statement, Statement::Select(_) | Statement::Union(_))
    {
        columns.clear();
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| (p.line, p.column));
        problems.dedup();
        return Err(problems);
    }
    let qmark_sql = tidy(&apply_rewrites(&qmark, &rewrites));
    let pg_sql = dollar(&qmark_sql);
    Ok(Analyzed {
        block: block.clone(),
        returns,
        params,
        binds,
        columns,
        row_path: row_model.map(|m| m.path.clone()),
        qmark_sql,
        pg_sql,
        insert: insert_checks,
        returns_id,
        batch: block.batch,
        copy: None,
        cascade,
    })
}

/// A `-- list:` parameter goes only where an empty list can mean "no rows" on every engine:
/// `col IN (:list)` as a top-level AND term of WHERE, where the generated `IN (NULL)` for an
/// empty slice filters every row as a false condition would (under `NOT` or `OR`, NULL and
/// FALSE differ). Every declared list must be used.
fn check_lists(
    block: &Block,
    statement: &Statement,
    found: &[Placeholder],
    problems: &mut Vec<Diagnostic>,
) {
    if block.lists.is_empty() {
        return;
    }
    let selection = match statement {
        Statement::Select(s) => s.selection.as_ref(),
        Statement::Update(u) => u.selection.as_ref(),
        Statement::Delete(d) => d.selection.as_ref(),
        Statement::Insert(_) | Statement::Union(_) | Statement::With(_) => None,
    };
    let mut terms = Vec::new();
    if let Some(w) = selection {
        conjuncts(w, &mut terms);
    }
    let allowed: Vec<Pos> = terms
        .iter()
        .filter_map(|t| match &t.kind {
            ExprKind::InList {
                list,
                negated: false,
                ..
            } if list.len() == 1 && matches!(list[0].kind, ExprKind::Param) => Some(list[0].pos),
            _ => None,
        })
        .collect();
    for (name, _) in &block.lists {
        let uses: Vec<&Placeholder> = found
            .iter()
            .filter(|p| p.name.as_deref() == Some(name.as_str()))
            .collect();
        for p in uses {
            if !allowed.contains(&(p.line, p.col)) {
                problems.push(Diagnostic::at(
                    Code::Parameter,
                    p.line,
                    p.col,
                    format!(":{name} is a list, which goes only in `column IN (:{name})` as a top-level AND term of WHERE"),
                    "an empty list becomes IN (NULL), which matches nothing only where NULL and FALSE filter alike",
                ));
            }
        }
    }
}

/// A value the generated function makes for a column the block leaves out.
struct Generated {
    /// The field of the query struct (`__id`, `__now`: parameter names cannot start with `__`).
    name: String,
    rust: String,
    sql: String,
    /// The Rust expression that makes it.
    expr: String,
    /// Where its placeholders go, and their order among generated ones at the same place.
    at: Vec<(Pos, usize)>,
    /// Bind the block's parameter at this position instead of making a value.
    reuse: Option<Pos>,
}

/// An INSERT that leaves out its table's id, `created_at` or `modified_at` gets them as the
/// repository makes them: a new UUIDv7 id, and the current time for both timestamps.
fn generate_insert_values(
    catalog: &Catalog,
    table: &str,
    insert: &crate::ast::Insert,
    generated: &mut Vec<Generated>,
    rewrites: &mut Vec<((usize, usize), String)>,
    problems: &mut Vec<Diagnostic>,
) {
    let Some(cols) = catalog.get(table) else {
        return;
    };
    let listed = |name: &str| {
        insert
            .columns
            .iter()
            .any(|c| c.value.eq_ignore_ascii_case(name))
    };
    let mut names: Vec<&str> = Vec::new();
    if let Some(pk) = catalog.primary_keys.get(table).filter(|pk| !listed(pk)) {
        if let Some(col) = cols
            .iter()
            .find(|c| c.name == *pk && c.rust.ends_with("Id"))
        {
            if insert.rows.len() > 1 {
                let (l, c) = insert.table.pos;
                problems.push(Diagnostic::at(
                    Code::Safety,
                    l,
                    c,
                    format!("a multi-row INSERT into {table} must list {pk}: one generated id cannot serve several rows"),
                    format!("list {pk} with a parameter per row, or insert one row per call"),
                ));
                return;
            }
            generated.push(Generated {
                name: "__id".into(),
                rust: col.rust.clone(),
                sql: col.sql.clone(),
                expr: format!("{}::new()", col.rust),
                at: insert.rows_close.iter().map(|&p| (p, 0)).collect(),
                reuse: None,
            });
            names.push(pk);
        }
    }
    let stamps: Vec<&Column> = ["created_at", "modified_at"]
        .iter()
        .filter(|n| !listed(n))
        .filter_map(|n| cols.iter().find(|c| c.name == *n))
        .collect();
    if let Some(first) = stamps.first() {
        let offset = names.len();
        generated.push(Generated {
            name: "__now".into(),
            rust: first.rust.clone(),
            sql: first.sql.clone(),
            expr: format!("{}::now()", first.rust),
            at: insert
                .rows_close
                .iter()
                .flat_map(|&p| (0..stamps.len()).map(move |k| (p, offset + k)))
                .collect(),
            reuse: None,
        });
        names.extend(stamps.iter().map(|c| c.name.as_str()));
    }
    if names.is_empty() {
        return;
    }
    rewrites.push((insert.columns_close, format!(", {})", names.join(", "))));
    let marks = vec!["?"; names.len()].join(", ");
    for &close in &insert.rows_close {
        rewrites.push((close, format!(", {marks})")));
    }
}

/// Types the new value of `col` (an INSERT value or a SET assignment); a NOT NULL column gets
/// no NULL.
fn check_value(
    scope: &Scope<'_>,
    typer: &mut Typer<'_>,
    col: &Column,
    value: &Expr,
    checks: &mut BTreeMap<(usize, usize), ValueCheck>,
    problems: &mut Vec<Diagnostic>,
) {
    // Text computed in SQL escapes the checks a parameter gets (the entity's rules, lengths).
    let _ = walk_here(value, &mut |e| {
        let computed = match &e.kind {
            ExprKind::Binary {
                op: BinaryOp::Concat,
                ..
            } => Some("`||`".to_string()),
            ExprKind::Function { name, .. }
                if ["SUBSTR", "TRIM", "LTRIM", "RTRIM"]
                    .contains(&name.value.to_ascii_uppercase().as_str()) =>
            {
                Some(name.value.to_ascii_uppercase())
            }
            _ => None,
        };
        if let Some(what) = computed {
            problems.push(Diagnostic::at(
                Code::Safety,
                e.pos.0,
                e.pos.1,
                format!("{what} computes the new value of {}: text made in SQL skips the column's rules and length checks", col.name),
                "compute the text in Rust and bind it as a parameter",
            ));
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    check_shape(scope, col, value, checks, problems);
    // The entity's rule for the column, on every parameter the value can be (itself, or a
    // branch of COALESCE or CASE).
    let mut sources = Vec::new();
    text_sources(value, &mut sources);
    let table = &scope.tables[0].1;
    if let Some(model) = scope.catalog.models.iter().find(|m| m.table == *table) {
        let module = model
            .path
            .rsplit_once("::")
            .map_or("", |(m, _)| m)
            .to_string();
        for source in sources.iter().filter(|s| matches!(s.kind, ExprKind::Param)) {
            checks.entry(source.pos).or_default().column_rule =
                Some((module.clone(), col.name.clone()));
        }
    }
    if matches!(value.kind, ExprKind::Param) {
        checks.entry(value.pos).or_default().not_null |= !col.nullable;
    }
    let t = typer.expect(
        value,
        &Ty::of_column(col),
        col.nullable,
        Some(&col.name),
        &format!("the value of {}", col.name),
    );
    if col.nullable {
        return;
    }
    if matches!(value.kind, ExprKind::Literal(Literal::Null)) {
        problems.push(Diagnostic::at(
            Code::Type,
            value.pos.0,
            value.pos.1,
            format!("NULL for {}, which is NOT NULL", col.name),
            "give it a value",
        ));
    } else if t.nullable && placeholder_pos(value).is_none() {
        problems.push(Diagnostic::at(
            Code::Type,
            value.pos.0,
            value.pos.1,
            format!(
                "the value of {} may be NULL, and the column is NOT NULL",
                col.name
            ),
            "use COALESCE(…, a default)",
        ));
    }
}

/// The values an expression can take its text from: itself, or the branches of COALESCE and
/// CASE.
fn text_sources<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Nested(inner) => text_sources(inner, out),
        ExprKind::Function {
            name,
            args: Args::List { args, .. },
        } if name.value.eq_ignore_ascii_case("COALESCE") => {
            args.iter().for_each(|a| text_sources(a, out))
        }
        ExprKind::Case {
            branches,
            otherwise,
            ..
        } => {
            branches
                .iter()
                .for_each(|(_, then)| text_sources(then, out));
            if let Some(o) = otherwise {
                text_sources(o, out);
            }
        }
        _ => out.push(e),
    }
}

/// A string literal's text, without its quotes.
fn string_literal(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Literal(Literal::String(quoted)) => Some(
            quoted
                .strip_prefix('\'')
                .and_then(|q| q.strip_suffix('\''))
                .unwrap_or(quoted)
                .replace("''", "'"),
        ),
        _ => None,
    }
}

/// A text value written to a column of bounded length or a JSON column must fit it on every
/// engine: literals are checked here, parameters by the generated function, other columns by
/// their own bound; anything else cannot be proven and is refused.
fn check_shape(
    scope: &Scope<'_>,
    col: &Column,
    value: &Expr,
    checks: &mut BTreeMap<(usize, usize), ValueCheck>,
    problems: &mut Vec<Diagnostic>,
) {
    if col.max_length.is_none() && !col.json {
        // Unbounded text still has the portable limit; a parameter is checked at run time.
        if col.rust == "String" && matches!(value.kind, ExprKind::Param) {
            checks.entry(value.pos).or_default().text = true;
        }
        return;
    }
    let mut sources = Vec::new();
    text_sources(value, &mut sources);
    let bound = col
        .max_length
        .map(|n| format!("{} holds at most {n} characters (VARCHAR({n}))", col.name));
    for source in sources {
        let pos = source.pos;
        let mut refuse = |what: String, fix: &str| {
            problems.push(Diagnostic::at(Code::Type, pos.0, pos.1, what, fix));
        };
        if let Some(text) = string_literal(source) {
            let n = text.chars().count();
            if let (Some(max), Some(bound)) = (col.max_length, &bound) {
                if n > max {
                    refuse(format!("this text has {n} characters and {bound}: PostgreSQL and MySQL refuse it, SQLite would store it"), "shorten it");
                }
            }
            if col.json && !crate::json::is_json(&text) {
                refuse(
                    format!(
                        "this text is not JSON, and {} holds a JSON document",
                        col.name
                    ),
                    "write a JSON value, e.g. '{}' or '[]'",
                );
            }
            continue;
        }
        match &source.kind {
            ExprKind::Literal(Literal::Null) => {}
            ExprKind::Param => {
                let check = checks.entry(pos).or_default();
                check.max_chars = col.max_length;
                check.json |= col.json;
                check.text |= col.rust == "String";
            }
            ExprKind::Column { .. } => {
                let Some((from, _)) = scope.resolve(source) else {
                    continue;
                };
                if let Some(max) = col.max_length {
                    if from.max_length.is_none_or(|n| n > max) {
                        let has = from
                            .max_length
                            .map_or("any number of".to_string(), |n| format!("up to {n}"));
                        refuse(format!("{} holds {has} characters and {}: a longer value fails on PostgreSQL and MySQL, and is stored on SQLite", from.name, bound.clone().unwrap_or_default()), "write a parameter (the generated function checks its length)");
                    }
                }
                if col.json && !from.json {
                    refuse(
                        format!(
                            "{} is not a JSON column, and {} holds a JSON document",
                            from.name, col.name
                        ),
                        "write a parameter (the generated function checks it is JSON)",
                    );
                }
            }
            // Other expressions are numbers, ids or timestamps: the typer refuses them.
            _ => {}
        }
    }
}

/// Whether `e` aggregates rows (an aggregate outside a window: `COUNT(*) OVER (…)` keeps the
/// rows).
fn typer_aggregate(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Window { .. } => false,
        ExprKind::Function { name, .. }
            if AGGREGATES.contains(&name.value.to_ascii_uppercase().as_str()) =>
        {
            true
        }
        _ => e.children().into_iter().any(typer_aggregate),
    }
}

/// ROW_NUMBER numbers the rows of a partition in its window's order: that order must be
/// total within the partition (PARTITION BY and ORDER BY keys together cover every table's
/// key), or rows that tie get other numbers on each database.
fn check_row_numbers(scope: &Scope<'_>, select: &Select, problems: &mut Vec<Diagnostic>) {
    for item in &select.items {
        let SelectItem::Expr { expr, .. } = item else {
            continue;
        };
        let _ = walk_here(expr, &mut |e| {
            if let ExprKind::Window {
                function,
                partition_by,
                order_by,
            } = &e.kind
            {
                let is_row_number = matches!(&function.kind, ExprKind::Function { name, .. } if name.value.eq_ignore_ascii_case("ROW_NUMBER"));
                let keys: Vec<(String, String)> = partition_by
                    .iter()
                    .chain(order_by.iter().map(|o| &o.expr))
                    .filter_map(|k| scope.find(k).map(|f| (f.alias, f.col.name.clone())))
                    .collect();
                if is_row_number
                    && !order_by.is_empty()
                    && !rules::total_order(scope, select, &keys)
                {
                    let at = order_by[0].expr.pos;
                    problems.push(Diagnostic::at(Code::Meaning, at.0, at.1, "ROW_NUMBER over an order that is not total: rows that tie get other numbers on each database", "end the window's ORDER BY with the primary key (or use RANK, which numbers ties alike)"));
                }
            }
            ControlFlow::Continue(())
        });
    }
}

/// The generated function's parameters, by name, from the types the typer gave each position.
fn parameters(
    block: &Block,
    found: &[Placeholder],
    uses: &BTreeMap<(usize, usize), ParamUse>,
    null_tested: &[(usize, usize)],
    checks: &BTreeMap<(usize, usize), ValueCheck>,
    problems: &mut Vec<Diagnostic>,
) -> (Vec<Param>, Vec<usize>) {
    // An optional filter's parameter: `Option` at every place it appears.
    let optional: Vec<&str> = found
        .iter()
        .filter(|p| null_tested.contains(&(p.line, p.col)))
        .filter_map(|p| p.name.as_deref())
        .collect();
    let mut params: Vec<Param> = Vec::new();
    // Each name's place in `params`: one lookup per placeholder (a list of 10,000 took seconds
    // when each compared itself with every earlier one).
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut binds = Vec::new();
    // A position the context gave no type (`:x IS NULL`) takes the type of the same name
    // elsewhere.
    let by_name = |name: &str| {
        found
            .iter()
            .filter(|p| p.name.as_deref() == Some(name))
            .find_map(|p| uses.get(&(p.line, p.col)))
    };
    for p in found {
        let inferred = uses.get(&(p.line, p.col));
        let name = match (&p.name, inferred) {
            (Some(n), _) => n.clone(),
            (
                None,
                Some(ParamUse {
                    column: Some(c), ..
                }),
            ) => c.clone(),
            (None, _) => {
                problems.push(Diagnostic::at(
                    Code::Parameter,
                    p.line,
                    p.col,
                    "cannot name this `?` parameter",
                    "use a named parameter like `:tenant_id`",
                ));
                continue;
            }
        };
        let inferred = inferred.or_else(|| by_name(&name));
        let declared = block
            .params
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, t)| catalog::declared(t));
        if let (Some((rust, _)), Some(u)) = (&declared, inferred) {
            // The declared type binds: it must be the one the context gives (an i64 in AVG
            // makes PostgreSQL's avg(bigint) NUMERIC; an f64 in `%` has no operator there).
            if Ty::of_rust(rust)
                .is_some_and(|d| d != u.ty && !(u.ty == Ty::Decimal && d.compatible(&u.ty)))
            {
                problems.push(Diagnostic::at(
                    Code::Parameter,
                    p.line,
                    p.col,
                    format!(":{name} is declared {rust} but used as {}", u.ty),
                    format!(
                        "declare it {} or drop the annotation",
                        u.ty.rust_and_sql().0
                    ),
                ));
            }
        }
        let (rust, sql) = match (declared, inferred) {
            (Some((r, s)), _) => (
                match r.as_str() {
                    "String" => "&str".to_string(),
                    "Option<String>" => "Option<&str>".to_string(),
                    _ => r,
                },
                s,
            ),
            (None, Some(u)) => {
                let (r, s) = u.ty.rust_and_sql();
                let r = if r == "String" { "&str".to_string() } else { r };
                if u.nullable {
                    (
                        format!("Option<{r}>"),
                        format!("diesel::sql_types::Nullable<{s}>"),
                    )
                } else {
                    (r, s)
                }
            }
            (None, None) => {
                problems.push(Diagnostic::at(Code::Parameter, p.line, p.col, format!("cannot infer the type of :{name}"), format!("compare it with a column, or annotate `-- param: {name} i64` (or another type)")));
                continue;
            }
        };
        let is_list = block.lists.iter().any(|(n, _)| *n == name);
        if is_list && rust.starts_with("Option<") {
            problems.push(Diagnostic::at(
                Code::Parameter,
                p.line,
                p.col,
                format!(":{name} is a list and cannot be NULL"),
                "compare the list with a column; an empty list matches nothing",
            ));
            continue;
        }
        let rust = if is_list { format!("&[{rust}]") } else { rust };
        let (rust, sql) = if optional.contains(&name.as_str()) && !rust.starts_with("Option<") {
            (
                format!("Option<{rust}>"),
                format!("diesel::sql_types::Nullable<{sql}>"),
            )
        } else {
            (rust, sql)
        };
        match index.get(&name).copied() {
            // One value for a nullable and a non-null place (`SET deleted_at = :now,
            // modified_at = :now`): it takes the non-null type, which binds to both.
            Some(i) if params[i].rust == format!("Option<{rust}>") => {
                params[i].rust = rust;
                params[i].sql = sql;
                binds.push(i);
            }
            Some(i) if rust == format!("Option<{}>", params[i].rust) => binds.push(i),
            Some(i) if params[i].rust != rust => {
                problems.push(Diagnostic::at(
                    Code::Parameter,
                    p.line,
                    p.col,
                    format!(":{name} is used as {} and as {rust}", params[i].rust),
                    "use two parameter names",
                ));
            }
            Some(i) => binds.push(i),
            None => {
                if let Some(why) = crate::names::parameter_refusal(&name) {
                    problems.push(Diagnostic::at(
                        Code::Parameter,
                        p.line,
                        p.col,
                        format!(":{name}: {why}"),
                        "choose another parameter name",
                    ));
                    continue;
                }
                index.insert(name.clone(), params.len());
                params.push(Param {
                    name: name.clone(),
                    rust,
                    sql,
                    non_negative: false,
                    max_chars: None,
                    json: false,
                    text: false,
                    value_only: false,
                    column_rule: None,
                    generated: None,
                    list: is_list,
                    shared: false,
                });
                binds.push(params.len() - 1);
            }
        }
    }
    // Every placeholder has its bind unless a problem was reported (and nothing is generated).
    for (p, &i) in found
        .iter()
        .zip(&binds)
        .filter(|_| binds.len() == found.len())
    {
        if uses
            .get(&(p.line, p.col))
            .is_some_and(|u| u.column.as_deref() == Some("limit"))
        {
            params[i].non_negative = true;
            if params[i].rust.starts_with("Option<") {
                problems.push(Diagnostic::at(
                    Code::Parameter,
                    p.line,
                    p.col,
                    format!(
                        ":{} is a LIMIT or OFFSET and cannot be optional",
                        params[i].name
                    ),
                    "use another parameter for the NULL test",
                ));
            }
        }
        if let Some(check) = checks.get(&(p.line, p.col)) {
            let param = &mut params[i];
            param.max_chars = match (param.max_chars, check.max_chars) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            param.json |= check.json;
            param.text |= check.text;
            if param.column_rule.is_none() {
                param.column_rule.clone_from(&check.column_rule);
            }
            if check.not_null && param.rust.starts_with("Option<") {
                problems.push(Diagnostic::at(
                    Code::Parameter,
                    p.line,
                    p.col,
                    format!(":{} is tested for NULL (an optional filter) and written to a NOT NULL column", param.name),
                    "use two parameters: one for the filter, one for the value",
                ));
            }
        }
    }
    (params, binds)
}

/// A rewrite starting with this inserts its text before the character instead of replacing it.
const BEFORE: char = '\u{1}';

/// Replaces the one character at each (line, column) with its text (or, for a text starting
/// with [`BEFORE`], puts the text before it).
fn apply_rewrites(sql: &str, rewrites: &[((usize, usize), String)]) -> String {
    let mut out = String::with_capacity(sql.len());
    let (mut line, mut col) = (1, 1);
    for c in sql.chars() {
        match rewrites.iter().find(|(at, _)| *at == (line, col)) {
            Some((_, text)) => match text.strip_prefix(BEFORE) {
                Some(before) => {
                    out.push_str(before);
                    out.push(c);
                }
                None => out.push_str(text),
            },
            None => out.push(c),
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    out
}

fn project(
    scope: &Scope<'_>,
    block: &Block,
    item: &SelectItem,
    typer: &mut Typer<'_>,
    columns: &mut Vec<OutColumn>,
    rewrites: &mut Vec<((usize, usize), String)>,
    problems: &mut Vec<Diagnostic>,
) {
    let column_of = |col: &Column, table: &String, name: String| {
        out_column(
            name,
            &Ty::of_column(col),
            col.nullable || scope.outer.contains(table),
        )
    };
    match item {
        SelectItem::Expr { expr, alias } => {
            check_columns(scope, expr, &[], problems);
            let t = typer.synth(expr);
            let resolved = scope.resolve(expr);
            let name = match (alias, resolved) {
                (Some(a), resolved) => {
                    check_alias(a, problems);
                    let name = a.value.to_ascii_lowercase();
                    if let Some(why) = crate::names::refusal(&name) {
                        problems.push(Diagnostic::at(
                            Code::Result,
                            a.pos.0,
                            a.pos.1,
                            format!("the result column {name}: {why}"),
                            "choose another alias",
                        ));
                    }
                    // An alias that is also a column name in scope reads differently in WHERE
                    // (SQLite takes the alias, the others the column) and in ORDER BY.
                    let same_column = resolved.is_some_and(|(c, _)| c.name == name);
                    if !same_column
                        && scope
                            .tables
                            .iter()
                            .any(|(_, t)| scope.catalog[t].iter().any(|c| c.name == name))
                    {
                        problems.push(Diagnostic::at(
                            Code::Portability,
                            a.pos.0,
                            a.pos.1,
                            format!("the alias {name} is also a column of a table in the query"),
                            "choose an alias that is not a column name",
                        ));
                    }
                    name
                }
                (None, Some((col, _))) => col.name.clone(),
                (None, None) => {
                    if !matches!(expr.kind, ExprKind::Column { .. }) {
                        let (l, c) = expr.pos;
                        problems.push(Diagnostic::at(
                            Code::Result,
                            l,
                            c,
                            "an expression in the select list needs an alias",
                            "write `expr AS name`",
                        ));
                    }
                    return;
                }
            };
            let pos = alias.as_ref().map_or(expr.pos, |a| a.pos);
            typer.aliases.push((name.clone(), t.clone()));
            let declared = block
                .columns
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, t)| catalog::declared(t));
            let problem = match &t.ty {
                None => Some((pos, format!("{name} has no type of its own (only parameters or NULL): MySQL reports none for it, and diesel cannot read it"), "select a column or an expression over one; a parameter's value is already known to the caller".to_string())),
                Some(Ty::Decimal) => Some((expr.pos, format!("{name} is a decimal: NUMERIC on PostgreSQL, DECIMAL on MySQL, REAL on SQLite"), "compute with double columns or parameters, or in Rust".to_string())),
                Some(Ty::Int) if t.literal => Some((expr.pos, format!("{name} is computed from integer literals alone: INTEGER (32 bits) on PostgreSQL, BIGINT on the others"), "select a column or COUNT, or compute the constant in Rust".to_string())),
                _ => None,
            };
            if let Some((at, what, fix)) = problem {
                problems.push(Diagnostic::at(Code::Result, at.0, at.1, what, fix));
                return;
            }
            if let Some((rust, sql)) = declared {
                let inner = option_inner(&rust).unwrap_or(&rust);
                if let (Some(have), Some(want)) = (&t.ty, Ty::of_rust(inner)) {
                    // Rows decode by the declared type: it must be the type the engines return.
                    if *have != want && !(want == Ty::Double && *have == Ty::Double) {
                        problems.push(Diagnostic::at(
                            Code::Result,
                            pos.0,
                            pos.1,
                            format!("{name} is declared {rust} but is {have}"),
                            format!(
                                "declare it {} or drop the annotation",
                                have.rust_and_sql().0
                            ),
                        ));
                    }
                }
                if t.nullable && inner == rust {
                    problems.push(Diagnostic::at(
                        Code::Result,
                        pos.0,
                        pos.1,
                        format!("{name} may be NULL but is declared {rust}"),
                        format!("declare it Option<{rust}>, or drop the annotation"),
                    ));
                }
                columns.push(OutColumn { name, rust, sql });
                return;
            }
            match &t.ty {
                Some(ty) => columns.push(out_column(name, ty, t.nullable)),
                None => problems.push(Diagnostic::at(
                    Code::Result,
                    pos.0,
                    pos.1,
                    format!("cannot infer the type of {name}"),
                    format!("annotate `-- column: {name} i64` (or another type)"),
                )),
            }
        }
        SelectItem::Wildcard(star) => {
            // `*` becomes the catalog's column list in the emitted SQL, so rows load by
            // position and a backend-only column (MySQL's live_config_key) never arrives.
            let mut names = Vec::new();
            for (alias, table) in &scope.tables {
                for col in &scope.catalog[table] {
                    columns.push(column_of(col, table, col.name.clone()));
                    names.push(if scope.tables.len() > 1 {
                        format!("{alias}.{}", col.name)
                    } else {
                        col.name.clone()
                    });
                }
            }
            rewrites.push((*star, names.join(", ")));
        }
        SelectItem::QualifiedWildcard(qualifier, star) => {
            match scope
                .tables
                .iter()
                .find(|(alias, _)| *alias == qualifier.value)
            {
                Some((alias, table)) => {
                    let mut names = Vec::new();
                    for col in &scope.catalog[table] {
                        columns.push(column_of(col, table, col.name.clone()));
                        names.push(col.name.clone());
                    }
                    // `q.*` → `q.a, q.b, …`: the `q.` before the star qualifies the first.
                    rewrites.push((*star, names.join(&format!(", {alias}."))));
                }
                None => problems.push(Diagnostic::at(
                    Code::Schema,
                    qualifier.pos.0,
                    qualifier.pos.1,
                    format!("unknown table or alias {}", qualifier.value),
                    "name a table from the FROM clause (aliases are case-sensitive on MySQL)",
                )),
            }
        }
    }
}

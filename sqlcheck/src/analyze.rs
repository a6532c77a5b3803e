//! Checks one block against the catalog and the portable grammar, and works out its parameter
//! and result types.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use crate::ast::{
    walk, BinaryOp, Expr, ExprKind, Ident, SelectItem, Statement, TableRef, TableWithJoins,
};
use crate::catalog::{self, Catalog, Column};
use crate::file::{Block, Returns};
use crate::lint::{self, PORTABLE_FUNCTIONS};
use crate::parse;
use crate::token::{self, Kind, Token};

/// A problem at a position inside the block's SQL: (line, column, what, fix).
pub type Problem = (usize, usize, String, String);

/// A parameter of the generated function.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name (snake_case).
    pub name: String,
    /// Rust type of the argument.
    pub rust: String,
    /// diesel SQL type it binds as.
    pub sql: String,
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
    /// The SQL with `?` placeholders (MySQL, SQLite).
    pub qmark_sql: String,
    /// The SQL with `$n` placeholders (PostgreSQL).
    pub pg_sql: String,
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
    for c in sql.chars() {
        if skip > 0 {
            skip -= 1;
            out.push(' ');
        } else if let Some(p) = found.iter().find(|p| (p.line, p.col) == (line, col)) {
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
    strip_comments(sql)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ,", ",")
        .replace(" )", ")")
}

struct Scope<'a> {
    catalog: &'a Catalog,
    /// (name or alias, table)
    tables: Vec<(String, String)>,
    aliases: Vec<String>,
}

enum Resolved<'a> {
    Column(&'a Column, String),
    Alias,
}

impl<'a> Scope<'a> {
    fn add(&mut self, name: &Ident, alias: Option<String>, problems: &mut Vec<Problem>) {
        let table = name.value.clone();
        let (l, c) = name.pos;
        if !self.catalog.contains_key(&table) {
            problems.push((
                l,
                c,
                format!("unknown table {table}"),
                format!(
                    "tables are: {}",
                    self.catalog.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
            return;
        }
        self.tables
            .push((alias.unwrap_or_else(|| table.clone()), table));
    }

    fn resolve(&self, expr: &Expr, problems: &mut Vec<Problem>) -> Option<Resolved<'a>> {
        match &expr.kind {
            ExprKind::Column { table, column } => {
                self.resolve_ident(table.as_ref(), column, problems)
            }
            _ => None,
        }
    }

    fn resolve_ident(
        &self,
        qualifier: Option<&Ident>,
        ident: &Ident,
        problems: &mut Vec<Problem>,
    ) -> Option<Resolved<'a>> {
        let (l, c) = ident.pos;
        let name = ident.value.to_ascii_lowercase();
        if qualifier.is_none() && self.aliases.contains(&name) {
            return Some(Resolved::Alias);
        }
        let candidates: Vec<(&String, &'a Column)> = self
            .tables
            .iter()
            .filter(|(alias, _)| qualifier.is_none_or(|q| q.value.eq_ignore_ascii_case(alias)))
            .filter_map(|(_, table)| {
                self.catalog[table]
                    .iter()
                    .find(|col| col.name == name)
                    .map(|col| (table, col))
            })
            .collect();
        if let Some(q) = qualifier {
            if !self
                .tables
                .iter()
                .any(|(alias, _)| q.value.eq_ignore_ascii_case(alias))
            {
                let (l, c) = q.pos;
                problems.push((
                    l,
                    c,
                    format!("unknown table or alias {}", q.value),
                    "name a table from the FROM clause".into(),
                ));
                return None;
            }
        }
        match candidates.as_slice() {
            [] => {
                let tables: Vec<&str> = self.tables.iter().map(|(_, t)| t.as_str()).collect();
                problems.push((
                    l,
                    c,
                    format!("unknown column {name} in {}", tables.join(", ")),
                    "check the column name against src/schema.rs".into(),
                ));
                None
            }
            [(table, col)] => Some(Resolved::Column(col, (*table).clone())),
            _ => {
                problems.push((
                    l,
                    c,
                    format!("ambiguous column {name}"),
                    "qualify it with its table or alias, e.g. r.name".into(),
                ));
                None
            }
        }
    }
}

fn placeholder_pos(expr: &Expr) -> Option<(usize, usize)> {
    match &expr.kind {
        ExprKind::Param => Some(expr.pos),
        ExprKind::Nested(e) => placeholder_pos(e),
        _ => None,
    }
}

fn subquery_problem(pos: (usize, usize), problems: &mut Vec<Problem>) {
    problems.push((
        pos.0,
        pos.1,
        "subqueries are not supported by the checker".into(),
        "use a JOIN, or two named queries".into(),
    ));
}

/// Parameter types by placeholder position, from comparisons, IN lists, BETWEEN.
fn infer_from_expr<'a>(
    scope: &Scope<'a>,
    root: &Expr,
    types: &mut BTreeMap<(usize, usize), (&'a Column, bool)>,
    problems: &mut Vec<Problem>,
) {
    let _ = walk(root, &mut |e| {
        match &e.kind {
            ExprKind::Binary { left, op, right } if op.is_comparison() => {
                for (a, b) in [(left, right), (right, left)] {
                    if let (Some(p), Some(Resolved::Column(col, _))) =
                        (placeholder_pos(b), scope.resolve(a, &mut Vec::new()))
                    {
                        types.insert(p, (col, false));
                    }
                }
            }
            ExprKind::InList { expr, list, .. } => {
                if let Some(Resolved::Column(col, _)) = scope.resolve(expr, &mut Vec::new()) {
                    for item in list {
                        if let Some(p) = placeholder_pos(item) {
                            types.insert(p, (col, false));
                        }
                    }
                }
            }
            ExprKind::Between {
                expr, low, high, ..
            } => {
                if let Some(Resolved::Column(col, _)) = scope.resolve(expr, &mut Vec::new()) {
                    for item in [low, high] {
                        if let Some(p) = placeholder_pos(item) {
                            types.insert(p, (col, false));
                        }
                    }
                }
            }
            ExprKind::Function { name, .. } => check_function(name, problems),
            _ => {}
        }
        if let Some(q) = e.subquery() {
            subquery_problem(q.pos, problems);
        }
        ControlFlow::Continue(())
    });
}

fn check_function(name: &Ident, problems: &mut Vec<Problem>) {
    let upper = name.value.to_ascii_uppercase();
    if !PORTABLE_FUNCTIONS.contains(&upper.as_str()) {
        let (l, c) = name.pos;
        problems.push((
            l,
            c,
            format!(
                "function {upper} is not known to behave the same on SQLite, PostgreSQL and MySQL"
            ),
            format!(
                "use one of {} or compute it in Rust",
                PORTABLE_FUNCTIONS.join(", ")
            ),
        ));
    }
}

/// Functions and subqueries anywhere in a select-list entry, which the WHERE walk does not see.
fn check_select_expr(root: &Expr, problems: &mut Vec<Problem>) {
    let _ = walk(root, &mut |e| {
        if let ExprKind::Function { name, .. } = &e.kind {
            check_function(name, problems);
        }
        if let Some(q) = e.subquery() {
            subquery_problem(q.pos, problems);
        }
        ControlFlow::Continue(())
    });
}

/// Every column reference in `root` must resolve.
fn check_columns(scope: &Scope<'_>, root: &Expr, problems: &mut Vec<Problem>) {
    let _ = walk(root, &mut |e| {
        if matches!(e.kind, ExprKind::Column { .. }) {
            scope.resolve(e, problems);
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

/// Whether `root` requires `<table>.tenant_id = <placeholder>` / `<table>.deleted_at IS NULL` of
/// every row: as a top-level conjunct, not under `OR` or `NOT` (`tenant_id = :t OR 1 = 1`
/// constrains nothing).
fn constrains(
    scope: &Scope<'_>,
    root: Option<&Expr>,
    table: &str,
    column: &str,
    is_null: bool,
) -> bool {
    let Some(root) = root else { return false };
    let hit = |e: &Expr| matches!(scope.resolve(e, &mut Vec::new()), Some(Resolved::Column(c, t)) if c.name == column && t == table);
    let mut terms = Vec::new();
    conjuncts(root, &mut terms);
    terms.iter().any(|e| match &e.kind {
        ExprKind::IsNull {
            expr,
            negated: false,
        } if is_null => hit(expr),
        ExprKind::Binary {
            left,
            op: BinaryOp::Eq,
            right,
        } if !is_null => {
            (hit(left) && placeholder_pos(right).is_some())
                || (hit(right) && placeholder_pos(left).is_some())
        }
        _ => false,
    })
}

/// Checks one block; problems carry positions inside the block's SQL.
pub fn analyze(block: &Block, catalog: &Catalog) -> Result<Analyzed, Vec<Problem>> {
    // One token stream for the lints, the placeholders and the parser.
    let tokens = token::tokenize_checked(&block.sql).map_err(|p| vec![p])?;
    let mut problems = lint::portability(&tokens);
    if !problems.is_empty() {
        return Err(problems);
    }
    let (qmark, found) = placeholders(&block.sql, &tokens);
    let statement = parse::parse_tokens(&block.sql, tokens).map_err(|p| vec![p])?;
    let mut scope = Scope {
        catalog,
        tables: vec![],
        aliases: vec![],
    };
    let mut types: BTreeMap<(usize, usize), (&Column, bool)> = BTreeMap::new();
    let mut columns: Vec<OutColumn> = Vec::new();
    // Conditions that filter rows, each with the one table it can constrain when it cannot
    // constrain the others: a LEFT JOIN's ON filters only the joined table's rows.
    let mut filters: Vec<(Option<&Expr>, Option<String>)> = Vec::new();
    let mut written_tenant_param = false;
    let mut rewrites: Vec<((usize, usize), String)> = Vec::new();
    let default_returns;

    match &statement {
        Statement::Select(select) => {
            default_returns = Returns::Many;
            let mut join_conditions = Vec::new();
            for twj in &select.from {
                add_from(&mut scope, twj, &mut join_conditions, &mut problems);
            }
            for item in &select.items {
                if let SelectItem::Expr {
                    alias: Some(alias), ..
                } = item
                {
                    scope.aliases.push(alias.value.to_ascii_lowercase())
                }
            }
            for item in &select.items {
                project(
                    &scope,
                    block,
                    item,
                    &mut columns,
                    &mut rewrites,
                    &mut problems,
                );
            }
            // Two result columns with one name would make two fields with one name.
            let mut seen = std::collections::BTreeSet::new();
            for c in &columns {
                if !seen.insert(c.name.clone()) {
                    problems.push((
                        1,
                        1,
                        format!("two result columns are named {}", c.name),
                        "give one of them an alias".into(),
                    ));
                }
            }
            for e in select
                .selection
                .iter()
                .chain(select.having.iter())
                .chain(join_conditions.iter().copied())
            {
                check_columns(&scope, e, &mut problems);
                infer_from_expr(&scope, e, &mut types, &mut problems);
            }
            for e in select
                .group_by
                .iter()
                .chain(select.order_by.iter().map(|o| &o.expr))
            {
                check_columns(&scope, e, &mut problems);
            }
            for e in select.limit.iter().chain(select.offset.iter()) {
                if let Some(p) = placeholder_pos(e) {
                    types.insert(p, (&LIMIT_COLUMN, false));
                }
            }
            filters.push((select.selection.as_ref(), None));
            for join in select.from.iter().flat_map(|twj| &twj.joins) {
                let only = join
                    .left
                    .then(|| join.table.name.value.to_ascii_lowercase());
                filters.push((Some(&join.on), only));
            }
        }
        Statement::Insert(insert) => {
            default_returns = Returns::Exec;
            scope.add(&insert.table, None, &mut problems);
            let table = insert.table.value.clone();
            if insert.columns.is_empty() {
                let (l, c) = insert.table.pos;
                return Err(vec![(l, c, "INSERT must list its columns".into(), "write INSERT INTO t (col, …) VALUES (…), so a schema change cannot shift values".into())]);
            }
            let cols: Vec<Option<&Column>> = insert
                .columns
                .iter()
                .map(|c| match scope.resolve_ident(None, c, &mut problems) {
                    Some(Resolved::Column(col, _)) => Some(col),
                    _ => None,
                })
                .collect();
            for row in &insert.rows {
                if row.len() != cols.len() {
                    return Err(vec![(
                        1,
                        1,
                        format!("{} columns but {} values", cols.len(), row.len()),
                        "give one value per listed column".into(),
                    )]);
                }
                for (col, value) in cols.iter().zip(row) {
                    if let (Some(col), Some(p)) = (col, placeholder_pos(value)) {
                        types.insert(p, (col, col.nullable));
                        if col.name == "tenant_id" {
                            written_tenant_param = true;
                        }
                    }
                    check_columns(&scope, value, &mut problems);
                    infer_from_expr(&scope, value, &mut types, &mut problems);
                }
            }
            let has_tenant = catalog
                .get(&table)
                .is_some_and(|c| c.iter().any(|c| c.name == "tenant_id"));
            if has_tenant && !written_tenant_param && !block.all_tenants {
                problems.push((
                    1,
                    1,
                    format!("the insert into {table} does not set tenant_id from a parameter"),
                    "add tenant_id = :tenant_id to the columns, or annotate `-- all-tenants`"
                        .into(),
                ));
            }
        }
        Statement::Update(update) => {
            default_returns = Returns::Exec;
            add_table(&mut scope, &update.table, &mut problems);
            for (target, value) in &update.assignments {
                if let Some(Resolved::Column(col, _)) =
                    scope.resolve_ident(None, target, &mut problems)
                {
                    if let Some(p) = placeholder_pos(value) {
                        types.insert(p, (col, col.nullable));
                    }
                }
                check_columns(&scope, value, &mut problems);
                infer_from_expr(&scope, value, &mut types, &mut problems);
            }
            if let Some(e) = &update.selection {
                check_columns(&scope, e, &mut problems);
                infer_from_expr(&scope, e, &mut types, &mut problems);
            }
            filters.push((update.selection.as_ref(), None));
        }
        Statement::Delete(delete) => {
            default_returns = Returns::Exec;
            add_table(&mut scope, &delete.table, &mut problems);
            if let Some(e) = &delete.selection {
                check_columns(&scope, e, &mut problems);
                infer_from_expr(&scope, e, &mut types, &mut problems);
            }
            for (_, table) in &scope.tables {
                if catalog[table].iter().any(|c| c.name == "deleted_at") {
                    problems.push((
                        1,
                        1,
                        format!("hard DELETE from {table}, which is soft-deleted"),
                        "soft-delete with UPDATE … SET deleted_at = :now".into(),
                    ));
                }
            }
            filters.push((delete.selection.as_ref(), None));
        }
    }

    // Safety lints on every table the statement reads or changes.
    if !matches!(statement, Statement::Insert(_)) {
        for (_, table) in &scope.tables {
            let cols = &catalog[table];
            // On `tenants` itself tenant_id is the key, not a scope.
            let scoped = table != "tenants" && cols.iter().any(|c| c.name == "tenant_id");
            if scoped
                && !block.all_tenants
                && !filters.iter().any(|(f, only)| {
                    only.as_deref().is_none_or(|t| t == table)
                        && constrains(&scope, *f, table, "tenant_id", false)
                })
            {
                problems.push((1, 1, format!("{table} is read or changed without constraining {table}.tenant_id to a parameter"), "add `tenant_id = :tenant_id` to WHERE (or ON), or annotate `-- all-tenants`".into()));
            }
            if cols.iter().any(|c| c.name == "deleted_at")
                && !block.include_deleted
                && !filters.iter().any(|(f, only)| {
                    only.as_deref().is_none_or(|t| t == table)
                        && constrains(&scope, *f, table, "deleted_at", true)
                })
            {
                problems.push((
                    1,
                    1,
                    format!("{table} is read without filtering {table}.deleted_at IS NULL"),
                    "add `deleted_at IS NULL` to WHERE (or ON), or annotate `-- include-deleted`"
                        .into(),
                ));
            }
        }
    }

    // Parameters: each placeholder's type, by name.
    let mut params: Vec<Param> = Vec::new();
    let mut binds = Vec::new();
    for p in &found {
        let inferred = types.get(&(p.line, p.col));
        let name = match (&p.name, inferred) {
            (Some(n), _) => n.clone(),
            (None, Some((col, _))) => col.name.clone(),
            (None, None) => {
                problems.push((
                    p.line,
                    p.col,
                    "cannot name this `?` parameter".into(),
                    "use a named parameter like `:tenant_id`".into(),
                ));
                continue;
            }
        };
        let declared = block
            .params
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, t)| catalog::declared(t));
        let (rust, sql) = match (declared, inferred) {
            (Some((r, s)), _) => (if r == "String" { "&str".to_string() } else { r }, s),
            (None, Some((col, nullable))) => {
                let rust = col.param_type();
                if *nullable {
                    (
                        format!("Option<{rust}>"),
                        format!("diesel::sql_types::Nullable<{}>", col.sql),
                    )
                } else {
                    (rust, col.sql.clone())
                }
            }
            (None, None) => {
                problems.push((p.line, p.col, format!("cannot infer the type of :{name}"), format!("compare it with a column, or annotate `-- param: {name} i64` (or another type)")));
                continue;
            }
        };
        match params.iter().position(|q| q.name == name) {
            // One value for a nullable and a non-null place (`SET deleted_at = :now,
            // modified_at = :now`): it takes the non-null type, which binds to both.
            Some(i) if params[i].rust == format!("Option<{rust}>") => {
                params[i].rust = rust;
                params[i].sql = sql;
                binds.push(i);
            }
            Some(i) if rust == format!("Option<{}>", params[i].rust) => binds.push(i),
            Some(i) if params[i].rust != rust => {
                problems.push((
                    p.line,
                    p.col,
                    format!(":{name} is used as {} and as {rust}", params[i].rust),
                    "use two parameter names".into(),
                ));
            }
            Some(i) => binds.push(i),
            None => {
                params.push(Param {
                    name: name.clone(),
                    rust,
                    sql,
                });
                binds.push(params.len() - 1);
            }
        }
    }

    // Row mapping.
    if let Some(model) = &block.row {
        match catalog::table_of_model(model) {
            None => problems.push((
                1,
                1,
                format!("unknown model {model}"),
                "row models are Tenant, User, ApiKey, Sensor, Rule, RuleSensor, Configuration"
                    .into(),
            )),
            Some(table) => {
                let want: Vec<&str> = catalog[table].iter().map(|c| c.name.as_str()).collect();
                let have: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                let missing: Vec<&str> =
                    want.iter().filter(|w| !have.contains(w)).copied().collect();
                let extra: Vec<&str> = have.iter().filter(|h| !want.contains(h)).copied().collect();
                if missing.is_empty() && extra.is_empty() && have != want {
                    problems.push((
                        1,
                        1,
                        format!("the columns are not in {model}'s order"),
                        format!("select them as {}", want.join(", ")),
                    ));
                }
                if !missing.is_empty() || !extra.is_empty() {
                    problems.push((
                        1,
                        1,
                        format!(
                            "the columns do not match {model}: missing [{}], extra [{}]",
                            missing.join(", "),
                            extra.join(", ")
                        ),
                        format!("select exactly the columns of {table}"),
                    ));
                }
            }
        }
    }
    let returns = block.returns.unwrap_or(default_returns);
    if returns != Returns::Exec && columns.is_empty() {
        problems.push((
            1,
            1,
            "the block returns rows but selects no columns".into(),
            "annotate `-- returns: exec` for statements without rows".into(),
        ));
    }
    if returns == Returns::Exec && !matches!(statement, Statement::Select(_)) {
        columns.clear();
    }
    if !problems.is_empty() {
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
        qmark_sql,
        pg_sql,
    })
}

/// Replaces the one character at each (line, column) with its text.
fn apply_rewrites(sql: &str, rewrites: &[((usize, usize), String)]) -> String {
    let mut out = String::with_capacity(sql.len());
    let (mut line, mut col) = (1, 1);
    for c in sql.chars() {
        match rewrites.iter().find(|(at, _)| *at == (line, col)) {
            Some((_, text)) => out.push_str(text),
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

static LIMIT_COLUMN: std::sync::LazyLock<Column> = std::sync::LazyLock::new(|| Column {
    name: "limit".into(),
    nullable: false,
    rust: "i64".into(),
    sql: "diesel::sql_types::BigInt".into(),
});

fn add_table(scope: &mut Scope<'_>, table: &TableRef, problems: &mut Vec<Problem>) {
    scope.add(
        &table.name,
        table.alias.as_ref().map(|a| a.value.to_ascii_lowercase()),
        problems,
    );
}

fn add_from<'e>(
    scope: &mut Scope<'_>,
    twj: &'e TableWithJoins,
    conditions: &mut Vec<&'e Expr>,
    problems: &mut Vec<Problem>,
) {
    add_table(scope, &twj.table, problems);
    for join in &twj.joins {
        add_table(scope, &join.table, problems);
        conditions.push(&join.on);
    }
}

fn project(
    scope: &Scope<'_>,
    block: &Block,
    item: &SelectItem,
    columns: &mut Vec<OutColumn>,
    rewrites: &mut Vec<((usize, usize), String)>,
    problems: &mut Vec<Problem>,
) {
    let column_of = |col: &Column, name: String| OutColumn {
        name,
        rust: if col.nullable {
            format!("Option<{}>", col.rust)
        } else {
            col.rust.clone()
        },
        sql: if col.nullable {
            format!("diesel::sql_types::Nullable<{}>", col.sql)
        } else {
            col.sql.clone()
        },
    };
    match item {
        SelectItem::Expr {
            expr: e,
            alias: None,
        } => {
            check_select_expr(e, problems);
            match scope.resolve(e, problems) {
                Some(Resolved::Column(col, _)) => columns.push(column_of(col, col.name.clone())),
                Some(Resolved::Alias) => {}
                None if matches!(e.kind, ExprKind::Column { .. }) => {}
                None => {
                    let (l, c) = e.pos;
                    problems.push((
                        l,
                        c,
                        "an expression in the select list needs an alias".into(),
                        "write `expr AS name`".into(),
                    ));
                }
            }
        }
        SelectItem::Expr {
            expr,
            alias: Some(alias),
        } => {
            check_select_expr(expr, problems);
            let name = alias.value.to_ascii_lowercase();
            let declared = block
                .columns
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, t)| catalog::declared(t));
            if let Some((rust, sql)) = declared {
                check_columns(scope, expr, problems);
                columns.push(OutColumn { name, rust, sql });
                return;
            }
            match &expr.kind {
                ExprKind::Function { name: f, .. } => {
                    check_columns(scope, expr, problems);
                    let fname = f.value.to_ascii_uppercase();
                    if fname == "COUNT" {
                        columns.push(OutColumn {
                            name,
                            rust: "i64".into(),
                            sql: "diesel::sql_types::BigInt".into(),
                        });
                    } else {
                        let (l, c) = alias.pos;
                        problems.push((
                            l,
                            c,
                            format!("cannot infer the type of {name}"),
                            format!("annotate `-- column: {name} i64` (or another type)"),
                        ));
                    }
                }
                _ => match scope.resolve(expr, problems) {
                    Some(Resolved::Column(col, _)) => columns.push(column_of(col, name)),
                    _ => {
                        let (l, c) = alias.pos;
                        problems.push((
                            l,
                            c,
                            format!("cannot infer the type of {name}"),
                            format!("annotate `-- column: {name} i64` (or another type)"),
                        ));
                    }
                },
            }
        }
        SelectItem::Wildcard(star) => {
            // `*` becomes the catalog's column list in the emitted SQL, so rows load by
            // position and a backend-only column (MySQL's live_config_key) never arrives.
            let mut names = Vec::new();
            for (alias, table) in &scope.tables {
                for col in &scope.catalog[table] {
                    columns.push(column_of(col, col.name.clone()));
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
            let q = qualifier.value.to_ascii_lowercase();
            match scope.tables.iter().find(|(alias, _)| *alias == q) {
                Some((alias, table)) => {
                    let mut names = Vec::new();
                    for col in &scope.catalog[table] {
                        columns.push(column_of(col, col.name.clone()));
                        names.push(col.name.clone());
                    }
                    // `q.*` → `q.a, q.b, …`: the `q.` before the star qualifies the first.
                    rewrites.push((*star, names.join(&format!(", {alias}."))));
                }
                None => problems.push((
                    qualifier.pos.0,
                    qualifier.pos.1,
                    format!("unknown table or alias {}", qualifier.value),
                    "name a table from the FROM clause".into(),
                )),
            }
        }
    }
}

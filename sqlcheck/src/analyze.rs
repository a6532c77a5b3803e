//! Checks one block against the catalog and all three dialects, and works out its parameter and
//! result types.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use sqlparser::ast::{
    visit_expressions, BinaryOperator, Expr, FromTable, Function, InTarget, JoinConstraint,
    JoinOperator, LimitClause, ObjectName, SelectItem, SetExpr, Spanned, Statement, TableFactor,
    TableObject, TableWithJoins, Value,
};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use crate::catalog::{self, Catalog, Column};
use crate::file::{Block, Returns};
use crate::lint::{self, PORTABLE_FUNCTIONS};

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

/// Finds `:name` and `?` placeholders outside strings and comments; returns the SQL with each
/// `:name` replaced by `?` padded to the same width (so parser positions stay true).
fn placeholders(sql: &str) -> (String, Vec<Placeholder>) {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len());
    let mut found = Vec::new();
    let (mut line, mut col) = (1usize, 1usize);
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        let advance = |c: char, line: &mut usize, col: &mut usize| {
            if c == '\n' {
                *line += 1;
                *col = 1;
            } else {
                *col += 1;
            }
        };
        if let Some(q) = quote {
            out.push(c);
            advance(c, &mut line, &mut col);
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' || c == '`' {
            quote = Some(c);
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(chars[i]);
                col += 1;
                i += 1;
            }
            continue;
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push_str("::");
            col += 2;
            i += 2;
            continue;
        } else if c == ':'
            && chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '_')
        {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && (chars[end].is_ascii_alphanumeric() || chars[end] == '_') {
                end += 1;
            }
            let name: String = chars[start..end].iter().collect();
            found.push(Placeholder {
                name: Some(name.to_ascii_lowercase()),
                line,
                col,
            });
            out.push('?');
            out.push_str(&" ".repeat(end - i - 1));
            col += end - i;
            i = end;
            continue;
        } else if c == '?' {
            found.push(Placeholder {
                name: None,
                line,
                col,
            });
        }
        out.push(c);
        advance(c, &mut line, &mut col);
        i += 1;
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

/// Collapses runs of whitespace (the padding left by placeholders) for the emitted SQL.
fn tidy(sql: &str) -> String {
    sql.split_whitespace()
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
    fn add(&mut self, name: &ObjectName, alias: Option<String>, problems: &mut Vec<Problem>) {
        let table = name.to_string();
        let (l, c) = pos(name.span());
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
        let (qualifier, ident) = match expr {
            Expr::Identifier(i) => (None, i),
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => (Some(&parts[0]), &parts[1]),
            _ => return None,
        };
        let (l, c) = pos(ident.span);
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
                let (l, c) = pos(q.span);
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

fn pos(span: sqlparser::tokenizer::Span) -> (usize, usize) {
    (span.start.line as usize, span.start.column as usize)
}

fn placeholder_pos(expr: &Expr) -> Option<(usize, usize)> {
    match expr {
        Expr::Value(v) if matches!(v.value, Value::Placeholder(_)) => Some(pos(v.span)),
        Expr::Nested(e) => placeholder_pos(e),
        _ => None,
    }
}

/// Parameter types by placeholder position, from comparisons, IN lists, BETWEEN.
fn infer_from_expr<'a>(
    scope: &Scope<'a>,
    root: &Expr,
    types: &mut BTreeMap<(usize, usize), (&'a Column, bool)>,
    problems: &mut Vec<Problem>,
) {
    let _ = visit_expressions(root, |e| {
        match e {
            Expr::BinaryOp {
                left,
                op:
                    BinaryOperator::Eq
                    | BinaryOperator::NotEq
                    | BinaryOperator::Lt
                    | BinaryOperator::LtEq
                    | BinaryOperator::Gt
                    | BinaryOperator::GtEq,
                right,
            } => {
                for (a, b) in [(left, right), (right, left)] {
                    if let (Some(p), Some(Resolved::Column(col, _))) =
                        (placeholder_pos(b), scope.resolve(a, &mut Vec::new()))
                    {
                        types.insert(p, (col, false));
                    }
                }
            }
            Expr::In {
                expr,
                target: InTarget::List(list),
                ..
            } => {
                if let Some(Resolved::Column(col, _)) = scope.resolve(expr, &mut Vec::new()) {
                    for item in list {
                        if let Some(p) = placeholder_pos(item) {
                            types.insert(p, (col, false));
                        }
                    }
                }
            }
            Expr::Between {
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
            Expr::Function(f) => check_function(f, problems),
            Expr::Subquery(q)
            | Expr::Exists { subquery: q, .. }
            | Expr::In {
                target: InTarget::Subquery(q),
                ..
            } => {
                let (l, c) = pos(q.span());
                problems.push((
                    l,
                    c,
                    "subqueries are not supported by the checker".into(),
                    "use a JOIN, or two named queries".into(),
                ));
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}

fn check_function(f: &Function, problems: &mut Vec<Problem>) {
    let name = f.name.to_string().to_ascii_uppercase();
    if !PORTABLE_FUNCTIONS.contains(&name.as_str()) {
        let (l, c) = pos(f.name.span());
        problems.push((
            l,
            c,
            format!(
                "function {name} is not known to behave the same on SQLite, PostgreSQL and MySQL"
            ),
            format!(
                "use one of {} or compute it in Rust",
                PORTABLE_FUNCTIONS.join(", ")
            ),
        ));
    }
}

/// Every column reference in `root` must resolve.
fn check_columns(scope: &Scope<'_>, root: &Expr, problems: &mut Vec<Problem>) {
    let _ = visit_expressions(root, |e| {
        if matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
            scope.resolve(e, problems);
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Whether `root` contains `<table>.tenant_id = <placeholder>` / `<table>.deleted_at IS NULL`.
fn constrains(
    scope: &Scope<'_>,
    root: Option<&Expr>,
    table: &str,
    column: &str,
    is_null: bool,
) -> bool {
    let Some(root) = root else { return false };
    let hit = |e: &Expr| matches!(scope.resolve(e, &mut Vec::new()), Some(Resolved::Column(c, t)) if c.name == column && t == table);
    visit_expressions(root, |e| {
        let found = match e {
            Expr::IsNull(inner) if is_null => hit(inner),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } if !is_null => {
                (hit(left) && placeholder_pos(right).is_some())
                    || (hit(right) && placeholder_pos(left).is_some())
            }
            _ => false,
        };
        if found {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .is_break()
}

fn parse_all(sql: &str) -> Result<Statement, Problem> {
    let dialects: [(&str, &dyn Dialect); 3] = [
        ("PostgreSQL", &PostgreSqlDialect {}),
        ("MySQL", &MySqlDialect {}),
        ("SQLite", &SQLiteDialect {}),
    ];
    let mut first = None;
    for (name, dialect) in dialects {
        // PostgreSQL's dialect reads `$n`; the others `?`. Parse what each will really run.
        let text = if name == "PostgreSQL" {
            dollar(sql)
        } else {
            sql.to_string()
        };
        match Parser::parse_sql(dialect, &text) {
            Ok(mut statements) if statements.len() == 1 => {
                if first.is_none() && name == "MySQL" {
                    first = statements.pop();
                }
            }
            Ok(statements) => {
                return Err((
                    1,
                    1,
                    format!(
                        "a block must hold exactly one statement, found {}",
                        statements.len()
                    ),
                    "split it into several named blocks".into(),
                ))
            }
            Err(e) => {
                let message = e.to_string();
                let (l, c) = parse_position(&message).unwrap_or((1, 1));
                return Err((
                    l,
                    c,
                    format!("does not parse as {name} SQL: {message}"),
                    "write SQL all three databases accept".into(),
                ));
            }
        }
    }
    Ok(first.expect("MySQL parse succeeded"))
}

fn parse_position(message: &str) -> Option<(usize, usize)> {
    let rest = &message[message.find("Line: ")? + 6..];
    let (line, rest) = rest.split_once(", Column: ")?;
    let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, col.parse().ok()?))
}

/// Checks one block; problems carry positions inside the block's SQL.
pub fn analyze(block: &Block, catalog: &Catalog) -> Result<Analyzed, Vec<Problem>> {
    let (qmark, found) = placeholders(&block.sql);
    let mut problems = match lint::portability(&block.sql) {
        Ok(findings) => findings,
        Err(f) => return Err(vec![f]),
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let statement = parse_all(&qmark).map_err(|p| vec![p])?;
    let mut scope = Scope {
        catalog,
        tables: vec![],
        aliases: vec![],
    };
    let mut types: BTreeMap<(usize, usize), (&Column, bool)> = BTreeMap::new();
    let mut columns: Vec<OutColumn> = Vec::new();
    let mut filters: Vec<Option<Expr>> = Vec::new();
    let mut written_tenant_param = false;
    let mut rewrites: Vec<((usize, usize), String)> = Vec::new();
    let default_returns;

    match &statement {
        Statement::Query(query) => {
            default_returns = Returns::Many;
            let SetExpr::Select(select) = query.body.as_ref() else {
                let (l, c) = pos(query.span());
                return Err(vec![(
                    l,
                    c,
                    "only plain SELECT queries are supported (no UNION, VALUES, WITH)".into(),
                    "split it into several named queries".into(),
                )]);
            };
            if query.with.is_some() {
                return Err(vec![(
                    1,
                    1,
                    "WITH is not supported by the checker".into(),
                    "use a JOIN".into(),
                )]);
            }
            let mut join_conditions = Vec::new();
            for twj in &select.from {
                add_from(&mut scope, twj, &mut join_conditions, &mut problems);
            }
            for item in &select.projection {
                if let SelectItem::ExprWithAlias { alias, .. } = item {
                    scope.aliases.push(alias.value.to_ascii_lowercase())
                }
            }
            for item in &select.projection {
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
                .chain(join_conditions.iter())
            {
                check_columns(&scope, e, &mut problems);
                infer_from_expr(&scope, e, &mut types, &mut problems);
            }
            if let sqlparser::ast::GroupByExpr::Expressions(exprs, _) = &select.group_by {
                for e in exprs {
                    check_columns(&scope, e, &mut problems);
                }
            }
            if let Some(order) = &query.order_by {
                if let sqlparser::ast::OrderByKind::Expressions(exprs) = &order.kind {
                    for e in exprs {
                        check_columns(&scope, &e.expr, &mut problems);
                    }
                }
            }
            if let Some(LimitClause::LimitOffset { limit, offset, .. }) = &query.limit_clause {
                for e in limit.iter().chain(offset.iter().map(|o| &o.value)) {
                    if let Some(p) = placeholder_pos(e) {
                        types.insert(p, (&LIMIT_COLUMN, false));
                    }
                }
            }
            filters.push(select.selection.clone());
            filters.extend(join_conditions.into_iter().map(Some));
        }
        Statement::Insert(insert) => {
            default_returns = Returns::Exec;
            let TableObject::TableName(name) = &insert.table else {
                return Err(vec![(
                    1,
                    1,
                    "INSERT into a table function is not supported".into(),
                    "insert into a table".into(),
                )]);
            };
            scope.add(name, None, &mut problems);
            let table = name.to_string();
            let Some(source) = &insert.source else {
                return Err(vec![(
                    1,
                    1,
                    "INSERT needs VALUES".into(),
                    "write INSERT INTO t (columns) VALUES (:params)".into(),
                )]);
            };
            let SetExpr::Values(values) = source.body.as_ref() else {
                return Err(vec![(
                    1,
                    1,
                    "only INSERT … VALUES is supported".into(),
                    "write INSERT INTO t (columns) VALUES (:params)".into(),
                )]);
            };
            if insert.columns.is_empty() {
                return Err(vec![(1, 1, "INSERT must list its columns".into(), "write INSERT INTO t (col, …) VALUES (…), so a schema change cannot shift values".into())]);
            }
            let cols: Vec<Option<&Column>> = insert
                .columns
                .iter()
                .map(|c| {
                    scope.resolve(
                        &Expr::Identifier(
                            c.0.last()
                                .and_then(|p| p.as_ident())
                                .cloned()
                                .unwrap_or_else(|| sqlparser::ast::Ident::new(c.to_string())),
                        ),
                        &mut problems,
                    )
                })
                .map(|r| match r {
                    Some(Resolved::Column(col, _)) => Some(col),
                    _ => None,
                })
                .collect();
            for row in &values.rows {
                if row.content.len() != cols.len() {
                    return Err(vec![(
                        1,
                        1,
                        format!("{} columns but {} values", cols.len(), row.content.len()),
                        "give one value per listed column".into(),
                    )]);
                }
                for (col, value) in cols.iter().zip(&row.content) {
                    if let (Some(col), Some(p)) = (col, placeholder_pos(value)) {
                        types.insert(p, (col, col.nullable));
                        if col.name == "tenant_id" {
                            written_tenant_param = true;
                        }
                    }
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
            let mut join_conditions = Vec::new();
            add_from(
                &mut scope,
                &update.table,
                &mut join_conditions,
                &mut problems,
            );
            for a in &update.assignments {
                let target = match &a.target {
                    sqlparser::ast::AssignmentTarget::ColumnName(n) => n.clone(),
                    _ => {
                        return Err(vec![(
                            1,
                            1,
                            "tuple assignments are not supported".into(),
                            "assign one column at a time".into(),
                        )])
                    }
                };
                let ident = target
                    .0
                    .last()
                    .and_then(|p| p.as_ident())
                    .cloned()
                    .unwrap_or_else(|| sqlparser::ast::Ident::new(target.to_string()));
                if let Some(Resolved::Column(col, _)) =
                    scope.resolve(&Expr::Identifier(ident), &mut problems)
                {
                    if let Some(p) = placeholder_pos(&a.value) {
                        types.insert(p, (col, col.nullable));
                    }
                }
                check_columns(&scope, &a.value, &mut problems);
                infer_from_expr(&scope, &a.value, &mut types, &mut problems);
            }
            if let Some(e) = &update.selection {
                check_columns(&scope, e, &mut problems);
                infer_from_expr(&scope, e, &mut types, &mut problems);
            }
            filters.push(update.selection.clone());
        }
        Statement::Delete(delete) => {
            default_returns = Returns::Exec;
            let from = match &delete.from {
                FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
            };
            let mut join_conditions = Vec::new();
            for twj in from {
                add_from(&mut scope, twj, &mut join_conditions, &mut problems);
            }
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
            filters.push(delete.selection.clone());
        }
        _ => {
            return Err(vec![(
                1,
                1,
                "only SELECT, INSERT, UPDATE and DELETE are supported".into(),
                "keep DDL in migrations".into(),
            )])
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
                && !filters
                    .iter()
                    .any(|f| constrains(&scope, f.as_ref(), table, "tenant_id", false))
            {
                problems.push((1, 1, format!("{table} is read or changed without constraining {table}.tenant_id to a parameter"), "add `tenant_id = :tenant_id` to WHERE (or ON), or annotate `-- all-tenants`".into()));
            }
            if cols.iter().any(|c| c.name == "deleted_at")
                && !block.include_deleted
                && !filters
                    .iter()
                    .any(|f| constrains(&scope, f.as_ref(), table, "deleted_at", true))
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
    if returns == Returns::Exec && !matches!(statement, Statement::Query(_)) {
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

fn add_from(
    scope: &mut Scope<'_>,
    twj: &TableWithJoins,
    conditions: &mut Vec<Expr>,
    problems: &mut Vec<Problem>,
) {
    add_factor(scope, &twj.relation, problems);
    for join in &twj.joins {
        add_factor(scope, &join.relation, problems);
        match &join.join_operator {
            JoinOperator::Join(JoinConstraint::On(e))
            | JoinOperator::Inner(JoinConstraint::On(e))
            | JoinOperator::Left(JoinConstraint::On(e))
            | JoinOperator::LeftOuter(JoinConstraint::On(e)) => conditions.push(e.clone()),
            _ => {
                let (l, c) = pos(join.relation.span());
                problems.push((
                    l,
                    c,
                    "only [INNER | LEFT] JOIN … ON is supported".into(),
                    "write the join condition with ON".into(),
                ));
            }
        }
    }
}

fn add_factor(scope: &mut Scope<'_>, factor: &TableFactor, problems: &mut Vec<Problem>) {
    match factor {
        TableFactor::Table { name, alias, .. } => scope.add(
            name,
            alias.as_ref().map(|a| a.name.value.to_ascii_lowercase()),
            problems,
        ),
        other => {
            let (l, c) = pos(other.span());
            problems.push((
                l,
                c,
                "only plain tables are supported in FROM".into(),
                "use a table name, optionally with an alias".into(),
            ));
        }
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
        SelectItem::UnnamedExpr(e) => match scope.resolve(e, problems) {
            Some(Resolved::Column(col, _)) => columns.push(column_of(col, col.name.clone())),
            Some(Resolved::Alias) => {}
            None if matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) => {}
            None => {
                let (l, c) = pos(e.span());
                problems.push((
                    l,
                    c,
                    "an expression in the select list needs an alias".into(),
                    "write `expr AS name`".into(),
                ));
            }
        },
        SelectItem::ExprWithAlias { expr, alias } => {
            let name = alias.value.to_ascii_lowercase();
            let declared = block
                .columns
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, t)| catalog::declared(t));
            if let Some((rust, sql)) = declared {
                check_columns(scope, expr, problems);
                if let Expr::Function(f) = expr {
                    check_function(f, problems);
                }
                columns.push(OutColumn { name, rust, sql });
                return;
            }
            match expr {
                Expr::Function(f) => {
                    check_function(f, problems);
                    check_columns(scope, expr, problems);
                    let fname = f.name.to_string().to_ascii_uppercase();
                    if fname == "COUNT" {
                        columns.push(OutColumn {
                            name,
                            rust: "i64".into(),
                            sql: "diesel::sql_types::BigInt".into(),
                        });
                    } else {
                        let (l, c) = pos(alias.span);
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
                        let (l, c) = pos(alias.span);
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
        SelectItem::ExprWithAliases { .. } => problems.push((
            1,
            1,
            "multiple aliases are not supported".into(),
            "give the expression one alias".into(),
        )),
        SelectItem::Wildcard(options) => {
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
            rewrites.push((pos(options.wildcard_token.0.span), names.join(", ")));
        }
        SelectItem::QualifiedWildcard(kind, options) => {
            let q = kind.to_string().to_ascii_lowercase();
            match scope.tables.iter().find(|(alias, _)| *alias == q) {
                Some((alias, table)) => {
                    let mut names = Vec::new();
                    for col in &scope.catalog[table] {
                        columns.push(column_of(col, col.name.clone()));
                        names.push(col.name.clone());
                    }
                    // `q.*` → `q.a, q.b, …`: the `q.` before the star qualifies the first.
                    rewrites.push((
                        pos(options.wildcard_token.0.span),
                        names.join(&format!(", {alias}.")),
                    ));
                }
                None => problems.push((
                    1,
                    1,
                    format!("unknown table or alias {q}"),
                    "name a table from the FROM clause".into(),
                )),
            }
        }
    }
}

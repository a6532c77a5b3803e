//! Meaning and safety rules over a resolved, typed statement: what the three engines would
//! read differently on the same data, and what would break the rules of the data.
//!
//! Each rule comes from a disagreement seen on the engines (CHECKER.md lists them).

use crate::analyze::{equalities, Scope, Side};
use crate::ast::{Expr, ExprKind, Select, SelectItem, Update};
use crate::diagnostic::{Code, Diagnostic};
use crate::file::Block;
use crate::types::Typed;

fn push(problems: &mut Vec<Diagnostic>, pos: (usize, usize), what: String, fix: String) {
    problems.push(Diagnostic::at(Code::Meaning, pos.0, pos.1, what, fix));
}

fn safety(problems: &mut Vec<Diagnostic>, pos: (usize, usize), what: String, fix: String) {
    problems.push(Diagnostic::at(Code::Safety, pos.0, pos.1, what, fix));
}

/// The (table, column) a bare column reference names, following a select-list alias to its
/// expression when `aliases` holds it.
fn key_column(scope: &Scope<'_>, select: &Select, e: &Expr) -> Option<(String, String)> {
    if let ExprKind::Column {
        table: None,
        column,
    } = &e.kind
    {
        for item in &select.items {
            if let SelectItem::Expr {
                expr,
                alias: Some(a),
            } = item
            {
                if a.value.eq_ignore_ascii_case(&column.value) {
                    return scope.find(expr).map(|f| (f.alias, f.col.name.clone()));
                }
            }
        }
    }
    scope.find(e).map(|f| (f.alias, f.col.name.clone()))
}

fn is_alias(e: &Expr, aliases: &[String]) -> bool {
    matches!(&e.kind, ExprKind::Column { table: None, column } if aliases.iter().any(|a| column.value.eq_ignore_ascii_case(a)))
}

/// Grouping, ordering and LIMIT rules of a SELECT.
pub(crate) fn select_meaning(
    scope: &Scope<'_>,
    select: &Select,
    aliases: &[String],
    order_keys: &[Typed],
    aggregated: bool,
    rewrites: &mut Vec<((usize, usize), String)>,
    problems: &mut Vec<Diagnostic>,
) {
    let grouped = aggregated || !select.group_by.is_empty();
    let group_columns: Vec<(String, String)> = select
        .group_by
        .iter()
        .filter_map(|g| scope.find(g).map(|f| (f.alias, f.col.name.clone())))
        .collect();
    if grouped {
        let mut places: Vec<&Expr> = Vec::new();
        for item in &select.items {
            match item {
                SelectItem::Expr { expr, .. } => places.push(expr),
                SelectItem::Wildcard(pos) | SelectItem::QualifiedWildcard(_, pos) => push(
                    problems,
                    *pos,
                    "`*` in a grouped query".into(),
                    "select the grouped columns and aggregates by name".into(),
                ),
            }
        }
        places.extend(select.having.iter());
        places.extend(
            select
                .order_by
                .iter()
                .map(|o| &o.expr)
                .filter(|e| !is_alias(e, aliases)),
        );
        for place in places {
            let mut bare = Vec::new();
            crate::analyze::bare_columns(place, &mut bare);
            for col in bare {
                if let Some(f) = scope.find(col) {
                    let (c, t) = (f.col, f.alias);
                    if !group_columns.contains(&(t.clone(), c.name.clone())) {
                        push(problems, col.pos, format!("{} is neither in GROUP BY nor inside an aggregate: PostgreSQL refuses it, SQLite and MySQL return it from any row of the group", c.name), format!("add {t}.{} to GROUP BY, or aggregate it", c.name));
                    }
                }
            }
        }
    }
    let selected: Vec<(String, String)> = select
        .items
        .iter()
        .filter_map(|i| match i {
            SelectItem::Expr { expr, .. } => {
                scope.find(expr).map(|f| (f.alias, f.col.name.clone()))
            }
            _ => None,
        })
        .collect();
    for (o, t) in select.order_by.iter().zip(order_keys) {
        let alias = is_alias(&o.expr, aliases);
        if select.distinct
            && !alias
            && !key_column(scope, select, &o.expr).is_some_and(|k| selected.contains(&k))
        {
            push(problems, o.expr.pos, "SELECT DISTINCT ordered by something it does not select: PostgreSQL refuses it, SQLite and MySQL order by a value from any of the merged rows".into(), "order by selected columns only".into());
            continue;
        }
        if !t.nullable {
            continue;
        }
        let nulls = "NULLs sort last ascending on PostgreSQL and first on SQLite and MySQL";
        match &o.expr.kind {
            _ if alias => push(problems, o.expr.pos, format!("ORDER BY an alias that may be NULL: {nulls}"), "order by the column itself (the checker then places NULLs the PostgreSQL way everywhere), or COALESCE it".into()),
            _ if select.distinct => push(problems, o.expr.pos, format!("SELECT DISTINCT ordered by a column that may be NULL: {nulls}, and PostgreSQL refuses the portable form under DISTINCT"), "filter out the NULLs, or drop DISTINCT".into()),
            ExprKind::Column { table, column } => {
                // Emit `(x IS NULL), x` (or `(x IS NULL) DESC, x DESC`): PostgreSQL's NULL
                // placement, spelled the same on all three.
                let text = match table {
                    Some(t) => format!("{}.{}", t.value, column.value),
                    None => column.value.clone(),
                };
                let first = table.as_ref().map_or(&column.value, |t| &t.value);
                let first = first.chars().next().unwrap_or(' ');
                let dir = if o.descending { " DESC" } else { "" };
                rewrites.push((o.expr.pos, format!("({text} IS NULL){dir}, {first}")));
            }
            _ => push(problems, o.expr.pos, format!("ORDER BY an expression that may be NULL: {nulls}"), "order by a column, or COALESCE the expression".into()),
        }
    }
    let Some(limit) = select.limit.as_ref().or(select.offset.as_ref()) else {
        return;
    };
    if aggregated && select.group_by.is_empty() {
        return; // one row
    }
    let keys: Vec<(String, String)> = select
        .order_by
        .iter()
        .filter_map(|o| key_column(scope, select, &o.expr))
        .collect();
    let total = if !select.group_by.is_empty() {
        group_columns.iter().all(|g| keys.contains(g))
    } else {
        total_order(scope, select, &keys)
    };
    if !total && select.order_by.is_empty() {
        push(
            problems,
            limit.pos,
            "LIMIT without ORDER BY: each database returns other rows".into(),
            "order by a key, e.g. the primary key".into(),
        );
    } else if !total {
        let want: Vec<String> = scope
            .tables
            .iter()
            .map(|(alias, t)| match scope.catalog.primary_keys.get(t) {
                Some(pk) => format!("{alias}.{pk}"),
                None => format!("every column of {alias}"),
            })
            .collect();
        let fix = if select.group_by.is_empty() {
            format!(
                "end the ORDER BY with the primary key ({})",
                want.join(", ")
            )
        } else {
            "order by every GROUP BY column".into()
        };
        push(problems, select.order_by[0].expr.pos, "LIMIT over an ORDER BY that is not total: rows that tie come back in another order on each database".into(), fix);
    }
}

/// Safety rules of an UPDATE.
pub(crate) fn update_safety(
    scope: &Scope<'_>,
    block: &Block,
    update: &Update,
    assigned: &[String],
    cascades: bool,
    problems: &mut Vec<Diagnostic>,
) {
    let pos = update.table.name.pos;
    let table = &update.table.name.value;
    let Some(cols) = scope.catalog.get(table) else {
        return;
    };
    if update.selection.is_none() {
        safety(
            problems,
            pos,
            "UPDATE without WHERE".into(),
            "say which rows, e.g. WHERE tenant_id = :tenant_id AND …".into(),
        );
    }
    if cols.iter().any(|c| c.name == "modified_at")
        && !assigned.iter().any(|a| a == "modified_at")
        && block.keeps_modified_at.is_none()
    {
        safety(
            problems,
            pos,
            format!(
                "the UPDATE of {table} does not set modified_at, which records every modification"
            ),
            "add `modified_at = :now`, or annotate `-- keeps-modified-at: <why>`".into(),
        );
    }
    let children = scope.catalog.children(table);
    if assigned.iter().any(|a| a == "deleted_at") && !children.is_empty() && !cascades {
        safety(problems, pos, format!("changing deleted_at of {table} here would leave its {} as they are: a soft delete cascades only when it sets deleted_at from a parameter and names its tenant", children.join(", ")), "write `SET deleted_at = :now … WHERE tenant_id = :tenant_id AND …` (the function then marks the children deleted with the same instant), or call the repository's soft delete".into());
    }
}

/// Whether ordering by `keys` ((table as written, column) pairs) orders the rows of a query
/// without GROUP BY totally: every table's key is among them or pinned to one value by an
/// equality (a WITH table without a key needs all its columns).
pub(crate) fn total_order(scope: &Scope<'_>, select: &Select, keys: &[(String, String)]) -> bool {
    let everywhere = equalities(scope, select.selection.as_ref());
    scope.tables.iter().all(|(alias, table)| {
        let Some(pk) = scope.catalog.primary_keys.get(table) else {
            // A WITH table without a key: total only when ordered by all its columns.
            return scope.catalog[table]
                .iter()
                .all(|c| keys.contains(&(alias.clone(), c.name.clone())));
        };
        let key = Side::Column(scope.level, alias.clone(), pk.clone());
        let pinned = |eqs: &[(Side, Side)]| {
            eqs.iter().any(|(a, b)| {
                [(a, b), (b, a)].iter().any(|(x, y)| {
                    **x == key
                        && match y {
                            Side::Param => true,
                            Side::Column(level, other, _) => {
                                *level != scope.level || other != alias
                            }
                        }
                })
            })
        };
        let on = select
            .from
            .iter()
            .flat_map(|twj| &twj.joins)
            .find(|j| j.table.alias.as_ref().unwrap_or(&j.table.name).value == *alias)
            .map(|j| equalities(scope, Some(&j.on)))
            .unwrap_or_default();
        keys.contains(&(alias.clone(), pk.clone())) || pinned(&everywhere) || pinned(&on)
    })
}

//! The portable type system: every expression of a block gets one of the types below, and an
//! expression the three engines would coerce, each its own way, is refused.
//!
//! Measured on the engines (CHECKER.md): PostgreSQL refuses `text = integer`, `boolean = 1`,
//! `SUM(boolean)`, `WHERE … AND 1` and mixed `COALESCE`; SQLite and MySQL coerce them, to
//! different answers. So there is no implicit coercion between text, numbers, booleans, ids and
//! timestamps; the only mixing allowed is between numbers, which all three compare by value.
//!
//! The typer is bidirectional: `synth` works a type out from below; a parameter or a `NULL` has
//! none, and takes the type its context expects (`expect`). What each parameter position was
//! given is kept for the code generator.

use std::collections::BTreeMap;
use std::fmt;

use crate::ast::{Args, BinaryOp, Expr, ExprKind, Ident, Literal, Pos, Select, UnaryOp};
use crate::catalog::Column;

/// A portable type (nullability is kept beside it, in [`Typed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// BOOLEAN (SQLite and MySQL store 0/1).
    Bool,
    /// 64-bit integer.
    Int,
    /// Double-precision float.
    Double,
    /// A number literal with a fraction or exponent: NUMERIC on PostgreSQL, DECIMAL on MySQL,
    /// REAL on SQLite. Compared by value like the others, but no result may have this type.
    Decimal,
    /// Text.
    Text,
    /// A CHAR(36) id of one entity; the Rust id type names it (`TenantId`).
    Id(String),
    /// A UTC timestamp (BIGINT nanoseconds on SQLite, so never comparable with text).
    Timestamp,
}

impl Ty {
    /// The type of a catalog column.
    pub fn of_column(col: &Column) -> Ty {
        Self::of_rust(&col.rust).unwrap_or(Ty::Text)
    }

    /// The type a Rust type name stands for (`i64`, `TenantId`, …).
    pub fn of_rust(rust: &str) -> Option<Ty> {
        Some(match rust {
            "bool" => Ty::Bool,
            "i64" | "i32" => Ty::Int,
            "f64" => Ty::Double,
            "String" | "&str" => Ty::Text,
            "Timestamp" => Ty::Timestamp,
            id if id.ends_with("Id") => Ty::Id(id.to_string()),
            _ => return None,
        })
    }

    /// (Rust type of a value, diesel SQL type path).
    pub fn rust_and_sql(&self) -> (String, String) {
        let (r, s) = match self {
            Ty::Bool => ("bool", "diesel::sql_types::Bool"),
            Ty::Int => ("i64", "diesel::sql_types::BigInt"),
            Ty::Double | Ty::Decimal => ("f64", "diesel::sql_types::Double"),
            Ty::Text => ("String", "diesel::sql_types::Text"),
            Ty::Timestamp => ("Timestamp", "crate::types::sql::UtcTimestamp"),
            Ty::Id(id) => return (id.clone(), "crate::types::sql::Uuid36".into()),
        };
        (r.into(), s.into())
    }

    fn numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Double | Ty::Decimal)
    }

    /// Whether values of the two types can be compared, combined in `CASE`/`COALESCE`/`IN`.
    pub fn compatible(&self, other: &Ty) -> bool {
        self == other || (self.numeric() && other.numeric())
    }

    /// The type two compatible types combine to.
    fn join(&self, other: &Ty) -> Ty {
        match (self, other) {
            (Ty::Double, _) | (_, Ty::Double) => Ty::Double,
            (Ty::Decimal, _) | (_, Ty::Decimal) => Ty::Decimal,
            _ => self.clone(),
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Bool => f.write_str("boolean"),
            Ty::Int => f.write_str("integer"),
            Ty::Double => f.write_str("double"),
            Ty::Decimal => f.write_str("decimal literal"),
            Ty::Text => f.write_str("text"),
            Ty::Id(id) => write!(f, "{id}"),
            Ty::Timestamp => f.write_str("timestamp"),
        }
    }
}

/// What the typer knows of an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Typed {
    /// Its type; `None` for a bare parameter or `NULL`, which take their context's.
    pub ty: Option<Ty>,
    /// Whether it may be NULL.
    pub nullable: bool,
    /// Whether its type comes from literals alone: PostgreSQL types `1` INTEGER (not BIGINT)
    /// and `0.5` NUMERIC, so such a number may not be a result.
    pub literal: bool,
    /// Its value, when it is a constant integer (folded, so overflow is caught here).
    pub value: Option<i64>,
    /// The column it is, when it is a bare column reference.
    pub column: Option<String>,
    /// Whether it contains an aggregate.
    pub aggregate: bool,
    /// Whether PostgreSQL computes it as a 32-bit INTEGER: integer literals that fit 32 bits,
    /// and arithmetic on such.
    pub int4: bool,
}

impl Typed {
    fn of(ty: Ty, nullable: bool) -> Self {
        Typed {
            ty: Some(ty),
            nullable,
            literal: false,
            value: None,
            column: None,
            aggregate: false,
            int4: false,
        }
    }

    fn unknown(nullable: bool) -> Self {
        Typed {
            ty: None,
            nullable,
            literal: false,
            value: None,
            column: None,
            aggregate: false,
            int4: false,
        }
    }
}

use crate::diagnostic::{Code, Diagnostic};

/// What a parameter position was given.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamUse {
    /// Its type.
    pub ty: Ty,
    /// Whether NULL is a meaningful value here (a nullable column's new value).
    pub nullable: bool,
    /// The column it is compared with or assigned to, which names a `?`.
    pub column: Option<String>,
}

/// How a column reference resolves.
pub enum Lookup {
    /// A column of a table in scope.
    Column(Column),
    /// A select-list alias, with its type.
    Alias(Typed),
    /// Unknown (already reported by the resolver).
    Missing,
}

/// Aggregates: their arguments are read per group.
pub const AGGREGATES: &[&str] = &["COUNT", "SUM", "MIN", "MAX", "AVG"];

/// Functions that behave the same on SQLite, PostgreSQL and MySQL for the argument types the
/// typer lets through.
pub const PORTABLE_FUNCTIONS: &[&str] = &[
    "COUNT", "SUM", "MIN", "MAX", "AVG", "COALESCE", "ABS", "SUBSTR", "TRIM", "LTRIM", "RTRIM",
];

/// How a subquery is used, which decides what it must return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubqueryUse {
    /// `EXISTS (SELECT …)`: any select list.
    Exists,
    /// `x IN (SELECT col …)`: one column.
    In,
    /// `(SELECT …)` as a value: one column of at most one row.
    Scalar,
}

/// What typing a subquery found (the analyzer types it in its own scope).
#[derive(Debug, Default)]
pub struct SubTyped {
    /// The type of its one value (`IN`, scalar); `None` for EXISTS or when it has none.
    pub value: Option<Typed>,
    /// Types given to the parameters inside it.
    pub params: BTreeMap<Pos, ParamUse>,
    /// Optional-filter parameters inside it.
    pub null_tested: Vec<Pos>,
    /// What was wrong inside it.
    pub problems: Vec<Diagnostic>,
}

/// Types a subquery in the scope of the query around it.
pub type SubqueryTyper<'a> = dyn Fn(&Select, SubqueryUse) -> SubTyped + 'a;

/// The typer of one block.
pub struct Typer<'a> {
    lookup: &'a dyn Fn(Option<&Ident>, &Ident) -> Lookup,
    /// Types given to parameter positions.
    pub params: BTreeMap<Pos, ParamUse>,
    /// Parameters tested with `IS [NOT] NULL` (`:name IS NULL OR name = :name`): optional
    /// filters, whose parameter is an `Option` everywhere it appears.
    pub null_tested: Vec<Pos>,
    /// What was wrong.
    pub problems: Vec<Diagnostic>,
    /// Whether aggregates may appear here (not in WHERE, ON, GROUP BY, SET, VALUES).
    pub aggregates_allowed: bool,
    /// Select-list aliases and their types; visible only where `aliases_visible` (ORDER BY:
    /// SQLite also reads them in WHERE, where PostgreSQL and MySQL refuse them).
    pub aliases: Vec<(String, Typed)>,
    /// Whether a bare name may be a select-list alias here.
    pub aliases_visible: bool,
    /// Whether a window function may appear here (the select list of a query without
    /// aggregates, GROUP BY or DISTINCT).
    pub windows_allowed: bool,
    /// Types subqueries (none: a subquery is refused where this typer runs).
    pub subquery: Option<&'a SubqueryTyper<'a>>,
    in_aggregate: bool,
}

fn push(problems: &mut Vec<Diagnostic>, pos: Pos, what: String, fix: &str) {
    problems.push(Diagnostic::at(Code::Type, pos.0, pos.1, what, fix));
}

fn describe(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::Param => "the parameter",
        _ => "the expression",
    }
}

impl<'a> Typer<'a> {
    /// A typer resolving columns with `lookup`.
    pub fn new(lookup: &'a dyn Fn(Option<&Ident>, &Ident) -> Lookup) -> Self {
        Typer {
            lookup,
            params: BTreeMap::new(),
            null_tested: Vec::new(),
            problems: Vec::new(),
            aggregates_allowed: false,
            aliases: Vec::new(),
            aliases_visible: false,
            windows_allowed: false,
            subquery: None,
            in_aggregate: false,
        }
    }

    /// Types a subquery through the analyzer's hook and keeps what it found.
    fn sub(&mut self, q: &Select, how: SubqueryUse) -> Option<Typed> {
        let Some(hook) = self.subquery else {
            push(
                &mut self.problems,
                q.pos,
                "a subquery is not supported here".into(),
                "use a JOIN, or two named queries",
            );
            return None;
        };
        let found = hook(q, how);
        self.params.extend(found.params);
        self.null_tested.extend(found.null_tested);
        self.problems.extend(found.problems);
        found.value
    }

    /// Types `e` in a place that needs a boolean (WHERE, ON, HAVING, AND/OR/NOT, WHEN).
    pub fn condition(&mut self, e: &Expr, clause: &str) -> Typed {
        self.expect(e, &Ty::Bool, false, None, clause)
    }

    /// Types `e`, which must have type `want` (numbers mix); a parameter or NULL in it takes
    /// `want`. `nullable_ok`: NULL is a meaningful value here. `column` names a `?` here.
    pub fn expect(
        &mut self,
        e: &Expr,
        want: &Ty,
        nullable_ok: bool,
        column: Option<&str>,
        context: &str,
    ) -> Typed {
        let mut t = self.synth(e);
        match &t.ty {
            None => {
                self.assign(e, want, nullable_ok, column);
                t.ty = Some(want.clone());
            }
            Some(have) if !have.compatible(want) => {
                let fix = match (have, want) {
                    (_, Ty::Bool) => {
                        "write a comparison, e.g. `enabled = TRUE` or `x IS NOT NULL`".to_string()
                    }
                    (Ty::Text, Ty::Timestamp) | (Ty::Text, Ty::Id(_)) => format!(
                        "bind a parameter of type {} instead of a string literal",
                        want.rust_and_sql().0
                    ),
                    (Ty::Bool, _) => "compare booleans with TRUE/FALSE or a bool parameter".into(),
                    _ => format!(
                        "compare values of one type: convert in Rust and bind a {} parameter",
                        want.rust_and_sql().0
                    ),
                };
                push(
                    &mut self.problems,
                    e.pos,
                    format!("{context} needs {want}, but {} is {have}: the databases convert between them differently (PostgreSQL refuses)", describe(e)),
                    &fix,
                );
            }
            Some(_) => {}
        }
        t
    }

    /// Gives every bare parameter of `e` (through CASE, COALESCE and parentheses) type `want`.
    fn assign(&mut self, e: &Expr, want: &Ty, nullable: bool, column: Option<&str>) {
        match &e.kind {
            ExprKind::Param => {
                self.params.insert(
                    e.pos,
                    ParamUse {
                        ty: want.clone(),
                        nullable,
                        column: column.map(str::to_string),
                    },
                );
            }
            ExprKind::Nested(inner) => self.assign(inner, want, nullable, column),
            ExprKind::Case {
                branches,
                otherwise,
                ..
            } => {
                for (_, then) in branches {
                    if self.synth_quiet(then).ty.is_none() {
                        self.assign(then, want, nullable, column);
                    }
                }
                if let Some(o) = otherwise {
                    if self.synth_quiet(o).ty.is_none() {
                        self.assign(o, want, nullable, column);
                    }
                }
            }
            ExprKind::Function {
                args: Args::List { args, .. },
                ..
            } => {
                for a in args {
                    if self.synth_quiet(a).ty.is_none() {
                        self.assign(a, want, nullable, column);
                    }
                }
            }
            _ => {}
        }
    }

    /// `f(…) OVER (PARTITION BY … ORDER BY …)`: the ranking functions and the aggregates, in a
    /// select list only; the window's order keys NOT NULL (NULLs sort first on SQLite and
    /// MySQL, last on PostgreSQL). Whether ROW_NUMBER's order is total is the analyzer's check.
    fn window(
        &mut self,
        function: &Expr,
        partition_by: &[Expr],
        order_by: &[crate::ast::OrderBy],
    ) -> Typed {
        let ExprKind::Function { name, args } = &function.kind else {
            return Typed::unknown(true);
        };
        let upper = name.value.to_ascii_uppercase();
        if !self.windows_allowed {
            push(
                &mut self.problems,
                name.pos,
                format!("{upper}(…) OVER is accepted only in the select list of a query without aggregates, GROUP BY or DISTINCT"),
                "compute it in a WITH query and filter or order by its result in the query that reads it",
            );
        }
        let allowed = self.aggregates_allowed;
        self.aggregates_allowed = false;
        for e in partition_by {
            self.synth(e);
        }
        for o in order_by {
            let t = self.synth(&o.expr);
            if t.nullable {
                push(&mut self.problems, o.expr.pos, "a window ordered by a value that may be NULL: NULLs sort last ascending on PostgreSQL and first on SQLite and MySQL".into(), "order the window by NOT NULL columns, or COALESCE the value");
            }
        }
        let out = match upper.as_str() {
            "ROW_NUMBER" | "RANK" | "DENSE_RANK" => {
                if !matches!(args, Args::List { args, distinct: false } if args.is_empty()) {
                    push(
                        &mut self.problems,
                        name.pos,
                        format!("{upper} takes no arguments"),
                        &format!("write {upper}()"),
                    );
                }
                if order_by.is_empty() {
                    push(&mut self.problems, name.pos, format!("{upper} without ORDER BY in its window: each database numbers the rows in its own order"), "add ORDER BY … inside OVER (…), ending with the primary key for ROW_NUMBER");
                }
                Typed::of(Ty::Int, false)
            }
            _ if AGGREGATES.contains(&upper.as_str()) => {
                if matches!(args, Args::List { distinct: true, .. }) {
                    push(
                        &mut self.problems,
                        name.pos,
                        format!("{upper}(DISTINCT …) OVER is refused by PostgreSQL"),
                        "aggregate without DISTINCT, or in a grouped query",
                    );
                }
                self.aggregates_allowed = true;
                let mut t = self.function(function, name, args);
                t.aggregate = false;
                t
            }
            _ => {
                push(
                    &mut self.problems,
                    name.pos,
                    format!(
                        "{upper} is not a window function the checker knows to agree everywhere"
                    ),
                    "use ROW_NUMBER, RANK, DENSE_RANK, COUNT, SUM, MIN, MAX or AVG",
                );
                Typed::unknown(true)
            }
        };
        self.aggregates_allowed = allowed;
        out
    }

    /// A LIKE pattern must mean the same everywhere: a literal without letters (SQLite matches
    /// ASCII letters case-insensitively, PostgreSQL and MySQL's binary collation
    /// case-sensitively), without backslashes (an escape on PostgreSQL and MySQL, not SQLite),
    /// and ASCII (so no collation can fold it).
    fn like_pattern(&mut self, pattern: &Expr) {
        let portable = match &pattern.kind {
            ExprKind::Literal(Literal::String(quoted)) => quoted
                .chars()
                .all(|c| c.is_ascii() && !c.is_ascii_alphabetic() && c != '\\'),
            _ => false,
        };
        if !portable {
            self.problems.push(Diagnostic::at(Code::Portability, pattern.pos.0, pattern.pos.1, "LIKE takes a pattern literal of ASCII digits, punctuation, spaces, `%` and `_`: SQLite matches letters case-insensitively, PostgreSQL and MySQL case-sensitively, and a backslash escapes on two of them only", "match digits and punctuation only, or compare with `=` on a stored, folded copy of the text"));
        }
        self.expect(pattern, &Ty::Text, false, None, "LIKE");
    }

    /// Folds a constant through `op`, refusing a result outside 64 bits.
    fn fold(&mut self, pos: Pos, value: Option<i64>, op: fn(i64) -> Option<i64>) -> Option<i64> {
        let v = op(value?);
        if v.is_none() {
            push(
                &mut self.problems,
                pos,
                "the constant overflows a 64-bit integer".into(),
                "use a smaller number",
            );
        }
        v
    }

    /// `synth` without recording problems or parameters (to ask what a part would be).
    fn synth_quiet(&mut self, e: &Expr) -> Typed {
        let (problems, params) = (self.problems.len(), self.params.clone());
        let t = self.synth(e);
        self.problems.truncate(problems);
        self.params = params;
        t
    }

    /// Unifies several expressions that must share one type (`=`, `IN`, `BETWEEN`, `CASE`,
    /// `COALESCE`); returns the common type, or `None` if every one is a parameter or NULL.
    fn unify(
        &mut self,
        items: &[&Expr],
        what: &str,
        column: Option<&str>,
    ) -> (Option<Ty>, Vec<Typed>) {
        let typed: Vec<Typed> = items.iter().map(|e| self.synth(e)).collect();
        let mut common: Option<Ty> = None;
        for (e, t) in items.iter().zip(&typed) {
            let Some(ty) = &t.ty else { continue };
            match &common {
                None => {
                    common = Some(ty.clone());
                }
                Some(c) if c.compatible(ty) => common = Some(c.join(ty)),
                Some(c @ Ty::Id(_)) if matches!(ty, Ty::Id(_)) => push(
                    &mut self.problems,
                    e.pos,
                    format!(
                        "{what} mixes a {c} with a {ty}: ids of different entities never match"
                    ),
                    "compare ids of one entity (a foreign key with the key it points to)",
                ),
                Some(c) => {
                    let fix = match (c, ty) {
                        (Ty::Timestamp, Ty::Text) | (Ty::Id(_), Ty::Text) => format!("bind a parameter of type {} instead of a string literal", c.rust_and_sql().0),
                        (Ty::Bool, _) | (_, Ty::Bool) => "compare booleans with TRUE/FALSE or a bool parameter".into(),
                        _ => "compare values of one type: convert in Rust and bind a parameter of that type".into(),
                    };
                    push(
                        &mut self.problems,
                        e.pos,
                        format!("{what} mixes {c} and {ty}: SQLite and MySQL convert between them, each its own way, and PostgreSQL refuses"),
                        &fix,
                    );
                }
            }
        }
        // The column a `?` beside a column takes its name from.
        let col = column
            .map(str::to_string)
            .or_else(|| typed.iter().find_map(|t| t.column.clone()));
        if let Some(c) = &common {
            for (e, t) in items.iter().zip(&typed) {
                if t.ty.is_none() {
                    self.assign(e, c, false, col.as_deref());
                }
            }
        } else if items.len() > 1
            && items
                .iter()
                .all(|e| matches!(e.kind, ExprKind::Literal(Literal::Null)))
        {
            push(&mut self.problems, items[0].pos, format!("{what} over NULLs only: PostgreSQL cannot type it (`NULL + NULL`: operator is not unique)"), "use a value of the wanted type");
        } else {
            for e in items {
                if !matches!(e.kind, ExprKind::Literal(Literal::Null)) {
                    push(
                        &mut self.problems,
                        e.pos,
                        format!("cannot infer the type of {}", describe(e)),
                        "compare it with a column, or annotate `-- param: name i64` (or another type)",
                    );
                    break;
                }
            }
        }
        (common, typed)
    }

    /// Works out the type of `e`.
    pub fn synth(&mut self, e: &Expr) -> Typed {
        match &e.kind {
            ExprKind::Column {
                table: None,
                column,
            } if self.aliases_visible
                && self
                    .aliases
                    .iter()
                    .any(|(a, _)| column.value.eq_ignore_ascii_case(a)) =>
            {
                let (_, t) = self
                    .aliases
                    .iter()
                    .find(|(a, _)| column.value.eq_ignore_ascii_case(a))
                    .expect("found above");
                t.clone()
            }
            ExprKind::Column { table, column } => match (self.lookup)(table.as_ref(), column) {
                Lookup::Column(col) => {
                    let mut t = Typed::of(Ty::of_column(&col), col.nullable);
                    t.column = Some(col.name.clone());
                    t
                }
                Lookup::Alias(t) => t,
                Lookup::Missing => Typed::unknown(true),
            },
            ExprKind::Param => Typed::unknown(false),
            ExprKind::Literal(lit) => self.literal(e.pos, lit),
            ExprKind::Nested(inner) => {
                let mut t = self.synth(inner);
                t.column = None;
                t
            }
            ExprKind::Unary {
                op: UnaryOp::Not,
                expr,
            } => {
                let t = self.condition(expr, "NOT");
                let mut out = Typed::of(Ty::Bool, t.nullable);
                out.aggregate = t.aggregate;
                out
            }
            ExprKind::Unary {
                op: UnaryOp::Minus,
                expr,
            } => {
                let mut t = self.synth(expr);
                // PostgreSQL folds `-2147483648` into one INTEGER constant.
                if let ExprKind::Literal(Literal::Number(_)) = &expr.kind {
                    t.int4 = t.value.is_some_and(|v| i32::try_from(-(v as i128)).is_ok());
                }
                match &t.ty {
                    None => {
                        push(
                            &mut self.problems,
                            expr.pos,
                            format!("cannot infer the type of {}", describe(expr)),
                            "write `0 - :x`, or annotate `-- param: x i64`",
                        );
                    }
                    Some(ty) if !ty.numeric() => push(
                        &mut self.problems,
                        expr.pos,
                        format!("unary minus needs a number, but the expression is {ty}"),
                        "negate numbers only",
                    ),
                    Some(_) => {}
                }
                t.value = self.fold(e.pos, t.value, i64::checked_neg);
                t.column = None;
                t
            }
            ExprKind::Binary { left, op, right } => self.binary(e, left, *op, right),
            ExprKind::IsNull { expr, .. } => {
                if matches!(expr.kind, ExprKind::Param) {
                    self.null_tested.push(expr.pos);
                }
                let t = self.synth(expr);
                let mut out = Typed::of(Ty::Bool, false);
                out.aggregate = t.aggregate;
                out
            }
            ExprKind::InList { expr, list, .. } => {
                let mut items: Vec<&Expr> = vec![expr];
                items.extend(list.iter());
                for item in list {
                    if matches!(item.kind, ExprKind::Literal(Literal::Null)) {
                        push(
                            &mut self.problems,
                            item.pos,
                            "NULL in an IN list never matches (and makes NOT IN match nothing)"
                                .into(),
                            "remove it; test `x IS NULL` separately",
                        );
                    }
                }
                let (_, typed) = self.unify(&items, "IN", None);
                let mut out = Typed::of(Ty::Bool, typed.iter().any(|t| t.nullable));
                out.aggregate = typed.iter().any(|t| t.aggregate);
                out
            }
            ExprKind::Between {
                expr, low, high, ..
            } => {
                let (_, typed) = self.unify(&[expr, low, high], "BETWEEN", None);
                let mut out = Typed::of(Ty::Bool, typed.iter().any(|t| t.nullable));
                out.aggregate = typed.iter().any(|t| t.aggregate);
                out
            }
            ExprKind::Like { expr, pattern, .. } => {
                let a = self.expect(expr, &Ty::Text, false, None, "LIKE");
                self.like_pattern(pattern);
                let mut out = Typed::of(Ty::Bool, a.nullable);
                out.aggregate = a.aggregate;
                out
            }
            ExprKind::Function { name, args } => self.function(e, name, args),
            ExprKind::Case {
                operand,
                branches,
                otherwise,
            } => self.case(e, operand.as_deref(), branches, otherwise.as_deref()),
            ExprKind::Window {
                function,
                partition_by,
                order_by,
            } => self.window(function, partition_by, order_by),
            ExprKind::Exists(q) => {
                self.sub(q, SubqueryUse::Exists);
                Typed::of(Ty::Bool, false)
            }
            ExprKind::Subquery(q) => match self.sub(q, SubqueryUse::Scalar) {
                Some(mut t) => {
                    t.column = None;
                    t.value = None;
                    t.aggregate = false;
                    t
                }
                None => Typed::unknown(true),
            },
            ExprKind::InSubquery { expr, subquery, .. } => {
                let inner = self.sub(subquery, SubqueryUse::In);
                let left = match inner.as_ref().and_then(|t| t.ty.clone()) {
                    Some(ty) => self.expect(expr, &ty, false, None, "IN"),
                    None => self.synth(expr),
                };
                // NOT IN over a subquery with a NULL is NULL, never TRUE (the same everywhere).
                let mut out =
                    Typed::of(Ty::Bool, left.nullable || inner.is_none_or(|t| t.nullable));
                out.aggregate = left.aggregate;
                out
            }
        }
    }

    fn literal(&mut self, pos: Pos, lit: &Literal) -> Typed {
        let mut t = match lit {
            Literal::Null => {
                let mut t = Typed::unknown(true);
                t.literal = true;
                return t;
            }
            Literal::Bool(_) => Typed::of(Ty::Bool, false),
            Literal::String(_) => Typed::of(Ty::Text, false),
            Literal::Number(n) if n.contains(['.', 'e', 'E']) => Typed::of(Ty::Decimal, false),
            Literal::Number(n) => {
                let mut t = Typed::of(Ty::Int, false);
                match n.parse::<i64>() {
                    Ok(v) => {
                        t.value = Some(v);
                        t.int4 = i32::try_from(v).is_ok();
                    }
                    Err(_) => push(
                        &mut self.problems,
                        pos,
                        format!("the integer {n} does not fit in 64 bits: PostgreSQL and MySQL read it as a decimal, SQLite as a float"),
                        "use a number between -9223372036854775807 and 9223372036854775807, or bind an f64 parameter",
                    ),
                }
                t
            }
        };
        t.literal = true;
        t
    }

    fn binary(&mut self, e: &Expr, left: &Expr, op: BinaryOp, right: &Expr) -> Typed {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let word = if op == BinaryOp::And { "AND" } else { "OR" };
                let a = self.condition(left, word);
                let b = self.condition(right, word);
                let mut out = Typed::of(Ty::Bool, a.nullable || b.nullable);
                out.aggregate = a.aggregate || b.aggregate;
                out
            }
            op if op.is_comparison() => {
                for side in [left, right] {
                    if matches!(side.kind, ExprKind::Literal(Literal::Null)) {
                        push(
                            &mut self.problems,
                            side.pos,
                            "a comparison with NULL is never true".into(),
                            "write `x IS NULL` or `x IS NOT NULL`",
                        );
                    }
                }
                let (_, typed) = self.unify(&[left, right], "the comparison", None);
                let mut out = Typed::of(Ty::Bool, typed.iter().any(|t| t.nullable));
                out.aggregate = typed.iter().any(|t| t.aggregate);
                out
            }
            BinaryOp::Concat => {
                let a = self.expect(left, &Ty::Text, false, None, "`||`");
                let b = self.expect(right, &Ty::Text, false, None, "`||`");
                let mut out = Typed::of(Ty::Text, a.nullable || b.nullable);
                out.aggregate = a.aggregate || b.aggregate;
                out
            }
            _ => {
                let symbol = match op {
                    BinaryOp::Plus => "+",
                    BinaryOp::Minus => "-",
                    BinaryOp::Multiply => "*",
                    BinaryOp::Divide => "/",
                    _ => "%",
                };
                let (common, typed) = self.unify(&[left, right], &format!("`{symbol}`"), None);
                let mut out = Typed::unknown(typed.iter().any(|t| t.nullable));
                out.aggregate = typed.iter().any(|t| t.aggregate);
                out.literal = typed.iter().all(|t| t.literal);
                let Some(ty) = common else { return out };
                if !ty.numeric() {
                    push(
                        &mut self.problems,
                        left.pos,
                        format!("`{symbol}` needs numbers, but the operands are {ty}"),
                        "compute it in Rust, or use numbers",
                    );
                    return out;
                }
                let (a, b) = (typed[0].value, typed[1].value);
                // Near the 64-bit limits only constants are safe: with a parameter or column the
                // sum overflows at run time (an error on PostgreSQL and MySQL, a float on SQLite),
                // and MariaDB computes `? + c` in a double, exact only to 2^53.
                for (mine, other) in [(a, b), (b, a)] {
                    if mine.is_some_and(|v| v.unsigned_abs() >= 1 << 53) && other.is_none() {
                        push(&mut self.problems, e.pos, format!("`{symbol}` between a value and a constant beyond 2^53: it overflows or loses precision at run time on some of the databases"), "keep constants in arithmetic below 2^53, or compute in Rust");
                    }
                }
                if op == BinaryOp::Modulo {
                    if ty != Ty::Int {
                        push(&mut self.problems, e.pos, format!("`%` on a {ty}: PostgreSQL refuses it, SQLite truncates to integers, MySQL keeps the fraction"), "use `%` on integers only");
                    } else if b == Some(0) {
                        push(&mut self.problems, right.pos, "`% 0`: PostgreSQL raises division by zero, SQLite and MySQL return NULL".into(), "divide by a non-zero constant");
                    } else if b.is_none() {
                        push(&mut self.problems, right.pos, "`%` by a value that may be zero: PostgreSQL raises division by zero, SQLite and MySQL return NULL".into(), "divide by a non-zero integer constant");
                    }
                }
                if ty == Ty::Decimal {
                    push(&mut self.problems, e.pos, format!("`{symbol}` on decimal literals: exact on PostgreSQL and MySQL (NUMERIC, DECIMAL; `1e-3` is a double on MySQL), binary floating point on SQLite (`0.1 + 0.2 = 0.3` differs)"), "compute the constant, or bind an f64 parameter");
                }
                out.ty = Some(ty);
                out.int4 = typed[0].int4 && typed[1].int4;
                if out.int4 && (a.is_none() || b.is_none()) {
                    push(&mut self.problems, e.pos, "arithmetic between integer literals that is not a constant: PostgreSQL computes it in 32 bits, the others in 64".into(), "write the constant, or use a column or parameter");
                }
                if let (Some(a), Some(b)) = (a, b) {
                    let v = match op {
                        BinaryOp::Plus => a.checked_add(b),
                        BinaryOp::Minus => a.checked_sub(b),
                        BinaryOp::Multiply => a.checked_mul(b),
                        _ if b == 0 => None,
                        _ => a.checked_rem(b),
                    };
                    if v.is_none() && b != 0 {
                        push(&mut self.problems, e.pos, "the constant expression overflows a 64-bit integer: PostgreSQL and MySQL raise an error, SQLite turns it into a float".into(), "use smaller numbers");
                    }
                    if out.int4 && v.is_some_and(|v| i32::try_from(v).is_err()) {
                        push(&mut self.problems, e.pos, "the constant overflows PostgreSQL's 32-bit INTEGER (its type for small integer literals), not the others' BIGINT".into(), "write the result as one literal");
                    }
                    out.value = v;
                }
                out
            }
        }
    }

    fn function(&mut self, e: &Expr, name: &Ident, args: &Args) -> Typed {
        let upper = name.value.to_ascii_uppercase();
        let aggregate = AGGREGATES.contains(&upper.as_str());
        if aggregate && !self.aggregates_allowed {
            push(
                &mut self.problems,
                name.pos,
                format!("{upper} is an aggregate and cannot be used here"),
                "aggregates belong in the select list, HAVING or ORDER BY",
            );
        }
        if aggregate && self.in_aggregate {
            push(
                &mut self.problems,
                name.pos,
                format!("{upper} inside another aggregate"),
                "aggregate once",
            );
        }
        let list: Vec<&Expr> = match args {
            Args::Star => vec![],
            Args::List { args, .. } => args.iter().collect(),
        };
        if matches!(args, Args::Star) && upper != "COUNT" {
            push(
                &mut self.problems,
                name.pos,
                format!("{upper}(*) is not a function"),
                "only COUNT takes *",
            );
        }
        if matches!(args, Args::List { distinct: true, .. }) && !aggregate {
            push(
                &mut self.problems,
                name.pos,
                format!("DISTINCT inside {upper}"),
                "DISTINCT goes in aggregates only",
            );
        }
        let arity_ok = match upper.as_str() {
            "COUNT" => matches!(args, Args::Star) || list.len() == 1,
            "COALESCE" => list.len() >= 2,
            "SUBSTR" => (2..=3).contains(&list.len()),
            _ => list.len() == 1,
        };
        if PORTABLE_FUNCTIONS.contains(&upper.as_str()) && !arity_ok {
            let fix = if upper == "COALESCE" {
                "give COALESCE at least two arguments (SQLite refuses one)"
            } else if upper == "SUBSTR" {
                "write SUBSTR(text, start) or SUBSTR(text, start, length)"
            } else {
                "give it one argument"
            };
            push(
                &mut self.problems,
                name.pos,
                format!("{upper} with {} arguments", list.len()),
                fix,
            );
            return Typed::unknown(true);
        }
        let was = self.in_aggregate;
        self.in_aggregate |= aggregate;
        let mut out = match upper.as_str() {
            "COUNT" => {
                for a in &list {
                    self.synth(a);
                }
                Typed::of(Ty::Int, false)
            }
            "SUM" | "AVG" => {
                if matches!(list[0].kind, ExprKind::Literal(Literal::Null)) {
                    push(
                        &mut self.problems,
                        list[0].pos,
                        format!("{upper}(NULL): PostgreSQL cannot choose a function for it"),
                        "aggregate a column",
                    );
                }
                let t = self.expect(list[0], &Ty::Double, false, None, &upper);
                match &t.ty {
                    Some(Ty::Int) | Some(Ty::Decimal) => push(&mut self.problems, list[0].pos, format!("{upper} of integers is NUMERIC on PostgreSQL and DECIMAL on MySQL (AVG with 4 digits), INTEGER or REAL on SQLite"), "SUM or AVG a double column, or COUNT and compute in Rust"),
                    _ => {}
                }
                let mut t = Typed::of(Ty::Double, true);
                t.literal = false;
                t
            }
            "MIN" | "MAX" => {
                let mut t = self.synth(list[0]);
                match &t.ty {
                    None => push(&mut self.problems, list[0].pos, format!("cannot infer the type of {}", describe(list[0])), "aggregate a column"),
                    Some(Ty::Bool) => push(&mut self.problems, list[0].pos, format!("{upper} of a boolean: PostgreSQL has no {upper}(boolean), SQLite and MySQL return 0/1"), "use `COUNT(*)` with a condition, e.g. in HAVING"),
                    _ => {}
                }
                t.nullable = true;
                t.column = None;
                t.value = None;
                t
            }
            "ABS" => {
                let mut t = self.synth(list[0]);
                match &t.ty {
                    None => push(
                        &mut self.problems,
                        list[0].pos,
                        format!("cannot infer the type of {}", describe(list[0])),
                        "annotate `-- param: x i64` (or f64)",
                    ),
                    Some(ty) if !ty.numeric() => push(
                        &mut self.problems,
                        list[0].pos,
                        format!("ABS needs a number, but the argument is {ty}"),
                        "use ABS on numbers",
                    ),
                    Some(_) => {}
                }
                t.column = None;
                t.value = self.fold(e.pos, t.value, i64::checked_abs);
                t
            }
            "COALESCE" => {
                let (common, typed) = self.unify(&list, "COALESCE", None);
                // A parameter before the last argument is there to be NULL sometimes
                // (`COALESCE(:name, name)` keeps the old name): it takes an `Option`.
                for a in &list[..list.len().saturating_sub(1)] {
                    if let Some(u) =
                        crate::analyze::placeholder_pos(a).and_then(|pos| self.params.get_mut(&pos))
                    {
                        u.nullable = true;
                    }
                }
                if common.is_none()
                    && list
                        .iter()
                        .all(|r| matches!(r.kind, ExprKind::Literal(Literal::Null)))
                {
                    push(
                        &mut self.problems,
                        e.pos,
                        "COALESCE of NULLs only: PostgreSQL types it text".into(),
                        "drop it, or give it a value of the wanted type",
                    );
                }
                let mut t = Typed::unknown(typed.iter().all(|t| t.nullable));
                t.ty = common;
                // A constant first argument is the value (`COALESCE(9223372036854775807, 7) + 2`
                // overflows like the constant).
                t.value = typed.first().and_then(|f| f.value);
                t.literal = typed.iter().all(|t| t.literal || t.ty.is_none());
                t.int4 =
                    typed.iter().any(|t| t.int4) && typed.iter().all(|t| t.int4 || t.ty.is_none());
                t.aggregate = typed.iter().any(|t| t.aggregate);
                t
            }
            "SUBSTR" => {
                let t = self.expect(list[0], &Ty::Text, false, None, "SUBSTR");
                for (i, a) in list.iter().enumerate().skip(1) {
                    let (what, least) = if i == 1 { ("start", 1) } else { ("length", 0) };
                    let v = match &a.kind {
                        ExprKind::Literal(Literal::Number(n)) => n.parse::<i64>().ok(),
                        _ => None,
                    };
                    if !v.is_some_and(|v| (least..=i64::from(i32::MAX)).contains(&v)) {
                        push(&mut self.problems, a.pos, format!("SUBSTR's {what} must be an integer literal of at least {least}: the databases count a zero or negative start, and a negative length, each their own way (and PostgreSQL has no SUBSTR with a BIGINT parameter)"), "write the position as a number counted from 1, or cut the text in Rust");
                        self.synth_quiet(a);
                    }
                }
                let mut out = Typed::of(Ty::Text, t.nullable);
                out.aggregate = t.aggregate;
                out
            }
            "TRIM" | "LTRIM" | "RTRIM" => {
                // All three remove spaces only (not tabs or newlines) by default.
                let t = self.expect(list[0], &Ty::Text, false, None, &upper);
                let mut out = Typed::of(Ty::Text, t.nullable);
                out.aggregate = t.aggregate;
                out
            }
            "LOWER" | "UPPER" => {
                push(&mut self.problems, name.pos, format!("{upper} folds only ASCII letters on SQLite ('É' stays 'É'), all letters on PostgreSQL and MySQL"), "store a folded copy of the text, or fold in Rust");
                Typed::of(Ty::Text, true)
            }
            _ => {
                push(&mut self.problems, name.pos, format!("function {upper} is not known to behave the same on SQLite, PostgreSQL and MySQL"), &format!("use one of {} or compute it in Rust", PORTABLE_FUNCTIONS.join(", ")));
                for a in &list {
                    self.synth_quiet(a);
                }
                Typed::unknown(true)
            }
        };
        self.in_aggregate = was;
        out.aggregate |= aggregate;
        out
    }

    fn case(
        &mut self,
        e: &Expr,
        operand: Option<&Expr>,
        branches: &[(Expr, Expr)],
        otherwise: Option<&Expr>,
    ) -> Typed {
        let mut aggregate = false;
        match operand {
            Some(op) => {
                let mut items = vec![op];
                items.extend(branches.iter().map(|(w, _)| w));
                let (_, typed) = self.unify(&items, "CASE … WHEN", None);
                aggregate |= typed.iter().any(|t| t.aggregate);
            }
            None => {
                for (w, _) in branches {
                    aggregate |= self.condition(w, "WHEN").aggregate;
                }
            }
        }
        let mut results: Vec<&Expr> = branches.iter().map(|(_, t)| t).collect();
        results.extend(otherwise);
        let (common, typed) = self.unify(&results, "CASE", None);
        if common.is_none()
            && results
                .iter()
                .all(|r| matches!(r.kind, ExprKind::Literal(Literal::Null)))
        {
            push(&mut self.problems, e.pos, "a CASE whose results are all NULL: PostgreSQL types it text, which then mixes with the type around it".into(), "give one branch a value of the wanted type, or drop the CASE");
        }
        let mut t = Typed::unknown(otherwise.is_none() || typed.iter().any(|t| t.nullable));
        t.ty = common;
        t.literal = typed.iter().all(|t| t.literal || t.ty.is_none());
        t.int4 = typed.iter().any(|t| t.int4) && typed.iter().all(|t| t.int4 || t.ty.is_none());
        // For overflow: a CASE of constants may be its largest one (never treated as a
        // non-zero divisor when a branch is zero).
        let values: Vec<Option<i64>> = typed.iter().map(|t| t.value).collect();
        if otherwise.is_some() && values.iter().all(|v| v.is_some_and(|v| v != 0)) {
            t.value = values
                .iter()
                .flatten()
                .copied()
                .max_by_key(|v| v.unsigned_abs());
        }
        t.aggregate = aggregate || typed.iter().any(|t| t.aggregate);
        t
    }
}

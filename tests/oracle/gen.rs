//! A seeded generator of random named-query blocks over the schema, in the grammar the checker
//! documents (queries/README.md), with edge literals, ill-typed and dialect-sensitive
//! expressions mixed in. A generated query keeps its structure so that a disagreeing block can be
//! reduced (elements dropped, expressions replaced by their sub-expressions).

use std::collections::{BTreeMap, BTreeSet};

use tk_sqlcheck::catalog::Catalog;

/// splitmix64.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) < p * (1u64 << 53) as f64
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// The kind of a value, as the generator means it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum K {
    Bool,
    Int,
    Dbl,
    Text,
    Ts,
    /// An id, with its Rust type name (`RuleId`).
    Id(&'static str),
}

impl K {
    /// The `-- column:` / `-- param:` type a query author would write.
    pub fn annotation(self) -> &'static str {
        match self {
            K::Bool => "bool",
            K::Int => "i64",
            K::Dbl => "f64",
            K::Text => "String",
            K::Ts => "Timestamp",
            K::Id(t) => t,
        }
    }
    fn same(self, other: K) -> bool {
        match (self, other) {
            (K::Id(_), K::Id(_)) => true,
            (a, b) => a == b,
        }
    }
}

/// How a parameter's value should be picked (the checker gives only its type).
#[derive(Debug, Clone, PartialEq)]
pub enum Hint {
    Any,
    /// Values of this column in the seed, or edge strings.
    Column(String),
    /// One of these texts.
    Domain(&'static [&'static str]),
    /// A double within 0..=1 (rules.sample_rate's CHECK).
    Rate,
    /// LIMIT / OFFSET.
    Limit,
}

/// A generated expression: its text, the hazards it contains, and the same-kind
/// sub-expressions the reducer may replace it with.
#[derive(Debug, Clone)]
pub struct Ex {
    pub s: String,
    pub tags: BTreeSet<&'static str>,
    pub subs: Vec<Ex>,
    pub nullable: bool,
    atomic: bool,
}

impl Ex {
    fn leaf(s: impl Into<String>, nullable: bool) -> Ex {
        Ex {
            s: s.into(),
            tags: BTreeSet::new(),
            subs: vec![],
            nullable,
            atomic: true,
        }
    }
    fn tag(mut self, t: &'static str) -> Ex {
        self.tags.insert(t);
        self
    }
    /// A composite of `children`; `same` are the children of the same kind.
    fn node(s: String, children: &[&Ex], same: Vec<Ex>, nullable: bool, atomic: bool) -> Ex {
        let mut tags = BTreeSet::new();
        for c in children {
            tags.extend(c.tags.iter().copied());
        }
        Ex {
            s,
            tags,
            subs: same,
            nullable,
            atomic,
        }
    }
    /// The text, parenthesised unless atomic.
    fn p(&self) -> String {
        if self.atomic {
            self.s.clone()
        } else {
            format!("({})", self.s)
        }
    }
    fn any_null(xs: &[&Ex]) -> bool {
        xs.iter().any(|x| x.nullable)
    }
}

/// A select-list entry.
#[derive(Debug, Clone)]
pub struct Item {
    pub ex: Ex,
    pub alias: Option<String>,
    /// `-- column:` annotation this entry needs (lowercase alias, type).
    pub annotation: Option<(String, String)>,
}

/// A top-level conjunct of WHERE.
#[derive(Debug, Clone)]
pub struct Conj {
    pub ex: Ex,
    /// A tenant or soft-delete scope condition.
    pub scope: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Plain,
    /// Aggregates only, no GROUP BY: one row.
    Agg,
    Group,
}

#[derive(Debug, Clone)]
pub enum Body {
    Select {
        distinct: bool,
        items: Vec<Item>,
        from: String,
        where_: Vec<Conj>,
        group_by: Vec<Ex>,
        having: Option<Ex>,
        order_by: Vec<(Ex, bool)>,
        limit: Option<String>,
        offset: Option<String>,
        mode: Mode,
        /// How many ORDER BY entries tagged `pk` make the order total.
        pk_parts: usize,
    },
    Update {
        table: String,
        head: String,
        sets: Vec<(String, Ex)>,
        where_: Vec<Conj>,
    },
    /// `INSERT INTO t (columns) SELECT …`: the head, and the SELECT (whose rows the engines
    /// return; the function inserts them).
    InsertSelect { head: String, select: Box<Body> },
    /// A `-- batch` `INSERT INTO table (columns) VALUES (values)`: the harness binds one tuple
    /// per row, as the generated function does, and compares the table after it.
    Batch {
        table: String,
        columns: Vec<(String, Ex)>,
    },
    /// `WITH name AS (SELECT …) SELECT …`: the bodies of the WITH queries, and the SELECT.
    With {
        ctes: Vec<(String, Body)>,
        body: Box<Body>,
    },
    /// SELECT bodies joined by UNION ALL, ordered by result names.
    Union {
        branches: Vec<Body>,
        /// (result column, descending).
        order_by: Vec<(String, bool)>,
        limit: Option<String>,
        /// How many result columns there are.
        columns: usize,
    },
}

/// How to compare the three engines' rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// In order (ORDER BY total).
    Ordered,
    /// As a multiset.
    Multiset,
    /// Only the row count (LIMIT over a non-total order: which rows is up to the engine).
    Count,
}

/// A generated block.
#[derive(Debug, Clone)]
pub struct Query {
    pub head: Vec<String>,
    pub params: Vec<(String, String)>,
    pub hints: BTreeMap<String, Hint>,
    pub body: Body,
    pub tags: BTreeSet<&'static str>,
}

/// Whether `sql` names the column `col` (as a whole identifier, maybe qualified).
fn mentions(sql: &str, col: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    sql.match_indices(col).any(|(i, _)| {
        let before = sql[..i].chars().next_back();
        let after = sql[i + col.len()..].chars().next();
        !before.is_some_and(|c| ident(c) || c == ':') && !after.is_some_and(ident)
    })
}

fn uses_param(sql: &str, name: &str) -> bool {
    let pat = format!(":{name}");
    let mut from = 0;
    while let Some(i) = sql[from..].find(&pat) {
        let end = from + i + pat.len();
        if !sql[end..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return true;
        }
        from = end;
    }
    false
}

impl Query {
    /// The SQL statement.
    pub fn sql(&self) -> String {
        Self::body_sql(&self.body)
    }

    fn body_sql(body: &Body) -> String {
        match body {
            Body::InsertSelect { head, select } => format!("{head}\n{}", Self::body_sql(select)),
            Body::Batch { table, columns } => {
                let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
                let values: Vec<&str> = columns.iter().map(|(_, e)| e.s.as_str()).collect();
                format!(
                    "INSERT INTO {table} ({})\nVALUES ({})",
                    names.join(", "),
                    values.join(", ")
                )
            }
            Body::With { ctes, body } => {
                let parts: Vec<String> = ctes
                    .iter()
                    .map(|(name, b)| format!("{name} AS (\n{}\n)", Self::body_sql(b)))
                    .collect();
                format!("WITH {}\n{}", parts.join(",\n"), Self::body_sql(body))
            }
            Body::Union {
                branches,
                order_by,
                limit,
                ..
            } => {
                let parts: Vec<String> = branches.iter().map(Self::body_sql).collect();
                let mut s = parts.join("\nUNION ALL\n");
                if !order_by.is_empty() {
                    let o: Vec<String> = order_by
                        .iter()
                        .map(|(c, desc)| format!("{c}{}", if *desc { " DESC" } else { "" }))
                        .collect();
                    s.push_str(&format!("\nORDER BY {}", o.join(", ")));
                }
                if let Some(l) = limit {
                    s.push_str(&format!("\nLIMIT {l}"));
                }
                s
            }
            Body::Select {
                distinct,
                items,
                from,
                where_,
                group_by,
                having,
                order_by,
                limit,
                offset,
                ..
            } => {
                let mut s = String::from("SELECT ");
                if *distinct {
                    s.push_str("DISTINCT ");
                }
                let list: Vec<String> = items
                    .iter()
                    .map(|i| match &i.alias {
                        Some(a) => format!("{} AS {a}", i.ex.s),
                        None => i.ex.s.clone(),
                    })
                    .collect();
                s.push_str(&list.join(", "));
                s.push_str(&format!("\nFROM {from}"));
                if !where_.is_empty() {
                    let w: Vec<String> = where_.iter().map(|c| c.ex.p()).collect();
                    s.push_str(&format!("\nWHERE {}", w.join(" AND ")));
                }
                if !group_by.is_empty() {
                    let g: Vec<&str> = group_by.iter().map(|e| e.s.as_str()).collect();
                    s.push_str(&format!("\nGROUP BY {}", g.join(", ")));
                }
                if let Some(h) = having {
                    s.push_str(&format!("\nHAVING {}", h.s));
                }
                if !order_by.is_empty() {
                    let o: Vec<String> = order_by
                        .iter()
                        .map(|(e, desc)| format!("{}{}", e.s, if *desc { " DESC" } else { "" }))
                        .collect();
                    s.push_str(&format!("\nORDER BY {}", o.join(", ")));
                }
                if let Some(l) = limit {
                    s.push_str(&format!("\nLIMIT {l}"));
                    if let Some(o) = offset {
                        s.push_str(&format!(" OFFSET {o}"));
                    }
                }
                s
            }
            Body::Update {
                head, sets, where_, ..
            } => {
                let sets: Vec<String> =
                    sets.iter().map(|(c, e)| format!("{c} = {}", e.s)).collect();
                let mut s = format!("{head}\nSET {}", sets.join(",\n    "));
                if !where_.is_empty() {
                    let w: Vec<String> = where_.iter().map(|c| c.ex.p()).collect();
                    s.push_str(&format!("\nWHERE {}", w.join(" AND ")));
                }
                s
            }
        }
    }

    /// The whole block, as a query file holds it.
    pub fn text(&self) -> String {
        let sql = self.sql();
        let mut out = String::from("-- name: q\n");
        for h in &self.head {
            out.push_str(&format!("-- {h}\n"));
        }
        for (name, ty) in &self.params {
            if uses_param(&sql, name) {
                out.push_str(&format!("-- param: {name} {ty}\n"));
            }
        }
        if let Body::Select { items, .. } = &self.body {
            for i in items {
                if let Some((a, t)) = &i.annotation {
                    out.push_str(&format!("-- column: {a} {t}\n"));
                }
            }
        }
        out.push_str(&sql);
        out.push('\n');
        out
    }

    /// Every hazard tag of what is left of the query.
    pub fn all_tags(&self) -> BTreeSet<&'static str> {
        let mut t = self.tags.clone();
        let parts: Vec<&Body> = match &self.body {
            Body::Union { branches, .. } => branches.iter().collect(),
            Body::With { ctes, body } => ctes
                .iter()
                .map(|(_, b)| b)
                .chain(std::iter::once(&**body))
                .collect(),
            Body::InsertSelect { select, .. } => vec![&**select],
            _ => vec![],
        };
        if !parts.is_empty() {
            for b in parts {
                let q = Query {
                    body: b.clone(),
                    tags: BTreeSet::new(),
                    head: vec![],
                    params: vec![],
                    hints: BTreeMap::new(),
                };
                t.extend(q.all_tags());
            }
            t.insert(match self.body {
                Body::With { .. } => "with",
                Body::InsertSelect { .. } => "insert-select",
                _ => "union",
            });
            return t;
        }
        let mut add = |e: &Ex| t.extend(e.tags.iter().copied());
        match &self.body {
            Body::Union { .. } | Body::With { .. } | Body::InsertSelect { .. } => {}
            Body::Batch { columns, .. } => {
                columns.iter().for_each(|(_, e)| add(e));
                t.insert("batch");
            }
            Body::Select {
                items,
                where_,
                group_by,
                having,
                order_by,
                ..
            } => {
                items.iter().for_each(|i| add(&i.ex));
                where_.iter().for_each(|c| add(&c.ex));
                group_by.iter().for_each(&mut add);
                having.iter().for_each(&mut add);
                order_by.iter().for_each(|(e, _)| add(e));
            }
            Body::Update { sets, where_, .. } => {
                sets.iter().for_each(|(_, e)| add(e));
                where_.iter().for_each(|c| add(&c.ex));
                // Whether a SET value reads a column assigned before it, in what is left.
                t.remove("set-dependency");
                for (i, (_, e)) in sets.iter().enumerate() {
                    if sets[..i].iter().any(|(c, _)| mentions(&e.s, c)) {
                        t.insert("set-dependency");
                    }
                }
            }
        }
        t
    }

    /// The table an UPDATE (or a batch INSERT) changes.
    pub fn update_table(&self) -> Option<&str> {
        match &self.body {
            Body::Update { table, .. } | Body::Batch { table, .. } => Some(table),
            _ => None,
        }
    }

    /// How rows are compared: in order only when the ORDER BY is total (it ends with the
    /// driving table's key, or covers every group key / every DISTINCT column).
    pub fn compare(&self) -> Compare {
        if let Body::With { body, .. } | Body::InsertSelect { select: body, .. } = &self.body {
            let mut q = self.clone();
            q.body = (**body).clone();
            return q.compare();
        }
        if let Body::Union {
            order_by,
            limit,
            columns,
            ..
        } = &self.body
        {
            // Rows that tie on every column are the same row.
            let all: BTreeSet<&str> = order_by.iter().map(|(c, _)| c.as_str()).collect();
            return match (all.len() == *columns, limit.is_some()) {
                (true, _) => Compare::Ordered,
                (false, true) => Compare::Count,
                (false, false) => Compare::Multiset,
            };
        }
        let Body::Select {
            distinct,
            items,
            group_by,
            order_by,
            limit,
            mode,
            pk_parts,
            ..
        } = &self.body
        else {
            return Compare::Ordered;
        };
        let ordered: BTreeSet<&str> = order_by.iter().map(|(e, _)| e.s.as_str()).collect();
        // An "aggregate" query whose items the generator (or the reducer) left without any
        // aggregate is a plain select: one row per source row.
        let aggregated = items.iter().any(|i| {
            ["COUNT(", "SUM(", "AVG(", "MIN(", "MAX("]
                .iter()
                .any(|f| i.ex.s.to_ascii_uppercase().contains(f))
        });
        let one_row = *mode == Mode::Agg && aggregated;
        let total = match mode {
            Mode::Agg if !aggregated => false,
            Mode::Agg => true,
            Mode::Group => {
                !order_by.is_empty()
                    && group_by.iter().all(|g| {
                        ordered.contains(g.s.as_str())
                            || items.iter().any(|i| {
                                i.ex.s == g.s
                                    && i.alias.as_deref().is_some_and(|a| ordered.contains(a))
                            })
                    })
            }
            Mode::Plain if *distinct => {
                !order_by.is_empty()
                    && items.iter().all(|i| {
                        ordered.contains(i.ex.s.as_str())
                            || i.alias.as_deref().is_some_and(|a| ordered.contains(a))
                    })
            }
            Mode::Plain => {
                order_by
                    .iter()
                    .filter(|(e, _)| e.tags.contains("pk"))
                    .count()
                    >= *pk_parts
            }
        };
        match (total && !order_by.is_empty() || one_row, limit.is_some()) {
            (true, _) => Compare::Ordered,
            (false, true) => Compare::Count,
            (false, false) => Compare::Multiset,
        }
    }

    /// Every query one step smaller: an element dropped or an expression replaced by one of its
    /// sub-expressions.
    pub fn shrinks(&self) -> Vec<Query> {
        let mut out = Vec::new();
        let with = |f: &dyn Fn(&mut Body)| {
            let mut q = self.clone();
            f(&mut q.body);
            q
        };
        fn ex_steps(e: &Ex) -> Vec<Ex> {
            let mut v: Vec<Ex> = e.subs.clone();
            // Also shrink inside a sub-expression-less node? Subs are enough: they recurse.
            v.retain(|s| s.s != e.s);
            v
        }
        match &self.body {
            Body::With { .. } | Body::InsertSelect { .. } => {}
            // A value replaced by one of its parts (columns stay: most are NOT NULL).
            Body::Batch { columns, .. } => {
                for i in 0..columns.len() {
                    for s in ex_steps(&columns[i].1) {
                        out.push(with(&|b| {
                            if let Body::Batch { columns, .. } = b {
                                columns[i].1 = s.clone();
                            }
                        }));
                    }
                }
            }
            // A branch alone, or the union without its order and limit.
            Body::Union {
                branches, limit, ..
            } => {
                for b in branches {
                    let mut q = self.clone();
                    q.body = b.clone();
                    out.push(q);
                }
                if limit.is_some() {
                    out.push(with(&|b| {
                        if let Body::Union { limit, .. } = b {
                            *limit = None;
                        }
                    }));
                }
            }
            Body::Select {
                distinct,
                items,
                where_,
                group_by,
                having,
                order_by,
                limit,
                offset,
                ..
            } => {
                for i in 0..items.len() {
                    if items.len() > 1 {
                        out.push(with(&|b| {
                            if let Body::Select { items, .. } = b {
                                items.remove(i);
                            }
                        }));
                    }
                    for s in ex_steps(&items[i].ex) {
                        out.push(with(&|b| {
                            if let Body::Select { items, .. } = b {
                                items[i].ex = s.clone();
                            }
                        }));
                    }
                }
                for i in 0..where_.len() {
                    if where_[i].scope {
                        continue;
                    }
                    out.push(with(&|b| {
                        if let Body::Select { where_, .. } = b {
                            where_.remove(i);
                        }
                    }));
                    for s in ex_steps(&where_[i].ex) {
                        out.push(with(&|b| {
                            if let Body::Select { where_, .. } = b {
                                where_[i].ex = s.clone();
                            }
                        }));
                    }
                }
                for i in 0..group_by.len() {
                    out.push(with(&|b| {
                        if let Body::Select { group_by, .. } = b {
                            group_by.remove(i);
                        }
                    }));
                }
                if let Some(h) = having {
                    out.push(with(&|b| {
                        if let Body::Select { having, .. } = b {
                            *having = None;
                        }
                    }));
                    for s in ex_steps(h) {
                        out.push(with(&|b| {
                            if let Body::Select { having, .. } = b {
                                *having = Some(s.clone());
                            }
                        }));
                    }
                }
                for i in 0..order_by.len() {
                    out.push(with(&|b| {
                        if let Body::Select { order_by, .. } = b {
                            order_by.remove(i);
                        }
                    }));
                    for s in ex_steps(&order_by[i].0) {
                        out.push(with(&|b| {
                            if let Body::Select { order_by, .. } = b {
                                order_by[i].0 = s.clone();
                            }
                        }));
                    }
                }
                if offset.is_some() {
                    out.push(with(&|b| {
                        if let Body::Select { offset, .. } = b {
                            *offset = None;
                        }
                    }));
                }
                if limit.is_some() {
                    out.push(with(&|b| {
                        if let Body::Select { limit, offset, .. } = b {
                            *limit = None;
                            *offset = None;
                        }
                    }));
                }
                if *distinct {
                    out.push(with(&|b| {
                        if let Body::Select { distinct, .. } = b {
                            *distinct = false;
                        }
                    }));
                }
            }
            Body::Update { sets, where_, .. } => {
                for i in 0..sets.len() {
                    if sets.len() > 1 {
                        out.push(with(&|b| {
                            if let Body::Update { sets, .. } = b {
                                sets.remove(i);
                            }
                        }));
                    }
                    for s in ex_steps(&sets[i].1) {
                        out.push(with(&|b| {
                            if let Body::Update { sets, .. } = b {
                                sets[i].1 = s.clone();
                            }
                        }));
                    }
                }
                for i in 0..where_.len() {
                    if where_[i].scope {
                        continue;
                    }
                    out.push(with(&|b| {
                        if let Body::Update { where_, .. } = b {
                            where_.remove(i);
                        }
                    }));
                    for s in ex_steps(&where_[i].ex) {
                        out.push(with(&|b| {
                            if let Body::Update { where_, .. } = b {
                                where_[i].ex = s.clone();
                            }
                        }));
                    }
                }
            }
        }
        out
    }
}

/// A column in scope.
#[derive(Debug, Clone)]
struct SCol {
    /// How it is referenced (maybe qualified).
    qual: String,
    bare: String,
    name: String,
    k: K,
    nullable: bool,
    /// Its name is unique among the tables in scope (so it may go unqualified).
    unique: bool,
    /// It belongs to a LEFT-joined table.
    left: bool,
}

fn id_name(rust: &str) -> &'static str {
    match rust {
        "TenantId" => "TenantId",
        "UserId" => "UserId",
        "ApiKeyId" => "ApiKeyId",
        "SensorId" => "SensorId",
        "RuleId" => "RuleId",
        "RuleSensorId" => "RuleSensorId",
        "ConfigurationId" => "ConfigurationId",
        other => Box::leak(other.to_string().into_boxed_str()),
    }
}

fn kind_of(sql: &str, rust: &str) -> K {
    match sql.rsplit("::").next().unwrap_or_default() {
        "Uuid36" => K::Id(id_name(rust)),
        "UtcTimestamp" => K::Ts,
        "Text" => K::Text,
        "Bool" => K::Bool,
        "Double" => K::Dbl,
        _ => K::Int,
    }
}

const TEXT_LITERALS: &[&str] = &[
    "'eve'",
    "'eve '",
    "' eve'",
    "'EVE'",
    "'Émile'",
    "'émile'",
    "'straße'",
    "'STRASSE'",
    "''",
    "'🙂'",
    "'alpha'",
    "'Beta'",
    "'active'",
    "'draft'",
    "'observe'",
    "'admin'",
    "'two  spaces'",
    "'a ,b'",
    "'x )'",
    "'it''s'",
    "'{}'",
];
/// Every table, children before `tenants` (what WITH, UNION ALL and subqueries pick from).
const EVERY_TABLE: [&str; 7] = [
    "users",
    "api_keys",
    "sensors",
    "rules",
    "rule_sensors",
    "configurations",
    "tenants",
];

/// LIKE patterns without letters, backslashes or non-ASCII characters.
const LIKE_PATTERNS: &[&str] = &[
    "'%'", "'_'", "'__'", "'% %'", "'%  %'", "'%''%'", "''", "'%,%'", "'%)'", "'_%_'", "'%{}%'",
    "'% '", "' %'",
];
const INT_LITERALS: &[&str] = &["0", "1", "2", "3", "7", "42", "-1"];
const HUGE_INTS: &[&str] = &[
    "2147483647",
    "2147483648",
    "9223372036854775807",
    "99999999999999999999",
];
const DBL_LITERALS: &[&str] = &[
    "0.0",
    "0.1",
    "0.5",
    "1.0",
    "-2.5",
    "1e15",
    "1E-3",
    "0.3333333333333333",
    ".5",
];
const RESERVED_ALIASES: &[&str] = &["key", "rows", "range", "user", "analyze", "mod", "div"];
const STATES: &[&str] = &["draft", "active", "disabled"];
const ACTIONS: &[&str] = &["observe", "drop", "fail"];
const ROLES: &[&str] = &["admin", "operator", "observer"];

fn domain(col: &str) -> Option<&'static [&'static str]> {
    match col {
        "state" => Some(STATES),
        "action" => Some(ACTIONS),
        "role" => Some(ROLES),
        _ => None,
    }
}

/// Generation state for one query.
pub struct Gen<'a> {
    rng: &'a mut Rng,
    catalog: &'a Catalog,
    cols: Vec<SCol>,
    params: Vec<(String, String)>,
    hints: BTreeMap<String, Hint>,
    next_param: usize,
    /// None: columns allowed, no aggregates. Some(keys): only aggregates and these keys.
    outer: Option<Vec<(Ex, K)>>,
    in_agg: bool,
    /// Columns assigned earlier in the same SET.
    assigned: Vec<String>,
    /// Select aliases (for alias-in-WHERE hazards).
    aliases: Vec<(String, K)>,
    /// Whether a subquery may be generated here (WHERE), and how deep they are nested.
    subqueries: bool,
    sub_depth: u32,
    /// Subqueries made so far (their aliases are `q1`, `q2`, …).
    sub_seq: usize,
    /// A table no subquery may read (an UPDATE's own: MySQL refuses it).
    banned: Option<String>,
    tags: BTreeSet<&'static str>,
}

impl<'a> Gen<'a> {
    pub fn new(rng: &'a mut Rng, catalog: &'a Catalog) -> Self {
        Gen {
            rng,
            catalog,
            cols: vec![],
            params: vec![],
            hints: BTreeMap::new(),
            next_param: 0,
            outer: None,
            in_agg: false,
            assigned: vec![],
            aliases: vec![],
            subqueries: false,
            sub_depth: 0,
            sub_seq: 0,
            banned: None,
            tags: BTreeSet::new(),
        }
    }

    fn ill(&mut self) -> bool {
        self.rng.chance(0.06)
    }

    /// A fresh parameter; `declared` adds a `-- param:` annotation.
    fn param(&mut self, declared: Option<K>, hint: Hint) -> Ex {
        self.next_param += 1;
        let name = format!("p{}", self.next_param);
        if let Some(k) = declared {
            self.params.push((name.clone(), k.annotation().to_string()));
        }
        self.hints.insert(name.clone(), hint);
        Ex::leaf(format!(":{name}"), false)
    }

    fn hint_for(&self, c: &SCol) -> Hint {
        if let Some(d) = domain(&c.name) {
            return Hint::Domain(d);
        }
        if c.name == "sample_rate" {
            return Hint::Rate;
        }
        Hint::Column(c.name.clone())
    }

    fn colref(&mut self, c: &SCol) -> Ex {
        let mut e = if c.unique && self.rng.chance(0.4) {
            Ex::leaf(c.bare.clone(), c.nullable)
        } else {
            Ex::leaf(c.qual.clone(), c.nullable)
        };
        if self.rng.chance(0.03) {
            e.s = e.s.to_uppercase();
            e = e.tag("upper-case-ident");
        }
        if self.assigned.contains(&c.name) {
            e = e.tag("set-dependency");
        }
        if c.k == K::Text {
            e = e.tag("text");
        }
        if c.left {
            e = e.tag("left-join-column");
        }
        if c.nullable {
            e = e.tag("nullable");
        }
        e
    }

    fn cols_of(&self, k: K) -> Vec<SCol> {
        self.cols.iter().filter(|c| c.k.same(k)).cloned().collect()
    }

    fn column(&mut self, k: K) -> Option<(Ex, SCol)> {
        if self.outer.is_some() {
            return None; // in an aggregate context only group keys and aggregates
        }
        let cs = self.cols_of(k);
        if cs.is_empty() {
            return None;
        }
        let c = self.rng.pick(&cs).clone();
        Some((self.colref(&c), c))
    }

    fn literal(&mut self, k: K) -> Option<Ex> {
        Some(match k {
            K::Bool => Ex::leaf(*self.rng.pick(&["TRUE", "FALSE", "true"]), false),
            K::Int => {
                if self.rng.chance(0.12) {
                    Ex::leaf(*self.rng.pick(HUGE_INTS), false).tag("huge-int")
                } else {
                    Ex::leaf(*self.rng.pick(INT_LITERALS), false).tag("int-literal")
                }
            }
            K::Dbl => Ex::leaf(*self.rng.pick(DBL_LITERALS), false).tag("decimal-literal"),
            K::Text => Ex::leaf(*self.rng.pick(TEXT_LITERALS), false).tag("text"),
            K::Ts | K::Id(_) => return None,
        })
    }

    fn leaf(&mut self, k: K) -> Ex {
        if let Some(keys) = self.outer.clone() {
            // Aggregate context: a group key, an aggregate, or a constant.
            let ks: Vec<&(Ex, K)> = keys.iter().filter(|(_, kk)| kk.same(k)).collect();
            if !ks.is_empty() && self.rng.chance(0.5) {
                return self.rng.pick(&ks).0.clone();
            }
            if self.rng.chance(0.7) {
                if let Some(a) = self.aggregate(k) {
                    return a;
                }
            }
            if let Some(l) = self.literal(k) {
                return l;
            }
            return self.param(Some(k), Hint::Any);
        }
        let r = self.rng.below(100);
        if r < 65 {
            if let Some((e, _)) = self.column(k) {
                return e;
            }
        }
        if r < 92 {
            if let Some(l) = self.literal(k) {
                return l;
            }
        }
        if r < 97 || self.rng.chance(0.5) {
            return self.param(Some(k), Hint::Any);
        }
        Ex::leaf("NULL", true).tag("null-literal")
    }

    fn aggregate(&mut self, k: K) -> Option<Ex> {
        let saved = self.outer.take();
        self.in_agg = true;
        let r = self.rng.below(100);
        let e = match k {
            K::Int => match r % 5 {
                0 | 1 => Some(Ex::leaf("COUNT(*)", false).tag("agg")),
                2 => {
                    let k2 = self.any_kind();
                    let x = self.gen(k2, 2);
                    Some(Ex::node(
                        format!("COUNT({})", x.s),
                        &[&x],
                        vec![],
                        false,
                        true,
                    ))
                }
                3 => {
                    let k2 = self.any_kind();
                    self.column(k2).map(|(x, _)| {
                        Ex::node(
                            format!("COUNT(DISTINCT {})", x.s),
                            &[&x],
                            vec![],
                            false,
                            true,
                        )
                    })
                }
                _ => {
                    let x = self.gen(K::Int, 2);
                    let f = *self.rng.pick(&["SUM", "MIN", "MAX"]);
                    Some(
                        Ex::node(format!("{f}({})", x.s), &[&x], vec![], true, true)
                            .tag("int-aggregate"),
                    )
                }
            },
            K::Dbl => {
                let f = *self.rng.pick(&["SUM", "AVG", "MIN", "MAX", "AVG"]);
                let (x, tag) = if f == "AVG" && self.rng.chance(0.3) {
                    (self.gen(K::Int, 2), "avg-int")
                } else {
                    (self.gen(K::Dbl, 2), "agg")
                };
                Some(Ex::node(format!("{f}({})", x.s), &[&x], vec![], true, true).tag(tag))
            }
            K::Bool => {
                if self.ill() {
                    let x = self.gen(K::Bool, 2);
                    let f = *self.rng.pick(&["MIN", "MAX", "SUM"]);
                    Some(
                        Ex::node(format!("{f}({})", x.p()), &[&x], vec![], true, true)
                            .tag("ill:bool-aggregate"),
                    )
                } else {
                    None
                }
            }
            K::Text | K::Ts | K::Id(_) => {
                let x = self.gen(k, 2);
                let f = *self.rng.pick(&["MIN", "MAX"]);
                let t = if k == K::Text { "text-minmax" } else { "agg" };
                Some(Ex::node(format!("{f}({})", x.s), &[&x], vec![], true, true).tag(t))
            }
        };
        self.in_agg = false;
        self.outer = saved;
        e
    }

    fn any_kind(&mut self) -> K {
        let ids: Vec<K> = self
            .cols
            .iter()
            .filter_map(|c| matches!(c.k, K::Id(_)).then_some(c.k))
            .collect();
        match self.rng.below(7) {
            0 => K::Int,
            1 => K::Dbl,
            2 | 3 => K::Text,
            4 => K::Ts,
            5 if !ids.is_empty() => *self.rng.pick(&ids),
            _ => K::Bool,
        }
    }

    /// An expression of kind `k`.
    pub fn gen(&mut self, k: K, depth: u32) -> Ex {
        if depth >= 3 || self.rng.chance(0.4) {
            return self.leaf(k);
        }
        let d = depth + 1;
        match k {
            K::Bool => self.gen_bool(depth),
            K::Int => self.gen_num(K::Int, d),
            K::Dbl => self.gen_num(K::Dbl, d),
            K::Text => match self.rng.below(8) {
                5 => {
                    let x = self.gen(K::Text, d);
                    let (start, tag) = if self.ill() {
                        (*self.rng.pick(&["0", "-1", ":s0"]), "ill:substr-start")
                    } else {
                        (*self.rng.pick(&["1", "2", "3", "5"]), "substr")
                    };
                    if start == ":s0" {
                        self.hints.insert("s0".into(), Hint::Limit);
                    }
                    let len = match self.rng.below(3) {
                        0 => String::new(),
                        1 => format!(", {}", self.rng.pick(&["0", "1", "2", "4"])),
                        _ if self.ill() => ", -1".to_string(),
                        _ => ", 3".to_string(),
                    };
                    Ex::node(
                        format!("SUBSTR({}, {start}{len})", x.s),
                        &[&x],
                        vec![x.clone()],
                        x.nullable,
                        true,
                    )
                    .tag(tag)
                }
                6 => {
                    let x = self.gen(K::Text, d);
                    let f = *self.rng.pick(&["TRIM", "LTRIM", "RTRIM"]);
                    Ex::node(
                        format!("{f}({})", x.s),
                        &[&x],
                        vec![x.clone()],
                        x.nullable,
                        true,
                    )
                    .tag("trim")
                }
                7 => {
                    let a = self.gen(K::Text, d);
                    let b = if self.ill() {
                        let k2 = *self.rng.pick(&[K::Int, K::Dbl, K::Bool]);
                        self.gen(k2, d).tag("ill:concat-non-text")
                    } else {
                        self.gen(K::Text, d)
                    };
                    Ex::node(
                        format!("{} || {}", a.p(), b.p()),
                        &[&a, &b],
                        vec![a.clone(), b.clone()],
                        Ex::any_null(&[&a, &b]),
                        false,
                    )
                    .tag("concat")
                }
                0 | 1 => {
                    let x = self.gen(K::Text, d);
                    let f = *self.rng.pick(&["LOWER", "UPPER"]);
                    Ex::node(
                        format!("{f}({})", x.s),
                        &[&x],
                        vec![x.clone()],
                        x.nullable,
                        true,
                    )
                    .tag("case-fn")
                }
                2 => self.coalesce(K::Text, d),
                3 => self.case_when(K::Text, d),
                _ => self.case_simple(K::Text, d),
            },
            K::Ts => {
                if self.ill() {
                    let x = self.gen(K::Ts, d);
                    let n = *self.rng.pick(&["1", "0.5"]);
                    return Ex::node(
                        format!("{} + {n}", x.p()),
                        &[&x],
                        vec![x.clone()],
                        x.nullable,
                        false,
                    )
                    .tag("ill:timestamp-arithmetic");
                }
                if self.rng.chance(0.5) {
                    self.coalesce(K::Ts, d)
                } else {
                    self.case_when(K::Ts, d)
                }
            }
            K::Id(_) => {
                if self.rng.chance(0.6) {
                    self.coalesce(k, d)
                } else {
                    self.case_when(k, d)
                }
            }
        }
    }

    fn coalesce(&mut self, k: K, d: u32) -> Ex {
        let a = self.gen(k, d);
        let b = if self.ill() {
            let k2 = self.any_kind();
            self.gen(k2, d).tag("ill:coalesce-mixed")
        } else {
            self.gen(k, d)
        };
        let nullable = a.nullable && b.nullable;
        Ex::node(
            format!("COALESCE({}, {})", a.s, b.s),
            &[&a, &b],
            vec![a.clone(), b.clone()],
            nullable,
            true,
        )
    }

    fn case_when(&mut self, k: K, d: u32) -> Ex {
        let c = self.gen(K::Bool, d);
        let a = self.gen(k, d);
        let b = if self.ill() {
            let k2 = self.any_kind();
            self.gen(k2, d).tag("ill:case-mixed")
        } else {
            self.gen(k, d)
        };
        if self.rng.chance(0.2) {
            return Ex::node(
                format!("CASE WHEN {} THEN {} END", c.s, a.s),
                &[&c, &a],
                vec![a.clone()],
                true,
                true,
            )
            .tag("case-no-else");
        }
        Ex::node(
            format!("CASE WHEN {} THEN {} ELSE {} END", c.s, a.s, b.s),
            &[&c, &a, &b],
            vec![a.clone(), b.clone()],
            a.nullable || b.nullable,
            true,
        )
    }

    fn case_simple(&mut self, k: K, d: u32) -> Ex {
        if self.outer.is_some() {
            return self.case_when(k, d);
        }
        let (subject, sk) = match self.column(K::Text) {
            Some((e, c)) => (e, c),
            None => return self.case_when(k, d),
        };
        let lits: Vec<String> = match domain(&sk.name) {
            Some(dm) => dm.iter().map(|v| format!("'{v}'")).collect(),
            None => TEXT_LITERALS.iter().map(|s| s.to_string()).collect(),
        };
        let w1 = self.rng.pick(&lits).clone();
        let w2 = self.rng.pick(&lits).clone();
        let a = self.gen(k, d);
        let b = self.gen(k, d);
        let (s, nullable, subs) = if self.rng.chance(0.7) {
            let e = self.gen(k, d);
            (
                format!(
                    "CASE {} WHEN {w1} THEN {} WHEN {w2} THEN {} ELSE {} END",
                    subject.s, a.s, b.s, e.s
                ),
                a.nullable || b.nullable || e.nullable,
                vec![a.clone(), b.clone(), e],
            )
        } else {
            (
                format!(
                    "CASE {} WHEN {w1} THEN {} WHEN {w2} THEN {} END",
                    subject.s, a.s, b.s
                ),
                true,
                vec![a.clone(), b.clone()],
            )
        };
        let mut e = Ex::node(s, &[&subject, &a, &b], subs.clone(), nullable, true);
        for x in &subs {
            e.tags.extend(x.tags.iter().copied());
        }
        e.tag("case-simple")
    }

    fn gen_num(&mut self, k: K, d: u32) -> Ex {
        if self.outer.is_some() && self.rng.chance(0.5) {
            if let Some(a) = self.aggregate(k) {
                return a;
            }
        }
        match self.rng.below(10) {
            0..=3 => {
                let op = *self.rng.pick(&["+", "-", "*", "+"]);
                let a = self.gen(k, d);
                let other = if k == K::Dbl && self.rng.chance(0.4) {
                    K::Int
                } else {
                    k
                };
                let b = if self.ill() {
                    let t = self.rng.pick(&[K::Text, K::Bool, K::Ts]).to_owned();
                    self.gen(t, d).tag("ill:arithmetic-on-non-number")
                } else {
                    self.gen(other, d)
                };
                let subs = if other == k {
                    vec![a.clone(), b.clone()]
                } else {
                    vec![a.clone()]
                };
                Ex::node(
                    format!("{} {op} {}", a.p(), b.p()),
                    &[&a, &b],
                    subs,
                    Ex::any_null(&[&a, &b]),
                    false,
                )
            }
            4 => {
                let a = self.gen(k, d);
                let (b, tag) = match self.rng.below(10) {
                    0 | 1 => (Ex::leaf("0", false), "modulo-zero"),
                    2 if k == K::Int => (Ex::leaf("0.5", false), "modulo-decimal"),
                    _ => (Ex::leaf(*self.rng.pick(&["2", "3", "7"]), false), "modulo"),
                };
                let tag = if k == K::Dbl { "modulo-double" } else { tag };
                Ex::node(
                    format!("{} % {}", a.p(), b.s),
                    &[&a],
                    vec![a.clone()],
                    true,
                    false,
                )
                .tag(tag)
            }
            5 => {
                let a = self.gen(k, d);
                let s = if a.s.starts_with('-') {
                    format!("-({})", a.s)
                } else {
                    format!("-{}", a.p())
                };
                Ex::node(s, &[&a], vec![a.clone()], a.nullable, true)
            }
            6 => {
                let a = self.gen(k, d);
                Ex::node(
                    format!("ABS({})", a.s),
                    &[&a],
                    vec![a.clone()],
                    a.nullable,
                    true,
                )
            }
            7 => self.case_when(k, d),
            8 => {
                if self.outer.is_none() && !self.in_agg && self.rng.chance(0.5) {
                    self.case_simple(k, d)
                } else {
                    self.coalesce(k, d)
                }
            }
            _ => self.leaf(k),
        }
    }

    /// A comparison of two values of one kind (or, now and then, of two kinds).
    fn comparison(&mut self, d: u32) -> Ex {
        let k = self.any_kind();
        let k = if k == K::Bool && self.rng.chance(0.5) {
            K::Text
        } else {
            k
        };
        let left = if self.outer.is_none() && self.rng.chance(0.75) {
            self.column(k)
                .map(|x| x.0)
                .unwrap_or_else(|| self.gen(k, d))
        } else {
            self.gen(k, d)
        };
        let ops: &[&str] = if k == K::Bool {
            &["=", "<>"]
        } else {
            &["=", "<>", "!=", "<", "<=", ">", ">="]
        };
        let op = *self.rng.pick(ops);
        let left_col = self
            .cols
            .iter()
            .find(|c| c.qual == left.s || c.bare == left.s)
            .cloned();
        let mut tag = None;
        let right = if self.ill() {
            let (r, t) = self.ill_operand(k);
            tag = Some(t);
            r
        } else if left_col.is_some() && self.rng.chance(0.4) {
            let c = left_col.clone().unwrap();
            let hint = self.hint_for(&c);
            if self.rng.chance(0.1) {
                // A positional `?` takes the name of the column it is compared with.
                self.hints.insert(c.name.clone(), hint);
                Ex::leaf("?", false).tag("positional")
            } else {
                self.param(None, hint)
            }
        } else if left_col.is_some() && self.rng.chance(0.25) {
            // A wrongly declared parameter.
            if self.rng.chance(0.3) {
                let k2 = self.any_kind();
                if !k2.same(k) {
                    tag = Some("ill:declared-param-type");
                }
                self.param(Some(k2), Hint::Any)
            } else {
                self.param(Some(k), Hint::Any)
            }
        } else {
            self.gen(k, d)
        };
        let mut e = Ex::node(
            format!("{} {op} {}", left.p(), right.p()),
            &[&left, &right],
            vec![],
            Ex::any_null(&[&left, &right]),
            false,
        );
        if let Some(t) = tag {
            e = e.tag(t);
        }
        if left_col.as_ref().is_some_and(|c| c.nullable) {
            e = e.tag("nullable");
        }
        e
    }

    /// An operand of the wrong kind for a comparison with a `k`.
    fn ill_operand(&mut self, k: K) -> (Ex, &'static str) {
        match k {
            K::Text => match self.rng.below(3) {
                0 => (
                    Ex::leaf(*self.rng.pick(&["0", "1", "-1"]), false),
                    "ill:text-vs-number",
                ),
                1 => (Ex::leaf("TRUE", false), "ill:text-vs-bool"),
                _ => (self.gen(K::Dbl, 2), "ill:text-vs-number"),
            },
            K::Bool => (
                Ex::leaf(*self.rng.pick(&["1", "0", "2"]), false),
                "ill:bool-vs-int",
            ),
            K::Ts => match self.rng.below(3) {
                0 => (
                    Ex::leaf(
                        *self.rng.pick(&[
                            "'2024-06-01'",
                            "'2024-06-01 00:00:00'",
                            "'2000-02-29T12:34:56Z'",
                        ]),
                        false,
                    ),
                    "ill:timestamp-vs-string",
                ),
                1 => (
                    Ex::leaf(*self.rng.pick(&["0", "1700000000"]), false),
                    "ill:timestamp-vs-number",
                ),
                _ => (
                    self.column(K::Text)
                        .map(|x| x.0)
                        .unwrap_or(Ex::leaf("'x'", false)),
                    "ill:timestamp-vs-text",
                ),
            },
            K::Id(_) => match self.rng.below(2) {
                0 => (
                    Ex::leaf(*self.rng.pick(&["'abc'", "'0'", "''"]), false),
                    "ill:id-vs-text",
                ),
                _ => (
                    Ex::leaf(*self.rng.pick(&["0", "1"]), false),
                    "ill:id-vs-number",
                ),
            },
            K::Int | K::Dbl => match self.rng.below(2) {
                0 => (
                    Ex::leaf(*self.rng.pick(&["'1'", "'0.5'", "'abc'", "' 1'"]), false),
                    "ill:number-vs-string",
                ),
                _ => (
                    self.column(K::Text)
                        .map(|x| x.0)
                        .unwrap_or(Ex::leaf("'1'", false)),
                    "ill:number-vs-text",
                ),
            },
        }
    }

    fn gen_bool(&mut self, depth: u32) -> Ex {
        let d = depth + 1;
        match self.rng.below(19) {
            15 | 16 if self.subqueries && self.outer.is_none() && self.sub_depth < 2 => {
                self.subquery(d)
            }
            17 => {
                let x = self.gen(K::Text, d);
                let (pattern, tag) = if self.ill() {
                    (
                        *self.rng.pick(&["'%e%'", "'E%'", "'%é%'", "'%\\%'"]),
                        "ill:like-letters",
                    )
                } else {
                    (*self.rng.pick(LIKE_PATTERNS), "like")
                };
                let not = if self.rng.chance(0.3) { "NOT " } else { "" };
                Ex::node(
                    format!("{} {not}LIKE {pattern}", x.p()),
                    &[&x],
                    vec![],
                    x.nullable,
                    false,
                )
                .tag(tag)
            }
            0..=5 => self.comparison(d),
            6 => {
                let k = self.any_kind();
                let nullable: Vec<SCol> =
                    self.cols.iter().filter(|c| c.nullable).cloned().collect();
                let x = if self.outer.is_none() && !nullable.is_empty() && self.rng.chance(0.7) {
                    let c = self.rng.pick(&nullable).clone();
                    self.colref(&c)
                } else {
                    self.gen(k, d)
                };
                let not = if self.rng.chance(0.5) { " NOT" } else { "" };
                Ex::node(
                    format!("{} IS{not} NULL", x.p()),
                    &[&x],
                    vec![],
                    false,
                    false,
                )
            }
            7 => {
                let k = self.any_kind();
                let left = if self.outer.is_none() {
                    self.column(k)
                        .map(|x| x.0)
                        .unwrap_or_else(|| self.gen(k, d))
                } else {
                    self.gen(k, d)
                };
                let left_col = self
                    .cols
                    .iter()
                    .find(|c| c.qual == left.s || c.bare == left.s)
                    .cloned();
                let n = 1 + self.rng.below(3);
                let mut vals = Vec::new();
                let mut tags = Vec::new();
                for _ in 0..n {
                    let v = if self.ill() {
                        let (v, t) = self.ill_operand(k);
                        tags.push(t);
                        v
                    } else if let (Some(c), true) = (&left_col, self.rng.chance(0.3)) {
                        let hint = self.hint_for(c);
                        self.param(None, hint)
                    } else if self.rng.chance(0.08) {
                        Ex::leaf("NULL", true).tag("null-in-list")
                    } else {
                        self.gen(k, d + 1)
                    };
                    vals.push(v);
                }
                let not = if self.rng.chance(0.3) { "NOT " } else { "" };
                let list: Vec<String> = vals.iter().map(|v| v.s.clone()).collect();
                let mut refs: Vec<&Ex> = vals.iter().collect();
                refs.push(&left);
                let mut e = Ex::node(
                    format!("{} {not}IN ({})", left.p(), list.join(", ")),
                    &refs,
                    vec![],
                    true,
                    false,
                );
                for t in tags {
                    e = e.tag(t);
                }
                e
            }
            8 => {
                let k = *self.rng.pick(&[K::Int, K::Dbl, K::Text, K::Ts]);
                let left = if self.outer.is_none() {
                    self.column(k)
                        .map(|x| x.0)
                        .unwrap_or_else(|| self.gen(k, d))
                } else {
                    self.gen(k, d)
                };
                let left_col = self
                    .cols
                    .iter()
                    .find(|c| c.qual == left.s || c.bare == left.s)
                    .cloned();
                let bound = |g: &mut Self| match (&left_col, g.rng.chance(0.4)) {
                    (Some(c), true) => {
                        let hint = g.hint_for(c);
                        g.param(None, hint)
                    }
                    _ => g.gen(k, d + 1),
                };
                let lo = bound(self);
                let hi = bound(self);
                let not = if self.rng.chance(0.3) { "NOT " } else { "" };
                Ex::node(
                    format!("{} {not}BETWEEN {} AND {}", left.p(), lo.p(), hi.p()),
                    &[&left, &lo, &hi],
                    vec![],
                    true,
                    false,
                )
            }
            9 => {
                let x = self.gen(K::Bool, d);
                Ex::node(
                    format!("NOT {}", x.p()),
                    &[&x],
                    vec![x.clone()],
                    x.nullable,
                    false,
                )
            }
            10 | 11 => {
                let a = self.gen(K::Bool, d);
                let b = self.gen(K::Bool, d);
                let op = if self.rng.chance(0.5) { "AND" } else { "OR" };
                Ex::node(
                    format!("{} {op} {}", a.p(), b.p()),
                    &[&a, &b],
                    vec![a.clone(), b.clone()],
                    Ex::any_null(&[&a, &b]),
                    false,
                )
            }
            12 if self.ill() => {
                let k = *self.rng.pick(&[K::Int, K::Dbl, K::Text]);
                let x = self.gen(k, d);
                Ex::node(format!("NOT {}", x.p()), &[&x], vec![], x.nullable, false)
                    .tag("ill:not-on-non-bool")
            }
            12 | 13 => {
                if !self.aliases.is_empty() && self.outer.is_none() && self.rng.chance(0.15) {
                    let (a, k) = self.rng.pick(&self.aliases.clone()).clone();
                    let right = self.gen(k, d);
                    return Ex::node(
                        format!("{a} = {}", right.p()),
                        &[&right],
                        vec![],
                        true,
                        false,
                    )
                    .tag("alias-in-where");
                }
                self.leaf(K::Bool)
            }
            // An optional filter (`Option` parameter): every row when it is NULL.
            14 if self.outer.is_none() && !self.cols.is_empty() => {
                let c = self.rng.pick(&self.cols.clone()).clone();
                let hint = self.hint_for(&c);
                let p = self.param(None, hint);
                let col = self.colref(&c);
                let op = *self.rng.pick(&["=", "<>", "<", ">="]);
                Ex::node(
                    format!("({} IS NULL OR {} {op} {})", p.s, col.p(), p.s),
                    &[&col],
                    vec![],
                    col.nullable,
                    true,
                )
                .tag("optional-filter")
            }
            _ => self.leaf(K::Bool),
        }
    }

    /// `n` random conditions (subqueries allowed: this is a WHERE) as further AND terms.
    fn where_terms(&mut self, n: usize, where_: &mut Vec<Conj>) {
        for _ in 0..n {
            self.subqueries = true;
            let e = self.gen_bool(0);
            self.subqueries = false;
            where_.push(Conj {
                ex: e,
                scope: false,
            });
        }
    }

    /// A window function over the tables in scope: ROW_NUMBER ordered to the driving key (now
    /// and then not), RANK / DENSE_RANK, or an aggregate over the partition.
    fn window(&mut self, driving_pk: &str) -> Ex {
        let cols = self.cols.clone();
        let not_null: Vec<&SCol> = cols.iter().filter(|c| !c.nullable).collect();
        let partition = if self.rng.chance(0.6) && !cols.is_empty() {
            let c = self.rng.pick(&cols).clone();
            Some(self.colref(&c).s)
        } else {
            None
        };
        let mut order: Vec<String> = Vec::new();
        let mut tags = vec!["window"];
        for _ in 0..self.rng.below(3) {
            if not_null.is_empty() {
                break;
            }
            let c = (*self.rng.pick(&not_null)).clone();
            let desc = if self.rng.chance(0.3) { " DESC" } else { "" };
            order.push(format!("{}{desc}", self.colref(&c).s));
        }
        if self.ill() {
            if let Some(c) = cols.iter().find(|c| c.nullable) {
                order.insert(0, c.qual.clone());
                tags.push("ill:window-null-order");
            }
        }
        let (f, nullable) = match self.rng.below(7) {
            0 | 1 => {
                if self.rng.chance(0.9) {
                    order.extend(driving_pk.split(", ").map(str::to_string));
                } else {
                    tags.push("ill:window-ties");
                }
                ("ROW_NUMBER()".to_string(), false)
            }
            2 => ("RANK()".to_string(), false),
            3 => ("DENSE_RANK()".to_string(), false),
            4 => ("COUNT(*)".to_string(), false),
            _ => {
                let k = *self.rng.pick(&[K::Int, K::Text, K::Ts, K::Dbl]);
                match self.column(k) {
                    Some((e, _)) => (
                        format!("{}({})", self.rng.pick(&["MIN", "MAX", "COUNT"]), e.s),
                        true,
                    ),
                    None => ("COUNT(*)".to_string(), false),
                }
            }
        };
        if order.is_empty() && (f == "RANK()" || f == "DENSE_RANK()") {
            order.extend(driving_pk.split(", ").map(str::to_string));
        }
        let mut spec = Vec::new();
        if let Some(p) = partition {
            spec.push(format!("PARTITION BY {p}"));
        }
        if !order.is_empty() {
            spec.push(format!("ORDER BY {}", order.join(", ")));
        }
        let mut e = Ex::leaf(format!("{f} OVER ({})", spec.join(" ")), nullable);
        for t in tags {
            e = e.tag(t);
        }
        e
    }

    /// `EXISTS (…)`, `x IN (SELECT …)` or `x op (SELECT aggregate …)` over a table of its own,
    /// correlated with the enclosing query now and then; its table is scoped like any other.
    fn subquery(&mut self, d: u32) -> Ex {
        let tables: Vec<&str> = EVERY_TABLE
            .into_iter()
            .filter(|t| self.banned.as_deref() != Some(*t))
            .collect();
        let t = *self.rng.pick(&tables);
        self.sub_seq += 1;
        let a = format!("q{}", self.sub_seq);
        let outer_cols = self.cols.clone();
        let outer_aliases = std::mem::take(&mut self.aliases);
        // The enclosing query's columns, qualified (the checker refuses a bare outer name).
        for c in &mut self.cols {
            c.unique = false;
        }
        let mut conds: Vec<Conj> = Vec::new();
        let mut head = Vec::new();
        self.scope_conds(t, &a, &mut head, &mut conds);
        if !head.is_empty() {
            self.tags.insert("sub-unscoped");
        }
        let outer_tenant = outer_cols
            .iter()
            .find(|c| c.name == "tenant_id" && !c.left)
            .map(|c| c.qual.clone());
        if let Some(ot) = &outer_tenant {
            if self.rng.chance(0.5) {
                for c in &mut conds {
                    c.ex.s = c.ex.s.replace(":tenant_id", ot);
                }
                self.tags.insert("sub-correlated-tenant");
            }
        }
        self.scope_tables(&[(t.to_string(), a.clone())], &[]);
        let inner: Vec<SCol> = self.cols[outer_cols.len()..].to_vec();
        // Correlation through a column both have (a key, a name, a time).
        let pairs: Vec<(SCol, SCol)> = inner
            .iter()
            .flat_map(|i| {
                outer_cols
                    .iter()
                    .filter(move |o| o.name == i.name && o.k == i.k && o.name != "tenant_id")
                    .map(move |o| (i.clone(), o.clone()))
            })
            .collect();
        if !pairs.is_empty() && self.rng.chance(0.6) {
            let (i, o) = self.rng.pick(&pairs).clone();
            let op = if self.rng.chance(0.8) { "=" } else { "<>" };
            conds.push(Conj {
                ex: Ex::leaf(format!("{} {op} {}", i.qual, o.qual), true),
                scope: false,
            });
            self.tags.insert("sub-correlated");
        }
        self.sub_depth += 1;
        for _ in 0..self.rng.below(3) {
            let e = self.gen_bool(d + 1);
            conds.push(Conj {
                ex: e,
                scope: false,
            });
        }
        self.sub_depth -= 1;
        let form = self.rng.below(3);
        // A value subquery without an aggregate returns at most one row only by its key.
        let by_key = form == 2 && self.rng.chance(0.3);
        if by_key {
            let pk = &self.catalog[t][0].name;
            if let Some(o) = outer_cols.iter().find(|o| o.name == *pk) {
                if self.rng.chance(0.8) {
                    conds.push(Conj {
                        ex: Ex::leaf(format!("{a}.{pk} = {}", o.qual), false),
                        scope: false,
                    });
                }
            }
        }
        let where_: Vec<String> = conds.iter().map(|c| c.ex.p()).collect();
        let where_ = if where_.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", where_.join(" AND "))
        };
        let mut children: Vec<Ex> = conds.iter().map(|c| c.ex.clone()).collect();
        let e = match form {
            0 => {
                let items = ["1".to_string(), "*".to_string(), inner[0].qual.clone()];
                let item = self.rng.pick(&items).clone();
                let not = if self.rng.chance(0.4) { "NOT " } else { "" };
                Ex::leaf(
                    format!("{not}EXISTS (SELECT {item} FROM {t} {a}{where_})"),
                    false,
                )
                .tag("subquery-exists")
            }
            1 => {
                let c = self.rng.pick(&inner).clone();
                self.cols = outer_cols.clone();
                let left = match self
                    .cols_of(c.k)
                    .into_iter()
                    .filter(|o| o.k == c.k)
                    .collect::<Vec<_>>()
                {
                    os if !os.is_empty() && self.rng.chance(0.7) => {
                        let o = self.rng.pick(&os).clone();
                        self.colref(&o)
                    }
                    _ if matches!(c.k, K::Id(_) | K::Ts) => {
                        let hint = self.hint_for(&c);
                        self.param(None, hint)
                    }
                    _ => self.gen(c.k, d + 1),
                };
                let not = if self.rng.chance(0.4) { "NOT " } else { "" };
                children.push(left.clone());
                Ex::leaf(
                    format!(
                        "{} {not}IN (SELECT {} FROM {t} {a}{where_})",
                        left.p(),
                        c.qual
                    ),
                    true,
                )
                .tag("subquery-in")
            }
            _ => {
                let c = self.rng.pick(&inner).clone();
                let (agg, k) = match self.rng.below(3) {
                    _ if by_key => (c.qual.clone(), c.k),
                    0 => ("COUNT(*)".to_string(), K::Int),
                    _ if c.k == K::Bool => ("COUNT(*)".to_string(), K::Int),
                    _ => (
                        format!("{}({})", self.rng.pick(&["MIN", "MAX"]), c.qual),
                        c.k,
                    ),
                };
                self.cols = outer_cols.clone();
                let left = match self.column(k) {
                    Some((e, _)) if self.rng.chance(0.7) => e,
                    _ if matches!(k, K::Id(_) | K::Ts) => {
                        let hint = self.hint_for(&c);
                        self.param(None, hint)
                    }
                    _ => self.gen(k, d + 1),
                };
                let op = *self.rng.pick(&["=", "<>", "<", ">="]);
                children.push(left.clone());
                Ex::leaf(
                    format!("{} {op} (SELECT {agg} FROM {t} {a}{where_})", left.p()),
                    true,
                )
                .tag(if by_key {
                    "subquery-by-key"
                } else {
                    "subquery-value"
                })
            }
        };
        self.cols = outer_cols;
        self.aliases = outer_aliases;
        let refs: Vec<&Ex> = children.iter().collect();
        let mut out = Ex::node(e.s.clone(), &refs, vec![], e.nullable, false);
        out.tags.extend(e.tags);
        out.tag("subquery")
    }

    /// Puts the columns of `tables` (table, reference) in scope; those of `left` (references of
    /// LEFT-joined tables) may be NULL whatever the schema says.
    fn scope_tables(&mut self, tables: &[(String, String)], left: &[String]) {
        let mut count: BTreeMap<String, usize> = BTreeMap::new();
        for (t, _) in tables {
            for c in &self.catalog[t] {
                *count.entry(c.name.clone()).or_default() += 1;
            }
        }
        for (t, r) in tables {
            for c in &self.catalog[t] {
                self.cols.push(SCol {
                    qual: format!("{r}.{}", c.name),
                    bare: c.name.clone(),
                    name: c.name.clone(),
                    k: kind_of(&c.sql, &c.rust),
                    nullable: c.nullable || left.contains(r),
                    unique: count[&c.name] == 1,
                    left: left.contains(r),
                });
            }
        }
    }

    fn alias_for(&mut self, table: &str, used: &mut Vec<String>) -> Option<String> {
        let r = self.rng.below(100);
        let a = if r < 45 {
            return None;
        } else if r < 85 {
            table.split('_').map(|w| &w[..1]).collect::<String>()
        } else {
            self.tags.insert("reserved-alias");
            self.rng.pick(RESERVED_ALIASES).to_string()
        };
        if used.contains(&a) {
            return None;
        }
        used.push(a.clone());
        Some(a)
    }

    /// A reference to a table or its alias, now and then in another case.
    fn refname(&mut self, table: &str, alias: &Option<String>) -> String {
        let base = alias.clone().unwrap_or_else(|| table.to_string());
        if self.rng.chance(0.04) {
            self.tags.insert(if alias.is_some() {
                "alias-case"
            } else {
                "table-case"
            });
            base.to_uppercase()
        } else {
            base
        }
    }

    fn scope_conds(&mut self, table: &str, r: &str, head: &mut Vec<String>, conds: &mut Vec<Conj>) {
        let cols: Vec<String> = self.catalog[table].iter().map(|c| c.name.clone()).collect();
        if cols.contains(&"tenant_id".to_string()) && (table != "tenants" || self.rng.chance(0.3)) {
            let e = Ex::leaf(format!("{r}.tenant_id = :tenant_id"), false);
            if self.rng.chance(0.03) {
                let other = self.gen(K::Bool, 2);
                conds.push(Conj {
                    ex: Ex::node(
                        format!("{} OR {}", e.s, other.p()),
                        &[&other],
                        vec![],
                        true,
                        false,
                    )
                    .tag("scope-under-or"),
                    scope: true,
                });
            } else if table != "tenants" && self.rng.chance(0.03) {
                if !head.contains(&"all-tenants".to_string()) {
                    head.push("all-tenants".into());
                }
                self.tags.insert("all-tenants");
            } else if !self.rng.chance(0.03) {
                conds.push(Conj { ex: e, scope: true });
            }
        }
        if cols.contains(&"deleted_at".to_string()) {
            if self.rng.chance(0.03) {
                if !head.contains(&"include-deleted".to_string()) {
                    head.push("include-deleted".into());
                }
                self.tags.insert("include-deleted");
            } else if !self.rng.chance(0.03) {
                conds.push(Conj {
                    ex: Ex::leaf(format!("{r}.deleted_at IS NULL"), false),
                    scope: true,
                });
            }
        }
    }

    /// A random SELECT, UNION ALL or UPDATE block.
    pub fn query(self) -> Query {
        if self.rng.chance(0.22) {
            self.update()
        } else if self.rng.chance(0.1) {
            self.union()
        } else if self.rng.chance(0.1) {
            self.with()
        } else if self.rng.chance(0.06) {
            self.insert_select()
        } else if self.rng.chance(0.05) {
            self.batch()
        } else {
            self.select()
        }
    }

    /// A `-- batch` INSERT into sensors or rules: every NOT NULL column the function does not
    /// make, some nullable ones, in a random order; each value a parameter (of the column's
    /// kind, from the seed or the edge values), a literal, `NULL`, or `COALESCE(:p, literal)`.
    /// Tables with unique keys or parents are left out: a collision or a missing parent is a
    /// data error on every engine, not a difference of meaning.
    fn batch(mut self) -> Query {
        let t = *self.rng.pick(&["sensors", "rules"]);
        self.scope_tables(&[(t.to_string(), t.to_string())], &[]);
        let made = ["created_at", "modified_at", "deleted_at"];
        let cols: Vec<SCol> = self
            .cols
            .iter()
            .filter(|c| !matches!(c.k, K::Id(_)) && !made.contains(&c.name.as_str()))
            .filter(|c| !c.nullable || self.rng.chance(0.5))
            .cloned()
            .collect();
        let mut columns = vec![("tenant_id".to_string(), Ex::leaf(":tenant_id", false))];
        for c in &cols {
            let value = self.batch_value(c);
            columns.push((c.name.clone(), value));
        }
        for i in (1..columns.len()).rev() {
            let j = self.rng.below(i + 1);
            columns.swap(i, j);
        }
        Query {
            head: vec!["batch".into()],
            params: self.params,
            hints: self.hints,
            body: Body::Batch {
                table: t.to_string(),
                columns,
            },
            tags: self.tags,
        }
    }

    /// A value for column `c` of a batch row.
    fn batch_value(&mut self, c: &SCol) -> Ex {
        if let Some(dm) = domain(&c.name) {
            return if self.rng.chance(0.3) {
                Ex::leaf(format!("'{}'", self.rng.pick(dm)), false)
            } else {
                self.param(None, Hint::Domain(dm))
            };
        }
        let hint = self.hint_for(c);
        let literal = match c.name.as_str() {
            "metadata" | "scope_tags" | "expression" => Some(Ex::leaf(
                *self.rng.pick(&["'{}'", "'[]'", "'{\"a\": 1}'"]),
                false,
            )),
            "sample_rate" => Some(Ex::leaf(*self.rng.pick(&["0.5", "1", "0"]), false)),
            _ => self.literal(c.k),
        };
        let r = self.rng.below(100);
        match literal {
            Some(l) if r < 20 => l,
            _ if c.nullable && r < 30 => Ex::leaf("NULL", true),
            Some(l) if c.nullable && r < 40 => {
                let p = self.param(None, hint);
                Ex::node(
                    format!("COALESCE({}, {})", p.s, l.s),
                    &[&p, &l],
                    vec![p.clone(), l.clone()],
                    false,
                    true,
                )
                .tag("coalesce")
            }
            _ => self.param(None, hint),
        }
    }

    /// `INSERT INTO rule_sensors … SELECT :tenant_id, :rule, s.sensor_id FROM sensors s …` or
    /// `INSERT INTO sensors … SELECT :tenant_id, <text>, <text>, r.expression FROM rules r …`.
    fn insert_select(mut self) -> Query {
        let into_links = self.rng.chance(0.5);
        let (t, r) = if into_links {
            ("sensors", "s")
        } else {
            ("rules", "r")
        };
        let mut head = Vec::new();
        let mut where_ = Vec::new();
        self.scope_conds(t, r, &mut head, &mut where_);
        self.scope_tables(&[(t.to_string(), r.to_string())], &[]);
        let n = self.rng.below(3);
        self.where_terms(n, &mut where_);
        let item = |ex: Ex| Item {
            ex,
            alias: None,
            annotation: None,
        };
        let (insert, items) = if into_links {
            let rule = self.param(None, Hint::Column("rule_id".into()));
            (
                "INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id)",
                vec![
                    item(Ex::leaf(":tenant_id", false)),
                    item(rule),
                    item(Ex::leaf("s.sensor_id", false)),
                ],
            )
        } else {
            let name = self.gen(K::Text, 1);
            let description = self.gen(K::Text, 1);
            (
                "INSERT INTO sensors (tenant_id, name, description, metadata)",
                vec![
                    item(Ex::leaf(":tenant_id", false)),
                    Item {
                        ex: name,
                        alias: Some("name".into()),
                        annotation: None,
                    },
                    Item {
                        ex: description,
                        alias: Some("description".into()),
                        annotation: None,
                    },
                    item(Ex::leaf("r.expression", false)),
                ],
            )
        };
        let select = Body::Select {
            distinct: false,
            items,
            from: format!("{t} {r}"),
            where_,
            group_by: vec![],
            having: None,
            order_by: vec![],
            limit: None,
            offset: None,
            mode: Mode::Plain,
            pk_parts: 1,
        };
        Query {
            head,
            params: self.params,
            hints: self.hints,
            body: Body::InsertSelect {
                head: insert.into(),
                select: Box::new(select),
            },
            tags: self.tags,
        }
    }

    /// `WITH w AS (SELECT key, … FROM t WHERE …) SELECT … FROM w WHERE … [ORDER BY key]`: the
    /// WITH query scoped like any SELECT, the body reading its columns.
    fn with(mut self) -> Query {
        let tables = EVERY_TABLE;
        let t = *self.rng.pick(&tables);
        let r = if self.rng.chance(0.5) {
            "b0".to_string()
        } else {
            t.to_string()
        };
        let mut head = Vec::new();
        let mut where_ = Vec::new();
        self.scope_conds(t, &r, &mut head, &mut where_);
        self.scope_tables(&[(t.to_string(), r.clone())], &[]);
        let n = self.rng.below(3);
        self.where_terms(n, &mut where_);
        let key = self.catalog[t][0].clone();
        let key_kind = kind_of(&key.sql, &key.rust);
        let mut items = vec![Item {
            ex: Ex::leaf(format!("{r}.{}", key.name), false),
            alias: None,
            annotation: None,
        }];
        let mut wcols = vec![SCol {
            qual: format!("w.{}", key.name),
            bare: key.name.clone(),
            name: key.name.clone(),
            k: key_kind,
            nullable: false,
            unique: true,
            left: false,
        }];
        for j in 0..1 + self.rng.below(3) {
            let k = self.any_kind();
            let e = match self.column(k) {
                Some((e, _)) if self.rng.chance(0.6) => e,
                _ => self.gen(k, 1),
            };
            wcols.push(SCol {
                qual: format!("w.c{j}"),
                bare: format!("c{j}"),
                name: format!("c{j}"),
                k,
                nullable: e.nullable,
                unique: true,
                left: false,
            });
            items.push(Item {
                ex: e,
                alias: Some(format!("c{j}")),
                annotation: None,
            });
        }
        let from = if r == t {
            t.to_string()
        } else {
            format!("{t} {r}")
        };
        let cte = Body::Select {
            distinct: false,
            items,
            from,
            where_,
            group_by: vec![],
            having: None,
            order_by: vec![],
            limit: None,
            offset: None,
            mode: Mode::Plain,
            pk_parts: 1,
        };
        self.cols = wcols.clone();
        let mut items = vec![Item {
            ex: Ex::leaf(wcols[0].qual.clone(), false),
            alias: None,
            annotation: None,
        }];
        for (j, c) in wcols.iter().enumerate().skip(1) {
            let e = if self.rng.chance(0.6) {
                self.colref(c)
            } else {
                self.gen(c.k, 1)
            };
            items.push(Item {
                ex: e,
                alias: Some(format!("d{j}")),
                annotation: None,
            });
        }
        let mut where_ = Vec::new();
        let n = self.rng.below(3);
        self.where_terms(n, &mut where_);
        let ordered = self.rng.chance(0.8);
        let order_by = if ordered {
            vec![(
                Ex::leaf(wcols[0].qual.clone(), false).tag("pk"),
                self.rng.chance(0.3),
            )]
        } else {
            vec![]
        };
        let limit = (ordered && self.rng.chance(0.3)).then(|| self.limit_value());
        let body = Body::Select {
            distinct: false,
            items,
            from: "w".into(),
            where_,
            group_by: vec![],
            having: None,
            order_by,
            limit,
            offset: None,
            mode: Mode::Plain,
            pk_parts: 1,
        };
        Query {
            head,
            params: self.params,
            hints: self.hints,
            body: Body::With {
                ctes: vec![("w".into(), cte)],
                body: Box::new(body),
            },
            tags: self.tags,
        }
    }

    /// Two or three SELECTs over tables of their own with the same column kinds, joined by
    /// UNION ALL, now and then ordered (by every column, or some) and limited.
    fn union(mut self) -> Query {
        let tables = EVERY_TABLE;
        let n = 1 + self.rng.below(3);
        let kinds: Vec<K> = (0..n)
            .map(|_| {
                *self.rng.pick(&[
                    K::Int,
                    K::Dbl,
                    K::Text,
                    K::Text,
                    K::Ts,
                    K::Bool,
                    K::Id("TenantId"),
                ])
            })
            .collect();
        let mut head = Vec::new();
        let mut branches = Vec::new();
        for b in 0..2 + usize::from(self.rng.chance(0.2)) {
            let t = *self.rng.pick(&tables);
            let r = if self.rng.chance(0.5) {
                format!("b{b}")
            } else {
                t.to_string()
            };
            self.cols.clear();
            let mut where_ = Vec::new();
            self.scope_conds(t, &r, &mut head, &mut where_);
            self.scope_tables(&[(t.to_string(), r.clone())], &[]);
            let n = self.rng.below(3);
            self.where_terms(n, &mut where_);
            let mut items = Vec::new();
            for (j, k) in kinds.iter().enumerate() {
                let e = match self.column(*k) {
                    Some((e, _)) if self.rng.chance(0.6) => e,
                    _ => self.gen(*k, 1),
                };
                items.push(Item {
                    ex: e,
                    alias: Some(format!("c{j}")),
                    annotation: None,
                });
            }
            let from = if r == t {
                t.to_string()
            } else {
                format!("{t} {r}")
            };
            branches.push(Body::Select {
                distinct: false,
                items,
                from,
                where_,
                group_by: vec![],
                having: None,
                order_by: vec![],
                limit: None,
                offset: None,
                mode: Mode::Plain,
                pk_parts: 1,
            });
        }
        let mut order_by = Vec::new();
        let mut names: Vec<String> = (0..n).map(|j| format!("c{j}")).collect();
        for i in (1..names.len()).rev() {
            let j = self.rng.below(i + 1);
            names.swap(i, j);
        }
        match self.rng.below(10) {
            0..=5 => {
                order_by = names
                    .iter()
                    .map(|c| (c.clone(), self.rng.chance(0.3)))
                    .collect()
            }
            6 | 7 => order_by.push((names[0].clone(), false)),
            _ => {}
        }
        let limit = (!order_by.is_empty() && self.rng.chance(0.4)).then(|| self.limit_value());
        Query {
            head,
            params: self.params,
            hints: self.hints,
            body: Body::Union {
                branches,
                order_by,
                limit,
                columns: n,
            },
            tags: self.tags,
        }
    }

    fn select(mut self) -> Query {
        let mut head = Vec::new();
        let mut used = Vec::new();
        let mut where_ = Vec::new();
        // FROM: one table, a child with its tenant, rule_sensors with rules and sensors, or a
        // parent with its links.
        let children = [
            "users",
            "api_keys",
            "sensors",
            "rules",
            "rule_sensors",
            "configurations",
        ];
        let shape = self.rng.below(10);
        let mut tables: Vec<(String, String)> = Vec::new(); // (table, ref)
        let mut left_refs: Vec<String> = Vec::new();
        let mut from;
        let driving_pk;
        let join_kw = |g: &mut Self| {
            if g.rng.chance(0.5) {
                "LEFT JOIN"
            } else {
                "JOIN"
            }
        };
        if shape < 5 {
            let t = if self.rng.chance(0.12) {
                "tenants"
            } else {
                *self.rng.pick(&children)
            };
            let a = self.alias_for(t, &mut used);
            let r = self.refname(t, &a);
            from = match &a {
                Some(a) => format!("{t}{}{a}", if self.rng.chance(0.5) { " AS " } else { " " }),
                None => t.to_string(),
            };
            self.scope_conds(t, &r, &mut head, &mut where_);
            tables.push((t.to_string(), r.clone()));
            driving_pk = format!("{r}.{}", self.catalog[t][0].name);
        } else if shape < 7 {
            let t = *self.rng.pick(&children);
            let a = self
                .alias_for(t, &mut used)
                .unwrap_or_else(|| t.to_string());
            let r = self.refname(t, &Some(a.clone()));
            let ta = self
                .alias_for("tenants", &mut used)
                .unwrap_or_else(|| "tenants".into());
            let tr = self.refname("tenants", &Some(ta.clone()));
            let kw = join_kw(&mut self);
            if kw == "LEFT JOIN" {
                left_refs.push(tr.clone());
            }
            let mut on = vec![format!("{tr}.tenant_id = {r}.tenant_id")];
            let mut on_conds = Vec::new();
            self.scope_conds(t, &r, &mut head, &mut where_);
            self.scope_conds("tenants", &tr, &mut head, &mut on_conds);
            let tail: Vec<String> = on_conds.iter().map(|c| c.ex.p()).collect();
            if kw == "LEFT JOIN" || self.rng.chance(0.5) {
                on.extend(tail);
            } else {
                where_.extend(on_conds);
            }
            let ta_sql = if ta == "tenants" {
                "tenants".to_string()
            } else {
                format!("tenants {ta}")
            };
            let t_sql = if a == t {
                t.to_string()
            } else {
                format!("{t} {a}")
            };
            from = format!("{t_sql}\n{kw} {ta_sql} ON {}", on.join(" AND "));
            tables.push((t.to_string(), r.clone()));
            tables.push(("tenants".to_string(), tr));
            driving_pk = format!("{r}.{}", self.catalog[t][0].name);
        } else if shape < 9 {
            let mut refs = Vec::new();
            for t in ["rule_sensors", "rules", "sensors"] {
                let a = self
                    .alias_for(t, &mut used)
                    .unwrap_or_else(|| t.to_string());
                let r = self.refname(t, &Some(a.clone()));
                refs.push((t, a, r));
            }
            let (rs, r, s) = (&refs[0], &refs[1], &refs[2]);
            let sql_of = |(t, a, _): &(&str, String, String)| {
                if a == t {
                    t.to_string()
                } else {
                    format!("{t} {a}")
                }
            };
            self.scope_conds("rule_sensors", &rs.2, &mut head, &mut where_);
            from = sql_of(rs);
            for (x, key) in [(r, "rule_id"), (s, "sensor_id")] {
                let kw = join_kw(&mut self);
                if kw == "LEFT JOIN" {
                    left_refs.push(x.2.clone());
                }
                let mut on = vec![format!("{}.{key} = {}.{key}", x.2, rs.2)];
                let mut on_conds = Vec::new();
                self.scope_conds(x.0, &x.2, &mut head, &mut on_conds);
                if kw == "LEFT JOIN" || self.rng.chance(0.5) {
                    on.extend(on_conds.iter().map(|c| c.ex.p()));
                } else {
                    where_.extend(on_conds);
                }
                from.push_str(&format!("\n{kw} {} ON {}", sql_of(x), on.join(" AND ")));
            }
            for x in &refs {
                tables.push((x.0.to_string(), x.2.clone()));
            }
            driving_pk = format!("{}.rule_sensor_id", rs.2);
        } else {
            let p = *self.rng.pick(&["rules", "sensors"]);
            let key = if p == "rules" { "rule_id" } else { "sensor_id" };
            let a = self
                .alias_for(p, &mut used)
                .unwrap_or_else(|| p.to_string());
            let r = self.refname(p, &Some(a.clone()));
            let la = self
                .alias_for("rule_sensors", &mut used)
                .unwrap_or_else(|| "rule_sensors".into());
            let lr = self.refname("rule_sensors", &Some(la.clone()));
            left_refs.push(lr.clone());
            self.scope_conds(p, &r, &mut head, &mut where_);
            let mut on_conds = Vec::new();
            self.scope_conds("rule_sensors", &lr, &mut head, &mut on_conds);
            let mut on = vec![format!("{lr}.{key} = {r}.{key}")];
            on.extend(on_conds.iter().map(|c| c.ex.p()));
            let p_sql = if a == p {
                p.to_string()
            } else {
                format!("{p} {a}")
            };
            let l_sql = if la == "rule_sensors" {
                la.clone()
            } else {
                format!("rule_sensors {la}")
            };
            from = format!("{p_sql}\nLEFT JOIN {l_sql} ON {}", on.join(" AND "));
            tables.push((p.to_string(), r.clone()));
            tables.push(("rule_sensors".to_string(), lr.clone()));
            // One row per link, or one per parent without links: the pair is a key.
            driving_pk = format!("{r}.{key}, {lr}.rule_sensor_id");
        }
        if self.rng.chance(0.01) {
            // A table name in another case: the checker's catalog is case-sensitive.
            from = from.replacen(&tables[0].0, &tables[0].0.to_uppercase(), 1);
        }
        self.scope_tables(&tables, &left_refs);
        let mode = match self.rng.below(100) {
            0..=59 => Mode::Plain,
            60..=74 => Mode::Agg,
            _ => Mode::Group,
        };
        let mut items = Vec::new();
        let mut group_by = Vec::new();
        let mut having = None;
        let mut order_by: Vec<(Ex, bool)> = Vec::new();
        let mut distinct = false;
        let mut limit = None;
        let mut offset = None;
        let mut n_alias = 0;
        let mut alias = |g: &mut Self, shadow_ok: bool| -> String {
            n_alias += 1;
            let r = g.rng.below(100);
            if r < 6 {
                g.tags.insert("reserved-alias");
                g.rng.pick(RESERVED_ALIASES).to_string()
            } else if r < 10 && shadow_ok {
                g.tags.insert("alias-shadows-column");
                g.rng
                    .pick(&["name", "state", "sample_rate", "created_at", "description"])
                    .to_string()
            } else if r < 14 {
                format!("Col{n_alias}")
            } else {
                format!("c{n_alias}")
            }
        };
        let computed = |g: &mut Self, mut ex: Ex, k: K, a: String| -> Item {
            if g.cols.iter().any(|c| c.qual == ex.s || c.bare == ex.s) {
                // A bare column: the checker takes its type from the schema.
                return Item {
                    ex,
                    alias: Some(a),
                    annotation: None,
                };
            }
            if ex.nullable {
                // `-- column:` has no way to say Option<…>.
                ex = ex.tag("nullable-annotation");
            }
            let annotation = if g.rng.chance(0.5) {
                None // the checker infers it, or should ask for one
            } else if g.rng.chance(0.03) {
                let k2 = g.any_kind();
                Some((a.to_lowercase(), k2.annotation().to_string()))
            } else {
                Some((a.to_lowercase(), k.annotation().to_string()))
            };
            let is_count =
                ex.s.starts_with("COUNT(") && ex.s.ends_with(')') && ex.s.matches('(').count() == 1;
            let annotation = if is_count && g.rng.chance(0.7) {
                None
            } else {
                annotation
            };
            Item {
                ex,
                alias: Some(a),
                annotation,
            }
        };
        match mode {
            Mode::Plain => {
                if self.rng.chance(0.08) {
                    let (_, r) = self.rng.pick(&tables).clone();
                    let star = if tables.len() == 1 && self.rng.chance(0.6) {
                        "*".to_string()
                    } else {
                        format!("{r}.*")
                    };
                    let mut ex = Ex::leaf(star, false);
                    if !left_refs.is_empty() && (left_refs.contains(&r) || !ex.s.contains('.')) {
                        ex = ex.tag("left-join-column");
                    }
                    items.push(Item {
                        ex,
                        alias: None,
                        annotation: None,
                    });
                } else {
                    for _ in 0..1 + self.rng.below(4) {
                        if self.rng.chance(0.5) {
                            let k = self.any_kind();
                            if let Some((e, c)) = self.column(k) {
                                let a = if self.rng.chance(0.2) {
                                    Some(alias(&mut self, false))
                                } else {
                                    None
                                };
                                if let Some(a) = &a {
                                    self.aliases.push((a.clone(), c.k));
                                }
                                items.push(Item {
                                    ex: e,
                                    alias: a,
                                    annotation: None,
                                });
                                continue;
                            }
                        }
                        let k = self.any_kind();
                        let mut e = self.gen(k, 0);
                        if e.s.starts_with(':') && self.rng.chance(0.8) {
                            e = self.gen(k, 0);
                        }
                        let a = alias(&mut self, true);
                        self.aliases.push((a.clone(), k));
                        items.push(computed(&mut self, e, k, a));
                    }
                }
                if self.rng.chance(0.2) {
                    let w = self.window(&driving_pk);
                    items.push(Item {
                        ex: w,
                        alias: Some(format!("w{}", items.len())),
                        annotation: None,
                    });
                }
                distinct = self.rng.chance(0.1);
                if self.rng.chance(0.02) {
                    // An aggregate next to a bare column without GROUP BY.
                    let a = self
                        .aggregate(K::Int)
                        .unwrap_or(Ex::leaf("COUNT(*)", false));
                    items.push(Item {
                        ex: a.tag("group-lax"),
                        alias: Some("n_lax".into()),
                        annotation: None,
                    });
                }
            }
            Mode::Agg | Mode::Group => {
                let mut keys = Vec::new();
                if mode == Mode::Group {
                    for _ in 0..1 + self.rng.below(2) {
                        let k = self.any_kind();
                        let e = if self.rng.chance(0.75) {
                            self.column(k)
                                .map(|x| x.0)
                                .unwrap_or_else(|| self.gen(k, 2))
                        } else {
                            self.gen(k, 2)
                        };
                        if keys.iter().any(|(x, _): &(Ex, K)| x.s == e.s) {
                            continue;
                        }
                        keys.push((e, k));
                    }
                    for (e, k) in &keys {
                        let is_col = self.cols.iter().any(|c| c.qual == e.s || c.bare == e.s);
                        if is_col && self.rng.chance(0.8) {
                            items.push(Item {
                                ex: e.clone(),
                                alias: None,
                                annotation: None,
                            });
                        } else {
                            let a = alias(&mut self, false);
                            items.push(computed(&mut self, e.clone(), *k, a));
                        }
                    }
                    group_by = keys.iter().map(|(e, _)| e.clone()).collect();
                }
                self.outer = Some(keys.clone());
                for _ in 0..1 + self.rng.below(3) {
                    let k = self.any_kind();
                    let e = match self.aggregate(k) {
                        Some(a) if self.rng.chance(0.6) => a,
                        _ => self.gen(k, 1),
                    };
                    let a = alias(&mut self, false);
                    items.push(computed(&mut self, e, k, a));
                }
                if self.rng.chance(0.04) {
                    self.outer = None;
                    let k = self.any_kind();
                    if let Some((e, _)) = self.column(k) {
                        items.push(Item {
                            ex: e.tag("group-lax"),
                            alias: None,
                            annotation: None,
                        });
                    }
                    self.outer = Some(keys.clone());
                }
                if self.rng.chance(0.3) {
                    having = Some(self.gen_bool(1));
                }
                if mode == Mode::Group && self.rng.chance(0.85) {
                    if self.rng.chance(0.3) {
                        let e = self.gen(K::Int, 1);
                        order_by.push((e, self.rng.chance(0.5)));
                    }
                    let mut ks = keys.clone();
                    if self.rng.chance(0.1) {
                        ks.pop();
                    }
                    for (e, k) in ks {
                        let mut e = e.clone();
                        if e.nullable {
                            e = e.tag("order-nullable");
                        }
                        if k == K::Text {
                            e = e.tag("order-text");
                        }
                        order_by.push((e, self.rng.chance(0.4)));
                    }
                    if self.rng.chance(0.25) {
                        limit = Some(self.limit_value());
                    }
                }
                self.outer = None;
            }
        }
        // A list parameter (`-- list:`): a top-level AND term of WHERE, the only place for it.
        if self.rng.chance(0.12) {
            let candidates: Vec<SCol> = self
                .cols
                .iter()
                .filter(|c| !c.left && matches!(c.k, K::Id(_) | K::Text | K::Int | K::Ts))
                .cloned()
                .collect();
            if !candidates.is_empty() {
                let c = self.rng.pick(&candidates).clone();
                let hint = self.hint_for(&c);
                let p = self.param(None, hint);
                head.push(format!("list: {}", &p.s[1..]));
                let col = self.colref(&c);
                where_.push(Conj {
                    ex: Ex::node(
                        format!("{} IN ({})", col.s, p.s),
                        &[&col],
                        vec![],
                        col.nullable,
                        false,
                    )
                    .tag("list"),
                    scope: false,
                });
            }
        }
        // WHERE: scope conditions and random predicates, in random order.
        let n = self.rng.below(4);
        self.where_terms(n, &mut where_);
        for i in (1..where_.len()).rev() {
            let j = self.rng.below(i + 1);
            where_.swap(i, j);
        }
        if mode == Mode::Plain && self.rng.chance(0.7) {
            let count = self.rng.below(3);
            for _ in 0..count {
                let r = self.rng.below(10);
                let e = if r < 2 && items.iter().any(|i| i.alias.is_some()) {
                    let with: Vec<&Item> = items.iter().filter(|i| i.alias.is_some()).collect();
                    let a = self.rng.pick(&with).alias.clone().unwrap_or_default();
                    if self.rng.chance(0.2) {
                        Ex::leaf(format!("{a} + 0"), false).tag("alias-in-order-expression")
                    } else {
                        Ex::leaf(a, false).tag("order-alias")
                    }
                } else if r < 3 {
                    Ex::leaf("1", false).tag("order-ordinal")
                } else {
                    let k = self.any_kind();
                    let e = if self.rng.chance(0.7) {
                        self.column(k)
                            .map(|x| x.0)
                            .unwrap_or_else(|| self.gen(k, 2))
                    } else {
                        self.gen(k, 2)
                    };
                    let e = if e.nullable {
                        e.tag("order-nullable")
                    } else {
                        e
                    };
                    if k == K::Text {
                        e.tag("order-text")
                    } else {
                        e
                    }
                };
                order_by.push((e, self.rng.chance(0.4)));
            }
            if distinct {
                if self.rng.chance(0.8) {
                    order_by.clear();
                    for i in &items {
                        let e = match &i.alias {
                            Some(a) => Ex::leaf(a.clone(), false),
                            None => i.ex.clone(),
                        };
                        order_by.push((e, self.rng.chance(0.3)));
                    }
                } else {
                    order_by.push((
                        Ex::leaf(driving_pk.clone(), false).tag("distinct-order-by-other"),
                        false,
                    ));
                }
            } else if self.rng.chance(0.92) {
                for (k, pk) in driving_pk.split(", ").enumerate() {
                    let e = Ex::leaf(pk.to_string(), k > 0).tag("pk");
                    order_by.push((e, self.rng.chance(0.3)));
                }
            }
            if self.rng.chance(0.35) {
                limit = Some(self.limit_value());
                if self.rng.chance(0.4) {
                    offset = Some(self.limit_value());
                }
            }
        } else if mode == Mode::Plain && self.rng.chance(0.05) {
            limit = Some(self.limit_value());
        }
        Query {
            head,
            params: self.params,
            hints: self.hints,
            body: Body::Select {
                distinct,
                items,
                from,
                where_,
                group_by,
                having,
                order_by,
                limit,
                offset,
                mode,
                pk_parts: driving_pk.split(", ").count(),
            },
            tags: self.tags,
        }
    }

    fn limit_value(&mut self) -> String {
        if self.rng.chance(0.5) {
            self.rng.pick(&["0", "1", "2", "3", "10"]).to_string()
        } else {
            self.next_param += 1;
            let name = format!("n{}", self.next_param);
            self.hints.insert(name.clone(), Hint::Limit);
            format!(":{name}")
        }
    }

    fn update(mut self) -> Query {
        let tables = [
            "tenants",
            "users",
            "api_keys",
            "sensors",
            "rules",
            "rule_sensors",
            "configurations",
        ];
        let t = *self.rng.pick(&tables);
        let mut used = Vec::new();
        let a = if self.rng.chance(0.25) {
            self.alias_for(t, &mut used)
        } else {
            None
        };
        let r = self.refname(t, &a);
        let head = match &a {
            Some(a) => format!("UPDATE {t} AS {a}"),
            None => format!("UPDATE {t}"),
        };
        let mut annotations = Vec::new();
        let mut where_ = Vec::new();
        self.scope_conds(t, &r, &mut annotations, &mut where_);
        self.scope_tables(&[(t.to_string(), r.clone())], &[]);
        self.banned = Some(t.to_string());
        // Columns an UPDATE may change without breaking keys, foreign keys or uniqueness.
        let created_at_too = self.rng.chance(0.1);
        let settable: Vec<SCol> = self
            .cols
            .iter()
            .filter(|c| {
                !matches!(c.k, K::Id(_))
                    && !["username", "key_hash", "config_key", "modified_at"]
                        .contains(&c.name.as_str())
            })
            .filter(|c| c.name != "created_at" || created_at_too)
            // Un-deleting a configuration can collide with the live one (a unique index): a
            // data error no checker can see.
            .filter(|c| !(t == "configurations" && c.name == "deleted_at"))
            .cloned()
            .collect();
        let mut sets = Vec::new();
        let n = 1 + self.rng.below(3);
        for _ in 0..n {
            if settable.is_empty() {
                break;
            }
            let c = self.rng.pick(&settable).clone();
            if sets.iter().any(|(n, _): &(String, Ex)| *n == c.name) {
                continue;
            }
            let e = self.assignment(&c);
            self.assigned.push(c.name.clone());
            sets.push((c.name.clone(), e));
        }
        sets.push(("modified_at".to_string(), Ex::leaf(":now", false)));
        self.hints.insert("now".into(), Hint::Any);
        let n = self.rng.below(3);
        self.where_terms(n, &mut where_);
        for i in (1..where_.len()).rev() {
            let j = self.rng.below(i + 1);
            where_.swap(i, j);
        }
        Query {
            head: annotations,
            params: self.params,
            hints: self.hints,
            body: Body::Update {
                table: t.to_string(),
                head,
                sets,
                where_,
            },
            tags: self.tags,
        }
    }

    /// A value for `SET c = …` that keeps the table's CHECK constraints (mostly).
    fn assignment(&mut self, c: &SCol) -> Ex {
        let me = self.colref(c);
        if let Some(dm) = domain(&c.name) {
            return match self.rng.below(4) {
                0 => Ex::leaf(format!("'{}'", self.rng.pick(dm)), false),
                1 => self.param(None, Hint::Domain(dm)),
                2 => {
                    let (a, b) = (self.rng.pick(dm).to_string(), self.rng.pick(dm).to_string());
                    Ex::node(
                        format!("CASE {} WHEN '{a}' THEN '{b}' ELSE {} END", me.s, me.s),
                        &[&me],
                        vec![],
                        false,
                        true,
                    )
                    .tag("case-simple")
                }
                _ => {
                    let b = self.gen_bool(1);
                    let v = self.rng.pick(dm).to_string();
                    Ex::node(
                        format!("CASE WHEN {} THEN '{v}' ELSE {} END", b.s, me.s),
                        &[&b, &me],
                        vec![],
                        false,
                        true,
                    )
                }
            };
        }
        let other = |g: &mut Self, k: K| -> Ex {
            // Prefer a column assigned earlier in this SET.
            let earlier: Vec<SCol> = g
                .cols
                .iter()
                .filter(|x| {
                    x.k == k
                        && g.assigned.contains(&x.name)
                        && (x.nullable == c.nullable || c.nullable)
                })
                .cloned()
                .collect();
            if !earlier.is_empty() && g.rng.chance(0.6) {
                let x = g.rng.pick(&earlier).clone();
                return g.colref(&x);
            }
            let same: Vec<SCol> = g
                .cols
                .iter()
                .filter(|x| x.k == k && (!x.nullable || c.nullable))
                .cloned()
                .collect();
            if same.is_empty() {
                return me.clone();
            }
            let x = g.rng.pick(&same).clone();
            g.colref(&x)
        };
        match c.k {
            K::Text => match self.rng.below(7) {
                0 => {
                    let hint = self.hint_for(c);
                    self.param(None, hint)
                }
                1 => self.literal(K::Text).unwrap_or(me),
                2 => {
                    let x = other(self, K::Text);
                    let f = *self.rng.pick(&["UPPER", "LOWER"]);
                    Ex::node(
                        format!("{f}({})", x.s),
                        &[&x],
                        vec![x.clone()],
                        x.nullable,
                        true,
                    )
                    .tag("case-fn")
                }
                3 => {
                    let x = other(self, K::Text);
                    let l = self.literal(K::Text).unwrap_or(Ex::leaf("'x'", false));
                    Ex::node(
                        format!("COALESCE({}, {})", x.s, l.s),
                        &[&x, &l],
                        vec![x.clone()],
                        false,
                        true,
                    )
                }
                4 if c.nullable => Ex::leaf("NULL", true),
                5 => {
                    let b = self.gen_bool(1);
                    let l = self.literal(K::Text).unwrap_or(Ex::leaf("'x'", false));
                    let x = other(self, K::Text);
                    Ex::node(
                        format!("CASE WHEN {} THEN {} ELSE {} END", b.s, l.s, x.s),
                        &[&b, &l, &x],
                        vec![],
                        x.nullable,
                        true,
                    )
                }
                6 if self.ill() => Ex::leaf("1", false).tag("ill:number-into-text"),
                _ => other(self, K::Text),
            },
            K::Dbl => match self.rng.below(7) {
                0 => Ex::node(format!("1 - {}", me.s), &[&me], vec![], false, false),
                1 => Ex::node(format!("{} * 0.5", me.s), &[&me], vec![], false, false)
                    .tag("decimal-literal"),
                2 => self.param(None, Hint::Rate),
                3 => Ex::node(format!("ABS({} - 0.5)", me.s), &[&me], vec![], false, true)
                    .tag("decimal-literal"),
                4 => Ex::leaf(*self.rng.pick(&["0", "0.25", "1", "0.1 + 0.2"]), false)
                    .tag("decimal-literal"),
                5 if self.ill() => Ex::node(
                    format!("({} + 0.5) % 1", me.s),
                    &[&me],
                    vec![],
                    false,
                    false,
                )
                .tag("modulo-double"),
                _ => {
                    let b = self.gen_bool(1);
                    Ex::node(
                        format!("CASE WHEN {} THEN 0 ELSE {} END", b.s, me.s),
                        &[&b, &me],
                        vec![],
                        false,
                        true,
                    )
                }
            },
            K::Bool => match self.rng.below(6) {
                0 => Ex::node(format!("NOT {}", me.s), &[&me], vec![], false, false),
                1 => Ex::leaf(*self.rng.pick(&["TRUE", "FALSE"]), false),
                2 => self.param(None, Hint::Any),
                3 if self.ill() => {
                    Ex::leaf(*self.rng.pick(&["1", "0"]), false).tag("ill:number-into-bool")
                }
                _ => {
                    // A predicate; NULL would break NOT NULL, so default it.
                    let b = self.gen_bool(1);
                    Ex::node(
                        format!("COALESCE({}, FALSE)", b.s),
                        &[&b],
                        vec![],
                        false,
                        true,
                    )
                }
            },
            K::Ts => match self.rng.below(5) {
                0 => self.param(None, Hint::Any),
                1 if c.nullable => Ex::leaf("NULL", true),
                2 => other(self, K::Ts),
                3 => {
                    let x = other(self, K::Ts);
                    let p = self.param(Some(K::Ts), Hint::Any);
                    Ex::node(
                        format!("COALESCE({}, {})", x.s, p.s),
                        &[&x],
                        vec![],
                        false,
                        true,
                    )
                }
                4 if self.ill() => Ex::leaf(
                    *self.rng.pick(&["'2024-06-01 00:00:00'", "'2024-06-01'"]),
                    false,
                )
                .tag("ill:string-into-timestamp"),
                _ => other(self, K::Ts),
            },
            _ => me,
        }
    }
}

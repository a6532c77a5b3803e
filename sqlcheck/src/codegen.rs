//! Rust code for checked blocks: a module per file, a function per block, a row struct per
//! block without `-- row:`.

use std::fmt::Write as _;

use crate::analyze::Analyzed;
use crate::file::Returns;

use crate::names::{pascal, snake};

/// The SQL text around each `?` placeholder (outside string literals).
fn split_placeholders(sql: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    for c in sql.chars() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == '?' && !quoted {
            parts.push(String::new());
        } else {
            parts.last_mut().expect("never empty").push(c);
        }
    }
    parts
}

/// Where the generated code finds the data layer: `crate` inside `trapperkeeper-db`,
/// `::trapperkeeper_db` in a service crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The path of the `trapperkeeper-db` crate as the generated code spells it.
    pub root: String,
}

impl Target {
    /// Code compiled into `trapperkeeper-db` itself.
    pub fn this_crate() -> Self {
        Self {
            root: "crate".into(),
        }
    }

    /// Code compiled into a crate that depends on `trapperkeeper-db`.
    pub fn dependent() -> Self {
        Self {
            root: "::trapperkeeper_db".into(),
        }
    }

    /// A Rust type or path from the catalog (spelt `crate::…`) as this target spells it.
    fn path(&self, p: &str) -> String {
        p.replace("crate::", &format!("{}::", self.root))
    }

    /// The data layer's `statement!` (one statement on a `UnitConnection`, blocking or native
    /// async): `stmt!` by name inside `trapperkeeper-db`, `statement!` by path elsewhere.
    fn statement(&self) -> String {
        if self.root == "crate" {
            "stmt!".into()
        } else {
            format!("{}::statement!", self.root)
        }
    }

    /// The data layer's `on_native!` (runs an expression on the native connection inside an
    /// `AnyConnection`): in scope by name inside `trapperkeeper-db`, which may not name its own
    /// macro-generated exports by path; by path elsewhere.
    fn on_native(&self) -> String {
        if self.root == "crate" {
            "on_native!".into()
        } else {
            format!("{}::on_native!", self.root)
        }
    }
}

/// The order of the generated function's parameters (indexes into `a.params`): the tenant
/// first; then the typed ids (`RuleId`, …); then the other parameters that pick rows; then an
/// UPDATE's new values (parameters seen only in its `SET`) — each group in order of first
/// appearance. This is the repository's `(conn, tenant, id, …)`.
pub fn signature_order(a: &Analyzed) -> Vec<usize> {
    let tenant = a
        .params
        .iter()
        .position(|p| p.rust == "TenantId" && p.name == "tenant_id")
        .or_else(|| a.params.iter().position(|p| p.rust == "TenantId"));
    let is_id = |r: &str| r.ends_with("Id") && r.chars().all(|c| c.is_ascii_alphanumeric());
    let rank = |i: usize| {
        let p = &a.params[i];
        if Some(i) == tenant {
            0
        } else if p.value_only {
            3
        } else if is_id(&p.rust) {
            1
        } else {
            2
        }
    };
    let mut order: Vec<usize> = (0..a.params.len())
        .filter(|&i| a.params[i].generated.is_none())
        .collect();
    // Stable: first appearance within each group.
    order.sort_by_key(|&i| rank(i));
    order
}

/// Whether the block's arguments after the tenant go in a generated `…Params` struct.
pub fn has_params_struct(a: &Analyzed) -> bool {
    a.params.iter().filter(|p| p.generated.is_none()).count() > MAX_POSITIONAL
}

/// More parameters than this and the function takes a `…Params` struct after the tenant.
pub const MAX_POSITIONAL: usize = 3;

/// An argument's type as the function takes it (`&str` borrows for `'a` inside a struct).
fn arg_type(rust: &str, in_struct: bool) -> String {
    if in_struct {
        let t = rust.replace("&str", "&'a str");
        match t.strip_prefix("&[") {
            Some(rest) => format!("&'a [{rest}"),
            None => t,
        }
    } else {
        rust.to_string()
    }
}

/// The owned form of an argument for the async twin (moved into the blocking hop), and how
/// the sync function borrows it back.
fn owned(name: &str, rust: &str) -> Option<(String, String)> {
    match rust {
        "&str" => Some((format!("{name}.to_owned()"), format!("&{name}"))),
        "Option<&str>" => Some((
            format!("{name}.map(str::to_owned)"),
            format!("{name}.as_deref()"),
        )),
        "&[&str]" => Some((
            format!("{name}.iter().map(|s| s.to_string()).collect::<Vec<String>>()"),
            format!("&{name}.iter().map(String::as_str).collect::<Vec<&str>>()"),
        )),
        list if list.starts_with("&[") => Some((format!("{name}.to_vec()"), format!("&{name}"))),
        _ => None,
    }
}

/// The module for one file.
pub fn module(file_stem: &str, file_path: &str, blocks: &[Analyzed], target: &Target) -> String {
    let root = &target.root;
    let mut out = String::new();
    let _ = writeln!(out, "/// Named queries of `{file_path}`.");
    let _ = writeln!(out, "pub mod {file_stem} {{");
    let _ = writeln!(
        out,
        "    #![allow(unused_imports, dead_code, clippy::too_many_arguments)]"
    );
    // diesel and serde through the data layer, so that a service crate needs no dependency
    // of its own on them (and cannot pick another version).
    let _ = writeln!(
        out,
        "    use {root}::queries::support::{{self, diesel, serde}};"
    );
    let _ = writeln!(out, "    use diesel::prelude::*;");
    let _ = writeln!(out, "    use {root}::types::*;");
    let _ = writeln!(out, "    use {root}::AnyConnection;");
    for a in blocks {
        emit(&mut out, a, target, file_path);
    }
    let _ = writeln!(out, "}}");
    out
}

/// The code of one block: its row and query types and its functions.
fn emit(out: &mut String, a: &Analyzed, target: &Target, file_path: &str) {
    let root = &target.root;
    {
        let fn_name = snake(&a.block.name);
        if a.batch {
            batch_insert(out, a, target, file_path);
            return;
        }
        if let Some(copy) = &a.copy {
            emit(out, &copy.source, target, file_path);
            batch_insert(out, &copy.rows, target, file_path);
        }
        let row_type = match &a.row_path {
            Some(path) => target.path(path),
            None => format!("{}Row", pascal(&a.block.name)),
        };
        if a.row_path.is_none() && a.returns != Returns::Exec {
            let _ = writeln!(out, "\n    /// A row of `{}`.", a.block.name);
            let _ = writeln!(
                out,
                "    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]"
            );
            let _ = writeln!(
                out,
                "    #[serde(crate = \"{root}::queries::support::serde\")]"
            );
            let _ = writeln!(out, "    pub struct {row_type} {{");
            for c in &a.columns {
                let _ = writeln!(out, "        /// Column `{}`.", c.name);
                let _ = writeln!(out, "        pub {}: {},", c.name, target.path(&c.rust));
            }
            let _ = writeln!(out, "    }}");
        }
        let ty = pascal(&a.block.name);
        if a.copy.is_none() {
            let upper = fn_name.to_uppercase();
            // Rows load by position (diesel `Queryable`), which is cheaper than by name.
            let sql_type = if a.columns.is_empty() {
                "diesel::sql_types::Untyped".to_string()
            } else {
                format!(
                    "({},)",
                    a.columns
                        .iter()
                        .map(|c| target.path(&c.sql))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let _ = writeln!(
                out,
                "\n    /// SQL of `{}` (`?` placeholders; PostgreSQL gets `$n`).",
                a.block.name
            );
            let _ = writeln!(out, "    pub const {upper}_SQL: &str = {:?};", a.qmark_sql);
            // A query type of its own, with a static QueryId: diesel caches its prepared statement
            // (diesel's `sql_query` is never cached, which cost up to 2x on MySQL, measured).
            let _ = writeln!(out, "\n    #[doc(hidden)]\n    pub struct {ty}Key;");
            let _ = writeln!(out, "    #[doc(hidden)]\n    pub struct {ty}Query<'a> {{");
            for p in &a.params {
                let _ = writeln!(out, "        {}: {},", p.name, query_field(p, target));
            }
            let _ = writeln!(
                out,
                "        _borrow: std::marker::PhantomData<&'a ()>,\n    }}"
            );
            // A list makes the SQL text depend on its length: no static id, and diesel caches the
            // prepared statement by its SQL (one per length) instead.
            let has_list = a.params.iter().any(|p| p.list);
            let _ = writeln!(out, "    impl diesel::query_builder::QueryId for {ty}Query<'_> {{\n        type QueryId = {ty}Key;\n        const HAS_STATIC_QUERY_ID: bool = {};\n    }}", !has_list);
            let _ = writeln!(out, "    impl diesel::query_builder::Query for {ty}Query<'_> {{\n        type SqlType = {sql_type};\n    }}");
            let _ = writeln!(
                out,
                "    impl<Conn> diesel::RunQueryDsl<Conn> for {ty}Query<'_> {{}}"
            );
            // One walk for every backend (`on_native!` runs it on the native connection;
            // `AnyConnection`'s `MultiBackend` is one more `DB`): what each bind needs of it.
            let mut bounds: Vec<String> = vec!["DB: diesel::backend::Backend".into()];
            for &bind in &a.binds {
                let p = &a.params[bind];
                let field = query_field(p, target);
                let needs = if p.list {
                    vec![format!("{field}: diesel::query_builder::QueryFragment<DB>")]
                } else {
                    let st = target.path(&p.sql);
                    vec![
                        format!("DB: diesel::sql_types::HasSqlType<{st}>"),
                        format!("{field}: diesel::serialize::ToSql<{st}, DB>"),
                    ]
                };
                for bound in needs {
                    if !bounds.contains(&bound) {
                        bounds.push(bound);
                    }
                }
            }
            let _ = writeln!(
                out,
                "    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for {ty}Query<'a> where {} {{",
                bounds.join(", ")
            );
            let _ = writeln!(out, "        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {{");
            let mut segments = split_placeholders(&a.qmark_sql);
            // A list's `IN (…)` is the list's own to write (`= ANY(…)` on PostgreSQL).
            for (i, &bind) in a.binds.iter().enumerate() {
                if a.params[bind].list && i + 1 < segments.len() {
                    let before = segments[i].trim_end();
                    let before = before.strip_suffix('(').unwrap_or(before).trim_end();
                    let n = before.len().saturating_sub(2);
                    if before
                        .get(n..)
                        .is_some_and(|w| w.eq_ignore_ascii_case("IN"))
                    {
                        segments[i] = before[..n].trim_end().to_string();
                        let after = segments[i + 1].trim_start();
                        segments[i + 1] = after.strip_prefix(')').unwrap_or(after).to_string();
                    }
                }
            }
            for (i, segment) in segments.iter().enumerate() {
                if !segment.is_empty() {
                    let _ = writeln!(out, "            out.push_sql({segment:?});");
                }
                if let Some(&bind) = a.binds.get(i) {
                    let p = &a.params[bind];
                    if p.list {
                        // `= ANY($n)` on PostgreSQL, `IN (?, …)` (`IN (NULL)` when empty, not
                        // cached) elsewhere: `support::InList`.
                        let _ = writeln!(
                            out,
                            "            diesel::query_builder::QueryFragment::<DB>::walk_ast(&self.{}, out.reborrow())?;",
                            p.name
                        );
                    } else {
                        let _ = writeln!(
                            out,
                            "            out.push_bind_param::<{}, _>(&self.{})?;",
                            target.path(&p.sql),
                            p.name
                        );
                    }
                }
            }
            let _ = writeln!(out, "            Ok(())\n        }}\n    }}");
        }
        let copied_id = a
            .copy
            .as_ref()
            .and_then(|c| c.rows.returns_id.map(|i| &c.rows.params[i]));
        let result = match (a.returns, a.returns_id) {
            _ if a.copy.is_some() => match copied_id {
                Some(id) => format!("Vec<{}>", target.path(&id.rust)),
                None => "usize".to_string(),
            },
            (_, Some(id)) => target.path(&a.params[id].rust),
            (Returns::One, _) => row_type.clone(),
            (Returns::Optional, _) => format!("Option<{row_type}>"),
            (Returns::Many, _) => format!("Vec<{row_type}>"),
            (Returns::Exec, _) => "usize".to_string(),
        };
        let order = signature_order(a);
        let tenant_first = order
            .first()
            .is_some_and(|&i| a.params[i].rust == "TenantId");
        let in_struct = has_params_struct(a);
        // Positional arguments, then the struct's fields.
        let (positional, fields): (Vec<usize>, Vec<usize>) = if in_struct {
            let split = usize::from(tenant_first);
            (order[..split].to_vec(), order[split..].to_vec())
        } else {
            (order.clone(), vec![])
        };
        let params_ty = format!("{ty}Params");
        // A lifetime only when a field borrows, so that a struct of plain values needs none.
        let borrows = fields.iter().any(|&i| a.params[i].rust.contains('&'));
        let (params_lt, params_anon) = if borrows { ("<'a>", "<'_>") } else { ("", "") };
        if in_struct {
            let _ = writeln!(
                out,
                "\n    /// The arguments of `{}` after the tenant.",
                a.block.name
            );
            let _ = writeln!(out, "    #[derive(Debug, Clone, PartialEq)]");
            let _ = writeln!(out, "    pub struct {params_ty}{params_lt} {{");
            for &i in &fields {
                let p = &a.params[i];
                let _ = writeln!(out, "        /// `:{}`.", p.name);
                let _ = writeln!(
                    out,
                    "        pub {}: {},",
                    p.name,
                    arg_type(&target.path(&p.rust), true)
                );
            }
            let _ = writeln!(out, "    }}");
        }
        let mut args: String = positional
            .iter()
            .map(|&i| format!(", {}: {}", a.params[i].name, target.path(&a.params[i].rust)))
            .collect();
        if in_struct {
            let _ = write!(args, ", params: {params_ty}{params_anon}");
        }
        let _ = writeln!(
            out,
            "\n    /// `{}` ({}:{}).",
            a.block.name, file_path, a.block.name_line
        );
        // A plain statement is written once, as an async body over any connection
        // (`…_on`, with `statement!`): the sync function drives it on the blocking connection,
        // the async twin runs it on the backend's fastest connection (`Database::unit`: native
        // async on the servers). The rest (an insert that checks its parents, a soft delete
        // with its cascade, an INSERT … SELECT) runs whole in one blocking hop.
        let plain = a.copy.is_none() && a.insert.is_none() && a.cascade.is_none();
        let unit_conn = format!("{root}::native::UnitConnection");
        if plain {
            let mut names: String = positional
                .iter()
                .map(|&i| format!(", {}", a.params[i].name))
                .collect();
            if in_struct {
                names.push_str(", params");
            }
            let _ = writeln!(out, "    pub fn {fn_name}(conn: &mut AnyConnection{args}) -> {root}::repository::Result<{result}> {{");
            let _ = writeln!(
                out,
                "        {root}::native::ready({fn_name}_on({unit_conn}::Blocking(conn){names}))\n    }}"
            );
            let _ = writeln!(
                out,
                "\n    /// [`{fn_name}`] on any connection: the statement, written once."
            );
            let _ = writeln!(out, "    async fn {fn_name}_on(conn: {unit_conn}<'_>{args}) -> {root}::repository::Result<{result}> {{");
        } else {
            let _ = writeln!(out, "    pub fn {fn_name}(conn: &mut AnyConnection{args}) -> {root}::repository::Result<{result}> {{");
        }
        if in_struct {
            let names: String = fields
                .iter()
                .map(|&i| format!("{}, ", a.params[i].name))
                .collect();
            let _ = writeln!(out, "        let {params_ty} {{ {names} }} = params;");
        }
        if let Some(copy) = &a.copy {
            copy_body(out, copy, target);
        } else {
            for p in a.params.iter().filter(|p| p.generated.is_some()) {
                let _ = writeln!(
                    out,
                    "        let {} = {};",
                    p.name,
                    target.path(p.generated.as_deref().unwrap_or_default())
                );
            }
            // The entity's own rule for the column (what its repository `create`/`update` applies).
            for line in a.params.iter().filter_map(|p| column_rule_check(p, target)) {
                let _ = writeln!(out, "        {line}");
            }
            for p in a.params.iter().filter(|p| p.list) {
                let _ = writeln!(
                    out,
                    "        support::list({:?}, {}.len())?;",
                    p.name, p.name
                );
            }
            for p in a.params.iter().filter(|p| p.non_negative) {
                let _ = writeln!(out, "        support::non_negative(\"{0}\", {0})?;", p.name);
            }
            // A text parameter written to a bounded or JSON column is checked before the
            // statement runs, so that SQLite refuses what PostgreSQL and MySQL refuse.
            for line in a.params.iter().filter_map(text_checks) {
                let _ = writeln!(out, "        {line}");
            }
            let query_fields: String = a.params.iter().map(query_init).collect();
            let _ = writeln!(
            out,
            "        let query = {ty}Query {{ {query_fields}_borrow: std::marker::PhantomData }};"
        );
            // On the native connection: through `AnyConnection` diesel's `MultiConnection`
            // builds the SQL text and walks the query twice on every run (`on_native!`).
            let on_native = target.on_native();
            let statement = target.statement();
            let tail = match a.returns {
                _ if plain => match a.returns {
                    Returns::One => format!("{statement}(conn, query => get_result::<{row_type}>)"),
                    Returns::Optional => {
                        format!("{statement}(conn, query => get_result::<{row_type}>).optional()")
                    }
                    Returns::Many => format!("{statement}(conn, query => load::<{row_type}>)"),
                    Returns::Exec => format!("{statement}(conn, query => execute)"),
                },
                Returns::One => {
                    format!("{on_native}(conn, |c| query.get_result::<{row_type}>(c))")
                }
                Returns::Optional => {
                    format!("{on_native}(conn, |c| query.get_result::<{row_type}>(c).optional())")
                }
                Returns::Many => format!("{on_native}(conn, |c| query.load::<{row_type}>(c))"),
                Returns::Exec => format!("{on_native}(conn, |c| query.execute(c))"),
            };
            let done = match a.returns_id {
                Some(id) => format!("Ok({})", a.params[id].name),
                None => "Ok(count)".to_string(),
            };
            if let Some(insert) = &a.insert {
                // As the repository's create: in one write transaction, the tenant (and every
                // other parent) must be live, and a unique violation is this entity's Conflict.
                let entity = target.path(&insert.entity);
                let tenant = &a.params[insert.tenant].name;
                let mut parents = String::new();
                for (parent, i) in &insert.parents {
                    let parent = target.path(parent);
                    let p = &a.params[*i];
                    let check = format!("if !{parent}::is_live(conn, {tenant}, ID)? {{ return Err(support::missing_parent({entity}::ENTITY, {parent}::ENTITY)); }}");
                    if p.rust.starts_with("Option<") {
                        let _ = write!(
                            parents,
                            "if let Some(id) = {} {{ {} }} ",
                            p.name,
                            check.replace("ID", "id")
                        );
                    } else {
                        let _ = write!(parents, "{} ", check.replace("ID", &p.name));
                    }
                }
                let check_conn = if parents.is_empty() { "_conn" } else { "conn" };
                let bind = if a.returns_id.is_some() {
                    ""
                } else {
                    "let count = "
                };
                let _ = writeln!(
                out,
                "        {bind}support::insert_owned(conn, {entity}::ENTITY, {entity}::UNIQUE, {tenant}, |{check_conn}| {{ {parents}Ok(()) }}, |conn| {tail})?;"
            );
                let _ = writeln!(out, "        {done}");
            } else if a.returns_id.is_some() {
                let _ = writeln!(out, "        {tail}?;\n        {done}");
            } else if let Some(c) = &a.cascade {
                // The soft delete and its cascade, in one write transaction.
                let _ = writeln!(
                    out,
                    "        conn.write_transaction(|conn| {{\n            let count = {tail}?;\n            {}::cascade_deleted_at(conn, {}, {})?;\n            Ok(count)\n        }})",
                    target.path(&c.entity),
                    a.params[c.tenant].name,
                    a.params[c.at].name
                );
            } else {
                let _ = writeln!(out, "        Ok({tail}?)");
            }
        }
        let _ = writeln!(out, "    }}");

        // The async twin: the statement on the backend's fastest connection, or (the rest) the
        // same function in one blocking hop on a pooled connection.
        let how = if plain {
            "on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL)"
        } else {
            "in one hop on a pooled connection"
        };
        let _ = writeln!(
            out,
            "\n    /// `{}` from async code: [`{fn_name}`] {how}.",
            a.block.name
        );
        let _ = writeln!(out, "    pub async fn {fn_name}_async(db: &{root}::Database{args}) -> {root}::repository::Result<{result}> {{");
        if in_struct {
            let names: String = fields
                .iter()
                .map(|&i| format!("{}, ", a.params[i].name))
                .collect();
            let _ = writeln!(out, "        let {params_ty} {{ {names} }} = params;");
        }
        let mut call_args = Vec::new();
        let mut struct_args = Vec::new();
        for &i in positional.iter().chain(&fields) {
            let p = &a.params[i];
            let passed = match owned(&p.name, &p.rust) {
                Some((make, borrow)) => {
                    let _ = writeln!(out, "        let {} = {make};", p.name);
                    borrow
                }
                None => p.name.clone(),
            };
            if fields.contains(&i) {
                struct_args.push(if passed == p.name {
                    passed
                } else {
                    format!("{}: {passed}", p.name)
                });
            } else {
                call_args.push(passed);
            }
        }
        if in_struct {
            call_args.push(format!("{params_ty} {{ {} }}", struct_args.join(", ")));
        }
        let call: String = call_args.iter().map(|x| format!(", {x}")).collect();
        if plain {
            let _ = writeln!(
                out,
                "        db.unit(move |conn| Box::pin(async move {{ {fn_name}_on(conn{call}).await }})).await"
            );
        } else if call.is_empty() {
            let _ = writeln!(out, "        db.run({fn_name}).await");
        } else {
            let _ = writeln!(
                out,
                "        db.run(move |conn| {fn_name}(conn{call})).await"
            );
        }
        let _ = writeln!(out, "    }}");
    }
}

/// The body of an `INSERT … SELECT` function: in one write transaction, load the SELECT's rows,
/// make the batch's rows of them (a nullable column's value wrapped in `Some`), insert them.
fn copy_body(out: &mut String, copy: &crate::analyze::CopyRows, target: &Target) {
    let root = &target.root;
    let source_ty = pascal(&copy.source.block.name);
    let rows_ty = pascal(&copy.rows.block.name);
    let rows_fn = snake(&copy.rows.block.name);
    let source_fields: String = copy.source.params.iter().map(query_init).collect();
    let fields: String = copy
        .map
        .iter()
        .map(|(field, from, wrap)| {
            if *wrap {
                format!("{field}: Some(s.{from}), ")
            } else {
                format!("{field}: s.{from}, ")
            }
        })
        .collect();
    let tenant = copy.rows.insert.as_ref().map(|i| i.tenant);
    let mut args = String::new();
    for i in signature_order(&copy.rows) {
        let p = &copy.rows.params[i];
        if Some(i) == tenant || p.shared {
            let _ = write!(args, "{}, ", p.name);
        }
    }
    for p in &copy.source.params {
        if p.non_negative {
            let _ = writeln!(out, "        support::non_negative(\"{0}\", {0})?;", p.name);
        }
        if p.list {
            let _ = writeln!(
                out,
                "        support::list({:?}, {}.len())?;",
                p.name, p.name
            );
        }
    }
    let _ = writeln!(out, "        conn.write_transaction(|conn| {{");
    let _ = writeln!(out, "            let query = {source_ty}Query {{ {source_fields}_borrow: std::marker::PhantomData }};");
    let _ = writeln!(
        out,
        "            let source = {}(conn, |c| query.load::<{source_ty}Row>(c))?;",
        target.on_native()
    );
    let _ = writeln!(out, "            let rows: Vec<{rows_ty}Row> = source.into_iter().map(|s| {rows_ty}Row {{ {fields}}}).collect();");
    let _ = writeln!(out, "            {rows_fn}(conn, {args}&rows)");
    let _ = writeln!(out, "        }})");
    let _ = root;
}

/// A parameter's field in a query struct: its value, or a list's [`InList`] (which writes the
/// list's `IN (…)` per backend).
///
/// [`InList`]: ../../src/queries.rs
fn query_field(p: &crate::analyze::Param, target: &Target) -> String {
    if p.list {
        let element = p
            .rust
            .strip_prefix("&[")
            .and_then(|r| r.strip_suffix(']'))
            .unwrap_or(&p.rust);
        let element = element.replace("&str", "&'a str");
        format!(
            "support::InList<'a, {}, {}>",
            target.path(&p.sql),
            target.path(&element)
        )
    } else {
        arg_type(&target.path(&p.rust), true)
    }
}

/// How a query struct's field is set from the function's parameter of the same name.
fn query_init(p: &crate::analyze::Param) -> String {
    if p.list {
        format!("{0}: support::in_list({0}), ", p.name)
    } else {
        format!("{}, ", p.name)
    }
}

/// The owned type of a batch row's field (`&str` → `String`), and how the function reads it as
/// the sync statement binds it.
pub fn row_field(name: &str, rust: &str) -> (String, String) {
    match rust {
        "&str" => ("String".into(), format!("row.{name}.as_str()")),
        "Option<&str>" => ("Option<String>".into(), format!("row.{name}.as_deref()")),
        other => (other.into(), format!("row.{name}")),
    }
}

/// A `-- batch` INSERT: `fn(conn, tenant, rows: &[…Row])` inserting every row in one write
/// transaction, in statements of many rows each; the async twin takes the rows by value.
fn batch_insert(out: &mut String, a: &Analyzed, target: &Target, file_path: &str) {
    let root = &target.root;
    let fn_name = snake(&a.block.name);
    let ty = pascal(&a.block.name);
    let upper = fn_name.to_uppercase();
    let tenant = a.insert.as_ref().map(|i| i.tenant);
    let shared = |i: usize| {
        Some(i) == tenant
            || a.params[i].shared
            || a.params[i]
                .generated
                .as_deref()
                .is_some_and(|g| g.ends_with("::now()"))
    };
    let fields: Vec<usize> = signature_order(a)
        .into_iter()
        .filter(|&i| Some(i) != tenant && !a.params[i].shared)
        .collect();
    // One value for every row (an INSERT … SELECT's parameters), after the tenant.
    let common: Vec<usize> = signature_order(a)
        .into_iter()
        .filter(|&i| a.params[i].shared)
        .collect();
    let _ = writeln!(
        out,
        "\n    /// SQL of one row of `{}` (`?` placeholders; PostgreSQL gets `$n`); a statement repeats its VALUES tuple per row.",
        a.block.name
    );
    let _ = writeln!(out, "    pub const {upper}_SQL: &str = {:?};", a.qmark_sql);
    let _ = writeln!(out, "\n    /// One row of `{}`.", a.block.name);
    let _ = writeln!(out, "    #[derive(Debug, Clone, PartialEq)]");
    let _ = writeln!(out, "    pub struct {ty}Row {{");
    for &i in &fields {
        let p = &a.params[i];
        let _ = writeln!(out, "        /// `:{}`.", p.name);
        let _ = writeln!(
            out,
            "        pub {}: {},",
            p.name,
            target.path(&row_field(&p.name, &p.rust).0)
        );
    }
    let _ = writeln!(out, "    }}");
    // The statement: the text before VALUES once, the tuple per row.
    let (head, tuple) = values_split(&a.qmark_sql);
    let per_row = tuple.matches('?').count().max(1);
    let _ = writeln!(out, "\n    #[doc(hidden)]\n    pub struct {ty}Key;");
    let _ = writeln!(out, "    #[doc(hidden)]\n    pub struct {ty}Query<'a> {{");
    if let Some(t) = tenant {
        let _ = writeln!(out, "        {}: TenantId,", a.params[t].name);
    }
    for &i in &common {
        let p = &a.params[i];
        let _ = writeln!(
            out,
            "        {}: {},",
            p.name,
            arg_type(&target.path(&p.rust), true)
        );
    }
    for p in a.params.iter().filter(|p| {
        p.generated
            .as_deref()
            .is_some_and(|g| g.ends_with("::now()"))
    }) {
        let _ = writeln!(out, "        {}: {},", p.name, target.path(&p.rust));
    }
    let id = a.returns_id.map(|i| &a.params[i]);
    if let Some(id) = id {
        let _ = writeln!(out, "        {}: &'a [{}],", id.name, target.path(&id.rust));
    }
    let _ = writeln!(out, "        rows: &'a [{ty}Row],\n    }}");
    // The SQL depends on the number of rows: cached by its text, per length.
    let _ = writeln!(out, "    impl diesel::query_builder::QueryId for {ty}Query<'_> {{\n        type QueryId = {ty}Key;\n        const HAS_STATIC_QUERY_ID: bool = false;\n    }}");
    let _ = writeln!(out, "    impl diesel::query_builder::Query for {ty}Query<'_> {{\n        type SqlType = diesel::sql_types::Untyped;\n    }}");
    let _ = writeln!(
        out,
        "    impl diesel::RunQueryDsl<AnyConnection> for {ty}Query<'_> {{}}"
    );
    let _ = writeln!(out, "    impl<'a> diesel::query_builder::QueryFragment<{root}::connection::MultiBackend> for {ty}Query<'a> {{");
    let _ = writeln!(out, "        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, {root}::connection::MultiBackend>) -> diesel::QueryResult<()> {{");
    // One statement per batch length: not cached (see lists).
    let _ = writeln!(out, "            out.unsafe_to_cache_prepared();");
    let _ = writeln!(
        out,
        "            out.push_sql({:?});",
        format!("{head} VALUES ")
    );
    let _ = writeln!(
        out,
        "            for (i, row) in self.rows.iter().enumerate() {{"
    );
    let _ = writeln!(out, "                if i > 0 {{ out.push_sql(\", \"); }}");
    let before = a.qmark_sql.matches('?').count() - tuple.matches('?').count();
    let segments = split_placeholders(tuple);
    for (k, segment) in segments.iter().enumerate() {
        if !segment.is_empty() {
            let _ = writeln!(out, "                out.push_sql({segment:?});");
        }
        if let Some(&bind) = a.binds.get(before + k).filter(|_| k + 1 < segments.len()) {
            let p = &a.params[bind];
            let value = if Some(bind) == a.returns_id {
                format!("&self.{}[i]", p.name)
            } else if shared(bind) {
                format!("&self.{}", p.name)
            } else {
                format!("&row.{}", p.name)
            };
            let _ = writeln!(
                out,
                "                out.push_bind_param::<{}, _>({value})?;",
                target.path(&p.sql)
            );
        }
    }
    let _ = writeln!(
        out,
        "            }}\n            Ok(())\n        }}\n    }}"
    );

    let result = match id {
        Some(id) => format!("Vec<{}>", target.path(&id.rust)),
        None => "usize".into(),
    };
    let mut tenant_arg = tenant.map_or(String::new(), |t| {
        format!(", {}: TenantId", a.params[t].name)
    });
    for &i in &common {
        let _ = write!(
            tenant_arg,
            ", {}: {}",
            a.params[i].name,
            target.path(&a.params[i].rust)
        );
    }
    let _ = writeln!(
        out,
        "\n    /// `{}` ({}:{}) for every row of `rows`, in one write transaction.",
        a.block.name, file_path, a.block.name_line
    );
    let _ = writeln!(out, "    pub fn {fn_name}(conn: &mut AnyConnection{tenant_arg}, rows: &[{ty}Row]) -> {root}::repository::Result<{result}> {{");
    for p in a.params.iter().filter(|p| {
        p.generated
            .as_deref()
            .is_some_and(|g| g.ends_with("::now()"))
    }) {
        let _ = writeln!(
            out,
            "        let {} = {};",
            p.name,
            target.path(p.generated.as_deref().unwrap_or_default())
        );
    }
    if let Some(id) = id {
        let _ = writeln!(
            out,
            "        let {}: Vec<{}> = rows.iter().map(|_| {}).collect();",
            id.name,
            target.path(&id.rust),
            target.path(id.generated.as_deref().unwrap_or_default())
        );
    }
    for &i in &common {
        for line in column_rule_check(&a.params[i], target)
            .into_iter()
            .chain(text_checks(&a.params[i]))
        {
            let _ = writeln!(out, "        {line}");
        }
    }
    // Every row is checked before any is written; a refusal names its row.
    let _ = writeln!(
        out,
        "        for (index, row) in rows.iter().enumerate() {{"
    );
    let _ = writeln!(out, "            support::row_checked(index, || {{");
    for &i in &fields {
        let p = &a.params[i];
        let _ = writeln!(
            out,
            "                let {} = {};",
            p.name,
            row_field(&p.name, &p.rust).1
        );
    }
    for &i in &fields {
        let p = &a.params[i];
        let _ = writeln!(out, "                let _ = {};", p.name);
        for line in column_rule_check(p, target)
            .into_iter()
            .chain(text_checks(p))
        {
            let _ = writeln!(out, "                {line}");
        }
    }
    let _ = writeln!(out, "                Ok(())\n            }})?;");
    let _ = writeln!(out, "        }}");
    let chunk = (MAX_BATCH_BINDS / per_row).max(1);
    let now_fields: String = a
        .params
        .iter()
        .filter(|p| {
            p.generated
                .as_deref()
                .is_some_and(|g| g.ends_with("::now()"))
        })
        .map(|p| format!("{}, ", p.name))
        .collect();
    let mut tenant_field = tenant.map_or(String::new(), |t| format!("{}, ", a.params[t].name));
    for &i in &common {
        let _ = write!(tenant_field, "{}, ", a.params[i].name);
    }
    let id_field =
        |range: &str| id.map_or(String::new(), |id| format!("{0}: &{0}[{range}], ", id.name));
    let _ = writeln!(
        out,
        "        let insert = |conn: &mut AnyConnection| -> diesel::QueryResult<usize> {{"
    );
    let _ = writeln!(out, "            let mut count = 0;");
    let _ = writeln!(
        out,
        "            for (k, chunk) in rows.chunks({chunk}).enumerate() {{"
    );
    let _ = writeln!(out, "                let start = k * {chunk};");
    let _ = writeln!(
        out,
        "                let query = {ty}Query {{ {tenant_field}{now_fields}{}rows: chunk }};",
        id_field("start..start + chunk.len()")
    );
    let _ = writeln!(out, "                count += query.execute(conn)?;");
    let _ = writeln!(out, "            }}\n            Ok(count)\n        }};");
    let _ = writeln!(
        out,
        "        if rows.is_empty() {{ return Ok(Default::default()); }}"
    );
    match (&a.insert, tenant) {
        (Some(insert), Some(t)) => {
            let entity = target.path(&insert.entity);
            let tname = &a.params[t].name;
            let mut parents = String::new();
            for (parent, i) in &insert.parents {
                let parent = target.path(parent);
                let p = &a.params[*i];
                let check = format!("if !{parent}::is_live(conn, {tname}, ID)? {{ return Err(support::missing_parent({entity}::ENTITY, {parent}::ENTITY)); }}");
                if p.shared {
                    let _ = write!(parents, "{} ", check.replace("ID", &p.name));
                } else {
                    let _ = write!(
                        parents,
                        "for row in rows {{ {} }} ",
                        check.replace("ID", &format!("row.{}", p.name))
                    );
                }
            }
            let check_conn = if parents.is_empty() { "_conn" } else { "conn" };
            let _ = writeln!(out, "        let count = support::insert_owned(conn, {entity}::ENTITY, {entity}::UNIQUE, {tname}, |{check_conn}| {{ {parents}Ok(()) }}, insert)?;");
        }
        _ => {
            let _ = writeln!(out, "        let count = conn.write_transaction(|conn| Ok::<_, {root}::repository::Error>(insert(conn)?))?;");
        }
    }
    match id {
        Some(id) => {
            let _ = writeln!(out, "        let _ = count;\n        Ok({})", id.name);
        }
        None => {
            let _ = writeln!(out, "        Ok(count)");
        }
    }
    let _ = writeln!(out, "    }}");
    let _ = writeln!(
        out,
        "\n    /// `{}` from async code: [`{fn_name}`] in one hop on a pooled connection.",
        a.block.name
    );
    let mut tenant_pass = tenant.map_or(String::new(), |t| format!(", {}", a.params[t].name));
    let mut owned_lines = String::new();
    for &i in &common {
        let p = &a.params[i];
        match owned(&p.name, &p.rust) {
            Some((make, borrow)) => {
                let _ = writeln!(owned_lines, "        let {} = {make};", p.name);
                let _ = write!(tenant_pass, ", {borrow}");
            }
            None => {
                let _ = write!(tenant_pass, ", {}", p.name);
            }
        }
    }
    let _ = writeln!(out, "    pub async fn {fn_name}_async(db: &{root}::Database{tenant_arg}, rows: Vec<{ty}Row>) -> {root}::repository::Result<{result}> {{");
    out.push_str(&owned_lines);
    let _ = writeln!(
        out,
        "        db.run(move |conn| {fn_name}(conn{tenant_pass}, &rows)).await\n    }}"
    );
}

/// Most placeholders one statement of a batch insert binds (SQLite allows 32,766).
const MAX_BATCH_BINDS: usize = 10_000;

/// An INSERT's SQL split around its `VALUES` keyword (any case, after the column list): the
/// text before it, and the tuple of one row.
fn values_split(sql: &str) -> (&str, &str) {
    let after_columns = sql.find(')').map_or(0, |i| i + 1);
    let lower = sql.to_ascii_lowercase();
    match lower[after_columns..].find("values") {
        Some(i) => {
            let at = after_columns + i;
            (
                sql[..at].trim_end(),
                sql[at + "values".len()..].trim_start(),
            )
        }
        None => (sql, ""),
    }
}

/// The call applying the entity's rule to a parameter written to its column (a statement of
/// the generated function), if the parameter has one.
fn column_rule_check(p: &crate::analyze::Param, target: &Target) -> Option<String> {
    let (module, column) = p.column_rule.as_ref()?;
    let rules = format!("{}::COLUMN_RULES", target.path(module));
    let call = |value: &str| format!("support::column({rules}, {column:?}, {value})?;");
    Some(match p.rust.as_str() {
        "&str" => call(&p.name),
        "f64" => call(&format!("&{}", p.name)),
        "Option<&str>" => format!("if let Some(value) = {} {{ {} }}", p.name, call("value")),
        "Option<f64>" => format!("if let Some(value) = &{} {{ {} }}", p.name, call("value")),
        _ => return None,
    })
}

/// The portable text checks of a parameter written to a text column (bytes, characters,
/// JSON), if it has any.
fn text_checks(p: &crate::analyze::Param) -> Option<String> {
    let mut checks = Vec::new();
    if p.text {
        checks.push(format!("support::text_bytes({:?}, value)?;", p.name));
    }
    if let Some(max) = p.max_chars {
        checks.push(format!("support::max_chars({:?}, value, {max})?;", p.name));
    }
    if p.json {
        checks.push(format!("support::json({:?}, value)?;", p.name));
    }
    if checks.is_empty() {
        return None;
    }
    let body = checks.join(" ");
    Some(if p.rust.starts_with("Option<") {
        format!("if let Some(value) = {} {{ {body} }}", p.name)
    } else {
        format!("{{ let value = {}; {body} }}", p.name)
    })
}

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

/// The module for one file.
pub fn module(file_stem: &str, file_path: &str, blocks: &[Analyzed]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "/// Named queries of `{file_path}`.");
    let _ = writeln!(out, "pub mod {file_stem} {{");
    let _ = writeln!(
        out,
        "    #![allow(unused_imports, clippy::too_many_arguments)]"
    );
    let _ = writeln!(out, "    use diesel::prelude::*;");
    let _ = writeln!(out, "    use crate::types::*;");
    let _ = writeln!(out, "    use crate::AnyConnection;");
    for a in blocks {
        let fn_name = snake(&a.block.name);
        let row_type = match &a.row_path {
            Some(path) => path.clone(),
            None => format!("{}Row", pascal(&a.block.name)),
        };
        if a.row_path.is_none() && a.returns != Returns::Exec {
            let _ = writeln!(out, "\n    /// A row of `{}`.", a.block.name);
            let _ = writeln!(
                out,
                "    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]"
            );
            let _ = writeln!(out, "    pub struct {row_type} {{");
            for c in &a.columns {
                let _ = writeln!(out, "        /// Column `{}`.", c.name);
                let _ = writeln!(out, "        pub {}: {},", c.name, c.rust);
            }
            let _ = writeln!(out, "    }}");
        }
        let upper = fn_name.to_uppercase();
        // Rows load by position (diesel `Queryable`), which is cheaper than by name.
        let sql_type = if a.columns.is_empty() {
            "diesel::sql_types::Untyped".to_string()
        } else {
            format!(
                "({},)",
                a.columns
                    .iter()
                    .map(|c| c.sql.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let ty = pascal(&a.block.name);
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
            let _ = writeln!(
                out,
                "        {}: {},",
                p.name,
                p.rust.replace("&str", "&'a str")
            );
        }
        let _ = writeln!(
            out,
            "        _borrow: std::marker::PhantomData<&'a ()>,\n    }}"
        );
        let _ = writeln!(out, "    impl diesel::query_builder::QueryId for {ty}Query<'_> {{\n        type QueryId = {ty}Key;\n        const HAS_STATIC_QUERY_ID: bool = true;\n    }}");
        let _ = writeln!(out, "    impl diesel::query_builder::Query for {ty}Query<'_> {{\n        type SqlType = {sql_type};\n    }}");
        let _ = writeln!(
            out,
            "    impl diesel::RunQueryDsl<AnyConnection> for {ty}Query<'_> {{}}"
        );
        let _ = writeln!(out, "    impl<'a> diesel::query_builder::QueryFragment<crate::connection::MultiBackend> for {ty}Query<'a> {{");
        let _ = writeln!(out, "        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, crate::connection::MultiBackend>) -> diesel::QueryResult<()> {{");
        let segments = split_placeholders(&a.qmark_sql);
        for (i, segment) in segments.iter().enumerate() {
            if !segment.is_empty() {
                let _ = writeln!(out, "            out.push_sql({segment:?});");
            }
            if let Some(&bind) = a.binds.get(i) {
                let p = &a.params[bind];
                let _ = writeln!(
                    out,
                    "            out.push_bind_param::<{}, _>(&self.{})?;",
                    p.sql, p.name
                );
            }
        }
        let _ = writeln!(out, "            Ok(())\n        }}\n    }}");
        let result = match a.returns {
            Returns::One => row_type.clone(),
            Returns::Optional => format!("Option<{row_type}>"),
            Returns::Many => format!("Vec<{row_type}>"),
            Returns::Exec => "usize".to_string(),
        };
        let _ = writeln!(
            out,
            "\n    /// `{}` ({}:{}).",
            a.block.name, file_path, a.block.name_line
        );
        let args: String = a
            .params
            .iter()
            .map(|p| format!(", {}: {}", p.name, p.rust))
            .collect();
        let _ = writeln!(out, "    pub fn {fn_name}(conn: &mut AnyConnection{args}) -> crate::repository::Result<{result}> {{");
        for p in a.params.iter().filter(|p| p.non_negative) {
            let _ = writeln!(
                out,
                "        if {0} < 0 {{ return Err(crate::repository::Error::validation(\"{0}\", \"must not be negative (LIMIT/OFFSET)\")); }}",
                p.name
            );
        }
        // A text parameter written to a bounded or JSON column is checked before the
        // statement runs, so that SQLite refuses what PostgreSQL and MySQL refuse.
        for p in a
            .params
            .iter()
            .filter(|p| p.max_chars.is_some() || p.json || p.text)
        {
            let value = if p.rust.starts_with("Option<") {
                let _ = writeln!(out, "        if let Some(value) = {} {{", p.name);
                "value"
            } else {
                let _ = writeln!(out, "        {{ let value = {};", p.name);
                "value"
            };
            if p.text {
                let _ = writeln!(
                    out,
                    "            let bytes = {value}.len(); if bytes > crate::repository::validate::MAX_TEXT_BYTES {{ return Err(crate::repository::Error::validation(\"{0}\", format!(\"must be at most {{}} bytes (UTF-8), got {{bytes}}\", crate::repository::validate::MAX_TEXT_BYTES))); }}",
                    p.name
                );
            }
            if let Some(max) = p.max_chars {
                let _ = writeln!(
                    out,
                    "            let chars = {value}.chars().count(); if chars > {max} {{ return Err(crate::repository::Error::validation(\"{0}\", format!(\"must be at most {max} characters, got {{chars}}\"))); }}",
                    p.name
                );
            }
            if p.json {
                let _ = writeln!(
                    out,
                    "            if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>({value}) {{ return Err(crate::repository::Error::validation(\"{0}\", format!(\"is not valid JSON: {{e}}\"))); }}",
                    p.name
                );
            }
            let _ = writeln!(out, "        }}");
        }
        let fields: String = a.params.iter().map(|p| format!("{}, ", p.name)).collect();
        let _ = writeln!(
            out,
            "        let query = {ty}Query {{ {fields}_borrow: std::marker::PhantomData }};"
        );
        let tail = match a.returns {
            Returns::One => format!("query.get_result::<{row_type}>(conn)"),
            Returns::Optional => format!("query.get_result::<{row_type}>(conn).optional()"),
            Returns::Many => format!("query.load::<{row_type}>(conn)"),
            Returns::Exec => "query.execute(conn)".to_string(),
        };
        let _ = writeln!(out, "        Ok({tail}?)");
        let _ = writeln!(out, "    }}");
    }
    let _ = writeln!(out, "}}");
    out
}

//! Rust code for checked blocks: a module per file, a function per block, a row struct per
//! block without `-- row:`.

use std::fmt::Write as _;

use crate::analyze::Analyzed;
use crate::file::Returns;

fn snake(name: &str) -> String {
    name.replace('-', "_")
}

fn pascal(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
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
        let row_type = match &a.block.row {
            Some(model) => crate::catalog::model_path(model).expect("checked"),
            None => format!("{}Row", pascal(&a.block.name)),
        };
        if a.block.row.is_none() && a.returns != Returns::Exec {
            let _ = writeln!(out, "\n    /// A row of `{}`.", a.block.name);
            let _ = writeln!(
                out,
                "    #[derive(Debug, Clone, PartialEq, diesel::QueryableByName, serde::Serialize)]"
            );
            let _ = writeln!(out, "    pub struct {row_type} {{");
            for c in &a.columns {
                let _ = writeln!(out, "        /// Column `{}`.", c.name);
                let _ = writeln!(out, "        #[diesel(sql_type = {})]", c.sql);
                let _ = writeln!(out, "        pub {}: {},", c.name, c.rust);
            }
            let _ = writeln!(out, "    }}");
        }
        let _ = writeln!(
            out,
            "\n    /// SQL of `{}` with `?` placeholders.",
            a.block.name
        );
        let _ = writeln!(
            out,
            "    pub const {}_SQL: &str = {:?};",
            fn_name.to_uppercase(),
            a.qmark_sql
        );
        let _ = writeln!(
            out,
            "    /// SQL of `{}` with `$n` placeholders (PostgreSQL).",
            a.block.name
        );
        let _ = writeln!(
            out,
            "    pub const {}_PG_SQL: &str = {:?};",
            fn_name.to_uppercase(),
            a.pg_sql
        );
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
        let _ = writeln!(out, "    pub fn {fn_name}(conn: &mut AnyConnection{args}) -> diesel::QueryResult<{result}> {{");
        let _ = writeln!(
            out,
            "        let sql = if conn.backend() == crate::url::Backend::Postgres {{ {0}_PG_SQL }} else {{ {0}_SQL }};",
            fn_name.to_uppercase()
        );
        let mut call = "diesel::sql_query(sql)".to_string();
        for &i in &a.binds {
            let p = &a.params[i];
            let _ = write!(call, "\n            .bind::<{}, _>({})", p.sql, p.name);
        }
        let tail = match a.returns {
            Returns::One => format!(".get_result::<{row_type}>(conn)"),
            Returns::Optional => format!(".get_result::<{row_type}>(conn).optional()"),
            Returns::Many => format!(".load::<{row_type}>(conn)"),
            Returns::Exec => ".execute(conn)".to_string(),
        };
        let _ = writeln!(out, "        {call}\n            {tail}");
        let _ = writeln!(out, "    }}");
    }
    let _ = writeln!(out, "}}");
    out
}

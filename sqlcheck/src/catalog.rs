//! The catalog: tables and columns read from the project's unified `table!` schema (no server).

use std::collections::BTreeMap;

use crate::names::pascal;

/// A column and what Rust and diesel see in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Whether it may be NULL.
    pub nullable: bool,
    /// The Rust type of a value (`TenantId`, `String`, `Timestamp`, `bool`, `f64`, `i64`).
    pub rust: String,
    /// The diesel SQL type path of a non-null value.
    pub sql: String,
    /// Most characters a text value may have (`#[max_length = N]`: VARCHAR(N) on PostgreSQL
    /// and MySQL, which refuse a longer value where SQLite stores it).
    pub max_length: Option<usize>,
    /// A JSON document kept as text (its doc comment starts with `JSON document`): every value
    /// written must parse as JSON, as the repository requires.
    pub json: bool,
}

impl Column {
    /// The type a parameter of this column takes.
    pub fn param_type(&self) -> String {
        if self.rust == "String" {
            "&str".into()
        } else {
            self.rust.clone()
        }
    }
}

/// A `-- row:` model: a repository struct whose fields mirror its table's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// The struct's name (`Rule`).
    pub name: String,
    /// Its table (`rules`).
    pub table: String,
    /// Its Rust path in the generated code (`crate::repository::rules::Rule`).
    pub path: String,
}

/// Tables by name (columns in schema order), with their primary keys, parent links and models.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    tables: BTreeMap<String, Vec<Column>>,
    /// Primary-key column of each table.
    pub primary_keys: BTreeMap<String, String>,
    /// (child table, parent table, foreign-key column), from `diesel::joinable!`.
    pub parents: Vec<(String, String, String)>,
    /// The models `-- row:` may name, from the entity list.
    pub models: Vec<Model>,
    /// Tables a block's WITH made (their rows were scoped and filtered where they were
    /// selected).
    pub derived: Vec<String>,
}

impl std::ops::Deref for Catalog {
    type Target = BTreeMap<String, Vec<Column>>;
    fn deref(&self) -> &Self::Target {
        &self.tables
    }
}

impl Catalog {
    /// The model called `name`.
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.name == name)
    }

    /// The model names, for diagnostics.
    pub fn model_names(&self) -> String {
        self.models
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// This catalog with a table a WITH makes: its columns, and the key its rows are unique by
    /// (if any).
    pub fn with_derived(&self, name: &str, columns: Vec<Column>, key: Option<String>) -> Catalog {
        let mut out = self.clone();
        out.tables.insert(name.to_string(), columns);
        if let Some(k) = key {
            out.primary_keys.insert(name.to_string(), k);
        }
        out.derived.push(name.to_string());
        out
    }

    /// The tables whose rows point at a row of `table` (soft deletes must cascade to them).
    pub fn children(&self, table: &str) -> Vec<&str> {
        self.parents
            .iter()
            .filter(|(_, parent, _)| parent == table)
            .map(|(child, _, _)| child.as_str())
            .collect()
    }
}

/// Maps a schema type name to (Rust type, SQL type path); ids are typed by column name.
pub fn types_for(column: &str, ty: &str) -> Result<(String, String), String> {
    Ok(match ty {
        "Uuid36" => {
            let stem = column
                .strip_suffix("_id")
                .ok_or_else(|| format!("id column {column} does not end in _id"))?;
            (
                format!("{}Id", pascal(stem)),
                "crate::types::sql::Uuid36".into(),
            )
        }
        "UtcTimestamp" => ("Timestamp".into(), "crate::types::sql::UtcTimestamp".into()),
        "Text" => ("String".into(), "diesel::sql_types::Text".into()),
        "Bool" => ("bool".into(), "diesel::sql_types::Bool".into()),
        "Double" => ("f64".into(), "diesel::sql_types::Double".into()),
        "BigInt" => ("i64".into(), "diesel::sql_types::BigInt".into()),
        "Integer" => ("i32".into(), "diesel::sql_types::Integer".into()),
        other => return Err(format!("the checker does not know the SQL type {other}")),
    })
}

/// Reads the `table!` blocks of a schema module.
pub fn parse(schema_rs: &str) -> Result<Catalog, String> {
    let mut catalog = Catalog::default();
    let mut current: Option<String> = None;
    // Attributes and doc comments seen since the last column, which they describe.
    let mut max_length: Option<usize> = None;
    let mut json = false;
    for line in schema_rs.lines().map(str::trim) {
        if let Some(n) = line
            .strip_prefix("#[max_length = ")
            .and_then(|r| r.strip_suffix(']'))
        {
            max_length = Some(
                n.trim()
                    .parse()
                    .map_err(|_| format!("bad max_length in {line:?}"))?,
            );
            continue;
        }
        if line.starts_with("/// JSON document") {
            json = true;
            continue;
        }
        // `diesel::joinable!(child -> parent (fk));`
        if let Some(rest) = line
            .strip_prefix("diesel::joinable!(")
            .or_else(|| line.strip_prefix("joinable!("))
        {
            let rest = rest.trim_end_matches(';').trim_end_matches(')');
            if let Some((child, tail)) = rest.split_once("->") {
                if let Some((parent, fk)) = tail.trim().split_once('(') {
                    catalog.parents.push((
                        child.trim().to_string(),
                        parent.trim().to_string(),
                        fk.trim().trim_end_matches(')').to_string(),
                    ));
                }
            }
            continue;
        }
        if line.starts_with("#[") || line.starts_with("//") || line.starts_with("use ") {
            continue;
        }
        if let Some(head) = line.strip_suffix('{') {
            if let Some((name, key)) = head.trim().split_once(" (") {
                let identifier =
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if identifier {
                    current = Some(name.to_string());
                    catalog.tables.entry(name.to_string()).or_default();
                    let key = key.trim().trim_end_matches(')').trim();
                    catalog
                        .primary_keys
                        .insert(name.to_string(), key.to_string());
                }
            }
            continue;
        }
        if line == "}" {
            current = None;
            continue;
        }
        if let (Some(table), Some((column, ty))) = (&current, line.split_once(" -> ")) {
            let ty = ty.trim().trim_end_matches(',');
            let (nullable, inner) = match ty
                .strip_prefix("Nullable<")
                .and_then(|t| t.strip_suffix('>'))
            {
                Some(inner) => (true, inner),
                None => (false, ty),
            };
            let column = column.trim();
            let (rust, sql) =
                types_for(column, inner).map_err(|e| format!("{table}.{column}: {e}"))?;
            catalog
                .tables
                .get_mut(table)
                .expect("entry made above")
                .push(Column {
                    name: column.to_string(),
                    nullable,
                    rust,
                    sql,
                    max_length: max_length.take(),
                    json: std::mem::take(&mut json),
                });
        }
    }
    // Not a schema module (a wrong path, an empty file): say so once, instead of an unknown
    // table for every query.
    if catalog.tables.is_empty() {
        return Err(
            "no `diesel::table!` in this file: give the schema module `diesel print-schema` writes (src/schema.rs)"
                .into(),
        );
    }
    if let Some((table, _)) = catalog.tables.iter().find(|(_, c)| c.is_empty()) {
        return Err(format!("the table {table} has no columns here"));
    }
    Ok(catalog)
}

/// Reads the entity list (`src/repository/entities.rs`): one line per entity,
/// `Variant table: Model, id_column, IdType, parents [...];`; the model's path is
/// `crate::repository::<table>::<Model>`.
pub fn parse_entities(entities_rs: &str) -> Result<Vec<Model>, String> {
    let mut models = Vec::new();
    for line in entities_rs.lines().map(str::trim) {
        let Some((head, rest)) = line.split_once(": ") else {
            continue;
        };
        let mut words = head.split(' ');
        let (Some(_variant), Some(table), None) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        if !line.ends_with("];") || !rest.contains(", parents [") {
            continue;
        }
        let name = rest
            .split(',')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        let path = format!("crate::repository::{table}::{name}");
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric())
            || !table.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            return Err(format!("cannot read the entity line {line:?}"));
        }
        models.push(Model {
            name,
            table: table.to_string(),
            path,
        });
    }
    if models.is_empty() {
        return Err("the entity list names no entities".into());
    }
    Ok(models)
}

/// [`parse`] the schema, then add the models of the entity list; every model's table must be
/// in the schema.
pub fn parse_with_entities(schema_rs: &str, entities_rs: &str) -> Result<Catalog, String> {
    let mut catalog = parse(schema_rs)?;
    catalog.models = parse_entities(entities_rs)?;
    check_models(&catalog)?;
    Ok(catalog)
}

/// Every model's table must be in the schema.
pub fn check_models(catalog: &Catalog) -> Result<(), String> {
    match catalog
        .models
        .iter()
        .find(|m| !catalog.contains_key(&m.table))
    {
        Some(m) => Err(format!(
            "the entity {} names table {}, which the schema does not have",
            m.name, m.table
        )),
        None => Ok(()),
    }
}

/// `T` of the Rust type `Option<T>`; `None` for a type that is not an `Option`.
pub fn option_inner(rust: &str) -> Option<&str> {
    rust.strip_prefix("Option<")?.strip_suffix('>')
}

/// Parses a declared type (`-- param: x i64`, `-- column: total i64`) into (Rust, SQL) types.
pub fn declared(ty: &str) -> Option<(String, String)> {
    if let Some(inner) = option_inner(ty) {
        let (rust, sql) = declared(inner.trim())?;
        return Some((
            format!("Option<{rust}>"),
            format!("diesel::sql_types::Nullable<{sql}>"),
        ));
    }
    let (rust, sql) = match ty {
        "i64" => ("i64", "diesel::sql_types::BigInt"),
        "i32" => ("i32", "diesel::sql_types::Integer"),
        "f64" => ("f64", "diesel::sql_types::Double"),
        "bool" => ("bool", "diesel::sql_types::Bool"),
        "String" | "&str" => ("String", "diesel::sql_types::Text"),
        "Timestamp" => ("Timestamp", "crate::types::sql::UtcTimestamp"),
        id if id.ends_with("Id") && id.chars().all(|c| c.is_ascii_alphanumeric()) => {
            return Some((id.to_string(), "crate::types::sql::Uuid36".to_string()))
        }
        _ => return None,
    };
    Some((rust.to_string(), sql.to_string()))
}

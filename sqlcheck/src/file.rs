//! Splitting a query file into named blocks with their annotations.

use crate::diagnostic::{Code, Diagnostic};

/// What a block returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// Exactly one row.
    One,
    /// Zero or one row.
    Optional,
    /// Any number of rows.
    Many,
    /// No rows; the affected row count.
    Exec,
}

/// One `-- name:` block.
#[derive(Debug, Clone)]
pub struct Block {
    /// The kebab-case name.
    pub name: String,
    /// Line of the `-- name:` comment (1-based).
    pub name_line: usize,
    /// `-- returns:`, if given.
    pub returns: Option<Returns>,
    /// `-- row: Model`, if given.
    pub row: Option<String>,
    /// `-- include-deleted`.
    pub include_deleted: bool,
    /// `-- all-tenants`.
    pub all_tenants: bool,
    /// `-- keeps-modified-at: reason`: an UPDATE that deliberately leaves `modified_at`.
    pub keeps_modified_at: Option<String>,
    /// `-- param: name Type` declarations.
    pub params: Vec<(String, String)>,
    /// `-- column: alias Type` declarations.
    pub columns: Vec<(String, String)>,
    /// The SQL text (without the trailing `;`).
    pub sql: String,
    /// Line of the first SQL line.
    pub sql_line: usize,
}

fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--")
}

/// Splits `text` (the contents of `file`) into blocks.
pub fn split(file: &str, text: &str) -> (Vec<Block>, Vec<Diagnostic>) {
    let mut blocks: Vec<Block> = Vec::new();
    let mut errors = Vec::new();
    let mut current: Option<Block> = None;
    let mut in_annotations = false;
    let lines: Vec<&str> = text.lines().collect();
    let finish = |b: Block, blocks: &mut Vec<Block>, errors: &mut Vec<Diagnostic>| {
        if b.sql.trim().trim_end_matches(';').trim().is_empty() {
            errors.push(Diagnostic::new(
                file,
                b.name_line,
                1,
                &b.name,
                Code::Annotation,
                "the block has no SQL",
                "write the statement under the `-- name:` line, or remove the block",
            ));
        } else {
            blocks.push(b);
        }
    };
    for (i, raw) in lines.iter().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if let Some(name) = line.strip_prefix("-- name:") {
            if let Some(b) = current.take() {
                finish(b, &mut blocks, &mut errors);
            }
            let name = name.trim().to_string();
            if !is_kebab(&name) {
                errors.push(Diagnostic::new(
                    file,
                    line_no,
                    1,
                    &name,
                    Code::Annotation,
                    &format!("query name {name:?} is not kebab-case"),
                    "use lowercase words joined by `-`, e.g. `list-active-rules`",
                ));
            }
            if blocks.iter().any(|b| b.name == name) {
                errors.push(Diagnostic::new(
                    file,
                    line_no,
                    1,
                    &name,
                    Code::Annotation,
                    "duplicate query name",
                    "give each block in a file its own name",
                ));
            }
            current = Some(Block {
                name,
                name_line: line_no,
                returns: None,
                row: None,
                include_deleted: false,
                all_tenants: false,
                keeps_modified_at: None,
                params: vec![],
                columns: vec![],
                sql: String::new(),
                sql_line: line_no + 1,
            });
            in_annotations = true;
            continue;
        }
        let Some(block) = current.as_mut() else {
            if !line.is_empty() && !line.starts_with("--") {
                errors.push(Diagnostic::new(
                    file,
                    line_no,
                    1,
                    "",
                    Code::Annotation,
                    "SQL outside any block",
                    "start the block with a `-- name: some-name` line",
                ));
            }
            continue;
        };
        if in_annotations {
            if let Some(annotation) = line.strip_prefix("--") {
                let annotation = annotation.trim();
                let (key, value) = annotation
                    .split_once(':')
                    .map(|(k, v)| (k.trim(), v.trim()))
                    .unwrap_or((annotation, ""));
                let bad = |what: &str| {
                    Diagnostic::new(file, line_no, 1, &block.name, Code::Annotation, what, "annotations are `-- returns: one|optional|many|exec`, `-- row: Model`, `-- include-deleted`, `-- all-tenants`, `-- keeps-modified-at: reason`, `-- param: name Type`, `-- column: alias Type`")
                };
                match key {
                    "returns" => {
                        block.returns = Some(match value {
                            "one" => Returns::One,
                            "optional" => Returns::Optional,
                            "many" => Returns::Many,
                            "exec" => Returns::Exec,
                            other => {
                                errors.push(bad(&format!("unknown `returns` value {other:?}")));
                                continue;
                            }
                        })
                    }
                    "row" if crate::catalog::table_of_model(value).is_none() => {
                        let column = raw.find(value).map_or(1, |i| i + 1);
                        errors.push(Diagnostic::new(
                            file,
                            line_no,
                            column,
                            &block.name,
                            Code::Schema,
                            &format!("unknown model {value}"),
                            "row models are Tenant, User, ApiKey, Sensor, Rule, RuleSensor, Configuration",
                        ));
                    }
                    "row" => block.row = Some(value.to_string()),
                    "include-deleted" => block.include_deleted = true,
                    "all-tenants" => block.all_tenants = true,
                    "keeps-modified-at" if value.is_empty() => {
                        errors.push(bad("`keeps-modified-at:` needs a reason"))
                    }
                    "keeps-modified-at" => block.keeps_modified_at = Some(value.to_string()),
                    "param" | "column" => match value.split_once(' ') {
                        Some((n, t)) => {
                            let pair = (
                                n.trim().trim_start_matches(':').to_string(),
                                t.trim().to_string(),
                            );
                            if key == "param" {
                                block.params.push(pair)
                            } else {
                                block.columns.push(pair)
                            }
                        }
                        None => errors.push(bad(&format!("`{key}:` needs a name and a type"))),
                    },
                    // Any other comment describes the query; annotations may follow it.
                    _ => {}
                }
                if in_annotations {
                    continue;
                }
            } else {
                in_annotations = false;
            }
        }
        // Positions the parser reports inside the SQL are relative to its first line.
        if block.sql.is_empty() {
            block.sql_line = line_no;
        }
        block.sql.push_str(raw);
        block.sql.push('\n');
    }
    if let Some(b) = current.take() {
        finish(b, &mut blocks, &mut errors);
    }
    for b in &mut blocks {
        b.sql = b.sql.trim_end().trim_end_matches(';').to_string();
    }
    (blocks, errors)
}

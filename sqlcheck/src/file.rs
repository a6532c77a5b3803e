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
    /// Line and column of the model's name in its `-- row:` annotation.
    pub row_at: (usize, usize),
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
    /// `-- list: name` declarations (lowercase names) with their positions: parameters that
    /// take a slice of values, for `col IN (:name)`.
    pub lists: Vec<(String, (usize, usize))>,
    /// `-- batch`: a one-row INSERT whose function takes a slice of rows.
    pub batch: bool,
    /// Line and column of each `-- param:` declaration's name, in order.
    pub params_at: Vec<(usize, usize)>,
    /// Line and column of each `-- column:` declaration's name, in order.
    pub columns_at: Vec<(usize, usize)>,
    /// The SQL text (without the trailing `;`).
    pub sql: String,
    /// Line of the first SQL line.
    pub sql_line: usize,
}

/// The annotation keys.
const KEYS: &[&str] = &[
    "returns",
    "row",
    "include-deleted",
    "all-tenants",
    "keeps-modified-at",
    "param",
    "column",
    "list",
    "batch",
];

const ANNOTATIONS: &str = "annotations are `-- returns: one|optional|many|exec`, `-- row: Model`, `-- include-deleted`, `-- all-tenants`, `-- keeps-modified-at: reason`, `-- param: name Type`, `-- column: alias Type`, `-- list: name`, `-- batch`";

/// Whether `word` is `key` with at most two letters changed, added or dropped, but not `key`
/// itself (a typo), or `key` in other case.
fn near(key: &str, word: &str) -> bool {
    if key == word {
        // Reached only for a key in other case (`Returns`): the match on keys is exact.
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (key.chars().collect(), word.chars().collect());
    if a.len().abs_diff(b.len()) > 2 {
        return false;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()] <= 2
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
    // The Rust name (PascalCase) of every block so far, and the block that gave it.
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    // Editors on Windows may save a byte-order mark; it is not SQL.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Classic Mac OS line endings: the whole file would be one line (its `-- name:`).
    if text.contains('\r') && !text.contains('\n') {
        errors.push(Diagnostic::new(
            file,
            1,
            1,
            "",
            Code::Annotation,
            "the lines of this file end in a bare CR",
            "save it with LF (or CRLF) line endings",
        ));
        return (blocks, errors);
    }
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
        // Where `value` starts on this line (1-based), for diagnostics about it.
        // (Values follow the annotation's colon: searched there first, so `-- name: a` finds
        // the `a` of the value, not of `name`.)
        let column_of = |value: &str| {
            let after = raw.find(':').map_or(0, |i| i + 1);
            raw[after..]
                .find(value)
                .map(|i| i + after)
                .or_else(|| raw.find(value))
                .filter(|_| !value.is_empty())
                .map_or(1, |i| raw[..i].chars().count() + 1)
        };
        if let Some(rest) = line.strip_prefix("--") {
            let rest = rest.trim_start();
            if !line.starts_with("-- name:") && rest.starts_with("name:") {
                errors.push(Diagnostic::new(
                    file,
                    line_no,
                    1,
                    "",
                    Code::Annotation,
                    "this looks like a `-- name:` line but is spelled differently",
                    "write exactly `-- name: some-name` (two dashes, one space)",
                ));
                continue;
            }
        }
        if let Some(name) = line.strip_prefix("-- name:") {
            if let Some(b) = current.take() {
                finish(b, &mut blocks, &mut errors);
            }
            let name = name.trim().to_string();
            let at = column_of(&name);
            let refused = if !is_kebab(&name) {
                Some((
                    format!("query name {name:?} is not kebab-case"),
                    "use lowercase words joined by `-`, e.g. `list-active-rules`",
                ))
            } else if name.ends_with("-async") {
                Some((
                    format!("query name {name:?} ends with -async, the suffix of the generated async twins"),
                    "drop the suffix: every query gets an async twin `…_async`",
                ))
            } else {
                crate::names::refusal(&name).map(|why| {
                    (
                        format!("query name {name:?}: {why}"),
                        "choose another name, e.g. with a verb: `list-…`, `get-…`",
                    )
                })
            };
            if let Some((what, fix)) = refused {
                errors.push(Diagnostic::new(
                    file,
                    line_no,
                    at,
                    &name,
                    Code::Annotation,
                    &what,
                    fix,
                ));
            }
            let generated = crate::names::pascal(&name);
            // One lookup per block: a file of 35,000 blocks took minutes when each compared
            // itself with every earlier one (the new-user trial).
            if let Some(other) = seen.get(&generated).cloned() {
                let what = if *other == name {
                    "duplicate query name".to_string()
                } else {
                    format!("{name} and {other} give the same Rust names ({generated}Query, {generated}Row)")
                };
                errors.push(Diagnostic::new(
                    file,
                    line_no,
                    at,
                    &name,
                    Code::Annotation,
                    &what,
                    "give each block in a file its own name",
                ));
            } else {
                seen.insert(generated, name.clone());
            }
            current = Some(Block {
                name,
                name_line: line_no,
                returns: None,
                row: None,
                row_at: (line_no, 1),
                include_deleted: false,
                all_tenants: false,
                keeps_modified_at: None,
                params: vec![],
                columns: vec![],
                lists: vec![],
                batch: false,
                params_at: vec![],
                columns_at: vec![],
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
                let value_at = column_of(value);
                let bad = |at: usize, what: &str| {
                    Diagnostic::new(
                        file,
                        line_no,
                        at,
                        &block.name,
                        Code::Annotation,
                        what,
                        ANNOTATIONS,
                    )
                };
                match key {
                    "returns" => {
                        block.returns = Some(match value {
                            "one" => Returns::One,
                            "optional" => Returns::Optional,
                            "many" => Returns::Many,
                            "exec" => Returns::Exec,
                            other => {
                                errors.push(bad(value_at, &format!("unknown `returns` value {other:?} (one of one, optional, many, exec, in lowercase)")));
                                continue;
                            }
                        })
                    }
                    "row" => {
                        block.row = Some(value.to_string());
                        block.row_at = (line_no, raw.find(value).map_or(1, |i| i + 1));
                    }
                    "include-deleted" => block.include_deleted = true,
                    "all-tenants" => block.all_tenants = true,
                    "batch" => block.batch = true,
                    "keeps-modified-at" if value.is_empty() => errors.push(Diagnostic::new(
                        file,
                        line_no,
                        raw.len() + 1,
                        &block.name,
                        Code::Annotation,
                        "`keeps-modified-at:` needs a reason",
                        "say why this UPDATE leaves modified_at alone, e.g. `-- keeps-modified-at: a use is not a change`",
                    )),
                    "keeps-modified-at" => block.keeps_modified_at = Some(value.to_string()),
                    "list" if value.is_empty() || value.contains(' ') => {
                        errors.push(bad(value_at, "`list:` needs one parameter name, e.g. `-- list: sensor_ids`"));
                    }
                    "list" => block.lists.push((
                        value.trim_start_matches(':').to_ascii_lowercase(),
                        (line_no, value_at),
                    )),
                    "param" | "column" => match value.split_once(' ') {
                        Some((n, t)) => {
                            let (n, t) = (n.trim(), t.trim());
                            if crate::catalog::declared(t).is_none() {
                                errors.push(Diagnostic::new(
                                    file,
                                    line_no,
                                    column_of(t),
                                    &block.name,
                                    Code::Annotation,
                                    &format!("unknown type {t:?} in `-- {key}:`"),
                                    "types are i64, i32, f64, bool, String, Timestamp, an id type (TenantId, RuleId, …), or Option<…> of one",
                                ));
                                continue;
                            }
                            let pair = (n.trim_start_matches(':').to_ascii_lowercase(), t.to_string());
                            let at = (line_no, column_of(n));
                            if key == "param" {
                                block.params.push(pair);
                                block.params_at.push(at);
                            } else {
                                block.columns.push(pair);
                                block.columns_at.push(at);
                            }
                        }
                        None => errors.push(bad(value_at, &format!("`{key}:` needs a name and a type"))),
                    },
                    // A misspelt annotation would silently change what the block returns or
                    // binds; other `word:` comments describe the query.
                    other if other.contains(' ') => {}
                    other if KEYS.iter().any(|k| near(k, &other.to_ascii_lowercase())) => {
                        errors.push(bad(
                            column_of(other),
                            &format!("unknown annotation `{other}:` (did you mean one of {}?)", KEYS.join(", ")),
                        ));
                    }
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

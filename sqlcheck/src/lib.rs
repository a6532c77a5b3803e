//! Build-time checker for TrapperKeeper's named SQL files (`queries/*.sql`).
//!
//! Each `-- name:` block is checked with no database running: it must avoid the constructs one
//! of PostgreSQL, MySQL and SQLite rejects or reads differently (`lint`, on the token stream),
//! parse under the crate's own grammar of the SQL all three accept with the same meaning
//! (`parse`), name only tables and columns of the project's schema (`src/schema.rs`), give every
//! parameter a type, and — unless annotated — constrain `tenant_id` and filter
//! `deleted_at IS NULL`. A checked file becomes a Rust module with a typed function per block.
//!
//! The tokenizer and parser are the crate's own rather than a general SQL parser's, so that
//! building the checker (which runs from the main crate's build script) takes seconds.

pub mod analyze;
pub mod ast;
pub mod build;
pub mod catalog;
pub mod codegen;
pub mod diagnostic;
pub mod file;
mod json;
pub mod lint;
pub mod names;
pub mod parse;
mod rules;
pub mod token;
pub mod types;

pub use diagnostic::{Code, Diagnostic};
use std::path::Path;

/// Checks one file's text; on success returns the generated module (for `trapperkeeper-db`).
pub fn check_file(
    display_path: &str,
    stem: &str,
    text: &str,
    catalog: &catalog::Catalog,
) -> Result<String, Vec<Diagnostic>> {
    check_file_for(
        display_path,
        stem,
        text,
        catalog,
        &codegen::Target::this_crate(),
    )
}

/// [`check_file`] for the crate `target` describes.
pub fn check_file_for(
    display_path: &str,
    stem: &str,
    text: &str,
    catalog: &catalog::Catalog,
    target: &codegen::Target,
) -> Result<String, Vec<Diagnostic>> {
    analyze_file(display_path, text, catalog)
        .map(|analyzed| codegen::module(stem, display_path, &analyzed, target))
}

/// Checks one file's text; on success returns its analyzed blocks, in file order.
pub fn analyze_file(
    display_path: &str,
    text: &str,
    catalog: &catalog::Catalog,
) -> Result<Vec<analyze::Analyzed>, Vec<Diagnostic>> {
    let (blocks, mut errors) = file::split(display_path, text);
    let mut analyzed = Vec::new();
    for block in &blocks {
        match analyze::analyze(block, catalog) {
            Ok(a) => analyzed.push(a),
            Err(problems) => errors.extend(problems.into_iter().map(|mut d| {
                d.file = display_path.into();
                d
            })),
        }
    }
    if blocks.is_empty() && errors.is_empty() {
        errors.push(Diagnostic::new(
            display_path,
            1,
            1,
            "",
            Code::Annotation,
            "the file has no named queries",
            "add a block starting with `-- name: some-name`, or delete the file",
        ));
    }
    if errors.is_empty() {
        Ok(analyzed)
    } else {
        // In the order of the file (a block's stages find problems in their own order).
        errors.sort_by_key(|d| (d.line, d.column));
        Err(errors)
    }
}

/// One checked query file.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    /// The path diagnostics and docs name (`queries/rules.sql`).
    pub display: String,
    /// The module it becomes (`rules`).
    pub module: String,
    /// Its blocks.
    pub blocks: Vec<analyze::Analyzed>,
}

fn io_error(path: &Path, what: &str, e: &std::io::Error) -> Vec<Diagnostic> {
    vec![Diagnostic::new(
        &path.display().to_string(),
        1,
        1,
        "",
        Code::Io,
        &format!("cannot read the {what}: {e}"),
        "check the path",
    )]
}

/// The catalog from the schema module and (when given) the entity list, whose models
/// `-- row:` may name.
pub fn load_catalog(
    schema_rs: &Path,
    entities_rs: Option<&Path>,
) -> Result<catalog::Catalog, Vec<Diagnostic>> {
    let schema =
        std::fs::read_to_string(schema_rs).map_err(|e| io_error(schema_rs, "schema", &e))?;
    // Each error names the file it is about.
    let refused = |path: &Path, e: String, fix: &str| {
        vec![Diagnostic::new(
            &path.display().to_string(),
            1,
            1,
            "",
            Code::Schema,
            &e,
            fix,
        )]
    };
    let mut catalog =
        catalog::parse(&schema).map_err(|e| refused(schema_rs, e, "fix the schema module"))?;
    if let Some(path) = entities_rs {
        let entities =
            std::fs::read_to_string(path).map_err(|e| io_error(path, "entity list", &e))?;
        catalog.models = catalog::parse_entities(&entities).map_err(|e| {
            refused(
                path,
                e,
                "give the entity list of the data layer (src/repository/entities.rs)",
            )
        })?;
        catalog::check_models(&catalog)
            .map_err(|e| refused(path, e, "fix the entity list or the schema module"))?;
    }
    Ok(catalog)
}

/// Checks every `*.sql` file in `dir` (sorted by name) against `catalog`; returns every file's
/// analyzed blocks, or every diagnostic. Places read `queries/rules.sql:3:7` (the folder's own
/// name), as a build prints them.
pub fn analyze_dir(
    dir: &Path,
    catalog: &catalog::Catalog,
) -> Result<Vec<CheckedFile>, Vec<Diagnostic>> {
    let shown = dir.file_name().unwrap_or_default().to_string_lossy();
    analyze_dir_shown_as(dir, &shown, catalog)
}

/// [`analyze_dir`] with places under `shown` (the folder as a command line gave it, so that an
/// editor can open `/tmp/q/a.sql:3:7` from where the command ran).
pub fn analyze_dir_shown_as(
    dir: &Path,
    shown: &str,
    catalog: &catalog::Catalog,
) -> Result<Vec<CheckedFile>, Vec<Diagnostic>> {
    let shown = match shown.trim_end_matches('/') {
        "" if shown.starts_with('/') => "",
        "" | "." => ".",
        s => s,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, "query folder", &e))?;
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        // Hidden files (an editor's `.#rules.sql` lock) are not queries.
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    // The module each file became, and from which file: `a-b.sql` and `a_b.sql` are one module.
    let mut modules: std::collections::BTreeMap<String, String> = Default::default();
    for path in files {
        let stem = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .replace('-', "_");
        let file_name = path.file_name().unwrap_or_default().to_string_lossy();
        let display = format!("{shown}/{file_name}");
        if let Some(first) = modules.get(&stem) {
            errors.push(Diagnostic::new(
                &display,
                1,
                1,
                "",
                Code::Annotation,
                &format!("{file_name} and {first} both become the module {stem}"),
                "rename one of the files",
            ));
            continue;
        }
        modules.insert(stem.clone(), file_name.to_string());
        if let Some(why) = names::module_refusal(&stem) {
            errors.push(Diagnostic::new(
                &display,
                1,
                1,
                "",
                Code::Annotation,
                &format!("the file's name becomes the module {stem}, but {why}"),
                "rename the file, e.g. `two-factor.sql` (kebab-case words starting with a letter)",
            ));
            continue;
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                errors.push(Diagnostic::new(
                    &display,
                    1,
                    1,
                    "",
                    Code::Io,
                    &format!("cannot read: {e}"),
                    "check the file",
                ));
                continue;
            }
        };
        match analyze_file(&display, &text, catalog) {
            Ok(blocks) => out.push(CheckedFile {
                display,
                module: stem,
                blocks,
            }),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Checks every `*.sql` file in `dir` against the schema at `schema_rs` and the `-- row:`
/// models of the entity list at `entities_rs`; returns the Rust source of all modules (for
/// `trapperkeeper-db` itself), or every diagnostic.
pub fn check_dir(
    dir: &Path,
    schema_rs: &Path,
    entities_rs: &Path,
) -> Result<String, Vec<Diagnostic>> {
    check_dir_for(dir, schema_rs, entities_rs, &codegen::Target::this_crate())
}

/// [`check_dir`] for the crate `target` describes (a service crate: [`codegen::Target::dependent`]).
pub fn check_dir_for(
    dir: &Path,
    schema_rs: &Path,
    entities_rs: &Path,
    target: &codegen::Target,
) -> Result<String, Vec<Diagnostic>> {
    let catalog = load_catalog(schema_rs, Some(entities_rs))?;
    let files = analyze_dir(dir, &catalog)?;
    Ok(files
        .iter()
        .map(|f| codegen::module(&f.module, &f.display, &f.blocks, target))
        .collect())
}

//! `tk-sqlcheck check [DIR] --schema FILE [--entities FILE] [--json]`: the named-query checker
//! outside `cargo build`, for editors and CI scripts. Prints every diagnostic as the build
//! prints them (exit 1), or with `--json` a description of every query on stdout: name,
//! `file:line`, parameters in signature order with their Rust types, result columns with their
//! types and nullability, and the SQL each backend runs. Exit 2: wrong usage or unreadable
//! input.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use tk_sqlcheck::analyze::Analyzed;
use tk_sqlcheck::codegen::{has_params_struct, row_field, signature_order};
use tk_sqlcheck::file::Returns;
use tk_sqlcheck::{Code, Diagnostic};

const USAGE: &str = "usage: tk-sqlcheck check [DIR] --schema FILE [--entities FILE] [--json]

  DIR              folder of *.sql files (default: queries)
  --schema FILE    the diesel schema module (src/schema.rs of trapperkeeper-db)
  --entities FILE  the entity list naming the -- row: models
                   (default: repository/entities.rs next to the schema, when it exists)
  --json           print every query (or every diagnostic) as JSON on stdout";

struct Args {
    dir: PathBuf,
    schema: PathBuf,
    entities: Option<PathBuf>,
    json: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    match args.next().as_deref() {
        Some("check") => {}
        Some("-h" | "--help") => return Err(String::new()),
        Some(other) => return Err(format!("unknown command {other:?}")),
        None => return Err("missing the command `check`".into()),
    }
    let (mut dir, mut schema, mut entities, mut json) = (None, None, None, false);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .filter(|v| !v.starts_with("--"))
                .ok_or_else(|| format!("{flag} needs a file"))
        };
        match arg.as_str() {
            "--schema" => schema = Some(PathBuf::from(value("--schema")?)),
            "--entities" => entities = Some(PathBuf::from(value("--entities")?)),
            "--json" => json = true,
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag:?}")),
            _ if dir.is_some() => return Err(format!("a second folder {arg:?}")),
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    let schema = schema.ok_or("missing --schema FILE")?;
    Ok(Args {
        dir: dir.unwrap_or_else(|| PathBuf::from("queries")),
        entities: entities.or_else(|| {
            let default = schema.parent()?.join("repository/entities.rs");
            default.is_file().then_some(default)
        }),
        schema,
        json,
    })
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = tk_sqlcheck::load_catalog(&args.schema, args.entities.as_deref())
        .and_then(|catalog| {
            tk_sqlcheck::analyze_dir_shown_as(&args.dir, &args.dir.to_string_lossy(), &catalog)
        })
        .and_then(|files| {
            // A mistyped folder would pass as "0 queries".
            if files.is_empty() {
                return Err(vec![Diagnostic::new(
                    &args.dir.to_string_lossy(),
                    1,
                    1,
                    "",
                    Code::Io,
                    "no *.sql files in this folder",
                    "give the folder of the query files (default: queries)",
                )]);
            }
            Ok(files)
        });
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`, on stdout or stderr) is not an error of the check: writes report
    // it instead of panicking as `println!`/`eprintln!` do, and the exit code stays the check's.
    let printed = match &result {
        Ok(files) if args.json => writeln!(stdout, "{}", queries_json(files)),
        Ok(files) => {
            let queries = files.iter().map(|f| f.blocks.len()).sum::<usize>();
            writeln!(
                stdout,
                "{} in {}: ok",
                counted(queries, "query", "queries"),
                counted(files.len(), "file", "files")
            )
        }
        Err(diagnostics) if args.json => writeln!(stdout, "{}", diagnostics_json(diagnostics)),
        Err(diagnostics) => {
            let mut stderr = std::io::stderr().lock();
            diagnostics
                .iter()
                .try_for_each(|d| writeln!(stderr, "error: {d}"))
                .and_then(|()| {
                    writeln!(
                        stderr,
                        "{} in {}/*.sql",
                        counted(diagnostics.len(), "problem", "problems"),
                        args.dir.to_string_lossy().trim_end_matches('/')
                    )
                })
        }
    };
    let _ = printed.and_then(|()| stdout.flush());
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(d) if d.iter().all(|d| d.code == Code::Io) => ExitCode::from(2),
        Err(_) => ExitCode::from(1),
    }
}

/// `1 file`, `2 files`.
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A JSON string literal.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn object(fields: &[(&str, String)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}: {v}", string(k)))
        .collect();
    format!("{{{}}}", body.join(", "))
}

fn array(items: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(", "))
}

/// The Rust spelling a user of the generated code sees (`crate::` is the data layer).
fn rust(ty: &str) -> String {
    string(&ty.replace("crate::", "trapperkeeper_db::"))
}

fn query_json(file: &str, module: &str, a: &Analyzed) -> String {
    let order = signature_order(a);
    let in_struct = has_params_struct(a);
    let tenant_first = order
        .first()
        .is_some_and(|&i| a.params[i].rust == "TenantId");
    let params = order.iter().enumerate().map(|(k, &i)| {
        let p = &a.params[i];
        // Where the argument goes: positional, a field of the `…Params` struct, or (batch) a
        // field of each row.
        let place = if a.batch && !(k == 0 && tenant_first) {
            "row"
        } else if in_struct && !(k == 0 && tenant_first) {
            "params"
        } else {
            "argument"
        };
        // A batch row's field is owned (`String`, as the generated `…Row` declares it).
        let ty = if place == "row" {
            row_field(&p.name, &p.rust).0
        } else {
            p.rust.clone()
        };
        object(&[
            ("name", string(&p.name)),
            ("rust", rust(&ty)),
            ("nullable", p.rust.starts_with("Option<").to_string()),
            ("list", p.list.to_string()),
            ("place", string(place)),
        ])
    });
    // INSERT … SELECT: what the function makes for each row it inserts.
    let made = a.copy.as_ref().map_or(&a.params, |c| &c.rows.params);
    let generated = made.iter().filter_map(|p| {
        p.generated
            .as_ref()
            .map(|g| object(&[("rust", rust(&p.rust)), ("made_by", string(g))]))
    });
    let columns = a.columns.iter().map(|c| {
        object(&[
            ("name", string(&c.name)),
            ("rust", rust(&c.rust)),
            ("nullable", c.rust.starts_with("Option<").to_string()),
        ])
    });
    let copied_id = a.copy.as_ref().is_some_and(|c| c.rows.returns_id.is_some());
    let returns = match (a.returns, a.returns_id) {
        (_, Some(_)) => "id",
        _ if copied_id => "id",
        (Returns::One, _) => "one",
        (Returns::Optional, _) => "optional",
        (Returns::Many, _) => "many",
        (Returns::Exec, _) => "exec",
    };
    let function = format!("{module}::{}", a.block.name.replace('-', "_"));
    object(&[
        ("name", string(&a.block.name)),
        ("function", string(&function)),
        ("location", string(&format!("{file}:{}", a.block.name_line))),
        ("returns", string(returns)),
        ("batch", a.batch.to_string()),
        ("row", a.row_path.as_deref().map_or("null".into(), rust)),
        ("parameters", array(params)),
        ("generated", array(generated)),
        ("columns", array(columns)),
        (
            "sql",
            object(&[
                ("sqlite", string(&a.qmark_sql)),
                ("mysql", string(&a.qmark_sql)),
                ("postgres", string(&a.pg_sql)),
            ]),
        ),
        // INSERT … SELECT: `sql` selects the rows, this inserts them (one VALUES tuple per
        // row, repeated).
        (
            "insert_select",
            a.copy.as_ref().map_or("null".into(), |c| {
                object(&[
                    ("sqlite", string(&c.rows.qmark_sql)),
                    ("mysql", string(&c.rows.qmark_sql)),
                    ("postgres", string(&c.rows.pg_sql)),
                ])
            }),
        ),
    ])
}

fn queries_json(files: &[tk_sqlcheck::CheckedFile]) -> String {
    let queries = files.iter().flat_map(|f| {
        f.blocks
            .iter()
            .map(|a| query_json(&f.display, &f.module, a))
    });
    object(&[("ok", "true".into()), ("queries", array(queries))])
}

fn diagnostics_json(diagnostics: &[Diagnostic]) -> String {
    let items = diagnostics.iter().map(|d| {
        object(&[
            (
                "location",
                string(&format!("{}:{}:{}", d.file, d.line, d.column)),
            ),
            ("query", string(&d.query)),
            ("code", string(d.code.as_str())),
            ("message", string(&d.message)),
            ("help", string(&d.help)),
        ])
    });
    object(&[("ok", "false".into()), ("diagnostics", array(items))])
}

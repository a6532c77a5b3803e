//! Records a SHA-256 checksum of every migration's `up.sql`, per backend, so start-up can tell
//! when an applied migration was edited afterwards; and checks and generates the named queries.

use std::fmt::Write as _;
use std::{env, fs, path::Path};

use sha2::{Digest, Sha256};

fn main() {
    let mut out = String::new();
    for backend in ["sqlite", "postgres", "mysql"] {
        let dir = Path::new("migrations").join(backend);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut entries: Vec<(String, String)> = Vec::new();
        for entry in fs::read_dir(&dir).expect("migrations folder exists") {
            let entry = entry.expect("readable migrations folder");
            let name = entry.file_name().to_string_lossy().into_owned();
            let up = entry.path().join("up.sql");
            if name.starts_with('.') || !up.is_file() {
                continue;
            }
            println!("cargo:rerun-if-changed={}", up.display());
            let sql = fs::read(&up).expect("readable up.sql");
            let digest = Sha256::digest(&sql);
            let hex = digest.iter().fold(String::new(), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            });
            entries.push((name, hex));
        }
        entries.sort();
        let _ = writeln!(
            out,
            "#[allow(dead_code)]\npub(crate) const {}: &[(&str, &str)] = &[",
            backend.to_uppercase()
        );
        for (name, hex) in entries {
            let _ = writeln!(out, "    ({name:?}, {hex:?}),");
        }
        out.push_str("];\n");
    }
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    fs::write(Path::new(&out_dir).join("migration_checksums.rs"), out).expect("writable OUT_DIR");
    named_queries(Path::new(&out_dir));
    // For the build scripts of crates that depend on this one (their named queries).
    let here = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .to_path_buf();
    println!("cargo:schema={}", here.join("src/schema.rs").display());
    println!(
        "cargo:entities={}",
        here.join("src/repository/entities.rs").display()
    );
}

/// Checks `queries/*.sql` against `src/schema.rs` (and the models of the entity list) and the three SQL dialects (no database
/// involved) and generates their typed functions; any problem stops the build.
fn named_queries(out_dir: &Path) {
    println!("cargo:rerun-if-changed=queries");
    println!("cargo:rerun-if-changed=src/schema.rs");
    println!("cargo:rerun-if-changed=src/repository/entities.rs");
    match tk_sqlcheck::check_dir(
        Path::new("queries"),
        Path::new("src/schema.rs"),
        Path::new("src/repository/entities.rs"),
    ) {
        Ok(code) => fs::write(out_dir.join("queries.rs"), code).expect("writable OUT_DIR"),
        Err(diagnostics) => {
            for d in &diagnostics {
                eprintln!("error: {d}");
            }
            eprintln!("{} problem(s) in queries/*.sql", diagnostics.len());
            std::process::exit(1);
        }
    }
}

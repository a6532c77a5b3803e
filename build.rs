//! Records a SHA-256 checksum of every migration's `up.sql`, per backend, so start-up can tell
//! when an applied migration was edited afterwards.

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
    let dest =
        Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("migration_checksums.rs");
    fs::write(dest, out).expect("writable OUT_DIR");
}

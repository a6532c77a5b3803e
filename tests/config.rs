//! Configuration: URL schemes, precedence of sources, validation and redaction. Pure logic, no
//! database involved.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use trapperkeeper_db::config::{
    CliOverrides, ConfigError, DatabaseConfig, Key, MigrationPolicy, Source,
};
use trapperkeeper_db::url::{Backend, DatabaseUrl, UrlError};

const CANARY: &str = "Canary-Pw-7f3a9";

fn load(
    cli: CliOverrides,
    env: &[(&str, &str)],
    cwd: &Path,
) -> Result<DatabaseConfig, ConfigError> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    DatabaseConfig::load_from(&cli, |k| env.get(k).cloned(), cwd)
}

fn cwd() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn url_schemes_select_backends_and_paths() {
    let cases: &[(&str, Backend, Option<&str>)] = &[
        ("sqlite://data/tk.db", Backend::Sqlite, Some("data/tk.db")),
        (
            "sqlite:///var/lib/tk/tk.db",
            Backend::Sqlite,
            Some("/var/lib/tk/tk.db"),
        ),
        ("sqlite3://data/tk.db", Backend::Sqlite, Some("data/tk.db")),
        ("sqlite:data/tk.db", Backend::Sqlite, Some("data/tk.db")),
        ("SQLITE://data/tk.db", Backend::Sqlite, Some("data/tk.db")),
        ("postgres://u@localhost/tk", Backend::Postgres, None),
        ("postgresql://u@localhost:5432/tk", Backend::Postgres, None),
        ("mysql://root@127.0.0.1:3306/tk", Backend::Mysql, None),
        ("mariadb://root@127.0.0.1/tk", Backend::Mysql, None),
    ];
    for (input, backend, path) in cases {
        if !backend.is_compiled_in() {
            assert!(
                matches!(
                    DatabaseUrl::parse(input),
                    Err(UrlError::NotCompiledIn { .. })
                ),
                "{input}"
            );
            continue;
        }
        let url = DatabaseUrl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(url.backend(), *backend, "{input}");
        assert_eq!(url.sqlite_path(), path.map(Path::new), "{input}");
    }
}

#[test]
fn unsupported_schemes_list_the_supported_ones() {
    for input in [
        "redis://localhost",
        "http://x/y",
        "oracle://a/b",
        "no-scheme-at-all",
        "",
        "://x",
    ] {
        let err = DatabaseUrl::parse(input).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(
                err,
                UrlError::UnsupportedScheme { .. } | UrlError::MissingScheme { .. }
            ),
            "{input}: {text}"
        );
        for s in ["sqlite://", "postgres://", "postgresql://", "mysql://"] {
            assert!(text.contains(s), "{input}: {text}");
        }
    }
}

/// A bare path (what the diesel CLI's `--database-url` takes) gets a hint at the SQLite form.
#[test]
fn a_bare_path_is_told_the_sqlite_form() {
    for input in ["data/trapperkeeper.db", "./x.db", "/var/lib/tk/tk.db"] {
        let text = DatabaseUrl::parse(input).unwrap_err().to_string();
        assert!(text.contains("sqlite://path/to/file.db"), "{input}: {text}");
    }
    let text = DatabaseUrl::parse("redis://x").unwrap_err().to_string();
    assert!(!text.contains("sqlite://path"), "{text}");
}

/// A MySQL URL must name its database (MySQL has none by default: the connection signed in and
/// then every statement failed with "No database selected", exit 1). PostgreSQL's defaults to
/// the user's name, as libpq does.
#[test]
fn a_server_url_without_a_database_is_refused_when_read() {
    for url in [
        "mysql://u@127.0.0.1:3306",
        "mysql://u@127.0.0.1:3306/",
        "mariadb://u:pw@h/",
        // PostgreSQL would take the user's name: for `postgres`, the maintenance database.
        "postgres://postgres@127.0.0.1:5432",
        "postgresql://u:pw@h/",
        "postgres://u@h/?dbname=",
    ] {
        if !backend_of(url).is_compiled_in() {
            continue;
        }
        let err = DatabaseUrl::parse(url).unwrap_err();
        assert!(matches!(err, UrlError::Malformed { .. }), "{url}: {err}");
        assert!(
            err.to_string().contains("names no database"),
            "{url}: {err}"
        );
    }
    for url in [
        "postgres://u@h/db",
        "postgres://u@h?dbname=db",
        "mysql://u@h/db",
    ] {
        if backend_of(url).is_compiled_in() {
            DatabaseUrl::parse(url).unwrap();
        }
    }
}

/// URL parameters are checked when the URL is read: an unknown one or an impossible value is a
/// configuration error naming the parameter (never its value), on both server backends.
#[test]
fn url_parameters_are_checked_when_read() {
    for (url, needle) in [
        (
            "postgres://u@h/db?sslmode=bogus",
            "sslmode must be one of disable",
        ),
        (
            "postgres://u@h/db?sslmod=require",
            "unknown URL parameter \"sslmod\"",
        ),
        ("postgres://u@h/db?connect_timeout=soon", "connect_timeout"),
        (
            "postgres://u@h/db?target_session_attrs=any-old",
            "target_session_attrs must be",
        ),
        (
            "mysql://u@h/db?sslmode=required",
            "unknown URL parameter \"sslmode\" for MySQL",
        ),
        (
            "mysql://u@h/db?ssl_mode=sometimes",
            "ssl_mode must be one of disabled",
        ),
        (
            "mysql://u@h/db?charset=latin1",
            "unknown URL parameter \"charset\"",
        ),
    ] {
        if !backend_of(url).is_compiled_in() {
            continue;
        }
        let err = DatabaseUrl::parse(url).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, UrlError::Malformed { .. }), "{url}: {text}");
        assert!(text.contains(needle), "{url}: {text}");
        assert!(
            !text.contains("bogus") && !text.contains("sometimes"),
            "{text}"
        );
    }
    for ok in [
        "postgres://u@h/db?sslmode=require&application_name=tk&connect_timeout=5",
        "mysql://u@h/db?ssl_mode=REQUIRED&ssl_ca=/etc/ca.pem",
        "mysql://u@h/db?password=secret",
    ] {
        if backend_of(ok).is_compiled_in() {
            DatabaseUrl::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }
}

fn backend_of(url: &str) -> Backend {
    if url.starts_with("postgres") {
        Backend::Postgres
    } else {
        Backend::Mysql
    }
}

#[test]
fn malformed_server_urls_are_clear_errors_without_the_password() {
    for input in [
        format!("postgres://u:{CANARY}@host:notaport/db"),
        format!("mysql://u:{CANARY}@/db"),
        format!("postgres:u:{CANARY}@host/db"),
    ] {
        match DatabaseUrl::parse(&input) {
            Err(e @ UrlError::Malformed { .. }) => {
                let text = format!("{e} {e:?}");
                assert!(!text.contains(CANARY), "{text}");
            }
            Err(UrlError::NotCompiledIn { .. }) => {}
            other => panic!("{input}: expected Malformed, got {other:?}"),
        }
    }
    if Backend::Sqlite.is_compiled_in() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://").unwrap_err(),
            UrlError::EmptySqlitePath
        );
    }
}

#[test]
fn passwords_are_redacted_in_display_debug_and_scrub() {
    let cases = [
        format!("postgres://tk:{CANARY}@db.internal:5432/tk"),
        format!("postgresql://tk@db.internal/tk?sslmode=require&password={CANARY}"),
        format!("mysql://tk:{CANARY}@db.internal:3306/tk"),
        format!("mariadb://tk:{CANARY}@db.internal/tk"),
    ];
    for input in &cases {
        let Ok(url) = DatabaseUrl::parse(input) else {
            continue;
        };
        let shown = format!("{url} | {url:?} | {}", url.redacted());
        assert!(!shown.contains(CANARY), "{shown}");
        assert!(shown.contains("***"), "{shown}");
        assert!(
            shown.contains("db.internal"),
            "the rest of the URL stays readable: {shown}"
        );
        let scrubbed = url.scrub(&format!("driver said: bad password {CANARY} for {input}"));
        assert!(!scrubbed.contains(CANARY), "{scrubbed}");
        // A config holding the URL does not leak it either.
        let config = DatabaseConfig::for_url(input).unwrap();
        let shown = format!("{config:?} {:?}", config.describe());
        assert!(!shown.contains(CANARY), "{shown}");
    }
}

#[test]
fn defaults_match_the_design() {
    let dir = cwd();
    let c = load(CliOverrides::default(), &[], dir.path()).unwrap();
    assert_eq!(c.url().value, None);
    assert_eq!(c.data_dir().value, PathBuf::from("./data"));
    assert_eq!(c.max_connections().value, 16);
    assert_eq!(c.min_idle().value, 4);
    assert_eq!(c.connection_timeout().value, Duration::from_millis(5_000));
    assert_eq!(c.idle_timeout().value, Duration::from_millis(300_000));
    assert_eq!(c.max_lifetime().value, Duration::from_millis(1_800_000));
    assert_eq!(c.migrations().value, MigrationPolicy::Apply);
    for (_, _, source) in c.describe() {
        assert_eq!(source, Source::Default);
    }
    if Backend::Sqlite.is_compiled_in() {
        let target = c.target().unwrap();
        assert_eq!(target.backend(), Backend::Sqlite);
        assert_eq!(
            target.sqlite_path(),
            Some(Path::new("./data/trapperkeeper.db"))
        );
    }
}

const FULL_TOML: &str = r#"
data_dir = "from-file"
[database]
url = "mysql://root@file-host/tk"
max_connections = 32
min_idle = 2
connection_timeout_ms = 10000
idle_timeout_ms = 60000
max_lifetime_ms = 600000
migrations = "refuse"
"#;

#[test]
fn file_values_apply_and_name_their_source() {
    let dir = cwd();
    std::fs::write(dir.path().join("trapperkeeper.toml"), FULL_TOML).unwrap();
    let Ok(c) = load(CliOverrides::default(), &[], dir.path()) else {
        assert!(!Backend::Mysql.is_compiled_in());
        return;
    };
    assert_eq!(c.max_connections().value, 32);
    assert_eq!(c.min_idle().value, 2);
    assert_eq!(c.connection_timeout().value, Duration::from_secs(10));
    assert_eq!(c.idle_timeout().value, Duration::from_secs(60));
    assert_eq!(c.max_lifetime().value, Duration::from_secs(600));
    assert_eq!(c.migrations().value, MigrationPolicy::Refuse);
    // Relative to the file, not to the process.
    assert_eq!(c.data_dir().value, dir.path().join("from-file"));
    assert_eq!(c.url().value.as_ref().unwrap().backend(), Backend::Mysql);
    assert_eq!(
        c.max_connections().source.to_string(),
        format!(
            "{}: database.max_connections",
            dir.path().join("trapperkeeper.toml").display()
        )
    );
}

#[test]
fn precedence_is_cli_then_env_then_file_then_default() {
    if !Backend::Sqlite.is_compiled_in() {
        return;
    }
    let dir = cwd();
    std::fs::write(
        dir.path().join("custom.toml"),
        "data_dir = \"file-dir\"\n[database]\nurl = \"sqlite://file.db\"\nmax_connections = 30\nmin_idle = 3\n",
    )
    .unwrap();
    let env = [
        ("TK_CONFIG_FILE", "custom.toml"),
        ("TK_DATABASE_URL", "sqlite://env.db"),
        ("TK_DATA_DIR", "env-dir"),
        ("TK_DATABASE_MAX_CONNECTIONS", "20"),
    ];
    // env over file
    let c = load(CliOverrides::default(), &env, dir.path()).unwrap();
    assert_eq!(
        c.url().value.as_ref().unwrap().sqlite_path(),
        Some(Path::new("env.db"))
    );
    assert_eq!(c.url().source, Source::Env("TK_DATABASE_URL"));
    assert_eq!(c.data_dir().value, PathBuf::from("env-dir"));
    assert_eq!(c.max_connections().value, 20);
    assert_eq!(
        c.max_connections().source,
        Source::Env("TK_DATABASE_MAX_CONNECTIONS")
    );
    // file over default
    assert_eq!(c.min_idle().value, 3);
    assert!(matches!(c.min_idle().source, Source::File { .. }));
    assert_eq!(c.idle_timeout().source, Source::Default);
    // cli over env
    let cli = CliOverrides {
        db_url: Some("sqlite://cli.db".into()),
        data_dir: Some("cli-dir".into()),
        config_file: None,
    };
    let c = load(cli, &env, dir.path()).unwrap();
    assert_eq!(
        c.url().value.as_ref().unwrap().sqlite_path(),
        Some(Path::new("cli.db"))
    );
    assert_eq!(c.url().source, Source::Cli("--db-url"));
    assert_eq!(c.data_dir().value, PathBuf::from("cli-dir"));
    // --config over TK_CONFIG_FILE
    std::fs::write(
        dir.path().join("other.toml"),
        "[database]\nmax_connections = 7\nmin_idle = 1\n",
    )
    .unwrap();
    let cli = CliOverrides {
        config_file: Some("other.toml".into()),
        ..Default::default()
    };
    let c = load(cli, &[("TK_CONFIG_FILE", "custom.toml")], dir.path()).unwrap();
    assert_eq!(c.max_connections().value, 7);
}

#[test]
fn empty_environment_values_count_as_unset() {
    let dir = cwd();
    let env: Vec<(&str, &str)> = Key::ALL.iter().map(|k| (k.env_var(), "")).collect();
    let c = load(CliOverrides::default(), &env, dir.path()).unwrap();
    assert_eq!(c, DatabaseConfig::default());
}

#[test]
fn bad_values_name_their_source_and_value() {
    let dir = cwd();
    let cases: &[(&str, &str, &str)] = &[
        ("TK_DATABASE_MAX_CONNECTIONS", "abc", "\"abc\""),
        ("TK_DATABASE_MAX_CONNECTIONS", "0", "\"0\""),
        ("TK_DATABASE_MAX_CONNECTIONS", "-3", "\"-3\""),
        ("TK_DATABASE_MIN_IDLE", "many", "\"many\""),
        ("TK_DATABASE_CONNECTION_TIMEOUT_MS", "0", "\"0\""),
        ("TK_DATABASE_IDLE_TIMEOUT_MS", "1.5", "\"1.5\""),
        (
            "TK_DATABASE_MAX_LIFETIME_MS",
            "99999999999999999999",
            "99999999999999999999",
        ),
        ("TK_DATABASE_MIGRATIONS", "sometimes", "\"sometimes\""),
    ];
    for (var, value, shown) in cases {
        let err = load(CliOverrides::default(), &[(var, value)], dir.path()).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with(var), "{var}={value}: {text}");
        assert!(text.contains(shown), "{var}={value}: {text}");
    }
    let err = load(
        CliOverrides::default(),
        &[("TK_DATABASE_URL", "ftp://x")],
        dir.path(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("TK_DATABASE_URL: unsupported URL scheme"),
        "{err}"
    );
}

#[test]
fn bad_files_are_errors_naming_file_and_key() {
    let dir = cwd();
    let file = dir.path().join("trapperkeeper.toml");
    let cases: &[(&str, &str)] = &[
        ("[database\nmax_connections = 3", "malformed TOML"),
        (
            "[database]\nmax_conections = 3",
            "unknown key \"database.max_conections\"",
        ),
        ("colour = \"blue\"", "unknown key \"colour\""),
        (
            "[database]\nmax_connections = 0",
            "database.max_connections: invalid value \"0\"",
        ),
        (
            "[database]\nmax_connections = \"lots\"",
            "database.max_connections: invalid value \"lots\"",
        ),
        (
            "[database]\nmin_idle = -1",
            "database.min_idle: invalid value \"-1\"",
        ),
        (
            "[database]\nurl = 5",
            "database.url: invalid value \"5\": expected a string",
        ),
        ("database = 5", "expected a [database] table"),
    ];
    for (text, expected) in cases {
        std::fs::write(&file, text).unwrap();
        let err = load(CliOverrides::default(), &[], dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("trapperkeeper.toml"), "{text:?}: {err}");
        assert!(
            err.contains(expected),
            "{text:?}: expected {expected:?} in {err}"
        );
    }
    let err = load(
        CliOverrides {
            config_file: Some("missing.toml".into()),
            ..Default::default()
        },
        &[],
        dir.path(),
    )
    .unwrap_err();
    assert!(matches!(err, ConfigError::ReadFile { .. }), "{err}");
}

#[test]
fn min_idle_above_max_is_rejected_with_both_sources() {
    let dir = cwd();
    let err = load(
        CliOverrides::default(),
        &[
            ("TK_DATABASE_MAX_CONNECTIONS", "2"),
            ("TK_DATABASE_MIN_IDLE", "3"),
        ],
        dir.path(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("TK_DATABASE_MIN_IDLE") && err.contains("TK_DATABASE_MAX_CONNECTIONS"),
        "{err}"
    );
    // min_idle 0 is fine: no idle connections kept.
    load(
        CliOverrides::default(),
        &[("TK_DATABASE_MIN_IDLE", "0")],
        dir.path(),
    )
    .unwrap();
}

#[test]
fn url_error_in_file_never_echoes_the_password() {
    let dir = cwd();
    std::fs::write(
        dir.path().join("trapperkeeper.toml"),
        format!("[database]\nurl = \"postgres://u:{CANARY}@host:99999999/db\""),
    )
    .unwrap();
    let err = load(CliOverrides::default(), &[], dir.path()).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(CANARY), "{text}");
    assert!(text.contains("database.url"), "{text}");
}

#[test]
fn unwritable_data_dir_is_a_config_error() {
    if !Backend::Sqlite.is_compiled_in() {
        return;
    }
    let dir = cwd();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "x").unwrap();
    let config = load(
        CliOverrides {
            data_dir: Some(blocker.join("sub")),
            ..Default::default()
        },
        &[],
        dir.path(),
    )
    .unwrap();
    let err = trapperkeeper_db::pool::connect_sync(&config).unwrap_err();
    assert!(
        matches!(
            err,
            trapperkeeper_db::Error::Config(ConfigError::DataDir { .. })
        ),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("--data-dir: cannot create data directory"),
        "{text}"
    );
}

/// Every value bb8 would panic on (zero pool, zero or overflowing durations, `min_idle` above
/// the pool) is a typed configuration error naming its source, from the builder and from the
/// environment, and `Database::open` returns it instead of reaching bb8.
#[test]
fn values_bb8_would_reject_are_configuration_errors() {
    let dir = cwd();
    let base = || DatabaseConfig::default().with_data_dir(dir.path().join("data"));
    let day = Duration::from_millis(86_400_000);
    let builders: Vec<(DatabaseConfig, &str)> = vec![
        (
            base().with_pool_size(0, 0),
            "max_connections set by the program: invalid value \"0\"",
        ),
        (
            base().with_pool_size(10_001, 0),
            "max_connections set by the program: invalid value \"10001\"",
        ),
        (
            base().with_pool_size(2, 3),
            "min_idle (3, from min_idle set by the program)",
        ),
        (
            base().with_connection_timeout(Duration::ZERO),
            "connection_timeout_ms set by the program: invalid value \"0\"",
        ),
        (
            base().with_idle_timeout(Duration::ZERO),
            "idle_timeout_ms set by the program: invalid value \"0\"",
        ),
        (
            base().with_max_lifetime(Duration::ZERO),
            "max_lifetime_ms set by the program: invalid value \"0\"",
        ),
        (
            base().with_max_lifetime(Duration::MAX),
            "max_lifetime_ms set by the program: invalid value",
        ),
        (
            base().with_idle_timeout(day + Duration::from_millis(1)),
            "idle_timeout_ms set by the program: invalid value \"86400001\"",
        ),
        // Below a millisecond is zero to bb8's timers.
        (
            base().with_connection_timeout(Duration::from_micros(10)),
            "connection_timeout_ms set by the program: invalid value \"0\"",
        ),
    ];
    let rt = tokio::runtime::Runtime::new().unwrap();
    for (config, needle) in builders {
        let err = config.validate().unwrap_err();
        assert!(err.to_string().contains(needle), "{needle}: {err}");
        // The builder's errors name the setting, as the loader's name the key.
        let text = err.to_string();
        assert!(
            Key::ALL
                .iter()
                .any(|k| text.contains(&format!("{} set by the program", k.name()))),
            "{text}"
        );
        match rt.block_on(trapperkeeper_db::Database::open(&config)) {
            Err(trapperkeeper_db::Error::Config(e)) => assert_eq!(e.to_string(), err.to_string()),
            other => panic!("{needle}: {other:?}"),
        }
    }
    // In range at both ends: accepted.
    base()
        .with_pool_size(10_000, 10_000)
        .with_connection_timeout(Duration::from_millis(1))
        .with_idle_timeout(day)
        .with_max_lifetime(day)
        .validate()
        .unwrap();
    for (var, value) in [
        ("TK_DATABASE_IDLE_TIMEOUT_MS", "0"),
        ("TK_DATABASE_MAX_LIFETIME_MS", "0"),
        ("TK_DATABASE_MAX_LIFETIME_MS", "86400001"),
        ("TK_DATABASE_MAX_CONNECTIONS", "10001"),
        ("TK_DATABASE_MAX_CONNECTIONS", "4294967296"),
    ] {
        let err = load(CliOverrides::default(), &[(var, value)], dir.path()).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with(var), "{var}={value}: {text}");
        assert!(
            text.contains(&format!("{value:?}")),
            "{var}={value}: {text}"
        );
    }
}

/// A malformed TOML file is reported by file, line and column, never by quoting the line: the
/// line may be the URL with its password (the TOML parser's own message quotes it).
#[test]
fn malformed_toml_never_shows_the_password() {
    let dir = cwd();
    let file = dir.path().join("trapperkeeper.toml");
    for text in [
        format!("[database]\nurl = \"postgres://tk:{CANARY}@db/tk"),
        format!("[database]\nurl \"postgres://tk:{CANARY}@db/tk\"\n"),
        format!("[database]\nurl = \"postgres://tk:{CANARY}@db/tk\"\nurl = \"postgres://tk:{CANARY}@db/tk\"\n"),
        format!("[database]\nurl = \"postgres://tk:{CANARY}\\q@db/tk\"\n"),
        format!("[database]\nmax_connections = 4 url = \"postgres://tk:{CANARY}@db/tk\"\n"),
    ] {
        std::fs::write(&file, &text).unwrap();
        let err = load(CliOverrides::default(), &[], dir.path()).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(CANARY), "{text:?}: {shown}");
        assert!(
            matches!(err, ConfigError::MalformedToml { .. }) && err.to_string().contains("line "),
            "{text:?}: {err}"
        );
        assert!(err.to_string().contains("trapperkeeper.toml"), "{err}");
    }
}

/// An in-memory SQLite database would be a new, empty one in every pooled connection: refused
/// with the reason, whatever its spelling.
#[cfg(feature = "sqlite")]
#[test]
fn in_memory_sqlite_is_refused_clearly() {
    for url in [
        "sqlite::memory:",
        "sqlite://:memory:",
        "sqlite:file::memory:?cache=shared",
        "sqlite://file:tk?mode=memory&cache=shared",
    ] {
        match DatabaseUrl::parse(url) {
            Err(e @ UrlError::Malformed { .. }) => {
                assert!(e.to_string().contains("in-memory database"), "{url}: {e}")
            }
            other => panic!("{url}: {other:?}"),
        }
    }
}

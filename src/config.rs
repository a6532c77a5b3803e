//! Configuration: where the database is and how the pool behaves.
//!
//! Sources, highest first: command-line flags, environment variables, a TOML file, defaults.
//! Every resolved value remembers its [`Source`], so `trapperkeeper db status` can say where each
//! setting came from and a bad value is reported with the place it was written.
//!
//! | key | TOML | environment | flag | default | range |
//! |---|---|---|---|---|---|
//! | url | `database.url` | `TK_DATABASE_URL` | `--db-url` | SQLite at `{data_dir}/trapperkeeper.db` | `sqlite:`, `postgres://`, `mysql://` URLs |
//! | data_dir | `data_dir` | `TK_DATA_DIR` | `--data-dir` | `./data` | a path without control characters |
//! | max_connections | `database.max_connections` | `TK_DATABASE_MAX_CONNECTIONS` | | 16 | 1–10,000 |
//! | min_idle | `database.min_idle` | `TK_DATABASE_MIN_IDLE` | | 4 | 0–`max_connections` |
//! | connection_timeout_ms | `database.connection_timeout_ms` | `TK_DATABASE_CONNECTION_TIMEOUT_MS` | | 5000 | 1–86,400,000 |
//! | idle_timeout_ms | `database.idle_timeout_ms` | `TK_DATABASE_IDLE_TIMEOUT_MS` | | 300000 | 1–86,400,000 |
//! | max_lifetime_ms | `database.max_lifetime_ms` | `TK_DATABASE_MAX_LIFETIME_MS` | | 1800000 | 1–86,400,000 |
//! | migrations | `database.migrations` | `TK_DATABASE_MIGRATIONS` | | `apply` | `apply`, `refuse` |
//!
//! Ranges are checked in one place, [`DatabaseConfig::validate`], for loaded and built
//! configurations alike: no value reaches bb8's panicking asserts.
//!
//! The TOML file is `--config FILE`, else `$TK_CONFIG_FILE`, else `./trapperkeeper.toml` when it
//! exists. An empty environment variable counts as unset.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::url::{DatabaseUrl, UrlError};

/// File name of the SQLite database inside the data directory.
pub const SQLITE_FILE_NAME: &str = "trapperkeeper.db";
/// Name of the configuration file looked for in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "trapperkeeper.toml";
/// Environment variable naming the configuration file.
pub const CONFIG_FILE_ENV: &str = "TK_CONFIG_FILE";

/// What start-up does with migrations this binary has and the database has not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MigrationPolicy {
    /// Apply them, under a lock (the default).
    #[default]
    Apply,
    /// Refuse to start while any are pending, so an operator can migrate deliberately.
    Refuse,
}

impl MigrationPolicy {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "apply" => Some(Self::Apply),
            "refuse" => Some(Self::Refuse),
            _ => None,
        }
    }

    /// The configuration spelling of this policy.
    pub fn name(self) -> &'static str {
        match self {
            Self::Apply => "apply",
            Self::Refuse => "refuse",
        }
    }
}

/// A configuration key: its spelling in each source and its default. One table drives loading,
/// error messages and `db status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// The database URL.
    Url,
    /// The data directory holding the default SQLite file.
    DataDir,
    /// Pool size.
    MaxConnections,
    /// Idle connections kept open.
    MinIdle,
    /// Pool checkout and start-up ping timeout.
    ConnectionTimeoutMs,
    /// How long an idle connection lives.
    IdleTimeoutMs,
    /// How long any connection lives.
    MaxLifetimeMs,
    /// The migration policy at start-up.
    Migrations,
}

impl Key {
    /// Every key, in display order.
    pub const ALL: [Key; 8] = [
        Key::Url,
        Key::DataDir,
        Key::MaxConnections,
        Key::MinIdle,
        Key::ConnectionTimeoutMs,
        Key::IdleTimeoutMs,
        Key::MaxLifetimeMs,
        Key::Migrations,
    ];

    /// The short name of the key (`max_connections`).
    pub fn name(self) -> &'static str {
        match self {
            Key::Url => "url",
            Key::DataDir => "data_dir",
            Key::MaxConnections => "max_connections",
            Key::MinIdle => "min_idle",
            Key::ConnectionTimeoutMs => "connection_timeout_ms",
            Key::IdleTimeoutMs => "idle_timeout_ms",
            Key::MaxLifetimeMs => "max_lifetime_ms",
            Key::Migrations => "migrations",
        }
    }

    /// The dotted TOML path (`database.max_connections`).
    pub fn toml_path(self) -> &'static str {
        match self {
            Key::Url => "database.url",
            Key::DataDir => "data_dir",
            Key::MaxConnections => "database.max_connections",
            Key::MinIdle => "database.min_idle",
            Key::ConnectionTimeoutMs => "database.connection_timeout_ms",
            Key::IdleTimeoutMs => "database.idle_timeout_ms",
            Key::MaxLifetimeMs => "database.max_lifetime_ms",
            Key::Migrations => "database.migrations",
        }
    }

    /// The environment variable.
    pub fn env_var(self) -> &'static str {
        match self {
            Key::Url => "TK_DATABASE_URL",
            Key::DataDir => "TK_DATA_DIR",
            Key::MaxConnections => "TK_DATABASE_MAX_CONNECTIONS",
            Key::MinIdle => "TK_DATABASE_MIN_IDLE",
            Key::ConnectionTimeoutMs => "TK_DATABASE_CONNECTION_TIMEOUT_MS",
            Key::IdleTimeoutMs => "TK_DATABASE_IDLE_TIMEOUT_MS",
            Key::MaxLifetimeMs => "TK_DATABASE_MAX_LIFETIME_MS",
            Key::Migrations => "TK_DATABASE_MIGRATIONS",
        }
    }

    /// The command-line flag, for the keys that have one.
    pub fn cli_flag(self) -> Option<&'static str> {
        match self {
            Key::Url => Some("--db-url"),
            Key::DataDir => Some("--data-dir"),
            _ => None,
        }
    }

    fn from_toml_path(path: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.toml_path() == path)
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Built-in default.
    Default,
    /// A TOML file, at a key.
    File {
        /// The file.
        path: PathBuf,
        /// The dotted key in it.
        key: &'static str,
    },
    /// An environment variable.
    Env(&'static str),
    /// A command-line flag.
    Cli(&'static str),
    /// Set by a program through the API (the key it set).
    Api(Key),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File { path, key } => write!(f, "{}: {key}", path.display()),
            Source::Env(var) => f.write_str(var),
            Source::Cli(flag) => f.write_str(flag),
            Source::Api(key) => write!(f, "{} set by the program", key.name()),
        }
    }
}

/// A configuration error. Names where the bad value was written and the value itself — except
/// for URLs, whose text may hold a password.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value that does not parse or is out of range.
    #[error("{origin}: invalid value {value:?}: {reason}")]
    InvalidValue {
        /// Where it was written.
        origin: Source,
        /// The value as written.
        value: String,
        /// What a valid value looks like.
        reason: String,
    },
    /// A database URL that is not acceptable.
    #[error("{origin}: {error}")]
    InvalidUrl {
        /// Where it was written.
        origin: Source,
        /// What is wrong with it.
        error: UrlError,
    },
    /// `min_idle` larger than `max_connections`.
    #[error("min_idle ({min_idle}, from {min_idle_source}) is larger than max_connections ({max}, from {max_source})")]
    MinIdleAboveMax {
        /// The value of min_idle.
        min_idle: u32,
        /// Where it came from.
        min_idle_source: Source,
        /// The value of max_connections.
        max: u32,
        /// Where it came from.
        max_source: Source,
    },
    /// The configuration file cannot be read.
    #[error("{}: cannot read configuration file: {error}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// The configuration file is not valid TOML.
    #[error("{}: malformed TOML: {message}", path.display())]
    MalformedToml {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A key this program does not know.
    #[error("{}: unknown key {key:?} (known keys: {known})", path.display())]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// The dotted key.
        key: String,
        /// The keys that are accepted.
        known: String,
    },
    /// A data directory (or SQLite file directory) that cannot be created.
    #[error("{origin}: cannot create data directory {}: {error}", path.display())]
    DataDir {
        /// Where the directory was configured.
        origin: Source,
        /// The directory.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value in force.
    pub value: T,
    /// Where it was set.
    pub source: Source,
}

impl<T> Setting<T> {
    fn default(value: T) -> Self {
        Self {
            value,
            source: Source::Default,
        }
    }

    fn api(key: Key, value: T) -> Self {
        Self::at(value, Source::Api(key))
    }

    fn at(value: T, source: Source) -> Self {
        Self { value, source }
    }
}

/// The database configuration in force. Build it with [`DatabaseConfig::load`] (flags,
/// environment, file) or start from [`DatabaseConfig::default`] and the `with_*` setters; read
/// it with the getters. [`DatabaseConfig::validate`] (called by the loader and by
/// `Database::open`) checks every value against the range its setter documents, so no
/// configuration reaches a panic in bb8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseConfig {
    url: Setting<Option<DatabaseUrl>>,
    data_dir: Setting<PathBuf>,
    max_connections: Setting<u32>,
    min_idle: Setting<u32>,
    connection_timeout: Setting<Duration>,
    idle_timeout: Setting<Duration>,
    max_lifetime: Setting<Duration>,
    migrations: Setting<MigrationPolicy>,
}

/// Range of `max_connections` (bb8 needs at least one; beyond this a typo is likelier than a need).
pub const MAX_CONNECTIONS: std::ops::RangeInclusive<u32> = 1..=10_000;
/// Range of every timeout and lifetime: bb8 refuses zero, and a day is far beyond any sensible
/// value (and keeps `Instant + duration` far from overflowing).
pub const DURATION_RANGE: std::ops::RangeInclusive<Duration> =
    Duration::from_millis(1)..=Duration::from_millis(86_400_000);

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: Setting::default(None),
            data_dir: Setting::default(PathBuf::from("./data")),
            max_connections: Setting::default(16),
            min_idle: Setting::default(4),
            connection_timeout: Setting::default(Duration::from_millis(5_000)),
            idle_timeout: Setting::default(Duration::from_millis(300_000)),
            max_lifetime: Setting::default(Duration::from_millis(1_800_000)),
            migrations: Setting::default(MigrationPolicy::Apply),
        }
    }
}

/// The getter and the `with_*` setter of each plain setting, declared once: the doc says its
/// default and range, the setter records the value as set through the API.
macro_rules! settings {
    ($($(#[$doc:meta])* $field:ident, $setter:ident, $key:ident: $T:ty;)*) => {
        impl DatabaseConfig {
            $(
                $(#[$doc])*
                pub fn $field(&self) -> &Setting<$T> {
                    &self.$field
                }

                #[doc = concat!("Sets [`", stringify!($field), "`](Self::", stringify!($field), ").")]
                #[must_use]
                pub fn $setter(mut self, value: $T) -> Self {
                    self.$field = Setting::api(Key::$key, value);
                    self
                }
            )*
        }
    };
}

settings! {
    /// Idle connections the pool keeps ready. Default 4 (or `max_connections` when that is
    /// smaller), from 0 to `max_connections`.
    min_idle, with_min_idle, MinIdle: u32;
    /// Longest wait for a pooled connection, and for the start-up ping. Default 5 s, range
    /// [`DURATION_RANGE`].
    connection_timeout, with_connection_timeout, ConnectionTimeoutMs: Duration;
    /// An idle connection above `min_idle` is closed after this. Default 5 min, range
    /// [`DURATION_RANGE`].
    idle_timeout, with_idle_timeout, IdleTimeoutMs: Duration;
    /// Any connection is closed after this, so servers can rebalance. Default 30 min, range
    /// [`DURATION_RANGE`].
    max_lifetime, with_max_lifetime, MaxLifetimeMs: Duration;
    /// Whether start-up applies pending migrations or refuses to start. Default
    /// [`MigrationPolicy::Apply`].
    migrations, with_migration_policy, Migrations: MigrationPolicy;
}

/// Values given on the command line.
#[derive(Debug, Clone, Default)]
pub struct CliOverrides {
    /// `--db-url`.
    pub db_url: Option<String>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--config`.
    pub config_file: Option<PathBuf>,
}

impl DatabaseConfig {
    /// A configuration for `url` with every other setting at its default.
    pub fn for_url(url: &str) -> Result<Self, ConfigError> {
        let url = DatabaseUrl::parse(url).map_err(|error| ConfigError::InvalidUrl {
            origin: Source::Api(Key::Url),
            error,
        })?;
        Ok(Self {
            url: Setting {
                value: Some(url),
                source: Source::Api(Key::Url),
            },
            ..Self::default()
        })
    }

    /// The database URL; `None` means SQLite at `{data_dir}/trapperkeeper.db`.
    pub fn url(&self) -> &Setting<Option<DatabaseUrl>> {
        &self.url
    }

    /// Directory of the default SQLite database. Default `./data`.
    pub fn data_dir(&self) -> &Setting<PathBuf> {
        &self.data_dir
    }

    /// Sets the database URL (default: none, SQLite in the data directory).
    #[must_use]
    pub fn with_url(self, url: DatabaseUrl) -> Self {
        self.with_url_from(url, Source::Api(Key::Url))
    }

    /// Sets the database URL, remembering where it was given (for error messages).
    #[must_use]
    pub fn with_url_from(mut self, url: DatabaseUrl, source: Source) -> Self {
        self.url = Setting {
            value: Some(url),
            source,
        };
        self
    }

    /// Sets the directory of the default SQLite database (default `./data`; used when no URL
    /// is set).
    #[must_use]
    pub fn with_data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Setting::api(Key::DataDir, dir.into());
        self
    }

    /// Most connections the pool opens. Default 16, range [`MAX_CONNECTIONS`].
    pub fn max_connections(&self) -> &Setting<u32> {
        &self.max_connections
    }

    /// Sets [`max_connections`](Self::max_connections); a `min_idle` left at its default
    /// shrinks to fit.
    #[must_use]
    pub fn with_max_connections(mut self, value: u32) -> Self {
        self.max_connections = Setting::api(Key::MaxConnections, value);
        self.fit_default_min_idle();
        self
    }

    /// A `min_idle` nobody set never exceeds `max_connections`: `max_connections = 2` alone
    /// must not be refused because of a default of 4.
    fn fit_default_min_idle(&mut self) {
        if self.min_idle.source == Source::Default {
            self.min_idle.value = self.min_idle.value.min(self.max_connections.value);
        }
    }

    /// Sets the pool size limits: `max_connections` in [`MAX_CONNECTIONS`] (default 16),
    /// `min_idle` from 0 to `max_connections` (default 4).
    #[must_use]
    pub fn with_pool_size(mut self, max_connections: u32, min_idle: u32) -> Self {
        self.max_connections = Setting::api(Key::MaxConnections, max_connections);
        self.min_idle = Setting::api(Key::MinIdle, min_idle);
        self
    }

    /// Loads the configuration from flags, the process environment and the TOML file, relative
    /// to the current directory.
    pub fn load(cli: &CliOverrides) -> Result<Self, ConfigError> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Self::load_from(cli, |k| std::env::var(k).ok(), &cwd)
    }

    /// Loads the configuration with an explicit environment and working directory (for tests and
    /// embedding programs).
    pub fn load_from(
        cli: &CliOverrides,
        env: impl Fn(&str) -> Option<String>,
        cwd: &Path,
    ) -> Result<Self, ConfigError> {
        let env = |k: &str| env(k).filter(|v| !v.is_empty());
        let mut config = Self::default();

        let file = match (&cli.config_file, env(CONFIG_FILE_ENV)) {
            (Some(p), _) => Some(cwd.join(p)),
            (None, Some(p)) => Some(cwd.join(p)),
            (None, None) => Some(cwd.join(DEFAULT_CONFIG_FILE)).filter(|p| p.is_file()),
        };
        if let Some(path) = file {
            config.apply_file(&path)?;
        }
        for key in Key::ALL {
            if let Some(value) = env(key.env_var()) {
                config.apply(key, &RawValue::Text(value), Source::Env(key.env_var()))?;
            }
        }
        if let Some(url) = &cli.db_url {
            config.apply(
                Key::Url,
                &RawValue::Text(url.clone()),
                Source::Cli("--db-url"),
            )?;
        }
        if let Some(dir) = &cli.data_dir {
            check_data_dir(dir, &Source::Cli("--data-dir"))?;
            config.data_dir = Setting {
                value: dir.clone(),
                source: Source::Cli("--data-dir"),
            };
        }
        config.fit_default_min_idle();
        config.validate()?;
        Ok(config)
    }

    /// Checks every value against its range and the relations between them: the one check
    /// shared by the loader and the `with_*` setters. An error names where the value was set.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let out_of_range = |value: String, source: &Source, reason: String| {
            Err(ConfigError::InvalidValue {
                origin: source.clone(),
                value,
                reason,
            })
        };
        let conns = &self.max_connections;
        if !MAX_CONNECTIONS.contains(&conns.value) {
            return out_of_range(
                conns.value.to_string(),
                &conns.source,
                format!(
                    "expected a whole number from {} to {}",
                    MAX_CONNECTIONS.start(),
                    MAX_CONNECTIONS.end()
                ),
            );
        }
        for d in [
            &self.connection_timeout,
            &self.idle_timeout,
            &self.max_lifetime,
        ] {
            if !DURATION_RANGE.contains(&d.value) {
                return out_of_range(
                    d.value.as_millis().to_string(),
                    &d.source,
                    format!(
                        "expected a whole number of milliseconds from {} to {}",
                        DURATION_RANGE.start().as_millis(),
                        DURATION_RANGE.end().as_millis()
                    ),
                );
            }
        }
        if self.min_idle.value > self.max_connections.value {
            return Err(ConfigError::MinIdleAboveMax {
                min_idle: self.min_idle.value,
                min_idle_source: self.min_idle.source.clone(),
                max: self.max_connections.value,
                max_source: self.max_connections.source.clone(),
            });
        }
        Ok(())
    }

    /// The database to connect to: the configured URL, or the default SQLite file in the data
    /// directory.
    pub fn target(&self) -> Result<DatabaseUrl, ConfigError> {
        match &self.url.value {
            Some(url) => Ok(url.clone()),
            None => DatabaseUrl::sqlite_file(self.data_dir.value.join(SQLITE_FILE_NAME)).map_err(
                |error| ConfigError::InvalidUrl {
                    origin: self.data_dir.source.clone(),
                    error,
                },
            ),
        }
    }

    /// Where the target came from: the URL's source, or the data directory's for the default.
    pub fn target_source(&self) -> &Source {
        if self.url.value.is_some() {
            &self.url.source
        } else {
            &self.data_dir.source
        }
    }

    /// Each setting as `(key, shown value, source)`, for `db status`. URLs are redacted.
    pub fn describe(&self) -> Vec<(Key, String, Source)> {
        let ms = |d: &Duration| d.as_millis().to_string();
        Key::ALL
            .into_iter()
            .map(|key| {
                let (value, source) = match key {
                    Key::Url => (
                        match &self.url.value {
                            Some(u) => u.redacted().to_string(),
                            None => "(none: SQLite in data_dir)".to_string(),
                        },
                        &self.url.source,
                    ),
                    Key::DataDir => (
                        self.data_dir.value.display().to_string(),
                        &self.data_dir.source,
                    ),
                    Key::MaxConnections => (
                        self.max_connections.value.to_string(),
                        &self.max_connections.source,
                    ),
                    Key::MinIdle => (self.min_idle.value.to_string(), &self.min_idle.source),
                    Key::ConnectionTimeoutMs => (
                        ms(&self.connection_timeout.value),
                        &self.connection_timeout.source,
                    ),
                    Key::IdleTimeoutMs => (ms(&self.idle_timeout.value), &self.idle_timeout.source),
                    Key::MaxLifetimeMs => (ms(&self.max_lifetime.value), &self.max_lifetime.source),
                    Key::Migrations => (
                        self.migrations.value.name().to_string(),
                        &self.migrations.source,
                    ),
                };
                (key, value, source.clone())
            })
            .collect()
    }

    fn apply_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = fs::read_to_string(path).map_err(|error| ConfigError::ReadFile {
            path: path.to_path_buf(),
            error,
        })?;
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::MalformedToml {
                    path: path.to_path_buf(),
                    message: toml_error(&text, &e),
                })?;
        let known = Key::ALL.map(Key::toml_path).join(", ");
        let unknown = |key: String| ConfigError::UnknownKey {
            path: path.to_path_buf(),
            key,
            known: known.clone(),
        };
        for (name, value) in &table {
            match (name.as_str(), value) {
                ("database", toml::Value::Table(db)) => {
                    for (sub, value) in db {
                        let dotted = format!("database.{sub}");
                        let key = Key::from_toml_path(&dotted).ok_or_else(|| unknown(dotted))?;
                        self.apply_toml(key, value, path)?;
                    }
                }
                ("database", other) => {
                    return Err(ConfigError::InvalidValue {
                        origin: Source::File {
                            path: path.to_path_buf(),
                            key: "database",
                        },
                        value: other.to_string(),
                        reason: "expected a [database] table".into(),
                    })
                }
                (other, value) => {
                    let key = Key::from_toml_path(other)
                        .filter(|k| *k == Key::DataDir)
                        .ok_or_else(|| unknown(other.to_string()))?;
                    self.apply_toml(key, value, path)?;
                }
            }
        }
        Ok(())
    }

    fn apply_toml(
        &mut self,
        key: Key,
        value: &toml::Value,
        path: &Path,
    ) -> Result<(), ConfigError> {
        let numeric = matches!(
            key,
            Key::MaxConnections
                | Key::MinIdle
                | Key::ConnectionTimeoutMs
                | Key::IdleTimeoutMs
                | Key::MaxLifetimeMs
        );
        let raw = match value {
            // A file has types: `max_connections = "16"` is a mistake worth naming (the
            // environment, which has only text, takes numbers as text).
            toml::Value::String(s) if numeric => {
                return Err(ConfigError::InvalidValue {
                    origin: Source::File {
                        path: path.to_path_buf(),
                        key: key.toml_path(),
                    },
                    value: s.clone(),
                    reason: "expected a TOML integer (without quotes)".into(),
                })
            }
            // A relative data_dir in a file means relative to that file, wherever the process
            // runs.
            toml::Value::String(s) if key == Key::DataDir && Path::new(s).is_relative() => {
                let base = path.parent().unwrap_or(Path::new("."));
                RawValue::Text(base.join(s).to_string_lossy().into_owned())
            }
            toml::Value::String(s) => RawValue::Text(s.clone()),
            toml::Value::Integer(i) => RawValue::Integer(*i),
            other => RawValue::Other(other.type_str()),
        };
        self.apply(
            key,
            &raw,
            Source::File {
                path: path.to_path_buf(),
                key: key.toml_path(),
            },
        )
    }

    fn apply(&mut self, key: Key, raw: &RawValue, source: Source) -> Result<(), ConfigError> {
        let invalid = |value: String, reason: &str| ConfigError::InvalidValue {
            origin: source.clone(),
            value,
            reason: reason.to_string(),
        };
        let text = |raw: &RawValue| match raw {
            RawValue::Text(s) => Ok(s.clone()),
            RawValue::Integer(i) => Err(invalid(i.to_string(), "expected a string")),
            RawValue::Other(t) => Err(invalid(format!("<{t}>"), "expected a string")),
        };
        // Sizes and durations: a whole number, written as a TOML integer or as text; ranges
        // are `validate`'s.
        let whole = |raw: &RawValue, unit: &str| -> Result<u64, ConfigError> {
            let reason = format!("expected a whole number{unit}");
            match raw {
                RawValue::Integer(i) => {
                    u64::try_from(*i).map_err(|_| invalid(i.to_string(), &reason))
                }
                RawValue::Text(s) => s
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| invalid(s.clone(), &reason)),
                RawValue::Other(t) => Err(invalid(format!("<{t}>"), &reason)),
            }
        };
        let count = |raw: &RawValue| {
            let n = whole(raw, "")?;
            u32::try_from(n).map_err(|_| {
                invalid(
                    n.to_string(),
                    &format!("expected a whole number up to {}", MAX_CONNECTIONS.end()),
                )
            })
        };
        let ms = |raw: &RawValue| whole(raw, " of milliseconds").map(Duration::from_millis);
        match key {
            Key::Url => {
                let s = text(raw)?;
                let url = DatabaseUrl::parse(&s).map_err(|error| ConfigError::InvalidUrl {
                    origin: source.clone(),
                    error,
                })?;
                self.url = Setting {
                    value: Some(url),
                    source,
                };
            }
            Key::DataDir => {
                let s = text(raw)?;
                if s.trim().is_empty() {
                    return Err(invalid(s, "expected a directory path"));
                }
                check_data_dir(Path::new(&s), &source)?;
                self.data_dir = Setting {
                    value: PathBuf::from(s),
                    source,
                };
            }
            Key::MaxConnections => self.max_connections = Setting::at(count(raw)?, source),
            Key::MinIdle => self.min_idle = Setting::at(count(raw)?, source),
            Key::ConnectionTimeoutMs => self.connection_timeout = Setting::at(ms(raw)?, source),
            Key::IdleTimeoutMs => self.idle_timeout = Setting::at(ms(raw)?, source),
            Key::MaxLifetimeMs => self.max_lifetime = Setting::at(ms(raw)?, source),
            Key::Migrations => {
                let s = text(raw)?;
                let policy = MigrationPolicy::parse(s.trim())
                    .ok_or_else(|| invalid(s.clone(), "expected \"apply\" or \"refuse\""))?;
                self.migrations = Setting {
                    value: policy,
                    source,
                };
            }
        }
        Ok(())
    }
}

/// A TOML parse error as `line L, column C: message`. The parser's own `Display` quotes the
/// offending line, which may be a `url = "…"` with a password in it; its message alone does not.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

enum RawValue {
    Text(String),
    Integer(i64),
    Other(&'static str),
}

/// Refuses a data directory with a control character: never meant, and unsafe to echo (the
/// error shows it escaped).
fn check_data_dir(path: &Path, origin: &Source) -> Result<(), ConfigError> {
    let text = path.to_string_lossy();
    if text.chars().any(char::is_control) {
        return Err(ConfigError::InvalidValue {
            origin: origin.clone(),
            value: text.escape_debug().to_string(),
            reason: "expected a directory path without control characters".into(),
        });
    }
    Ok(())
}

/// Creates `dir` and its missing parents with mode 0700 (owner only): the database files inside
/// hold credentials' hashes and API keys. An existing directory is left as it is.
pub(crate) fn ensure_private_dir(dir: &Path, source: &Source) -> Result<(), ConfigError> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    check_creatable_dir(dir, source)?;
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|error| ConfigError::DataDir {
        origin: source.clone(),
        path: dir.to_path_buf(),
        error,
    })
}

/// Whether `dir` could be created, without creating it: not if it, or a parent, is a file
/// (which `create_dir_all` would report only as "File exists").
pub(crate) fn check_creatable_dir(dir: &Path, source: &Source) -> Result<(), ConfigError> {
    match dir.ancestors().find(|a| a.is_file()) {
        Some(file) => Err(ConfigError::DataDir {
            origin: source.clone(),
            path: dir.to_path_buf(),
            error: io::Error::other(format!("{} is a file, not a directory", file.display())),
        }),
        None => Ok(()),
    }
}

//! Database URLs: which backend a URL selects, where it points, and how it is shown without its
//! password.
//!
//! A [`DatabaseUrl`] keeps the URL the driver needs inside a [`SecretString`]; everything that can
//! reach a user (`Display`, `Debug`, errors, logs) goes through [`DatabaseUrl::redacted`], where a
//! password — in the userinfo or as a `password=` query parameter — reads `***`.

use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

/// The three database engines this crate speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Backend {
    /// Embedded SQLite: one file, the zero-configuration default.
    Sqlite,
    /// PostgreSQL (`postgres://`, `postgresql://`).
    Postgres,
    /// MySQL or MariaDB (`mysql://`, `mariadb://`).
    Mysql,
}

impl Backend {
    /// Every backend, in a stable order.
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mysql];

    /// Short lowercase name, also the name of the cargo feature and of the migrations folder.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }

    /// Whether this binary was built with the cargo feature for this backend.
    pub fn is_compiled_in(self) -> bool {
        match self {
            Backend::Sqlite => cfg!(feature = "sqlite"),
            Backend::Postgres => cfg!(feature = "postgres"),
            Backend::Mysql => cfg!(feature = "mysql"),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            Backend::Mysql => "MySQL",
        })
    }
}

/// The URL schemes accepted, for error messages.
pub const SUPPORTED_SCHEMES: &str =
    "sqlite://, sqlite3://, sqlite:, postgres://, postgresql://, mysql://, mariadb://";

/// Why a URL was rejected. Never contains the URL's password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// The scheme is not one of [`SUPPORTED_SCHEMES`].
    #[error("unsupported URL scheme {scheme:?}; supported schemes are {SUPPORTED_SCHEMES}")]
    UnsupportedScheme {
        /// The scheme as written (without `:`), or empty when there was none.
        scheme: String,
    },
    /// No scheme at all: a bare path is the likeliest mistake (the diesel CLI takes one).
    #[error("the URL has no scheme; supported schemes are {SUPPORTED_SCHEMES}{}", if *looks_like_a_path { " (for a SQLite file write sqlite://path/to/file.db)" } else { "" })]
    MissingScheme {
        /// Whether the text looks like a file path.
        looks_like_a_path: bool,
    },
    /// The backend exists but this binary was built without its cargo feature.
    #[error("{backend} support is not compiled into this binary (rebuild with the cargo feature `{feature}`)")]
    NotCompiledIn {
        /// The backend the URL selected.
        backend: Backend,
        /// The cargo feature that enables it.
        feature: &'static str,
    },
    /// The URL does not parse.
    #[error("malformed {backend} URL: {reason}")]
    Malformed {
        /// The backend its scheme selected.
        backend: Backend,
        /// What is wrong, without echoing the URL.
        reason: String,
    },
    /// A SQLite URL without a file path.
    #[error("SQLite URL has no file path (write sqlite://relative/file.db or sqlite:///absolute/file.db)")]
    EmptySqlitePath,
}

/// The query parameters libpq knows (PostgreSQL 15); libpq refuses others at connect time.
const POSTGRES_PARAMETERS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "channel_binding",
    "connect_timeout",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "replication",
    "gssencmode",
    "sslmode",
    "requiressl",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "krbsrvname",
    "gsslib",
    "service",
    "target_session_attrs",
];

/// The query parameters diesel's MySQL driver reads; it ignores any other silently, so a typo
/// (`sslmode` for `ssl_mode`) would connect without what was asked for.
const MYSQL_PARAMETERS: &[&str] = &[
    "unix_socket",
    "ssl_ca",
    "ssl_cert",
    "ssl_key",
    "ssl_mode",
    "password",
];

/// Parameters with a fixed set of values, checked here so a typo is a configuration error
/// (exit 2) naming the parameter, not a connection failure.
const ENUMERATED: &[(Backend, &str, &[&str])] = &[
    (
        Backend::Postgres,
        "sslmode",
        &[
            "disable",
            "allow",
            "prefer",
            "require",
            "verify-ca",
            "verify-full",
        ],
    ),
    (
        Backend::Postgres,
        "gssencmode",
        &["disable", "prefer", "require"],
    ),
    (
        Backend::Postgres,
        "channel_binding",
        &["disable", "prefer", "require"],
    ),
    (
        Backend::Postgres,
        "target_session_attrs",
        &[
            "any",
            "read-write",
            "read-only",
            "primary",
            "standby",
            "prefer-standby",
        ],
    ),
    (
        Backend::Mysql,
        "ssl_mode",
        &[
            "disabled",
            "preferred",
            "required",
            "verify_ca",
            "verify_identity",
        ],
    ),
];

/// Unknown parameters and impossible values of known ones; the message names the parameter
/// and never echoes a value.
fn check_parameters(backend: Backend, url: &url::Url) -> Result<(), String> {
    let known = match backend {
        Backend::Postgres => POSTGRES_PARAMETERS,
        _ => MYSQL_PARAMETERS,
    };
    for (key, value) in url.query_pairs() {
        // Both drivers compare parameter names exactly: `PASSWORD=` is not `password=`.
        let key_lower = key.to_string();
        if !known.contains(&key_lower.as_str()) {
            return Err(format!(
                "unknown URL parameter {key:?} for {backend}; known: {}",
                known.join(", ")
            ));
        }
        if let Some((_, _, values)) = ENUMERATED
            .iter()
            .find(|(b, k, _)| *b == backend && *k == key_lower)
        {
            let ok = match backend {
                // diesel lowercases the MySQL value; libpq compares exactly.
                Backend::Mysql => values.contains(&value.to_ascii_lowercase().as_str()),
                _ => values.contains(&value.as_ref()),
            };
            if !ok {
                return Err(format!(
                    "URL parameter {key} must be one of {}",
                    values.join(", ")
                ));
            }
        }
        if key_lower == "connect_timeout" && value.parse::<u32>().is_err() {
            return Err("URL parameter connect_timeout must be a whole number of seconds".into());
        }
    }
    Ok(())
}

/// A parsed, validated database URL.
#[derive(Clone)]
pub struct DatabaseUrl {
    backend: Backend,
    /// What the driver is given: a file path for SQLite, a `postgres://`/`mysql://` URL otherwise.
    driver_target: SecretString,
    redacted: String,
    password: Option<SecretString>,
    sqlite_path: Option<PathBuf>,
}

/// Whether `text` holds a `%` that is not followed by two hexadecimal digits.
fn has_invalid_percent_escape(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, b)| {
        *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

impl DatabaseUrl {
    /// Parses a URL, choosing the backend by its scheme.
    pub fn parse(input: &str) -> Result<Self, UrlError> {
        let input = input.trim();
        let (scheme, rest) = match input.split_once(':') {
            Some((s, rest))
                if !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
            {
                (s.to_ascii_lowercase(), rest)
            }
            _ => {
                return Err(UrlError::MissingScheme {
                    looks_like_a_path: !input.is_empty() && !input.contains("://"),
                })
            }
        };
        let backend = match scheme.as_str() {
            "sqlite" | "sqlite3" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            "mysql" | "mariadb" => Backend::Mysql,
            _ => return Err(UrlError::UnsupportedScheme { scheme }),
        };
        if input.chars().any(char::is_control) {
            return Err(UrlError::Malformed {
                backend,
                reason: "contains a control character".into(),
            });
        }
        if !backend.is_compiled_in() {
            return Err(UrlError::NotCompiledIn {
                backend,
                feature: backend.name(),
            });
        }
        match backend {
            Backend::Sqlite => Self::parse_sqlite(rest),
            Backend::Postgres | Backend::Mysql => Self::parse_server(backend, &scheme, rest),
        }
    }

    /// The SQLite database at `path`.
    pub fn sqlite_file(path: impl Into<PathBuf>) -> Result<Self, UrlError> {
        let path = path.into();
        if path.as_os_str().is_empty() {
            return Err(UrlError::EmptySqlitePath);
        }
        if !Backend::Sqlite.is_compiled_in() {
            return Err(UrlError::NotCompiledIn {
                backend: Backend::Sqlite,
                feature: "sqlite",
            });
        }
        let shown = path.display().to_string();
        Ok(Self {
            backend: Backend::Sqlite,
            driver_target: SecretString::from(shown.clone()),
            redacted: format!("sqlite://{shown}"),
            password: None,
            sqlite_path: Some(path),
        })
    }

    fn parse_sqlite(rest: &str) -> Result<Self, UrlError> {
        // `sqlite://a/b.db` is relative and `sqlite:///a/b.db` absolute: the two slashes after the
        // scheme are a separator, not part of the path. `sqlite:a/b.db` is relative as well.
        let path = rest.strip_prefix("//").unwrap_or(rest);
        // An in-memory database lives inside one connection: every pooled connection would open
        // its own, empty one (`no such table: tenants`).
        let bare = path.split('?').next().unwrap_or(path);
        if bare == ":memory:" || bare.starts_with("file::memory:") || path.contains("mode=memory") {
            return Err(UrlError::Malformed {
                backend: Backend::Sqlite,
                reason: "an in-memory database exists only inside one connection, and the pool \
                         opens several (each would be a new, empty database); use a file, \
                         e.g. sqlite://data/trapperkeeper.db (or one in a temporary directory)"
                    .into(),
            });
        }
        if path.contains('?') || path.contains('#') {
            return Err(UrlError::Malformed {
                backend: Backend::Sqlite,
                reason:
                    "query parameters and fragments are not supported in SQLite URLs; \
                         connection settings are fixed (WAL, busy_timeout=5000, synchronous=NORMAL)"
                        .into(),
            });
        }
        let decoded = percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .map_err(|_| UrlError::Malformed {
                backend: Backend::Sqlite,
                reason: "the path is not valid UTF-8 after percent-decoding".into(),
            })?;
        if decoded.chars().any(char::is_control) {
            return Err(UrlError::Malformed {
                backend: Backend::Sqlite,
                reason: "the path contains a control character after percent-decoding".into(),
            });
        }
        Self::sqlite_file(PathBuf::from(decoded.as_ref()))
    }

    fn parse_server(backend: Backend, scheme: &str, rest: &str) -> Result<Self, UrlError> {
        // The `url` crate treats unknown schemes as opaque, so parse with a stand-in scheme that
        // it knows has an authority, then hand the driver its own scheme.
        let driver_scheme = match backend {
            Backend::Postgres => scheme, // libpq accepts both postgres:// and postgresql://
            _ => "mysql",                // diesel's MySQL driver accepts only mysql://
        };
        let malformed = |reason: String| UrlError::Malformed { backend, reason };
        if !rest.starts_with("//") {
            return Err(malformed(format!("expected {scheme}://host/database")));
        }
        // The `url` crate passes a stray `%` through, and the driver then fails at connect time
        // with a message that quotes the text around it; refuse it here instead, unquoted.
        if has_invalid_percent_escape(rest) {
            return Err(malformed(
                "invalid percent-encoding (write a literal % as %25)".into(),
            ));
        }
        let mut parsed = url::Url::parse(&format!("{driver_scheme}:{rest}"))
            .map_err(|e| malformed(e.to_string()))?;
        if parsed.host_str().is_none_or(str::is_empty) && !Self::has_socket_param(&parsed) {
            return Err(malformed("missing host".into()));
        }
        if parsed.port() == Some(0) {
            // libpq refuses port 0 at connect time; MySQL's client takes it as "the default
            // port" and connects to 3306. Neither is what was written.
            return Err(malformed("port 0 is not a port".into()));
        }
        // A URL must name its database. MySQL has no default (a connection without one signs
        // in and then fails every statement: "No database selected"); PostgreSQL takes the
        // user's name, which for `postgres` is the maintenance database: start-up would migrate
        // it silently (found by a new user). libpq's `?dbname=` names it too.
        let names_database = !parsed.path().trim_matches('/').is_empty()
            || (backend == Backend::Postgres
                && parsed
                    .query_pairs()
                    .any(|(k, v)| k == "dbname" && !v.is_empty()));
        if !names_database {
            return Err(malformed(format!(
                "the URL names no database: write {scheme}://user@host/DATABASE"
            )));
        }
        check_parameters(backend, &parsed).map_err(malformed)?;
        let mut password = None;
        if let Some(p) = parsed.password() {
            let decoded = percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned();
            password = Some(SecretString::from(decoded));
        }
        // libpq reads `?password=`; diesel's MySQL driver reads only the userinfo, so there the
        // parameter moves into it (the documented form must log in on both).
        let mut driver = parsed.clone();
        if backend == Backend::Mysql && driver.password().is_none() {
            let pairs: Vec<(String, String)> = driver
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            if let Some((_, pw)) = pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("password"))
            {
                let encoded =
                    percent_encoding::utf8_percent_encode(pw, percent_encoding::NON_ALPHANUMERIC)
                        .to_string();
                if driver.set_password(Some(&encoded)).is_err() {
                    return Err(malformed("a password needs a user name".into()));
                }
                let rest: Vec<&(String, String)> = pairs
                    .iter()
                    .filter(|(k, _)| !k.eq_ignore_ascii_case("password"))
                    .collect();
                if rest.is_empty() {
                    driver.set_query(None);
                } else {
                    let mut q = driver.query_pairs_mut();
                    q.clear();
                    for (k, v) in rest {
                        q.append_pair(k, v);
                    }
                }
            }
        }
        let driver_target = SecretString::from(driver.to_string());
        if parsed.password().is_some() {
            // Setting a password cannot fail on a URL that already has one.
            let _ = parsed.set_password(Some("***"));
        }
        let query: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if query
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("password"))
        {
            if password.is_none() {
                if let Some((_, v)) = query
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("password"))
                {
                    password = Some(SecretString::from(v.clone()));
                }
            }
            let mut pairs = parsed.query_pairs_mut();
            pairs.clear();
            for (k, v) in &query {
                let shown = if k.eq_ignore_ascii_case("password") {
                    "***"
                } else {
                    v.as_str()
                };
                pairs.append_pair(k, shown);
            }
        }
        let mut redacted = parsed.to_string();
        // Undo the percent-encoding of the mask so it reads `***` in logs.
        redacted = redacted.replace("%2A%2A%2A", "***");
        Ok(Self {
            backend,
            driver_target,
            redacted,
            password,
            sqlite_path: None,
        })
    }

    fn has_socket_param(url: &url::Url) -> bool {
        url.query_pairs()
            .any(|(k, _)| k == "host" || k == "unix_socket")
    }

    /// The backend this URL selects.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL with any password replaced by `***`; safe to log and show.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    /// The SQLite database file, for SQLite URLs.
    pub fn sqlite_path(&self) -> Option<&Path> {
        self.sqlite_path.as_deref()
    }

    /// What the driver connects to. Never log this: it may carry a password.
    pub(crate) fn driver_target(&self) -> &str {
        self.driver_target.expose_secret()
    }

    /// Replaces every occurrence of this URL's password (and of the full driver URL) in `text`
    /// with `***`. Driver messages pass through here before they become errors, as a second line
    /// of defence should a driver ever echo its input.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.replace(self.driver_target.expose_secret(), &self.redacted);
        if let Some(p) = &self.password {
            let p = p.expose_secret();
            if !p.is_empty() {
                out = out.replace(p, "***");
                let encoded =
                    percent_encoding::utf8_percent_encode(p, percent_encoding::NON_ALPHANUMERIC)
                        .to_string();
                if encoded != p {
                    out = out.replace(&encoded, "***");
                }
            }
        }
        out
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseUrl")
            .field("backend", &self.backend)
            .field("url", &self.redacted)
            .finish()
    }
}

impl PartialEq for DatabaseUrl {
    fn eq(&self, other: &Self) -> bool {
        self.backend == other.backend
            && self.driver_target.expose_secret() == other.driver_target.expose_secret()
    }
}

impl Eq for DatabaseUrl {}

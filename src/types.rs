//! Portable column types: typed UUIDv7 ids stored as `CHAR(36)` and UTC timestamps stored as
//! each backend stores time best.
//!
//! | Rust | SQL type | SQLite | PostgreSQL | MySQL |
//! |---|---|---|---|---|
//! | `TenantId`, `RuleId`, … | [`sql::Uuid36`] | `CHAR(36)` text | `CHAR(36)`, bound as `bpchar` | `CHAR(36)` ASCII |
//! | [`Timestamp`] | [`sql::UtcTimestamp`] | `BIGINT` unix ns | `TIMESTAMPTZ` | `DATETIME(6)` UTC |
//!
//! Ids bind as `bpchar` on PostgreSQL because a `text` bind makes PostgreSQL cast the column and
//! skip the primary-key index (measured). A timestamp is truncated to microseconds when it is
//! made, so it reads back identical everywhere; a value a backend cannot hold is an error when it
//! is written, never silently changed.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Timelike, Utc};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, IsNull, Output, ToSql};
use serde::{Deserialize, Serialize};

use crate::connection::{MultiBackend, MultiRawValue};

/// The custom SQL types.
pub mod sql {
    /// A SQL type and its name on each backend.
    macro_rules! sql_type {
        ($(#[$doc:meta])* $name:ident: postgres($oid:literal, $array_oid:literal), mysql($mysql:literal), sqlite($sqlite:literal)) => {
            $(#[$doc])*
            #[derive(
                Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
            )]
            #[cfg_attr(feature = "postgres", diesel(postgres_type(oid = $oid, array_oid = $array_oid)))]
            #[cfg_attr(feature = "mysql", diesel(mysql_type(name = $mysql)))]
            #[cfg_attr(feature = "sqlite", diesel(sqlite_type(name = $sqlite)))]
            pub struct $name;
        };
    }

    sql_type!(
        /// A UUID as 36 lowercase characters in a `CHAR(36)` column.
        Uuid36: postgres(1042, 1014), mysql("String"), sqlite("Text")
    );
    sql_type!(
        /// A UTC instant: `BIGINT` nanoseconds on SQLite, `TIMESTAMPTZ` on PostgreSQL,
        /// `DATETIME(6)` on MySQL.
        UtcTimestamp: postgres(1184, 1185), mysql("DateTime"), sqlite("Long")
    );
}

impl diesel::sql_types::HasSqlType<sql::Uuid36> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<sql::Uuid36>(lookup)
    }
}

impl diesel::sql_types::HasSqlType<sql::UtcTimestamp> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<sql::UtcTimestamp>(lookup)
    }
}

/// Why a text is not an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {value:?} is not a lowercase hyphenated UUID")]
pub struct InvalidId {
    /// The id type.
    pub kind: &'static str,
    /// The text given (ids are not secret).
    pub value: String,
}

fn parse_uuid(kind: &'static str, s: &str) -> Result<uuid::Uuid, InvalidId> {
    let invalid = || InvalidId {
        kind,
        value: s.chars().take(64).collect(),
    };
    // Only the canonical form: the database compares ids as text.
    if s.len() != 36 || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(invalid());
    }
    // 36 characters can only be the hyphenated form, so with uppercase excluded this accepts
    // exactly the canonical text.
    uuid::Uuid::try_parse(s).map_err(|_| invalid())
}

macro_rules! typed_ids {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
        #[diesel(sql_type = sql::Uuid36)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A new UUIDv7: time-ordered, and strictly increasing within this process.
            pub fn new() -> Self {
                Self(next_uuid_v7())
            }

            /// The UUID.
            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }

            /// Parses a lowercase hyphenated UUID.
            pub fn parse(s: &str) -> Result<Self, InvalidId> {
                parse_uuid(stringify!($name), s).map(Self)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0.hyphenated())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }

        impl UuidText for $name {
            const KIND: &'static str = stringify!($name);
            fn uuid(&self) -> uuid::Uuid {
                self.0
            }
            fn from_uuid(u: uuid::Uuid) -> Self {
                Self(u)
            }
        }

        id_sql_impls!($name);
    )+};
}

/// Shared by the id types so their SQL impls are written once.
trait UuidText: Sized {
    const KIND: &'static str;
    fn uuid(&self) -> uuid::Uuid;
    fn from_uuid(u: uuid::Uuid) -> Self;

    fn text(&self) -> [u8; 36] {
        let mut buf = [0u8; 36];
        self.uuid().hyphenated().encode_lower(&mut buf);
        buf
    }

    fn from_bytes(bytes: &[u8]) -> deserialize::Result<Self> {
        let s = std::str::from_utf8(bytes)?;
        // CHAR(36) is never padded for a valid id, but be lenient with trailing blanks.
        Ok(Self::from_uuid(parse_uuid(Self::KIND, s.trim_end())?))
    }
}

macro_rules! id_sql_impls {
    // The servers' drivers take and give the 36 bytes of the text as they are.
    (@bytes $name:ident, $db:ty, $value:ty) => {
        impl ToSql<sql::Uuid36, $db> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, $db>) -> serialize::Result {
                std::io::Write::write_all(out, &self.text())?;
                Ok(IsNull::No)
            }
        }
        impl FromSql<sql::Uuid36, $db> for $name {
            fn from_sql(value: $value) -> deserialize::Result<Self> {
                Self::from_bytes(value.as_bytes())
            }
        }
    };
    ($name:ident) => {
        #[cfg(feature = "postgres")]
        id_sql_impls!(@bytes $name, diesel::pg::Pg, diesel::pg::PgValue<'_>);
        #[cfg(feature = "mysql")]
        id_sql_impls!(@bytes $name, diesel::mysql::Mysql, diesel::mysql::MysqlValue<'_>);
        #[cfg(feature = "sqlite")]
        impl ToSql<sql::Uuid36, diesel::sqlite::Sqlite> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut Output<'b, '_, diesel::sqlite::Sqlite>,
            ) -> serialize::Result {
                let text = self.text();
                out.set_value(
                    std::str::from_utf8(&text)
                        .expect("hyphenated UUIDs are ASCII")
                        .to_owned(),
                );
                Ok(IsNull::No)
            }
        }
        #[cfg(feature = "sqlite")]
        impl FromSql<sql::Uuid36, diesel::sqlite::Sqlite> for $name {
            fn from_sql(
                value: diesel::sqlite::SqliteValue<'_, '_, '_>,
            ) -> deserialize::Result<Self> {
                let s =
                    <String as FromSql<diesel::sql_types::Text, diesel::sqlite::Sqlite>>::from_sql(
                        value,
                    )?;
                Self::from_bytes(s.as_bytes())
            }
        }
        impl ToSql<sql::Uuid36, MultiBackend> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((sql::Uuid36, self));
                Ok(IsNull::No)
            }
        }
        impl FromSql<sql::Uuid36, MultiBackend> for $name {
            fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
                value.from_sql::<Self, sql::Uuid36>()
            }
        }
    };
}

typed_ids!(
    /// Id of a tenant.
    TenantId,
    /// Id of a user.
    UserId,
    /// Id of an API key.
    ApiKeyId,
    /// Id of a sensor.
    SensorId,
    /// Id of a rule.
    RuleId,
    /// Id of a rule–sensor link.
    RuleSensorId,
    /// Id of a configuration value.
    ConfigurationId,
);

/// A UUIDv7 strictly greater than every other one made by this process, so ids sort by creation
/// even within one millisecond (the `uuid` crate's shared context keeps a counter per
/// millisecond; the lock makes the sequence total across threads).
fn next_uuid_v7() -> uuid::Uuid {
    use std::sync::Mutex;
    static LAST: Mutex<u128> = Mutex::new(0);
    let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
    let mut u = uuid::Uuid::now_v7();
    if u.as_u128() <= *last {
        // The clock went backwards (or the counter ran out): continue from the last id. Adding
        // one touches only the 62 random low bits, so version and variant stay intact.
        u = uuid::Uuid::from_u128(*last + 1);
    }
    *last = u.as_u128();
    u
}

/// A UTC instant with microsecond precision.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow, Serialize,
)]
#[diesel(sql_type = sql::UtcTimestamp)]
#[serde(transparent)]
pub struct Timestamp(DateTime<Utc>);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Through `from_datetime`, so deserialized values keep the microsecond invariant too.
        DateTime::<Utc>::deserialize(d).map(Self::from_datetime)
    }
}

/// A timestamp outside what a backend can store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("timestamp {value} is outside the range {backend} can store ({range})")]
pub struct TimestampOutOfRange {
    /// The value.
    pub value: String,
    /// The backend.
    pub backend: &'static str,
    /// What it can store.
    pub range: &'static str,
}

impl Timestamp {
    /// Now, truncated to microseconds.
    pub fn now() -> Self {
        Self::from_datetime(Utc::now())
    }

    /// `dt` truncated to microseconds, the precision every backend keeps.
    pub fn from_datetime(dt: DateTime<Utc>) -> Self {
        let micros = dt.nanosecond() / 1_000 * 1_000;
        Self(
            dt.with_nanosecond(micros)
                .expect("a truncated nanosecond is valid"),
        )
    }

    /// The instant.
    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    /// Microseconds since the Unix epoch.
    pub fn unix_micros(&self) -> i64 {
        self.0.timestamp_micros()
    }

    #[cfg(feature = "sqlite")]
    fn sqlite_nanos(&self) -> Result<i64, TimestampOutOfRange> {
        self.0
            .timestamp_nanos_opt()
            .ok_or_else(|| TimestampOutOfRange {
                value: self.to_string(),
                backend: "SQLite",
                range: "1677-09-21T00:12:43Z to 2262-04-11T23:47:16Z",
            })
    }

    #[cfg(feature = "mysql")]
    fn mysql_datetime(&self) -> Result<chrono::NaiveDateTime, TimestampOutOfRange> {
        use chrono::Datelike;
        let naive = self.0.naive_utc();
        if (1000..=9999).contains(&naive.year()) {
            Ok(naive)
        } else {
            Err(TimestampOutOfRange {
                value: self.to_string(),
                backend: "MySQL",
                range: "1000-01-01 to 9999-12-31",
            })
        }
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(dt: DateTime<Utc>) -> Self {
        Self::from_datetime(dt)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

#[cfg(feature = "postgres")]
impl ToSql<sql::UtcTimestamp, diesel::pg::Pg> for Timestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::pg::Pg>) -> serialize::Result {
        <DateTime<Utc> as ToSql<diesel::sql_types::Timestamptz, diesel::pg::Pg>>::to_sql(
            &self.0,
            &mut out.reborrow(),
        )
    }
}

#[cfg(feature = "postgres")]
impl FromSql<sql::UtcTimestamp, diesel::pg::Pg> for Timestamp {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        let dt =
            <DateTime<Utc> as FromSql<diesel::sql_types::Timestamptz, diesel::pg::Pg>>::from_sql(
                value,
            )?;
        Ok(Self(dt))
    }
}

#[cfg(feature = "mysql")]
impl ToSql<sql::UtcTimestamp, diesel::mysql::Mysql> for Timestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::mysql::Mysql>) -> serialize::Result {
        let naive = self.mysql_datetime()?;
        <chrono::NaiveDateTime as ToSql<diesel::sql_types::Datetime, diesel::mysql::Mysql>>::to_sql(
            &naive,
            &mut out.reborrow(),
        )
    }
}

#[cfg(feature = "mysql")]
impl FromSql<sql::UtcTimestamp, diesel::mysql::Mysql> for Timestamp {
    fn from_sql(value: diesel::mysql::MysqlValue<'_>) -> deserialize::Result<Self> {
        let naive = <chrono::NaiveDateTime as FromSql<
            diesel::sql_types::Datetime,
            diesel::mysql::Mysql,
        >>::from_sql(value)?;
        Ok(Self(naive.and_utc()))
    }
}

#[cfg(feature = "sqlite")]
impl ToSql<sql::UtcTimestamp, diesel::sqlite::Sqlite> for Timestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::sqlite::Sqlite>) -> serialize::Result {
        out.set_value(self.sqlite_nanos()?);
        Ok(IsNull::No)
    }
}

#[cfg(feature = "sqlite")]
impl FromSql<sql::UtcTimestamp, diesel::sqlite::Sqlite> for Timestamp {
    fn from_sql(value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        let nanos =
            <i64 as FromSql<diesel::sql_types::BigInt, diesel::sqlite::Sqlite>>::from_sql(value)?;
        Ok(Self(DateTime::from_timestamp_nanos(nanos)))
    }
}

impl ToSql<sql::UtcTimestamp, MultiBackend> for Timestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((sql::UtcTimestamp, self));
        Ok(IsNull::No)
    }
}

impl FromSql<sql::UtcTimestamp, MultiBackend> for Timestamp {
    fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, sql::UtcTimestamp>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_only_canonical_lowercase_text() {
        let id = RuleId::new();
        let text = id.to_string();
        assert_eq!(RuleId::parse(&text).unwrap(), id);
        assert_eq!(text.len(), 36);
        for bad in [
            text.to_uppercase(),
            text.replace('-', ""),
            format!("{{{text}}}"),
            format!("urn:uuid:{text}"),
            "".into(),
            "not-a-uuid-at-all-not-a-uuid-at-all!".into(),
        ] {
            let err = RuleId::parse(&bad).unwrap_err();
            assert_eq!(err.kind, "RuleId", "{bad}");
        }
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<RuleId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<RuleId>("\"ABC\"").is_err());
    }

    #[test]
    fn ids_from_many_threads_are_unique_and_each_thread_sees_them_increase() {
        let handles: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(|| (0..5_000).map(|_| TenantId::new()).collect::<Vec<_>>()))
            .collect();
        let mut all = Vec::new();
        for h in handles {
            let ids = h.join().unwrap();
            assert!(ids.windows(2).all(|w| w[0] < w[1]));
            all.extend(ids);
        }
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn timestamps_are_truncated_to_microseconds_however_they_are_made() {
        let dt = DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap();
        assert_eq!(
            Timestamp::from(dt).as_datetime().timestamp_subsec_nanos(),
            123_456_000
        );
        let parsed: Timestamp = serde_json::from_str("\"2039-01-19T03:14:08.999999999Z\"").unwrap();
        assert_eq!(parsed.as_datetime().timestamp_subsec_nanos(), 999_999_000);
        assert_eq!(parsed.to_string(), "2039-01-19T03:14:08.999999Z");
        assert_eq!(
            Timestamp::now().as_datetime().timestamp_subsec_nanos() % 1_000,
            0
        );
    }
}

//! Property tests (RELIABILITY.md, scenario 6): the URL and configuration parsers take any text
//! without panicking, and a password that goes in never comes back out — not in `Display`,
//! `Debug`, the redacted form, or an error.

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use proptest::prelude::*;
use trapperkeeper_db::config::{CliOverrides, DatabaseConfig, Key};
use trapperkeeper_db::url::DatabaseUrl;

const SCHEMES: &[&str] = &[
    "sqlite",
    "sqlite3",
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "ftp",
    "",
    "POSTGRES",
];

/// Text shaped like a URL: a scheme (or none), a separator, then printable junk.
fn url_like() -> impl Strategy<Value = String> {
    (
        prop::sample::select(SCHEMES),
        prop::sample::select(&[":", "://", ":///", ":/", "//"][..]),
        "[ -~]{0,60}",
    )
        .prop_map(|(s, sep, rest)| format!("{s}{sep}{rest}"))
}

/// A server URL with `password` (already encoded) and random other parts, some malformed.
fn server_url(password: String) -> impl Strategy<Value = (String, String)> {
    (
        prop::sample::select(&["postgres", "postgresql", "mysql", "mariadb"][..]),
        "[a-z%]{0,8}",
        "[a-z0-9.\\[\\]:-]{0,20}",
        "(:[0-9a-z]{0,6})?",
        "(/[a-z_0-9%. ]{0,10})?",
        "(\\?[a-z_=&%]{0,30})?",
        any::<bool>(),
    )
        .prop_map(move |(scheme, user, host, port, path, query, in_query)| {
            let url = if in_query {
                format!(
                    "{scheme}://{user}@{host}{port}{path}?password={password}&{}",
                    query.trim_start_matches('?')
                )
            } else {
                format!("{scheme}://{user}:{password}@{host}{port}{path}{query}")
            };
            (url, password.clone())
        })
}

/// A password that cannot occur by chance in the rest of a URL (it starts with `ZZ`), in the
/// form written into the URL and the decoded form.
fn password() -> impl Strategy<Value = (String, String)> {
    "[!-~]{6,14}".prop_map(|tail| {
        let plain = format!("ZZ{tail}");
        let encoded = utf8_percent_encode(&plain, NON_ALPHANUMERIC).to_string();
        (encoded, plain)
    })
}

fn assert_hidden(text: &str, secrets: &[&str]) -> Result<(), TestCaseError> {
    for secret in secrets {
        prop_assert!(!text.contains(secret), "{secret:?} leaked in {text:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_a_url_or_a_clear_error(input in any::<String>()) {
        if let Err(e) = DatabaseUrl::parse(&input) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn url_shaped_text_is_a_url_or_a_clear_error(input in url_like()) {
        if let Err(e) = DatabaseUrl::parse(&input) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn a_password_never_comes_back_out(
        (url, (encoded, plain)) in password().prop_flat_map(|(enc, plain)| {
            server_url(enc).prop_map(move |(url, enc)| (url, (enc, plain.clone())))
        })
    ) {
        let secrets = [encoded.as_str(), plain.as_str()];
        match DatabaseUrl::parse(&url) {
            Ok(u) => {
                assert_hidden(&u.to_string(), &secrets)?;
                assert_hidden(&format!("{u:?}"), &secrets)?;
                assert_hidden(u.redacted(), &secrets)?;
                assert_hidden(&u.scrub(&format!("driver: {plain} / {encoded}")), &secrets)?;
            }
            Err(e) => {
                assert_hidden(&e.to_string(), &secrets)?;
                assert_hidden(&format!("{e:?}"), &secrets)?;
            }
        }
        // The same URL through the whole configuration path (environment).
        let env = |k: &str| (k == Key::Url.env_var()).then(|| url.clone());
        let dir = std::env::temp_dir();
        match DatabaseConfig::load_from(&CliOverrides::default(), env, &dir) {
            Ok(config) => assert_hidden(&format!("{config:?}"), &secrets)?,
            Err(e) => {
                assert_hidden(&e.to_string(), &secrets)?;
                assert_hidden(&format!("{e:?}"), &secrets)?;
            }
        }
    }
}

/// The server schemes this build accepts.
#[cfg(any(feature = "postgres", feature = "mysql"))]
const SERVER_SCHEMES: &[&str] = &[
    #[cfg(feature = "postgres")]
    "postgres",
    #[cfg(feature = "postgres")]
    "postgresql",
    #[cfg(feature = "mysql")]
    "mysql",
    #[cfg(feature = "mysql")]
    "mariadb",
];

/// A well-formed server URL carrying `password` (encoded) in its userinfo or its query.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn well_formed_url(password: String) -> impl Strategy<Value = String> {
    (
        prop::sample::select(SERVER_SCHEMES),
        "[a-z]{1,8}",
        "[a-z]{1,10}(\\.[a-z]{2,5})?",
        "(:[1-9][0-9]{0,3})?",
        "[a-z_]{1,10}",
        any::<bool>(),
    )
        .prop_map(move |(scheme, user, host, port, db, in_query)| {
            if in_query {
                format!("{scheme}://{user}@{host}{port}/{db}?password={password}")
            } else {
                format!("{scheme}://{user}:{password}@{host}{port}/{db}")
            }
        })
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    /// Every case parses, so the checks on the parsed URL run every time (the random URLs above
    /// are mostly malformed and mostly exercise the error path).
    #[test]
    fn a_well_formed_url_parses_and_hides_its_password(
        (url, encoded, plain) in password().prop_flat_map(|(enc, plain)| {
            well_formed_url(enc.clone()).prop_map(move |url| (url, enc.clone(), plain.clone()))
        })
    ) {
        let secrets = [encoded.as_str(), plain.as_str()];
        let parsed = DatabaseUrl::parse(&url);
        prop_assert!(parsed.is_ok(), "{:?}", parsed.err());
        let u = parsed.unwrap();
        assert_hidden(&u.to_string(), &secrets)?;
        assert_hidden(&format!("{u:?}"), &secrets)?;
        assert_hidden(u.redacted(), &secrets)?;
        prop_assert!(u.redacted().contains("***"), "{}", u.redacted());
        assert_hidden(&u.scrub(&format!("driver: {plain} / {encoded}")), &secrets)?;
    }
}

/// A value a TOML file or environment variable might hold, valid or not.
fn setting_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| n.to_string()),
        "[0-9]{1,30}",
        "\"[ -~]{0,30}\"",
        Just("true".to_string()),
        Just("[1, 2]".to_string()),
        Just("{ a = 1 }".to_string()),
        "[ -~]{0,30}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn any_settings_are_loaded_or_refused(
        env_values in prop::collection::vec(prop::option::of(setting_value()), Key::ALL.len()),
        lines in prop::collection::vec((prop::sample::select(&Key::ALL[..]), setting_value()), 0..6),
        header in prop::sample::select(&["[database]\n", "", "[database\n", "[[database]]\n"][..]),
        junk in any::<String>(),
        use_junk in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let text = if use_junk {
            junk
        } else {
            let body: String = lines
                .iter()
                .map(|(key, value)| format!("{} = {value}\n", key.name()))
                .collect();
            format!("{header}{body}")
        };
        std::fs::write(dir.path().join("trapperkeeper.toml"), text).unwrap();
        let env = |k: &str| {
            Key::ALL
                .iter()
                .position(|key| key.env_var() == k)
                .and_then(|i| env_values[i].clone())
        };
        match DatabaseConfig::load_from(&CliOverrides::default(), env, dir.path()) {
            Ok(config) => prop_assert!(config.validate().is_ok()),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

//! Parsing and precedence of the configuration.
#![allow(clippy::unwrap_used, reason = "a panic in a test is a failed assertion")]

use std::path::PathBuf;

use super::{Config, LogFormat, StoreLocation};
use crate::config::ConfigFlags;
use crate::config::env::{self, Environment};
use crate::config::raw::RawConfig;

fn resolve(file: &str, environment: &Environment, flags: &ConfigFlags) -> Result<Config, String> {
    let raw = RawConfig::parse(file).map_err(|err| err.to_string())?;
    Config::resolve(raw, environment, flags).map_err(|errors| errors.to_string())
}

#[test]
fn rejects_unknown_key_with_its_line_and_column() {
    let err = resolve(
        "listen = \"127.0.0.1:1\"\n\nlisten_adress = \"x\"\n",
        &Environment::default(),
        &ConfigFlags::default(),
    )
    .unwrap_err();
    assert!(
        err.starts_with("line 3, column 1: unknown field `listen_adress`"),
        "{err}"
    );
    assert!(err.contains("expected one of"), "{err}");
}

#[test]
fn rejects_a_value_of_the_wrong_type_with_its_position() {
    let err = resolve(
        "listen = 8080\n",
        &Environment::default(),
        &ConfigFlags::default(),
    )
    .unwrap_err();
    assert!(err.starts_with("line 1, column 10:"), "{err}");
}

#[test]
fn empty_file_gives_the_defaults() {
    let config = resolve("", &Environment::default(), &ConfigFlags::default()).unwrap();
    assert_eq!(config.listen, "127.0.0.1:8080");
    assert_eq!(
        config.store,
        StoreLocation::Sqlite(PathBuf::from("./stixhub-data"))
    );
    assert_eq!(config.log_format, LogFormat::Text);
    assert_eq!(config.log_level, "warn");
}

#[test]
fn flags_override_environment_which_overrides_the_file() {
    let file = "listen = \"127.0.0.1:1\"\nlog_level = \"debug\"\nlog_format = \"text\"\ndata = \"/file\"\n";
    let environment = Environment::default()
        .with(env::LISTEN, "127.0.0.1:2")
        .with(env::LOG, "info")
        .with(env::DATABASE, "postgres://u@h/db");
    let flags = ConfigFlags {
        listen: Some("127.0.0.1:3".to_owned()),
        log_format: Some("json".to_owned()),
        ..ConfigFlags::default()
    };
    let config = resolve(file, &environment, &flags).unwrap();
    assert_eq!(config.listen, "127.0.0.1:3", "flag wins");
    assert_eq!(config.log_level, "info", "environment beats file");
    assert_eq!(config.log_format, LogFormat::Json, "flag beats file");
    assert_eq!(
        config.store,
        StoreLocation::Postgres("postgres://u@h/db".to_owned()),
        "env store beats file store"
    );

    let config = resolve(file, &environment, &ConfigFlags::default()).unwrap();
    assert_eq!(config.listen, "127.0.0.1:2", "environment beats file");
    let config = resolve(file, &Environment::default(), &ConfigFlags::default()).unwrap();
    assert_eq!(config.listen, "127.0.0.1:1", "file beats default");
    assert_eq!(config.store, StoreLocation::Sqlite(PathBuf::from("/file")));
}

#[test]
fn invalid_listen_address_names_key_source_and_problem() {
    let err = resolve(
        "listen = \"localhost\"\n",
        &Environment::default(),
        &ConfigFlags::default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        "key `listen` (from configuration file): \"localhost\" is not HOST:PORT (no port)"
    );
    let environment = Environment::default().with(env::LISTEN, "0.0.0.0:http");
    let err = resolve("", &environment, &ConfigFlags::default()).unwrap_err();
    assert_eq!(
        err,
        "key `listen` (from environment variable STIXHUB_LISTEN): \"0.0.0.0:http\" is not HOST:PORT \
         (port \"http\" is not a number from 0 to 65535)"
    );
    assert!(
        resolve(
            "listen = \"[::1]:0\"\n",
            &Environment::default(),
            &ConfigFlags::default()
        )
        .is_ok()
    );
    assert!(
        resolve(
            "listen = \"localhost:0\"\n",
            &Environment::default(),
            &ConfigFlags::default()
        )
        .is_ok()
    );
}

#[test]
fn reports_every_invalid_value() {
    let file = "version = 2\nlog_format = \"xml\"\ndata = \"/d\"\ndatabase = \"mysql://x\"\n";
    let err = resolve(file, &Environment::default(), &ConfigFlags::default()).unwrap_err();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].starts_with("key `version` (from configuration file): unsupported version 2"),
        "{err}"
    );
    assert!(
        lines[1].starts_with("key `database` (from configuration file): set together with `data`"),
        "{err}"
    );
    assert!(
        lines[2].starts_with("key `log_format` (from configuration file): \"xml\" is not a log format"),
        "{err}"
    );
}

#[test]
fn effective_configuration_masks_the_database_password() {
    let config = resolve(
        "database = \"postgres://hub:s3cret@db:5432/hub\"\n",
        &Environment::default(),
        &ConfigFlags::default(),
    )
    .unwrap();
    let text = config.to_toml();
    assert!(
        text.contains("database = \"postgres://hub:***@db:5432/hub\""),
        "{text}"
    );
    assert!(!text.contains("s3cret"));
    // The printed configuration is itself a valid configuration.
    assert!(RawConfig::parse(&text).is_ok());
}

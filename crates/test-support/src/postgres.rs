//! Scratch PostgreSQL databases for the store's tests: one fresh database per test on the
//! server `GLP_MSP_TEST_PG` names (a database the tests may create databases from; `.ci/run`
//! sets it up), dropped with its connections at the end. Without the variable a test records a
//! visible skip ([`skip()`](crate::skip())).

use std::sync::atomic::{AtomicU32, Ordering};

/// The variable naming the PostgreSQL database the tests create theirs from.
pub const PG_ENV: &str = "GLP_MSP_TEST_PG";

/// The variable naming the PEM file of the CA that signed the certificate (for `localhost`)
/// of [`PG_ENV`]'s server; `.ci/postgres.sh` sets it when the server serves TLS, and leaves
/// `wrong-ca.pem` beside it (another CA, which signed nothing).
pub const PG_CA_ENV: &str = "GLP_MSP_TEST_PG_CA";

/// The CA of [`PG_CA_ENV`] and the wrong CA beside it, or `None` with a skip recorded for
/// `test` when the variable is not set.
pub fn tls_cas(test: &str) -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    let Some(ca) = std::env::var_os(PG_CA_ENV).filter(|c| !c.is_empty()) else {
        crate::skip(
            test,
            &format!("{PG_CA_ENV} is not set: no PostgreSQL over TLS"),
        );
        return None;
    };
    let ca = std::path::PathBuf::from(ca);
    let wrong = ca.with_file_name("wrong-ca.pem");
    Some((ca, wrong))
}

/// A database made for one test, dropped (with its connections) when this is.
#[derive(Debug)]
pub struct ScratchDb {
    admin: String,
    name: String,
    url: String,
}

impl ScratchDb {
    /// A fresh database for `test` (as `module::name`, for the skip record), or `None` with a
    /// skip recorded when [`PG_ENV`] is not set. Panics when it is set but the server refuses.
    pub fn create(test: &str) -> Option<Self> {
        let Some(admin) = std::env::var(PG_ENV).ok().filter(|u| !u.is_empty()) else {
            crate::skip(test, &format!("{PG_ENV} is not set: no PostgreSQL"));
            return None;
        };
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "glp_msp_t_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut client = postgres::Client::connect(&admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{PG_ENV} is set but cannot be reached: {e}"));
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
        let url = with_database(&admin, &name);
        Some(Self { admin, name, url })
    }

    /// The database's URL (with the password of [`PG_ENV`]'s).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `url` naming the database `name` instead of its own.
pub fn with_database(url: &str, name: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let path = url[start..].find('/').map_or(url.len(), |i| start + i);
    let end = url[path..].find('?').map_or(url.len(), |i| path + i);
    format!("{}/{name}{}", &url[..path], &url[end..])
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_database_is_named_in_place_of_the_scratch_one() {
        assert_eq!(
            super::with_database("postgres://u:p@127.0.0.1:5/scratch?x=1", "t_1"),
            "postgres://u:p@127.0.0.1:5/t_1?x=1"
        );
        assert_eq!(super::with_database("postgres://h", "t"), "postgres://h/t");
    }
}

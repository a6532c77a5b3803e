//! Checks `queries/*.sql` against trapperkeeper-db's schema and generates their functions.

fn main() {
    tk_sqlcheck::build::service_queries();
}

//! Every class of block the engines read differently (CHECKER.md) is refused at its exact
//! token. Each fixture marks the expected position with `¦`.

use tk_sqlcheck::{catalog, check_file};

fn catalog() -> catalog::Catalog {
    let schema =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../src/schema.rs")).unwrap();
    let entities = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../src/repository/entities.rs"
    ))
    .unwrap();
    catalog::parse_with_entities(&schema, &entities).unwrap()
}

/// Checks that `marked` (one block's SQL, `¦` before the offending token; annotations may come
/// first, as lines) is refused with a diagnostic containing `needle` at the mark.
fn refused(marked: &str, needle: &str) {
    let text = format!("-- name: q\n{}\n", marked.replace('¦', ""));
    let (line, col) = {
        let before = &marked[..marked.find('¦').expect("a mark")];
        let line = 2 + before.matches('\n').count();
        let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
        (line, col)
    };
    let errors = match check_file("queries/fixture.sql", "fixture", &text, &catalog()) {
        Ok(_) => panic!("accepted, but must be refused ({needle}):\n{text}"),
        Err(e) => e,
    };
    let shown: Vec<String> = errors.iter().map(|d| d.to_string()).collect();
    let hit = errors
        .iter()
        .find(|d| d.message.contains(needle))
        .unwrap_or_else(|| panic!("no diagnostic mentions {needle:?} for\n{text}\n{shown:#?}"));
    assert_eq!(
        (hit.line, hit.column),
        (line, col),
        "position of {needle:?} in\n{text}\n{shown:#?}"
    );
    assert!(!hit.help.is_empty());
}

fn accepted(sql: &str) -> String {
    let text = format!("-- name: q\n{sql}\n");
    check_file("queries/fixture.sql", "fixture", &text, &catalog())
        .unwrap_or_else(|e| panic!("refused:\n{text}\n{e:#?}"))
}

const LIVE: &str = "tenant_id = :tenant_id AND deleted_at IS NULL";

#[test]
fn no_coercion_between_types() {
    let cases = [
        // text compared with numbers
        (format!("SELECT name FROM rules WHERE {LIVE} AND state = ¦1"), "mixes text and integer"),
        (format!("SELECT config_key FROM configurations WHERE {LIVE} AND config_value > ¦7"), "mixes text and integer"),
        // booleans used as numbers
        (format!("SELECT name FROM rules WHERE {LIVE} AND enabled = ¦1"), "mixes boolean and integer"),
        (format!("SELECT name FROM rules WHERE {LIVE} AND ¦1"), "AND needs boolean"),
        (format!("SELECT SUM(¦enabled) AS n FROM rules WHERE {LIVE}"), "SUM needs double"),
        (format!("SELECT MAX(¦enabled) AS n FROM rules WHERE {LIVE}"), "MAX of a boolean"),
        // timestamps and ids against string literals
        (format!("SELECT name FROM sensors WHERE {LIVE} AND created_at >= ¦'2024-01-01'"), "mixes timestamp and text"),
        (format!("UPDATE sensors SET last_seen_at = ¦'2024-01-01', modified_at = :now WHERE {LIVE}"), "needs timestamp"),
        (format!("SELECT name FROM sensors WHERE {LIVE} AND sensor_id = ¦'0190a0a0-0000-7000-8000-000000000000'"), "mixes SensorId and text"),
        // ids of two entities
        (format!("SELECT name FROM sensors WHERE {LIVE} AND sensor_id = ¦tenant_id"), "ids of different entities"),
        // mixed COALESCE / CASE / IN
        (format!("SELECT COALESCE(description, ¦0) AS d FROM sensors WHERE {LIVE}"), "COALESCE mixes text and integer"),
        (format!("SELECT CASE WHEN enabled THEN name ELSE ¦sample_rate END AS x FROM rules WHERE {LIVE}"), "CASE mixes text and double"),
        (format!("SELECT name FROM rules WHERE {LIVE} AND state IN ('active', ¦2)"), "IN mixes text and integer"),
        (format!("SELECT name FROM rules WHERE {LIVE} AND CASE WHEN ¦1 THEN TRUE ELSE FALSE END"), "WHEN needs boolean"),
        // arithmetic
        (format!("SELECT name FROM rules WHERE {LIVE} AND ¦sample_rate % 2 > 0"), "`%` on a double"),
        (format!("SELECT COUNT(*) % ¦0 AS n FROM rules WHERE {LIVE}"), "`% 0`"),
        (format!("SELECT COUNT(*) % ¦COUNT(*) AS n FROM rules WHERE {LIVE}"), "may be zero"),
        (format!("SELECT name FROM rules WHERE {LIVE} AND ¦name + 1 > 0"), "needs numbers"),
        (format!("SELECT COUNT(*) AS n FROM rules WHERE {LIVE} AND sample_rate > ¦9223372036854775808"), "does not fit in 64 bits"),
        (format!("SELECT COUNT(*) AS n FROM rules WHERE {LIVE} AND sample_rate > ¦9223372036854775807 + 1"), "overflows"),
        (format!("SELECT COUNT(*) AS n FROM rules WHERE {LIVE} AND sample_rate > ¦-9223372036854775807 * 2"), "overflows"),
        // NULL comparisons
        (format!("SELECT name FROM sensors WHERE {LIVE} AND description = ¦NULL"), "never true"),
        (format!("SELECT name FROM sensors WHERE {LIVE} AND name IN ('a', ¦NULL)"), "NULL in an IN list"),
        // WHERE needs a boolean
        (format!("SELECT name FROM sensors WHERE {LIVE} AND ¦name"), "AND needs boolean"),
        // a NOT NULL column given what may be NULL
        (format!("UPDATE sensors SET name = ¦description, modified_at = :now WHERE {LIVE}"), "may be NULL"),
        (format!("UPDATE sensors SET name = ¦NULL, modified_at = :now WHERE {LIVE}"), "NOT NULL"),
    ];
    for (sql, needle) in &cases {
        refused(sql, needle);
    }
}

#[test]
fn results_need_a_type_all_engines_return() {
    refused(
        &format!("SELECT AVG(sample_rate * 0 + ¦COUNT(*)) AS a FROM rules WHERE {LIVE}"),
        "inside another aggregate",
    );
    refused(
        &format!("SELECT AVG(¦1) AS a FROM rules WHERE {LIVE}"),
        "of integers is NUMERIC",
    );
    refused(
        &format!("SELECT ¦1 + 1 AS two FROM rules WHERE {LIVE}"),
        "integer literals alone",
    );
    refused(
        &format!("SELECT ¦COUNT(*) + 0.5 AS x FROM rules WHERE {LIVE}"),
        "is a decimal",
    );
    refused(
        &format!("SELECT ¦LOWER(name) AS l FROM rules WHERE {LIVE}"),
        "folds only ASCII",
    );
    refused(
        &format!("SELECT ¦UPPER(name) AS l FROM rules WHERE {LIVE}"),
        "folds only ASCII",
    );
    refused(
        &format!("SELECT ¦COALESCE(name) AS l FROM rules WHERE {LIVE}"),
        "COALESCE with 1",
    );
    // Inferred where the engines agree: no `-- column:` needed.
    let code = accepted(&format!(
        "SELECT MAX(created_at) AS newest, COUNT(*) AS n, SUM(sample_rate) AS total, AVG(sample_rate) AS mean, MIN(name) AS first, enabled = TRUE AS on_ FROM rules WHERE {LIVE} GROUP BY enabled"
    ));
    for field in [
        "newest: Option<Timestamp>",
        "n: i64",
        "total: Option<f64>",
        "mean: Option<f64>",
        "first: Option<String>",
        "on_: bool",
    ] {
        assert!(code.contains(field), "{field} in\n{code}");
    }
}

#[test]
fn same_data_same_answer() {
    // Non-aggregated columns beside an aggregate.
    refused(
        &format!("SELECT ¦name, COUNT(*) AS n FROM rules WHERE {LIVE}"),
        "neither in GROUP BY",
    );
    refused(
        &format!("SELECT state, ¦name, COUNT(*) AS n FROM rules WHERE {LIVE} GROUP BY state"),
        "neither in GROUP BY",
    );
    refused(
        &format!(
            "SELECT state, COUNT(*) AS n FROM rules WHERE {LIVE} GROUP BY state ORDER BY ¦name"
        ),
        "neither in GROUP BY",
    );
    // LIMIT over an order that is not total, or none.
    refused(
        &format!("SELECT name FROM rules WHERE {LIVE} ORDER BY ¦name LIMIT 5"),
        "not total",
    );
    refused(
        &format!("SELECT name FROM rules WHERE {LIVE} LIMIT ¦5"),
        "LIMIT without ORDER BY",
    );
    refused(&format!("SELECT state, COUNT(*) AS n FROM rules WHERE {LIVE} GROUP BY state, action ORDER BY ¦state LIMIT 5"), "not total");
    accepted(&format!(
        "SELECT name FROM rules WHERE {LIVE} ORDER BY name, rule_id LIMIT 5"
    ));
    accepted(&format!(
        "SELECT state, COUNT(*) AS n FROM rules WHERE {LIVE} GROUP BY state ORDER BY state LIMIT 5"
    ));
    accepted(&format!(
        "SELECT name FROM rules WHERE {LIVE} AND rule_id = :rule_id LIMIT 1"
    ));
    // DISTINCT ordered by what it does not select.
    refused(
        &format!("SELECT DISTINCT state FROM rules WHERE {LIVE} ORDER BY ¦name"),
        "does not select",
    );
    refused(
        &format!("SELECT DISTINCT description FROM sensors WHERE {LIVE} ORDER BY ¦description"),
        "DISTINCT ordered by a column that may be NULL",
    );
    // A nullable alias in ORDER BY; a nullable expression.
    refused(
        &format!("SELECT description AS d FROM sensors WHERE {LIVE} ORDER BY ¦d"),
        "alias that may be NULL",
    );
    refused(&format!("SELECT state, MAX(description) AS d FROM rules WHERE {LIVE} GROUP BY state ORDER BY ¦MAX(description)"), "expression that may be NULL");
    // MySQL's left-to-right SET.
    refused(
        &format!(
            "UPDATE rules SET name = :name, description = ¦name, modified_at = :now WHERE {LIVE}"
        ),
        "read after it is assigned",
    );
    refused(&format!("UPDATE rules SET description = COALESCE(¦name, 'x'), name = :name, modified_at = :now WHERE {LIVE}"), "assigned by a later one");
    accepted(&format!("UPDATE rules SET description = COALESCE(description, name), modified_at = :now WHERE {LIVE}"));
    // Aliases are not columns in WHERE (SQLite reads them there, the others refuse).
    refused(
        &format!("SELECT sample_rate * 2 AS ¦sample_rate FROM rules WHERE {LIVE}"),
        "also a column",
    );
}

#[test]
fn nulls_sort_the_postgresql_way_everywhere() {
    let code = accepted(&format!(
        "SELECT sensor_id, last_seen_at FROM sensors WHERE {LIVE} ORDER BY last_seen_at, sensor_id"
    ));
    assert!(
        code.contains("ORDER BY (last_seen_at IS NULL), last_seen_at, sensor_id"),
        "{code}"
    );
    let code = accepted(
        "SELECT s.sensor_id FROM sensors s WHERE s.tenant_id = :t AND s.deleted_at IS NULL ORDER BY s.last_seen_at DESC, s.sensor_id"
    );
    assert!(
        code.contains("ORDER BY (s.last_seen_at IS NULL) DESC, s.last_seen_at DESC, s.sensor_id"),
        "{code}"
    );
}

#[test]
fn dialect_words() {
    for word in ["key", "rows", "range", "interval", "primary", "check"] {
        refused(
            &format!("SELECT name AS ¦{word} FROM rules WHERE {LIVE}"),
            "reserved",
        );
        refused(
            &format!("SELECT {word}.name FROM rules ¦{word} WHERE {word}.tenant_id = :t AND {word}.deleted_at IS NULL"),
            "reserved",
        );
    }
    refused(
        "SELECT ¦S.name FROM sensors s WHERE s.tenant_id = :t AND s.deleted_at IS NULL",
        "case-sensitively",
    );
    refused(
        "SELECT name FROM ¦Sensors WHERE tenant_id = :t AND deleted_at IS NULL",
        "unknown table Sensors",
    );
}

#[test]
fn list_parameters_go_where_an_empty_list_means_no_rows() {
    let code = accepted(&format!("-- list: ids\nSELECT name FROM sensors WHERE {LIVE} AND sensor_id IN (:ids) ORDER BY sensor_id"));
    assert!(code.contains("ids: &[SensorId]"), "{code}");
    assert!(code.contains("HAS_STATIC_QUERY_ID: bool = false"), "{code}");
    // The list writes its own `IN (…)` per backend (an array on PostgreSQL).
    assert!(
        code.contains("ids: support::InList<'a, crate::types::sql::Uuid36, SensorId>"),
        "{code}"
    );
    assert!(code.contains("ids: support::in_list(ids)"), "{code}");
    assert!(code.contains("AND sensor_id\");"), "{code}");
    for (marked, needle) in [
        (format!("-- list: ids\nSELECT name FROM sensors WHERE {LIVE} AND sensor_id NOT IN (¦:ids)"), "goes only in"),
        (format!("-- list: ids\nSELECT name FROM sensors WHERE {LIVE} AND (sensor_id IN (¦:ids) OR name = :n)"), "goes only in"),
        (format!("-- list: ids\nSELECT name FROM sensors WHERE {LIVE} AND sensor_id = ¦:ids"), "goes only in"),
        (format!("-- list: ids\nSELECT name FROM sensors WHERE {LIVE} AND sensor_id IN (¦:ids, :other)"), "goes only in"),
    ] {
        refused(&marked, needle);
    }
    let errors = match check_file(
        "queries/fixture.sql",
        "fixture",
        &format!("-- name: q\n-- list: idz\nSELECT name FROM sensors WHERE {LIVE} AND sensor_id IN (:ids)\n"),
        &catalog(),
    ) {
        Ok(_) => panic!("accepted"),
        Err(e) => e,
    };
    assert!(
        errors
            .iter()
            .any(|d| d.line == 2 && d.message.contains("`-- list: idz` declares no parameter")),
        "{errors:#?}"
    );
}

#[test]
fn batch_applies_to_one_row_inserts() {
    let code = accepted("-- batch\nINSERT INTO sensors (tenant_id, name, metadata) VALUES (:tenant_id, :name, :metadata)");
    assert!(
        code.contains("rows: &[QRow]) -> crate::repository::Result<Vec<SensorId>>"),
        "{code}"
    );
    assert!(
        code.contains(
            "pub async fn q_async(db: &crate::Database, tenant_id: TenantId, rows: Vec<QRow>)"
        ),
        "{code}"
    );
    refused(
        &format!("-- batch\n¦UPDATE sensors SET name = :n WHERE {LIVE}"),
        "applies to an INSERT with one row",
    );
}

#[test]
fn found_in_review() {
    // Each row's parents cannot be checked in one multi-row statement.
    refused(
        "INSERT INTO rule_sensors (rule_sensor_id, tenant_id, rule_id, sensor_id) VALUES (:a, :tenant_id, ¦:rule_id, :s1), (:b, :tenant_id, :rule_id, :s2)",
        "cannot check that each row's rule_id is live",
    );
    refused(
        "INSERT INTO sensors (sensor_id, tenant_id, name, metadata) VALUES (:a, ¦:tenant_id, 'x', '{}'), (:b, :other, 'y', '{}')",
        "different tenant parameters",
    );
    // A parenthesised tenant is still checked live.
    let nested = accepted(
        "INSERT INTO sensors (tenant_id, name, metadata) VALUES ((:tenant_id), :name, '{}')",
    );
    assert!(nested.contains("support::insert_owned("), "{nested}");
    // A batch with `values` in lower case and no space before the tuple.
    let lower = accepted("-- batch\ninsert into sensors (tenant_id, name, metadata) values(:tenant_id, :name, :metadata)");
    assert!(
        lower.contains("created_at, modified_at) VALUES \");"),
        "{lower}"
    );
    assert!(
        lower.contains("out.push_bind_param::<diesel::sql_types::Text, _>(&row.name)?;"),
        "{lower}"
    );
    assert!(lower.contains("out.unsafe_to_cache_prepared();"), "{lower}");
    // An optional filter's parameter is an Option: never the value of a NOT NULL column or a LIMIT.
    refused(
        &format!(
            "UPDATE sensors SET name = ¦:name WHERE {LIVE} AND (:name IS NULL OR name <> :name)"
        ),
        "written to a NOT NULL column",
    );
    refused(
        &format!("SELECT name FROM sensors WHERE {LIVE} AND (:n IS NULL OR 1 = 1) ORDER BY sensor_id LIMIT ¦:n"),
        "cannot be optional",
    );
    // A soft delete bumps modified_at with the same instant as deleted_at.
    let deleted = accepted(&format!(
        "UPDATE configurations SET deleted_at = :now WHERE {LIVE} AND config_key = :config_key"
    ));
    assert!(
        deleted.contains("SET deleted_at = ?, modified_at = ? WHERE"),
        "{deleted}"
    );
    assert!(!deleted.contains("__now"), "{deleted}");
    assert!(deleted.contains("push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.now)?;\n            out.push_sql(\", modified_at = \");\n            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.now)?;") && deleted.contains("now: Timestamp)"), "{deleted}");
    // Names the generated code uses itself.
    for name in ["db", "rows", "count"] {
        refused(
            &format!("SELECT name FROM sensors WHERE {LIVE} AND name = ¦:{name}"),
            "a name the generated function uses itself",
        );
    }
}

#[test]
fn inserts_get_the_values_they_leave_out() {
    // Id and both timestamps made by the function, which returns the new id.
    let made = accepted(
        "INSERT INTO sensors (tenant_id, name, metadata) VALUES (:tenant_id, :name, '{}')",
    );
    for want in [
        "\"INSERT INTO sensors (tenant_id, name, metadata, sensor_id, created_at, modified_at) VALUES (?, ?, '{}', ?, ?, ?)\"",
        "let __id = SensorId::new();",
        "-> crate::repository::Result<SensorId>",
        "support::insert_owned(conn, crate::repository::sensors::ENTITY",
    ] {
        assert!(made.contains(want), "{want} in\n{made}");
    }
    // What the block lists, the caller gives: nothing is generated twice.
    let given = accepted("INSERT INTO sensors (sensor_id, tenant_id, name, metadata, created_at, modified_at) VALUES (:id, :tenant_id, :name, '{}', :now, :now)");
    assert!(!given.contains("__"), "{given}");
    assert!(
        given.contains("-> crate::repository::Result<usize>"),
        "{given}"
    );
    // A link checks both parents are live.
    let link = accepted("INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id) VALUES (:tenant_id, :rule_id, :sensor_id)");
    assert!(
        link.contains("crate::repository::rules::is_live(conn, tenant_id, rule_id)"),
        "{link}"
    );
    assert!(
        link.contains("crate::repository::sensors::is_live(conn, tenant_id, sensor_id)"),
        "{link}"
    );
    refused(
        "INSERT INTO ¦sensors (tenant_id, name, metadata) VALUES (:t, :a, '{}'), (:t, :b, '{}')",
        "must list sensor_id",
    );
    refused(
        "SELECT name FROM sensors WHERE tenant_id = ¦:__t AND deleted_at IS NULL",
        "starts with `__`",
    );
}

#[test]
fn safety() {
    // An UPDATE that leaves modified_at out gets it, set to the current time, as the
    // repository's update does; one that says why it keeps it does not.
    let bumped = accepted(&format!("UPDATE rules SET enabled = :enabled WHERE {LIVE}"));
    assert!(
        bumped.contains("\"UPDATE rules SET enabled = ?, modified_at = ? WHERE tenant_id = ?")
            && bumped.contains("let __now = Timestamp::now();"),
        "{bumped}"
    );
    let lower = accepted(&format!("UPDATE rules SET enabled = :enabled where {LIVE}"));
    assert!(lower.contains("modified_at = ? where tenant_id"), "{lower}");
    let kept = accepted(&format!("-- keeps-modified-at: a flag the operator does not see\nUPDATE rules SET enabled = :enabled WHERE {LIVE}"));
    assert!(!kept.contains("modified_at"), "{kept}");
    refused(
        &format!("UPDATE rules SET ¦tenant_id = :other, modified_at = :now WHERE {LIVE}"),
        "may not assign tenant_id",
    );
    refused(
        &format!("UPDATE rules SET ¦rule_id = :other, modified_at = :now WHERE {LIVE}"),
        "may not assign rule_id",
    );
    refused(
        "-- all-tenants\n-- include-deleted\nUPDATE ¦rules SET name = :n, modified_at = :now",
        "UPDATE without WHERE",
    );
    // A soft delete of a table with children cascades, as the repository's does: in one write
    // transaction, with the same instant, within the tenant the WHERE names.
    for (sql, entity, tenant) in [
        (format!("UPDATE rules SET deleted_at = :now, modified_at = :now WHERE {LIVE} AND rule_id = :rule_id"), "rules", "tenant_id"),
        (format!("UPDATE sensors SET deleted_at = :now WHERE {LIVE} AND sensor_id = :id"), "sensors", "tenant_id"),
        ("UPDATE tenants SET deleted_at = :now WHERE tenant_id = :t AND deleted_at IS NULL".to_string(), "tenants", "t"),
    ] {
        let code = accepted(&sql);
        assert!(
            code.contains(&format!(
                "crate::repository::{entity}::cascade_deleted_at(conn, {tenant}, now)?;"
            )),
            "{code}"
        );
        assert!(code.contains("conn.write_transaction(|conn| {"), "{code}");
    }
    refused("UPDATE ¦rules SET deleted_at = NULL, modified_at = :now WHERE tenant_id = :tenant_id AND rule_id = :rule_id", "would leave its rule_sensors as they are");
    refused("-- all-tenants\nUPDATE ¦sensors SET deleted_at = :now WHERE deleted_at IS NULL AND name = :name", "would leave its rule_sensors as they are");
    // A leaf table may be soft-deleted by a named query.
    accepted(&format!("UPDATE rule_sensors SET deleted_at = :now, modified_at = :now WHERE {LIVE} AND rule_sensor_id = :id"));
    // Tenant scope proven through join equalities.
    accepted("SELECT s.name FROM sensors s JOIN rule_sensors rs ON rs.sensor_id = s.sensor_id AND rs.deleted_at IS NULL WHERE s.tenant_id = rs.tenant_id AND rs.tenant_id = :t AND s.deleted_at IS NULL ORDER BY s.sensor_id");
    refused("SELECT s.name FROM ¦sensors s JOIN rule_sensors rs ON rs.sensor_id = s.sensor_id AND rs.deleted_at IS NULL WHERE s.tenant_id = rs.tenant_id AND s.deleted_at IS NULL", "without constraining sensors.tenant_id");
}

/// Text written to a VARCHAR(n) column must fit it, and a JSON column takes JSON: PostgreSQL and
/// MySQL refuse a longer value where SQLite stores it, and the repository refuses non-JSON.
#[test]
fn written_text_fits_its_column() {
    let long = "x".repeat(129);
    refused(
        &format!("UPDATE sensors SET name = ¦'{long}', modified_at = :now WHERE {LIVE}"),
        "129 characters and name holds at most 128",
    );
    // Characters, not bytes, and '' is one character.
    accepted(&format!(
        "UPDATE sensors SET name = '{}''', modified_at = :now WHERE {LIVE}",
        "é".repeat(127)
    ));
    refused(
        &format!(
            "UPDATE sensors SET name = COALESCE(:n, ¦'{long}'), modified_at = :now WHERE {LIVE}"
        ),
        "129 characters",
    );
    refused(
        &format!("UPDATE sensors SET name = ¦description, modified_at = :now WHERE {LIVE}"),
        "description holds any number of characters",
    );
    refused(
        &format!("UPDATE api_keys SET key_hash = ¦name, modified_at = :now WHERE {LIVE}"),
        "name holds up to 255 characters",
    );
    accepted(&format!(
        "UPDATE api_keys SET name = key_hash, modified_at = :now WHERE {LIVE}"
    ));
    refused(
        &format!("UPDATE sensors SET metadata = ¦'not json', modified_at = :now WHERE {LIVE}"),
        "this text is not JSON",
    );
    refused(
        &format!("UPDATE sensors SET metadata = CASE WHEN :b THEN '{{}}' ELSE ¦'{{a:1}}' END, modified_at = :now WHERE {LIVE}"),
        "this text is not JSON",
    );
    refused(
        &format!("UPDATE sensors SET metadata = ¦name, modified_at = :now WHERE {LIVE}"),
        "name is not a JSON column",
    );
    accepted(&format!(
        "UPDATE sensors SET metadata = '{{\"site\": [1, 2.5, null]}}', modified_at = :now WHERE {LIVE}"
    ));
    refused(
        &format!("INSERT INTO rules (rule_id, tenant_id, name, state, action, sample_rate, enabled, scope_tags, expression, created_at, modified_at) VALUES (:id, :tenant_id, :name, ¦'{}', 'drop', 1.0, TRUE, '[]', '{{}}', :now, :now)", "d".repeat(17)),
        "17 characters and state holds at most 16",
    );
    // A parameter is checked by the generated function.
    let code = accepted(&format!(
        "UPDATE sensors SET name = :name, metadata = :metadata, description = :d, modified_at = :now WHERE {LIVE}"
    ));
    assert!(
        code.contains("support::max_chars(\"name\", value, 128)?"),
        "{code}"
    );
    assert!(
        code.contains("support::column(crate::repository::sensors::COLUMN_RULES, \"name\", name)?"),
        "{code}"
    );
    assert!(
        code.contains("support::json(\"metadata\", value)?"),
        "{code}"
    );
    assert!(
        !code.contains("let value = d;"),
        "description is unbounded: {code}"
    );
}

/// Classes the differential oracle (tests/oracle.rs) found, each refused at its token.
#[test]
fn found_by_the_oracle() {
    // `ORDER BY 1` is a position; other constants PostgreSQL refuses.
    refused(
        &format!("SELECT last_seen_at AS c1 FROM sensors WHERE {LIVE} ORDER BY ¦1, sensor_id"),
        "ORDER BY a constant",
    );
    refused(
        &format!(
            "SELECT config_key AS c1 FROM configurations WHERE {LIVE} ORDER BY ¦NOT TRUE DESC"
        ),
        "ORDER BY a constant",
    );
    // PostgreSQL sees a select alias only as a whole ORDER BY key.
    refused(
        &format!("SELECT sample_rate AS c1 FROM rules WHERE {LIVE} ORDER BY ¦c1 + 0, rule_id"),
        "unknown column c1",
    );
    // SQLite refuses HAVING without GROUP BY on a query without aggregates.
    refused(
        &format!("SELECT name FROM rules WHERE {LIVE} HAVING ¦TRUE"),
        "HAVING without GROUP BY",
    );
    // Small integer literals are 32-bit on PostgreSQL.
    refused(
        &format!("SELECT name FROM rules WHERE {LIVE} AND sample_rate > ¦2147483647 + 1"),
        "32-bit INTEGER",
    );
    refused(&format!("SELECT name FROM rules WHERE {LIVE} AND sample_rate > ¦CASE WHEN enabled THEN 0 ELSE 3 END * 4"), "not a constant");
    accepted(&format!(
        "SELECT name FROM rules WHERE {LIVE} AND sample_rate > 2147483648 + 1"
    ));
    // A declared result type follows the same rules as an inferred one.
    refused(
        &format!("-- column: c1 f64\nSELECT ¦0.0 AS c1 FROM sensors WHERE {LIVE}"),
        "is a decimal",
    );
    refused(
        &format!("-- column: c1 i64\nSELECT ¦1 + 2 AS c1 FROM sensors WHERE {LIVE}"),
        "integer literals alone",
    );
    refused(
        &format!(
            "-- column: c2 i64\nSELECT COUNT(*) - (0 - NULL) AS ¦c2 FROM sensors WHERE {LIVE}"
        ),
        "may be NULL but is declared i64",
    );
    refused(
        &format!("-- column: c1 i64\nSELECT NULL AS ¦c1 FROM sensors WHERE {LIVE}"),
        "has no type of its own",
    );
    refused(&format!("-- param: p1 Timestamp\n-- column: c1 Timestamp\nSELECT :p1 AS ¦c1 FROM sensors WHERE {LIVE}"), "has no type of its own");
    refused(
        &format!("-- param: p2 f64\nSELECT name FROM sensors WHERE {LIVE} AND (¦:p2 % 7) = 1"),
        ":p2 is declared f64 but used as integer",
    );
    refused(&format!("-- column: c2 f64\nSELECT COUNT(DISTINCT config_value) AS ¦c2 FROM configurations WHERE {LIVE}"), "declared f64 but is integer");
    refused(
        &format!("SELECT name FROM users WHERE {LIVE} AND 1e15 IN (¦1E-3 + 1e15)"),
        "on decimal literals",
    );
    refused(&format!("SELECT CASE WHEN enabled THEN sample_rate ELSE ¦CASE WHEN enabled THEN NULL END END AS c1 FROM rules WHERE {LIVE}"), "results are all NULL");
    refused(
        &format!("SELECT name FROM users WHERE {LIVE} AND 0.5 < (¦NULL + NULL)"),
        "over NULLs only",
    );
    refused(
        &format!("-- param: p1 i64\nSELECT AVG(¦:p1) AS c2 FROM rules WHERE {LIVE}"),
        ":p1 is declared i64 but used as double",
    );
    refused(
        &format!("SELECT name FROM users WHERE {LIVE} AND (¦-2147483648 + -1) <> 0"),
        "32-bit INTEGER",
    );
    refused(&format!("SELECT name FROM users WHERE {LIVE} AND ABS(3) < (¦2 + COALESCE(9223372036854775807, 7))"), "overflows");
    refused(&format!("SELECT ¦CASE config_key WHEN '' THEN -(NULL % 3) ELSE 2 END AS c1 FROM configurations WHERE {LIVE}"), "integer literals alone");
    refused(&format!("SELECT name FROM rules WHERE {LIVE} AND (¦CASE WHEN enabled THEN 3 ELSE 9223372036854775807 END + 2) > 0"), "overflows");
    refused(
        &format!("SELECT SUM(¦NULL) AS c2 FROM rules WHERE {LIVE}"),
        "SUM(NULL)",
    );
    refused(&format!("-- param: p2 i64\nSELECT name FROM rules WHERE {LIVE} AND (¦:p2 + 9223372036854775807) > 0"), "beyond 2^53");
    // LEFT JOIN columns may be NULL.
    let code = accepted(
        "SELECT s.sensor_id, rs.rule_id FROM sensors s LEFT JOIN rule_sensors rs ON rs.sensor_id = s.sensor_id AND rs.tenant_id = :t AND rs.deleted_at IS NULL WHERE s.tenant_id = :t AND s.deleted_at IS NULL ORDER BY s.sensor_id"
    );
    assert!(code.contains("pub rule_id: Option<RuleId>"), "{code}");
    assert!(code.contains("pub sensor_id: SensorId"), "{code}");
    // String literals reach the emitted SQL unchanged.
    let code = accepted(&format!(
        "SELECT name FROM sensors WHERE {LIVE} AND name IN ('a ,b', 'x )', 'two  spaces')"
    ));
    assert!(code.contains("IN ('a ,b', 'x )', 'two  spaces')"), "{code}");
    // A negative LIMIT is refused before it reaches the database.
    let code = accepted(&format!(
        "SELECT name FROM rules WHERE {LIVE} ORDER BY rule_id LIMIT :n OFFSET :skip"
    ));
    assert!(code.contains("support::non_negative(\"n\", n)?"), "{code}");
    assert!(
        code.contains("support::non_negative(\"skip\", skip)?"),
        "{code}"
    );
}

/// Subqueries: each table in every subquery keeps the tenant scope and the soft-delete filter
/// (proven through the enclosing query's columns too), outer columns are named by their table,
/// a value subquery returns at most one row, and the places where engines differ are refused.
#[test]
fn subqueries_keep_the_rules_in_every_scope() {
    const S: &str =
        "SELECT s.name FROM sensors s WHERE s.tenant_id = :tenant_id AND s.deleted_at IS NULL";
    // Accepted: correlated through the outer tenant, uncorrelated with its own, nested.
    let ok = [
        format!("{S} AND EXISTS (SELECT 1 FROM rule_sensors rs WHERE rs.sensor_id = s.sensor_id AND rs.tenant_id = s.tenant_id AND rs.deleted_at IS NULL)"),
        format!("{S} AND NOT EXISTS (SELECT * FROM rule_sensors rs WHERE rs.sensor_id = s.sensor_id AND rs.tenant_id = :tenant_id AND rs.deleted_at IS NULL)"),
        format!("{S} AND s.sensor_id IN (SELECT rs.sensor_id FROM rule_sensors rs JOIN rules r ON r.rule_id = rs.rule_id AND r.tenant_id = rs.tenant_id AND r.deleted_at IS NULL WHERE rs.tenant_id = s.tenant_id AND rs.deleted_at IS NULL AND r.enabled = :enabled)"),
        format!("{S} AND s.sensor_id IN (SELECT rs.sensor_id FROM rule_sensors rs WHERE rs.tenant_id = :tenant_id AND rs.deleted_at IS NULL AND rs.rule_id IN (SELECT r.rule_id FROM rules r WHERE r.tenant_id = rs.tenant_id AND r.deleted_at IS NULL AND r.state = 'active'))"),
        "SELECT s.name, (SELECT COUNT(*) FROM rule_sensors rs WHERE rs.sensor_id = s.sensor_id AND rs.tenant_id = s.tenant_id AND rs.deleted_at IS NULL) AS links FROM sensors s WHERE s.tenant_id = :tenant_id AND s.deleted_at IS NULL".to_string(),
        "SELECT s.name, (SELECT t.name FROM tenants t WHERE t.tenant_id = s.tenant_id AND t.deleted_at IS NULL) AS tenant_name FROM sensors s WHERE s.tenant_id = :tenant_id AND s.deleted_at IS NULL".to_string(),
        format!("{S} AND s.last_seen_at > (SELECT MAX(r.modified_at) FROM rules r WHERE r.tenant_id = :tenant_id AND r.deleted_at IS NULL)"),
        "UPDATE rules SET enabled = FALSE WHERE tenant_id = :tenant_id AND deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM rule_sensors rs WHERE rs.rule_id = rules.rule_id AND rs.tenant_id = rules.tenant_id AND rs.deleted_at IS NULL)".to_string(),
    ];
    for sql in &ok {
        accepted(sql);
    }
    // The scalar COUNT is never NULL; a value found by key may be.
    let code = accepted(&ok[4]);
    assert!(code.contains("pub links: i64"), "{code}");
    let code = accepted(&ok[5]);
    assert!(code.contains("pub tenant_name: Option<String>"), "{code}");
    let cases = [
        (format!("{S} AND EXISTS (SELECT 1 FROM ¦rule_sensors rs WHERE rs.sensor_id = s.sensor_id AND rs.deleted_at IS NULL)"), "rule_sensors is read or changed without constraining"),
        (format!("{S} AND EXISTS (SELECT 1 FROM ¦rules r WHERE r.tenant_id = :tenant_id)"), "rules is read without filtering"),
        (format!("{S} AND EXISTS (SELECT 1 FROM rules r WHERE r.tenant_id = s.tenant_id AND r.deleted_at IS NULL AND r.modified_at < ¦last_seen_at)"), "not a column of the subquery's tables"),
        (format!("{S} AND EXISTS (SELECT 1 FROM ¦rules s WHERE s.tenant_id = :tenant_id AND s.deleted_at IS NULL)"), "names two tables"),
        ("SELECT s.name, (¦SELECT r.name FROM rules r WHERE r.tenant_id = s.tenant_id AND r.deleted_at IS NULL) AS rule_name FROM sensors s WHERE s.tenant_id = :tenant_id AND s.deleted_at IS NULL".to_string(), "at most one row"),
        (format!("{S} AND s.sensor_id IN (¦SELECT rs.sensor_id, rs.rule_id FROM rule_sensors rs WHERE rs.tenant_id = :tenant_id AND rs.deleted_at IS NULL)"), "exactly one value"),
        (format!("{S} AND EXISTS (SELECT 1 FROM rules r WHERE r.tenant_id = :tenant_id AND r.deleted_at IS NULL ORDER BY r.rule_id LIMIT ¦1)"), "LIMIT inside a subquery"),
        ("SELECT COUNT(*) AS n, (¦SELECT MAX(r.name) FROM rules r WHERE r.tenant_id = :tenant_id AND r.deleted_at IS NULL) AS m FROM sensors s WHERE s.tenant_id = :tenant_id AND s.deleted_at IS NULL".to_string(), "select list of a query with aggregates"),
        ("UPDATE rules SET enabled = FALSE WHERE tenant_id = :tenant_id AND deleted_at IS NULL AND rule_id IN (SELECT r2.rule_id FROM ¦rules r2 WHERE r2.tenant_id = :tenant_id AND r2.deleted_at IS NULL)".to_string(), "which the statement changes"),
        ("UPDATE rules SET name = (¦SELECT s.name FROM sensors s WHERE s.sensor_id = :sensor_id AND s.tenant_id = :tenant_id AND s.deleted_at IS NULL) WHERE tenant_id = :tenant_id AND rule_id = :rule_id".to_string(), "a subquery in SET"),
        (format!("{S} AND EXISTS (SELECT 1 FROM rules r WHERE r.tenant_id = s.tenant_id AND r.deleted_at IS NULL AND r.rule_id = (SELECT MAX(¦s.sensor_id) FROM rule_sensors rs WHERE rs.tenant_id = r.tenant_id AND rs.deleted_at IS NULL))"), "an aggregate over a column of the enclosing query"),
        (format!("{S} AND ¦s.name IN (SELECT r.rule_id FROM rules r WHERE r.tenant_id = :tenant_id AND r.deleted_at IS NULL)"), "IN needs"),
        (format!("{S} AND s.last_seen_at > (SELECT MAX(r.modified_at) + ¦r.sample_rate AS x FROM rules r WHERE r.tenant_id = :tenant_id AND r.deleted_at IS NULL)"), "a column beside an aggregate"),
        (format!("{S} AND EXISTS (SELECT 1 FROM rules r WHERE r.tenant_id = s.tenant_id AND r.deleted_at IS NULL AND EXISTS (SELECT 1 FROM ¦users u WHERE u.deleted_at IS NULL))"), "users is read or changed without constraining"),
    ];
    for (sql, needle) in &cases {
        refused(sql, needle);
    }
}

/// SUBSTR, TRIM and `||` where they mean the same everywhere, LIKE with patterns no collation
/// or escape rule reads differently; none of them computes a value written to a column.
#[test]
fn text_functions_and_like() {
    const W: &str = "FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL";
    for sql in [
        format!("SELECT SUBSTR(name, 1, 3) AS head, TRIM(name) AS t, LTRIM(name) AS l, RTRIM(name) AS r, name || '@' || :suffix AS label {W}"),
        format!("SELECT name {W} AND SUBSTR(name, 2) = :rest AND name LIKE '%-1_' AND description NOT LIKE '%[%]%'"),
    ] {
        let code = accepted(&sql);
        assert!(!code.is_empty());
    }
    let code = accepted(&format!(
        "SELECT SUBSTR(description, 1, 3) AS head, name || :suffix AS label {W}"
    ));
    assert!(code.contains("pub head: Option<String>"), "{code}");
    assert!(code.contains("pub label: String"), "{code}");
    let cases = [
        (format!("SELECT SUBSTR(name, ¦0, 2) AS x {W}"), "SUBSTR's start"),
        (format!("SELECT SUBSTR(name, 1, ¦-1) AS x {W}"), "SUBSTR's length"),
        (format!("SELECT SUBSTR(name, ¦:start) AS x {W}"), "SUBSTR's start"),
        (format!("SELECT name || ¦1 AS x {W}"), "`||` needs text"),
        (format!("SELECT ¦sensor_id || 'x' AS x {W}"), "`||` needs text"),
        (format!("SELECT name {W} AND name LIKE ¦'%a%'"), "LIKE takes a pattern literal"),
        (format!("SELECT name {W} AND name LIKE ¦'%é%'"), "LIKE takes a pattern literal"),
        (format!("SELECT name {W} AND name LIKE ¦:pattern"), "LIKE takes a pattern literal"),
        ("UPDATE sensors SET name = ¦TRIM(:name) WHERE tenant_id = :tenant_id AND sensor_id = :sensor_id".to_string(), "TRIM computes the new value of name"),
        ("UPDATE sensors SET description = COALESCE(¦description || :more, :more) WHERE tenant_id = :tenant_id AND sensor_id = :sensor_id".to_string(), "`||` computes the new value of description"),
    ];
    for (sql, needle) in &cases {
        refused(sql, needle);
    }
}

/// UNION ALL: each branch is a SELECT with its own scope and rules; the branches agree on
/// types; the whole is ordered by result names (NOT NULL ones), and a LIMIT needs them all.
#[test]
fn union_all_branches_keep_their_rules() {
    const R: &str = "SELECT rule_id AS id, name, 'rule' AS kind FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL";
    const S: &str = "SELECT sensor_id AS id, name, 'sensor' AS kind FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL";
    let ok = [
        "SELECT name, created_at FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL UNION ALL SELECT name, created_at FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL ORDER BY created_at, name LIMIT :limit".to_string(),
        "SELECT name, description FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL UNION ALL SELECT name, name AS description FROM tenants WHERE tenant_id = :tenant_id AND deleted_at IS NULL ORDER BY name".to_string(),
    ];
    for sql in &ok {
        accepted(sql);
    }
    let code = accepted(&ok[1]);
    assert!(code.contains("pub description: Option<String>"), "{code}");
    let cases = [
        (format!("{R} UNION ALL ¦{S}"), "is RuleId in the first branch and SensorId in this one"),
        ("SELECT name FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL UNION ALL ¦SELECT name, description FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL".to_string(), "this branch selects 2 columns and the first 1"),
        ("SELECT name FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL UNION ALL SELECT name FROM ¦sensors WHERE deleted_at IS NULL".to_string(), "sensors is read or changed without constraining"),
        ("SELECT name FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL UNION ALL SELECT name FROM ¦sensors WHERE tenant_id = :tenant_id".to_string(), "sensors is read without filtering"),
        ("SELECT name FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL UNION ¦SELECT name FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL".to_string(), "UNION without ALL"),
        ("SELECT name, description FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL UNION ALL SELECT name, description FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL ORDER BY ¦description".to_string(), "which may be NULL"),
        ("SELECT name FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL UNION ALL SELECT name FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL ORDER BY ¦UPPER(name)".to_string(), "ordered by the names of its result columns"),
        ("SELECT name, created_at FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL UNION ALL SELECT name, created_at FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL ORDER BY name LIMIT ¦5".to_string(), "LIMIT over a UNION ALL not ordered by every result column"),
        ("SELECT name FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL ORDER BY name ¦UNION ALL SELECT name FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL".to_string(), "before UNION ALL"),
    ];
    for (sql, needle) in &cases {
        refused(sql, needle);
    }
}

/// WITH: each query is a SELECT with its own scope and rules; the body reads it as a table of
/// the types it selects, unique by the key of its one table when it selects that key.
#[test]
fn with_queries_are_checked_tables() {
    const LIVE_S: &str = "SELECT sensor_id, name, last_seen_at FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL";
    let ok = [
        format!("WITH live AS ({LIVE_S}) SELECT sensor_id, name FROM live WHERE last_seen_at IS NOT NULL ORDER BY sensor_id LIMIT :limit"),
        "WITH r AS (SELECT rule_id, name FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL), l AS (SELECT rs.rule_id, rs.sensor_id FROM rule_sensors rs JOIN r ON r.rule_id = rs.rule_id WHERE rs.tenant_id = :tenant_id AND rs.deleted_at IS NULL) SELECT r.name, COUNT(*) AS n FROM r JOIN l ON l.rule_id = r.rule_id GROUP BY r.name ORDER BY r.name".to_string(),
        format!("WITH live AS ({LIVE_S}) SELECT * FROM live ORDER BY sensor_id"),
    ];
    for sql in &ok {
        accepted(sql);
    }
    let code = accepted(&ok[0]);
    assert!(code.contains("pub name: String"), "{code}");
    let code = accepted(&ok[2]);
    assert!(
        code.contains("pub last_seen_at: Option<Timestamp>"),
        "{code}"
    );
    let cases = [
        ("WITH x AS (SELECT name FROM ¦sensors WHERE deleted_at IS NULL) SELECT name FROM x".to_string(), "sensors is read or changed without constraining"),
        ("WITH x AS (SELECT name FROM ¦sensors WHERE tenant_id = :tenant_id) SELECT name FROM x".to_string(), "sensors is read without filtering"),
        (format!("WITH ¦sensors AS ({LIVE_S}) SELECT name FROM sensors"), "already names a table"),
        (format!("WITH ¦RECURSIVE x AS ({LIVE_S}) SELECT name FROM x"), "WITH RECURSIVE"),
        (format!("WITH x AS ({LIVE_S}) ¦UPDATE sensors SET name = 'a' WHERE tenant_id = :tenant_id"), "WITH before"),
        ("WITH x AS (SELECT name, last_seen_at FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL) SELECT name FROM x ORDER BY ¦name LIMIT 5".to_string(), "not total"),
        (format!("WITH x AS ({LIVE_S}) SELECT ¦description FROM x"), "unknown column description"),
        (format!("WITH x ¦(a) AS ({LIVE_S}) SELECT a FROM x"), "column list after a WITH name"),
    ];
    for (sql, needle) in &cases {
        refused(sql, needle);
    }
}

/// Window functions: ranking and aggregates over PARTITION BY / ORDER BY in a select list;
/// ROW_NUMBER only over a total order, window order keys NOT NULL, no frames.
#[test]
fn window_functions_number_rows_alike() {
    const W: &str = "FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL";
    let ok = [
        format!("SELECT rule_id, ROW_NUMBER() OVER (PARTITION BY state ORDER BY created_at, rule_id) AS rn {W}"),
        format!("SELECT rule_id, RANK() OVER (ORDER BY state) AS r, DENSE_RANK() OVER (PARTITION BY enabled ORDER BY state DESC) AS d, COUNT(*) OVER (PARTITION BY state) AS n, MAX(created_at) OVER (PARTITION BY state) AS latest {W}"),
        format!("WITH ranked AS (SELECT rule_id, name, ROW_NUMBER() OVER (PARTITION BY state ORDER BY rule_id) AS rn {W}) SELECT rule_id, name FROM ranked WHERE rn <= :per_state ORDER BY rule_id"),
    ];
    for sql in &ok {
        accepted(sql);
    }
    let code = accepted(&ok[0]);
    assert!(code.contains("pub rn: i64"), "{code}");
    let code = accepted(&ok[1]);
    assert!(code.contains("pub latest: Option<Timestamp>"), "{code}");
    let cases = [
        (format!("SELECT rule_id, ROW_NUMBER() OVER (PARTITION BY state ORDER BY ¦created_at) AS rn {W}"), "not total"),
        (format!("SELECT rule_id, ¦ROW_NUMBER() OVER (PARTITION BY state) AS rn {W}"), "without ORDER BY"),
        (format!("SELECT rule_id, RANK() OVER (ORDER BY ¦description) AS r {W}"), "may be NULL"),
        (format!("SELECT rule_id {W} AND ¦ROW_NUMBER() OVER (ORDER BY rule_id) = 1"), "only in the select list"),
        (format!("SELECT state, COUNT(*) AS n, ¦RANK() OVER (ORDER BY state) AS r {W} GROUP BY state"), "only in the select list"),
        (format!("SELECT rule_id, ¦LAG(name) OVER (ORDER BY rule_id) AS prev {W}"), "not a window function the checker knows"),
        (format!("SELECT rule_id, COUNT(*) OVER (ORDER BY rule_id ¦ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS n {W}"), "window frames"),
        (format!("SELECT rule_id, COUNT(*) OVER ¦w AS n {W}"), "named windows"),
    ];
    for (sql, needle) in &cases {
        refused(sql, needle);
    }
}

/// INSERT … SELECT: ids are made per row, the tenant is one parameter, each selected value has
/// its column's type (NULL only into a nullable one), and the SELECT keeps the table rules.
#[test]
fn insert_select_rows_are_checked_like_inserts() {
    const FROM: &str = "FROM sensors s WHERE s.tenant_id = :tenant_id AND s.deleted_at IS NULL";
    let code = accepted(&format!(
        "INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id) SELECT :tenant_id, :rule_id, s.sensor_id {FROM}"
    ));
    assert!(
        code.contains("-> crate::repository::Result<Vec<RuleSensorId>>"),
        "{code}"
    );
    let code = accepted("INSERT INTO sensors (tenant_id, name, description, metadata) SELECT :tenant_id, r.name, r.description, r.expression FROM rules r WHERE r.tenant_id = :tenant_id AND r.deleted_at IS NULL");
    // The copied name gets the sensors' rule for names, per row.
    assert!(code.contains("COLUMN_RULES"), "{code}");
    let cases = [
        (format!("INSERT INTO rule_sensors (¦rule_sensor_id, tenant_id, rule_id, sensor_id) SELECT s.sensor_id, :tenant_id, :rule_id, s.sensor_id {FROM}"), "every row gets a new id"),
        (format!("INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id) SELECT ¦s.tenant_id, :rule_id, s.sensor_id {FROM}"), "comes from a column"),
        (format!("INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id) ¦SELECT :tenant_id, s.sensor_id {FROM}"), "3 columns but the SELECT has 2 values"),
        (format!("INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id) SELECT :tenant_id, ¦s.sensor_id AS x, s.sensor_id {FROM}"), "rule_id takes RuleId, but the SELECT gives SensorId"),
        ("INSERT INTO sensors (tenant_id, name, metadata) SELECT :tenant_id, ¦r.description, r.expression FROM rules r WHERE r.tenant_id = :tenant_id AND r.deleted_at IS NULL".to_string(), "may be NULL, and the column is NOT NULL"),
        ("INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id) SELECT :tenant_id, :rule_id, s.sensor_id FROM ¦sensors s WHERE s.deleted_at IS NULL".to_string(), "sensors is read or changed without constraining"),
        (format!("INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id) ¦SELECT * {FROM}"), "3 columns but the SELECT has 1 values"),
        (format!("INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id) SELECT :tenant_id, :rule_id, ¦* {FROM}"), "`*` in INSERT … SELECT"),
        (format!("INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id) SELECT :tenant_id, ¦:sensor_id, s.sensor_id {FROM}"), "named like a column the SELECT fills"),
    ];
    for (sql, needle) in &cases {
        refused(sql, needle);
    }
}

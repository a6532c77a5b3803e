/// Named queries of `queries/api_keys.sql`.
pub mod api_keys {
    #![allow(unused_imports, dead_code, clippy::too_many_arguments)]
    use crate::queries::support::{self, diesel, serde};
    use diesel::prelude::*;
    use crate::types::*;
    use crate::AnyConnection;

    /// A row of `find-api-key-by-hash`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct FindApiKeyByHashRow {
        /// Column `api_key_id`.
        pub api_key_id: ApiKeyId,
        /// Column `tenant_id`.
        pub tenant_id: TenantId,
        /// Column `name`.
        pub name: String,
    }

    /// SQL of `find-api-key-by-hash` (`?` placeholders; PostgreSQL gets `$n`).
    pub const FIND_API_KEY_BY_HASH_SQL: &str = "SELECT api_key_id, tenant_id, name FROM api_keys WHERE key_hash = ? AND deleted_at IS NULL";

    #[doc(hidden)]
    pub struct FindApiKeyByHashKey;
    #[doc(hidden)]
    pub struct FindApiKeyByHashQuery<'a> {
        key_hash: &'a str,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for FindApiKeyByHashQuery<'_> {
        type QueryId = FindApiKeyByHashKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for FindApiKeyByHashQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, crate::types::sql::Uuid36, diesel::sql_types::Text,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for FindApiKeyByHashQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for FindApiKeyByHashQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Text>, &'a str: diesel::serialize::ToSql<diesel::sql_types::Text, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT api_key_id, tenant_id, name FROM api_keys WHERE key_hash = ");
            out.push_bind_param::<diesel::sql_types::Text, _>(&self.key_hash)?;
            out.push_sql(" AND deleted_at IS NULL");
            Ok(())
        }
    }

    /// `find-api-key-by-hash` (queries/api_keys.sql:1).
    pub fn find_api_key_by_hash(conn: &mut AnyConnection, key_hash: &str) -> crate::repository::Result<Option<FindApiKeyByHashRow>> {
        crate::native::ready(find_api_key_by_hash_on(crate::native::UnitConnection::Blocking(conn), key_hash))
    }

    /// [`find_api_key_by_hash`] on any connection: the statement, written once.
    async fn find_api_key_by_hash_on(conn: crate::native::UnitConnection<'_>, key_hash: &str) -> crate::repository::Result<Option<FindApiKeyByHashRow>> {
        let query = FindApiKeyByHashQuery { key_hash, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => get_result::<FindApiKeyByHashRow>).optional()?)
    }

    /// `find-api-key-by-hash` from async code: [`find_api_key_by_hash`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn find_api_key_by_hash_async(db: &crate::Database, key_hash: &str) -> crate::repository::Result<Option<FindApiKeyByHashRow>> {
        let key_hash = key_hash.to_owned();
        db.unit(move |conn| Box::pin(async move { find_api_key_by_hash_on(conn, &key_hash).await })).await
    }

    /// SQL of `touch-api-key` (`?` placeholders; PostgreSQL gets `$n`).
    pub const TOUCH_API_KEY_SQL: &str = "UPDATE api_keys SET last_used_at = ? WHERE tenant_id = ? AND api_key_id = ? AND deleted_at IS NULL";

    #[doc(hidden)]
    pub struct TouchApiKeyKey;
    #[doc(hidden)]
    pub struct TouchApiKeyQuery<'a> {
        used_at: Option<Timestamp>,
        tenant_id: TenantId,
        api_key_id: ApiKeyId,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for TouchApiKeyQuery<'_> {
        type QueryId = TouchApiKeyKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for TouchApiKeyQuery<'_> {
        type SqlType = diesel::sql_types::Untyped;
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for TouchApiKeyQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for TouchApiKeyQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>>, Option<Timestamp>: diesel::serialize::ToSql<diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, ApiKeyId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("UPDATE api_keys SET last_used_at = ");
            out.push_bind_param::<diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>, _>(&self.used_at)?;
            out.push_sql(" WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND api_key_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.api_key_id)?;
            out.push_sql(" AND deleted_at IS NULL");
            Ok(())
        }
    }

    /// `touch-api-key` (queries/api_keys.sql:8).
    pub fn touch_api_key(conn: &mut AnyConnection, tenant_id: TenantId, api_key_id: ApiKeyId, used_at: Option<Timestamp>) -> crate::repository::Result<usize> {
        crate::native::ready(touch_api_key_on(crate::native::UnitConnection::Blocking(conn), tenant_id, api_key_id, used_at))
    }

    /// [`touch_api_key`] on any connection: the statement, written once.
    async fn touch_api_key_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, api_key_id: ApiKeyId, used_at: Option<Timestamp>) -> crate::repository::Result<usize> {
        let query = TouchApiKeyQuery { used_at, tenant_id, api_key_id, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => execute)?)
    }

    /// `touch-api-key` from async code: [`touch_api_key`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn touch_api_key_async(db: &crate::Database, tenant_id: TenantId, api_key_id: ApiKeyId, used_at: Option<Timestamp>) -> crate::repository::Result<usize> {
        db.unit(move |conn| Box::pin(async move { touch_api_key_on(conn, tenant_id, api_key_id, used_at).await })).await
    }
}
/// Named queries of `queries/configurations.sql`.
pub mod configurations {
    #![allow(unused_imports, dead_code, clippy::too_many_arguments)]
    use crate::queries::support::{self, diesel, serde};
    use diesel::prelude::*;
    use crate::types::*;
    use crate::AnyConnection;

    /// A row of `get-config-value`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct GetConfigValueRow {
        /// Column `config_value`.
        pub config_value: String,
    }

    /// SQL of `get-config-value` (`?` placeholders; PostgreSQL gets `$n`).
    pub const GET_CONFIG_VALUE_SQL: &str = "SELECT config_value FROM configurations WHERE tenant_id = ? AND config_key = ? AND deleted_at IS NULL";

    #[doc(hidden)]
    pub struct GetConfigValueKey;
    #[doc(hidden)]
    pub struct GetConfigValueQuery<'a> {
        tenant_id: TenantId,
        config_key: &'a str,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for GetConfigValueQuery<'_> {
        type QueryId = GetConfigValueKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for GetConfigValueQuery<'_> {
        type SqlType = (diesel::sql_types::Text,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for GetConfigValueQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for GetConfigValueQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Text>, &'a str: diesel::serialize::ToSql<diesel::sql_types::Text, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT config_value FROM configurations WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND config_key = ");
            out.push_bind_param::<diesel::sql_types::Text, _>(&self.config_key)?;
            out.push_sql(" AND deleted_at IS NULL");
            Ok(())
        }
    }

    /// `get-config-value` (queries/configurations.sql:1).
    pub fn get_config_value(conn: &mut AnyConnection, tenant_id: TenantId, config_key: &str) -> crate::repository::Result<Option<GetConfigValueRow>> {
        crate::native::ready(get_config_value_on(crate::native::UnitConnection::Blocking(conn), tenant_id, config_key))
    }

    /// [`get_config_value`] on any connection: the statement, written once.
    async fn get_config_value_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, config_key: &str) -> crate::repository::Result<Option<GetConfigValueRow>> {
        let query = GetConfigValueQuery { tenant_id, config_key, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => get_result::<GetConfigValueRow>).optional()?)
    }

    /// `get-config-value` from async code: [`get_config_value`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn get_config_value_async(db: &crate::Database, tenant_id: TenantId, config_key: &str) -> crate::repository::Result<Option<GetConfigValueRow>> {
        let config_key = config_key.to_owned();
        db.unit(move |conn| Box::pin(async move { get_config_value_on(conn, tenant_id, &config_key).await })).await
    }

    /// SQL of `soft-delete-config` (`?` placeholders; PostgreSQL gets `$n`).
    pub const SOFT_DELETE_CONFIG_SQL: &str = "UPDATE configurations SET deleted_at = ?, modified_at = ? WHERE tenant_id = ? AND config_key = ? AND deleted_at IS NULL";

    #[doc(hidden)]
    pub struct SoftDeleteConfigKey;
    #[doc(hidden)]
    pub struct SoftDeleteConfigQuery<'a> {
        now: Timestamp,
        tenant_id: TenantId,
        config_key: &'a str,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for SoftDeleteConfigQuery<'_> {
        type QueryId = SoftDeleteConfigKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for SoftDeleteConfigQuery<'_> {
        type SqlType = diesel::sql_types::Untyped;
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for SoftDeleteConfigQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for SoftDeleteConfigQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::UtcTimestamp>, Timestamp: diesel::serialize::ToSql<crate::types::sql::UtcTimestamp, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Text>, &'a str: diesel::serialize::ToSql<diesel::sql_types::Text, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("UPDATE configurations SET deleted_at = ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.now)?;
            out.push_sql(", modified_at = ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.now)?;
            out.push_sql(" WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND config_key = ");
            out.push_bind_param::<diesel::sql_types::Text, _>(&self.config_key)?;
            out.push_sql(" AND deleted_at IS NULL");
            Ok(())
        }
    }

    /// `soft-delete-config` (queries/configurations.sql:6).
    pub fn soft_delete_config(conn: &mut AnyConnection, tenant_id: TenantId, config_key: &str, now: Timestamp) -> crate::repository::Result<usize> {
        crate::native::ready(soft_delete_config_on(crate::native::UnitConnection::Blocking(conn), tenant_id, config_key, now))
    }

    /// [`soft_delete_config`] on any connection: the statement, written once.
    async fn soft_delete_config_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, config_key: &str, now: Timestamp) -> crate::repository::Result<usize> {
        let query = SoftDeleteConfigQuery { now, tenant_id, config_key, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => execute)?)
    }

    /// `soft-delete-config` from async code: [`soft_delete_config`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn soft_delete_config_async(db: &crate::Database, tenant_id: TenantId, config_key: &str, now: Timestamp) -> crate::repository::Result<usize> {
        let config_key = config_key.to_owned();
        db.unit(move |conn| Box::pin(async move { soft_delete_config_on(conn, tenant_id, &config_key, now).await })).await
    }
}
/// Named queries of `queries/rules.sql`.
pub mod rules {
    #![allow(unused_imports, dead_code, clippy::too_many_arguments)]
    use crate::queries::support::{self, diesel, serde};
    use diesel::prelude::*;
    use crate::types::*;
    use crate::AnyConnection;

    /// SQL of `list-active-rules` (`?` placeholders; PostgreSQL gets `$n`).
    pub const LIST_ACTIVE_RULES_SQL: &str = "SELECT rule_id, tenant_id, name, description, state, action, sample_rate, enabled, scope_tags, expression, created_at, modified_at, deleted_at FROM rules WHERE tenant_id = ? AND deleted_at IS NULL AND state = 'active' AND enabled = TRUE ORDER BY rule_id LIMIT ?";

    #[doc(hidden)]
    pub struct ListActiveRulesKey;
    #[doc(hidden)]
    pub struct ListActiveRulesQuery<'a> {
        tenant_id: TenantId,
        limit: i64,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for ListActiveRulesQuery<'_> {
        type QueryId = ListActiveRulesKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for ListActiveRulesQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, crate::types::sql::Uuid36, diesel::sql_types::Text, diesel::sql_types::Nullable<diesel::sql_types::Text>, diesel::sql_types::Text, diesel::sql_types::Text, diesel::sql_types::Double, diesel::sql_types::Bool, diesel::sql_types::Text, diesel::sql_types::Text, crate::types::sql::UtcTimestamp, crate::types::sql::UtcTimestamp, diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for ListActiveRulesQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for ListActiveRulesQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>, i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT rule_id, tenant_id, name, description, state, action, sample_rate, enabled, scope_tags, expression, created_at, modified_at, deleted_at FROM rules WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND deleted_at IS NULL AND state = 'active' AND enabled = TRUE ORDER BY rule_id LIMIT ");
            out.push_bind_param::<diesel::sql_types::BigInt, _>(&self.limit)?;
            Ok(())
        }
    }

    /// `list-active-rules` (queries/rules.sql:1).
    pub fn list_active_rules(conn: &mut AnyConnection, tenant_id: TenantId, limit: i64) -> crate::repository::Result<Vec<crate::repository::rules::Rule>> {
        crate::native::ready(list_active_rules_on(crate::native::UnitConnection::Blocking(conn), tenant_id, limit))
    }

    /// [`list_active_rules`] on any connection: the statement, written once.
    async fn list_active_rules_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, limit: i64) -> crate::repository::Result<Vec<crate::repository::rules::Rule>> {
        support::non_negative("limit", limit)?;
        let query = ListActiveRulesQuery { tenant_id, limit, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<crate::repository::rules::Rule>)?)
    }

    /// `list-active-rules` from async code: [`list_active_rules`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn list_active_rules_async(db: &crate::Database, tenant_id: TenantId, limit: i64) -> crate::repository::Result<Vec<crate::repository::rules::Rule>> {
        db.unit(move |conn| Box::pin(async move { list_active_rules_on(conn, tenant_id, limit).await })).await
    }

    /// A row of `count-rules-by-state`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct CountRulesByStateRow {
        /// Column `state`.
        pub state: String,
        /// Column `total`.
        pub total: i64,
    }

    /// SQL of `count-rules-by-state` (`?` placeholders; PostgreSQL gets `$n`).
    pub const COUNT_RULES_BY_STATE_SQL: &str = "SELECT state, COUNT(*) AS total FROM rules WHERE tenant_id = ? AND deleted_at IS NULL GROUP BY state ORDER BY state";

    #[doc(hidden)]
    pub struct CountRulesByStateKey;
    #[doc(hidden)]
    pub struct CountRulesByStateQuery<'a> {
        tenant_id: TenantId,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for CountRulesByStateQuery<'_> {
        type QueryId = CountRulesByStateKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for CountRulesByStateQuery<'_> {
        type SqlType = (diesel::sql_types::Text, diesel::sql_types::BigInt,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for CountRulesByStateQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for CountRulesByStateQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT state, COUNT(*) AS total FROM rules WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND deleted_at IS NULL GROUP BY state ORDER BY state");
            Ok(())
        }
    }

    /// `count-rules-by-state` (queries/rules.sql:11).
    pub fn count_rules_by_state(conn: &mut AnyConnection, tenant_id: TenantId) -> crate::repository::Result<Vec<CountRulesByStateRow>> {
        crate::native::ready(count_rules_by_state_on(crate::native::UnitConnection::Blocking(conn), tenant_id))
    }

    /// [`count_rules_by_state`] on any connection: the statement, written once.
    async fn count_rules_by_state_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId) -> crate::repository::Result<Vec<CountRulesByStateRow>> {
        let query = CountRulesByStateQuery { tenant_id, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<CountRulesByStateRow>)?)
    }

    /// `count-rules-by-state` from async code: [`count_rules_by_state`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn count_rules_by_state_async(db: &crate::Database, tenant_id: TenantId) -> crate::repository::Result<Vec<CountRulesByStateRow>> {
        db.unit(move |conn| Box::pin(async move { count_rules_by_state_on(conn, tenant_id).await })).await
    }

    /// A row of `list-rule-sensors`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct ListRuleSensorsRow {
        /// Column `sensor_id`.
        pub sensor_id: SensorId,
        /// Column `sensor_name`.
        pub sensor_name: String,
        /// Column `rule_name`.
        pub rule_name: String,
    }

    /// SQL of `list-rule-sensors` (`?` placeholders; PostgreSQL gets `$n`).
    pub const LIST_RULE_SENSORS_SQL: &str = "SELECT s.sensor_id, s.name AS sensor_name, r.name AS rule_name FROM rule_sensors rs JOIN rules r ON r.rule_id = rs.rule_id AND r.tenant_id = ? AND r.deleted_at IS NULL JOIN sensors s ON s.sensor_id = rs.sensor_id AND s.tenant_id = ? AND s.deleted_at IS NULL WHERE rs.tenant_id = ? AND rs.deleted_at IS NULL AND rs.rule_id = ? ORDER BY s.sensor_id";

    #[doc(hidden)]
    pub struct ListRuleSensorsKey;
    #[doc(hidden)]
    pub struct ListRuleSensorsQuery<'a> {
        tenant_id: TenantId,
        rule_id: RuleId,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for ListRuleSensorsQuery<'_> {
        type QueryId = ListRuleSensorsKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for ListRuleSensorsQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, diesel::sql_types::Text, diesel::sql_types::Text,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for ListRuleSensorsQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for ListRuleSensorsQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, RuleId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT s.sensor_id, s.name AS sensor_name, r.name AS rule_name FROM rule_sensors rs JOIN rules r ON r.rule_id = rs.rule_id AND r.tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND r.deleted_at IS NULL JOIN sensors s ON s.sensor_id = rs.sensor_id AND s.tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND s.deleted_at IS NULL WHERE rs.tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND rs.deleted_at IS NULL AND rs.rule_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.rule_id)?;
            out.push_sql(" ORDER BY s.sensor_id");
            Ok(())
        }
    }

    /// `list-rule-sensors` (queries/rules.sql:18).
    pub fn list_rule_sensors(conn: &mut AnyConnection, tenant_id: TenantId, rule_id: RuleId) -> crate::repository::Result<Vec<ListRuleSensorsRow>> {
        crate::native::ready(list_rule_sensors_on(crate::native::UnitConnection::Blocking(conn), tenant_id, rule_id))
    }

    /// [`list_rule_sensors`] on any connection: the statement, written once.
    async fn list_rule_sensors_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, rule_id: RuleId) -> crate::repository::Result<Vec<ListRuleSensorsRow>> {
        let query = ListRuleSensorsQuery { tenant_id, rule_id, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<ListRuleSensorsRow>)?)
    }

    /// `list-rule-sensors` from async code: [`list_rule_sensors`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn list_rule_sensors_async(db: &crate::Database, tenant_id: TenantId, rule_id: RuleId) -> crate::repository::Result<Vec<ListRuleSensorsRow>> {
        db.unit(move |conn| Box::pin(async move { list_rule_sensors_on(conn, tenant_id, rule_id).await })).await
    }

    /// SQL of `set-rule-enabled` (`?` placeholders; PostgreSQL gets `$n`).
    pub const SET_RULE_ENABLED_SQL: &str = "UPDATE rules SET enabled = ?, modified_at = ? WHERE tenant_id = ? AND rule_id = ? AND deleted_at IS NULL";

    #[doc(hidden)]
    pub struct SetRuleEnabledKey;
    #[doc(hidden)]
    pub struct SetRuleEnabledQuery<'a> {
        enabled: bool,
        now: Timestamp,
        tenant_id: TenantId,
        rule_id: RuleId,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for SetRuleEnabledQuery<'_> {
        type QueryId = SetRuleEnabledKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for SetRuleEnabledQuery<'_> {
        type SqlType = diesel::sql_types::Untyped;
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for SetRuleEnabledQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for SetRuleEnabledQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Bool>, bool: diesel::serialize::ToSql<diesel::sql_types::Bool, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::UtcTimestamp>, Timestamp: diesel::serialize::ToSql<crate::types::sql::UtcTimestamp, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, RuleId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("UPDATE rules SET enabled = ");
            out.push_bind_param::<diesel::sql_types::Bool, _>(&self.enabled)?;
            out.push_sql(", modified_at = ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.now)?;
            out.push_sql(" WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND rule_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.rule_id)?;
            out.push_sql(" AND deleted_at IS NULL");
            Ok(())
        }
    }

    /// The arguments of `set-rule-enabled` after the tenant.
    #[derive(Debug, Clone, PartialEq)]
    pub struct SetRuleEnabledParams {
        /// `:rule_id`.
        pub rule_id: RuleId,
        /// `:enabled`.
        pub enabled: bool,
        /// `:now`.
        pub now: Timestamp,
    }

    /// `set-rule-enabled` (queries/rules.sql:27).
    pub fn set_rule_enabled(conn: &mut AnyConnection, tenant_id: TenantId, params: SetRuleEnabledParams) -> crate::repository::Result<usize> {
        crate::native::ready(set_rule_enabled_on(crate::native::UnitConnection::Blocking(conn), tenant_id, params))
    }

    /// [`set_rule_enabled`] on any connection: the statement, written once.
    async fn set_rule_enabled_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, params: SetRuleEnabledParams) -> crate::repository::Result<usize> {
        let SetRuleEnabledParams { rule_id, enabled, now,  } = params;
        let query = SetRuleEnabledQuery { enabled, now, tenant_id, rule_id, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => execute)?)
    }

    /// `set-rule-enabled` from async code: [`set_rule_enabled`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn set_rule_enabled_async(db: &crate::Database, tenant_id: TenantId, params: SetRuleEnabledParams) -> crate::repository::Result<usize> {
        let SetRuleEnabledParams { rule_id, enabled, now,  } = params;
        db.unit(move |conn| Box::pin(async move { set_rule_enabled_on(conn, tenant_id, SetRuleEnabledParams { rule_id, enabled, now }).await })).await
    }

    /// A row of `list-deleted-rules`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct ListDeletedRulesRow {
        /// Column `rule_id`.
        pub rule_id: RuleId,
        /// Column `name`.
        pub name: String,
        /// Column `deleted_at`.
        pub deleted_at: Option<Timestamp>,
    }

    /// SQL of `list-deleted-rules` (`?` placeholders; PostgreSQL gets `$n`).
    pub const LIST_DELETED_RULES_SQL: &str = "SELECT rule_id, name, deleted_at FROM rules WHERE tenant_id = ? AND deleted_at IS NOT NULL ORDER BY rule_id";

    #[doc(hidden)]
    pub struct ListDeletedRulesKey;
    #[doc(hidden)]
    pub struct ListDeletedRulesQuery<'a> {
        tenant_id: TenantId,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for ListDeletedRulesQuery<'_> {
        type QueryId = ListDeletedRulesKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for ListDeletedRulesQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, diesel::sql_types::Text, diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for ListDeletedRulesQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for ListDeletedRulesQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT rule_id, name, deleted_at FROM rules WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND deleted_at IS NOT NULL ORDER BY rule_id");
            Ok(())
        }
    }

    /// `list-deleted-rules` (queries/rules.sql:31).
    pub fn list_deleted_rules(conn: &mut AnyConnection, tenant_id: TenantId) -> crate::repository::Result<Vec<ListDeletedRulesRow>> {
        crate::native::ready(list_deleted_rules_on(crate::native::UnitConnection::Blocking(conn), tenant_id))
    }

    /// [`list_deleted_rules`] on any connection: the statement, written once.
    async fn list_deleted_rules_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId) -> crate::repository::Result<Vec<ListDeletedRulesRow>> {
        let query = ListDeletedRulesQuery { tenant_id, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<ListDeletedRulesRow>)?)
    }

    /// `list-deleted-rules` from async code: [`list_deleted_rules`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn list_deleted_rules_async(db: &crate::Database, tenant_id: TenantId) -> crate::repository::Result<Vec<ListDeletedRulesRow>> {
        db.unit(move |conn| Box::pin(async move { list_deleted_rules_on(conn, tenant_id).await })).await
    }

    /// A row of `list-rules-without-sensors`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct ListRulesWithoutSensorsRow {
        /// Column `rule_id`.
        pub rule_id: RuleId,
        /// Column `name`.
        pub name: String,
        /// Column `state`.
        pub state: String,
    }

    /// SQL of `list-rules-without-sensors` (`?` placeholders; PostgreSQL gets `$n`).
    pub const LIST_RULES_WITHOUT_SENSORS_SQL: &str = "SELECT r.rule_id, r.name, r.state FROM rules r WHERE r.tenant_id = ? AND r.deleted_at IS NULL AND NOT EXISTS ( SELECT 1 FROM rule_sensors rs JOIN sensors s ON s.sensor_id = rs.sensor_id AND s.tenant_id = rs.tenant_id AND s.deleted_at IS NULL WHERE rs.rule_id = r.rule_id AND rs.tenant_id = r.tenant_id AND rs.deleted_at IS NULL) ORDER BY r.rule_id";

    #[doc(hidden)]
    pub struct ListRulesWithoutSensorsKey;
    #[doc(hidden)]
    pub struct ListRulesWithoutSensorsQuery<'a> {
        tenant_id: TenantId,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for ListRulesWithoutSensorsQuery<'_> {
        type QueryId = ListRulesWithoutSensorsKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for ListRulesWithoutSensorsQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, diesel::sql_types::Text, diesel::sql_types::Text,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for ListRulesWithoutSensorsQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for ListRulesWithoutSensorsQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT r.rule_id, r.name, r.state FROM rules r WHERE r.tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND r.deleted_at IS NULL AND NOT EXISTS ( SELECT 1 FROM rule_sensors rs JOIN sensors s ON s.sensor_id = rs.sensor_id AND s.tenant_id = rs.tenant_id AND s.deleted_at IS NULL WHERE rs.rule_id = r.rule_id AND rs.tenant_id = r.tenant_id AND rs.deleted_at IS NULL) ORDER BY r.rule_id");
            Ok(())
        }
    }

    /// `list-rules-without-sensors` (queries/rules.sql:38).
    pub fn list_rules_without_sensors(conn: &mut AnyConnection, tenant_id: TenantId) -> crate::repository::Result<Vec<ListRulesWithoutSensorsRow>> {
        crate::native::ready(list_rules_without_sensors_on(crate::native::UnitConnection::Blocking(conn), tenant_id))
    }

    /// [`list_rules_without_sensors`] on any connection: the statement, written once.
    async fn list_rules_without_sensors_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId) -> crate::repository::Result<Vec<ListRulesWithoutSensorsRow>> {
        let query = ListRulesWithoutSensorsQuery { tenant_id, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<ListRulesWithoutSensorsRow>)?)
    }

    /// `list-rules-without-sensors` from async code: [`list_rules_without_sensors`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn list_rules_without_sensors_async(db: &crate::Database, tenant_id: TenantId) -> crate::repository::Result<Vec<ListRulesWithoutSensorsRow>> {
        db.unit(move |conn| Box::pin(async move { list_rules_without_sensors_on(conn, tenant_id).await })).await
    }

    /// SQL of `disable-rules-without-sensors` (`?` placeholders; PostgreSQL gets `$n`).
    pub const DISABLE_RULES_WITHOUT_SENSORS_SQL: &str = "UPDATE rules SET enabled = FALSE, modified_at = ? WHERE tenant_id = ? AND deleted_at IS NULL AND enabled = TRUE AND NOT EXISTS ( SELECT 1 FROM rule_sensors rs WHERE rs.rule_id = rules.rule_id AND rs.tenant_id = rules.tenant_id AND rs.deleted_at IS NULL)";

    #[doc(hidden)]
    pub struct DisableRulesWithoutSensorsKey;
    #[doc(hidden)]
    pub struct DisableRulesWithoutSensorsQuery<'a> {
        tenant_id: TenantId,
        __now: Timestamp,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for DisableRulesWithoutSensorsQuery<'_> {
        type QueryId = DisableRulesWithoutSensorsKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for DisableRulesWithoutSensorsQuery<'_> {
        type SqlType = diesel::sql_types::Untyped;
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for DisableRulesWithoutSensorsQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for DisableRulesWithoutSensorsQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::UtcTimestamp>, Timestamp: diesel::serialize::ToSql<crate::types::sql::UtcTimestamp, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("UPDATE rules SET enabled = FALSE, modified_at = ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.__now)?;
            out.push_sql(" WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND deleted_at IS NULL AND enabled = TRUE AND NOT EXISTS ( SELECT 1 FROM rule_sensors rs WHERE rs.rule_id = rules.rule_id AND rs.tenant_id = rules.tenant_id AND rs.deleted_at IS NULL)");
            Ok(())
        }
    }

    /// `disable-rules-without-sensors` (queries/rules.sql:50).
    pub fn disable_rules_without_sensors(conn: &mut AnyConnection, tenant_id: TenantId) -> crate::repository::Result<usize> {
        crate::native::ready(disable_rules_without_sensors_on(crate::native::UnitConnection::Blocking(conn), tenant_id))
    }

    /// [`disable_rules_without_sensors`] on any connection: the statement, written once.
    async fn disable_rules_without_sensors_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId) -> crate::repository::Result<usize> {
        let __now = Timestamp::now();
        let query = DisableRulesWithoutSensorsQuery { tenant_id, __now, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => execute)?)
    }

    /// `disable-rules-without-sensors` from async code: [`disable_rules_without_sensors`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn disable_rules_without_sensors_async(db: &crate::Database, tenant_id: TenantId) -> crate::repository::Result<usize> {
        db.unit(move |conn| Box::pin(async move { disable_rules_without_sensors_on(conn, tenant_id).await })).await
    }

    /// A row of `link-rule-to-sensors-seen-since-source`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct LinkRuleToSensorsSeenSinceSourceRow {
        /// Column `sensor_id`.
        pub sensor_id: SensorId,
    }

    /// SQL of `link-rule-to-sensors-seen-since-source` (`?` placeholders; PostgreSQL gets `$n`).
    pub const LINK_RULE_TO_SENSORS_SEEN_SINCE_SOURCE_SQL: &str = "SELECT s.sensor_id FROM sensors s WHERE s.tenant_id = ? AND s.deleted_at IS NULL AND s.last_seen_at >= ? AND NOT EXISTS ( SELECT 1 FROM rule_sensors rs WHERE rs.tenant_id = s.tenant_id AND rs.sensor_id = s.sensor_id AND rs.rule_id = ? AND rs.deleted_at IS NULL) ORDER BY s.sensor_id";

    #[doc(hidden)]
    pub struct LinkRuleToSensorsSeenSinceSourceKey;
    #[doc(hidden)]
    pub struct LinkRuleToSensorsSeenSinceSourceQuery<'a> {
        tenant_id: TenantId,
        since: Timestamp,
        rule_id: RuleId,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for LinkRuleToSensorsSeenSinceSourceQuery<'_> {
        type QueryId = LinkRuleToSensorsSeenSinceSourceKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for LinkRuleToSensorsSeenSinceSourceQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for LinkRuleToSensorsSeenSinceSourceQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for LinkRuleToSensorsSeenSinceSourceQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::UtcTimestamp>, Timestamp: diesel::serialize::ToSql<crate::types::sql::UtcTimestamp, DB>, RuleId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT s.sensor_id FROM sensors s WHERE s.tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND s.deleted_at IS NULL AND s.last_seen_at >= ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.since)?;
            out.push_sql(" AND NOT EXISTS ( SELECT 1 FROM rule_sensors rs WHERE rs.tenant_id = s.tenant_id AND rs.sensor_id = s.sensor_id AND rs.rule_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.rule_id)?;
            out.push_sql(" AND rs.deleted_at IS NULL) ORDER BY s.sensor_id");
            Ok(())
        }
    }

    /// `link-rule-to-sensors-seen-since-source` (queries/rules.sql:58).
    pub fn link_rule_to_sensors_seen_since_source(conn: &mut AnyConnection, tenant_id: TenantId, rule_id: RuleId, since: Timestamp) -> crate::repository::Result<Vec<LinkRuleToSensorsSeenSinceSourceRow>> {
        crate::native::ready(link_rule_to_sensors_seen_since_source_on(crate::native::UnitConnection::Blocking(conn), tenant_id, rule_id, since))
    }

    /// [`link_rule_to_sensors_seen_since_source`] on any connection: the statement, written once.
    async fn link_rule_to_sensors_seen_since_source_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, rule_id: RuleId, since: Timestamp) -> crate::repository::Result<Vec<LinkRuleToSensorsSeenSinceSourceRow>> {
        let query = LinkRuleToSensorsSeenSinceSourceQuery { tenant_id, since, rule_id, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<LinkRuleToSensorsSeenSinceSourceRow>)?)
    }

    /// `link-rule-to-sensors-seen-since-source` from async code: [`link_rule_to_sensors_seen_since_source`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn link_rule_to_sensors_seen_since_source_async(db: &crate::Database, tenant_id: TenantId, rule_id: RuleId, since: Timestamp) -> crate::repository::Result<Vec<LinkRuleToSensorsSeenSinceSourceRow>> {
        db.unit(move |conn| Box::pin(async move { link_rule_to_sensors_seen_since_source_on(conn, tenant_id, rule_id, since).await })).await
    }

    /// SQL of one row of `link-rule-to-sensors-seen-since-rows` (`?` placeholders; PostgreSQL gets `$n`); a statement repeats its VALUES tuple per row.
    pub const LINK_RULE_TO_SENSORS_SEEN_SINCE_ROWS_SQL: &str = "INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id, rule_sensor_id, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?)";

    /// One row of `link-rule-to-sensors-seen-since-rows`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct LinkRuleToSensorsSeenSinceRowsRow {
        /// `:sensor_id`.
        pub sensor_id: SensorId,
    }

    #[doc(hidden)]
    pub struct LinkRuleToSensorsSeenSinceRowsKey;
    #[doc(hidden)]
    pub struct LinkRuleToSensorsSeenSinceRowsQuery<'a> {
        tenant_id: TenantId,
        rule_id: RuleId,
        __now: Timestamp,
        __id: &'a [RuleSensorId],
        rows: &'a [LinkRuleToSensorsSeenSinceRowsRow],
    }
    impl diesel::query_builder::QueryId for LinkRuleToSensorsSeenSinceRowsQuery<'_> {
        type QueryId = LinkRuleToSensorsSeenSinceRowsKey;
        const HAS_STATIC_QUERY_ID: bool = false;
    }
    impl diesel::query_builder::Query for LinkRuleToSensorsSeenSinceRowsQuery<'_> {
        type SqlType = diesel::sql_types::Untyped;
    }
    impl diesel::RunQueryDsl<AnyConnection> for LinkRuleToSensorsSeenSinceRowsQuery<'_> {}
    impl<'a> diesel::query_builder::QueryFragment<crate::connection::MultiBackend> for LinkRuleToSensorsSeenSinceRowsQuery<'a> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, crate::connection::MultiBackend>) -> diesel::QueryResult<()> {
            out.unsafe_to_cache_prepared();
            out.push_sql("INSERT INTO rule_sensors (tenant_id, rule_id, sensor_id, rule_sensor_id, created_at, modified_at) VALUES ");
            for (i, row) in self.rows.iter().enumerate() {
                if i > 0 { out.push_sql(", "); }
                out.push_sql("(");
                out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
                out.push_sql(", ");
                out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.rule_id)?;
                out.push_sql(", ");
                out.push_bind_param::<crate::types::sql::Uuid36, _>(&row.sensor_id)?;
                out.push_sql(", ");
                out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.__id[i])?;
                out.push_sql(", ");
                out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.__now)?;
                out.push_sql(", ");
                out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.__now)?;
                out.push_sql(")");
            }
            Ok(())
        }
    }

    /// `link-rule-to-sensors-seen-since-rows` (queries/rules.sql:58) for every row of `rows`, in one write transaction.
    pub fn link_rule_to_sensors_seen_since_rows(conn: &mut AnyConnection, tenant_id: TenantId, rule_id: RuleId, rows: &[LinkRuleToSensorsSeenSinceRowsRow]) -> crate::repository::Result<Vec<RuleSensorId>> {
        let __now = Timestamp::now();
        let __id: Vec<RuleSensorId> = rows.iter().map(|_| RuleSensorId::new()).collect();
        for (index, row) in rows.iter().enumerate() {
            support::row_checked(index, || {
                let sensor_id = row.sensor_id;
                let _ = sensor_id;
                Ok(())
            })?;
        }
        let insert = |conn: &mut AnyConnection| -> diesel::QueryResult<usize> {
            let mut count = 0;
            for (k, chunk) in rows.chunks(1666).enumerate() {
                let start = k * 1666;
                let query = LinkRuleToSensorsSeenSinceRowsQuery { tenant_id, rule_id, __now, __id: &__id[start..start + chunk.len()], rows: chunk };
                count += query.execute(conn)?;
            }
            Ok(count)
        };
        if rows.is_empty() { return Ok(Default::default()); }
        let count = support::insert_owned(conn, crate::repository::rule_sensors::ENTITY, crate::repository::rule_sensors::UNIQUE, tenant_id, |conn| { if !crate::repository::rules::is_live(conn, tenant_id, rule_id)? { return Err(support::missing_parent(crate::repository::rule_sensors::ENTITY, crate::repository::rules::ENTITY)); } for row in rows { if !crate::repository::sensors::is_live(conn, tenant_id, row.sensor_id)? { return Err(support::missing_parent(crate::repository::rule_sensors::ENTITY, crate::repository::sensors::ENTITY)); } } Ok(()) }, insert)?;
        let _ = count;
        Ok(__id)
    }

    /// `link-rule-to-sensors-seen-since-rows` from async code: [`link_rule_to_sensors_seen_since_rows`] in one hop on a pooled connection.
    pub async fn link_rule_to_sensors_seen_since_rows_async(db: &crate::Database, tenant_id: TenantId, rule_id: RuleId, rows: Vec<LinkRuleToSensorsSeenSinceRowsRow>) -> crate::repository::Result<Vec<RuleSensorId>> {
        db.run(move |conn| link_rule_to_sensors_seen_since_rows(conn, tenant_id, rule_id, &rows)).await
    }

    /// `link-rule-to-sensors-seen-since` (queries/rules.sql:58).
    pub fn link_rule_to_sensors_seen_since(conn: &mut AnyConnection, tenant_id: TenantId, rule_id: RuleId, since: Timestamp) -> crate::repository::Result<Vec<RuleSensorId>> {
        conn.write_transaction(|conn| {
            let query = LinkRuleToSensorsSeenSinceSourceQuery { tenant_id, since, rule_id, _borrow: std::marker::PhantomData };
            let source = on_native!(conn, |c| query.load::<LinkRuleToSensorsSeenSinceSourceRow>(c))?;
            let rows: Vec<LinkRuleToSensorsSeenSinceRowsRow> = source.into_iter().map(|s| LinkRuleToSensorsSeenSinceRowsRow { sensor_id: s.sensor_id, }).collect();
            link_rule_to_sensors_seen_since_rows(conn, tenant_id, rule_id, &rows)
        })
    }

    /// `link-rule-to-sensors-seen-since` from async code: [`link_rule_to_sensors_seen_since`] in one hop on a pooled connection.
    pub async fn link_rule_to_sensors_seen_since_async(db: &crate::Database, tenant_id: TenantId, rule_id: RuleId, since: Timestamp) -> crate::repository::Result<Vec<RuleSensorId>> {
        db.run(move |conn| link_rule_to_sensors_seen_since(conn, tenant_id, rule_id, since)).await
    }

    /// SQL of `set-rule-state` (`?` placeholders; PostgreSQL gets `$n`).
    pub const SET_RULE_STATE_SQL: &str = "UPDATE rules SET state = ?, modified_at = ? WHERE tenant_id = ? AND rule_id = ? AND deleted_at IS NULL";

    #[doc(hidden)]
    pub struct SetRuleStateKey;
    #[doc(hidden)]
    pub struct SetRuleStateQuery<'a> {
        state: &'a str,
        tenant_id: TenantId,
        rule_id: RuleId,
        __now: Timestamp,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for SetRuleStateQuery<'_> {
        type QueryId = SetRuleStateKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for SetRuleStateQuery<'_> {
        type SqlType = diesel::sql_types::Untyped;
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for SetRuleStateQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for SetRuleStateQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Text>, &'a str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::UtcTimestamp>, Timestamp: diesel::serialize::ToSql<crate::types::sql::UtcTimestamp, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, RuleId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("UPDATE rules SET state = ");
            out.push_bind_param::<diesel::sql_types::Text, _>(&self.state)?;
            out.push_sql(", modified_at = ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.__now)?;
            out.push_sql(" WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND rule_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.rule_id)?;
            out.push_sql(" AND deleted_at IS NULL");
            Ok(())
        }
    }

    /// `set-rule-state` (queries/rules.sql:72).
    pub fn set_rule_state(conn: &mut AnyConnection, tenant_id: TenantId, rule_id: RuleId, state: &str) -> crate::repository::Result<usize> {
        crate::native::ready(set_rule_state_on(crate::native::UnitConnection::Blocking(conn), tenant_id, rule_id, state))
    }

    /// [`set_rule_state`] on any connection: the statement, written once.
    async fn set_rule_state_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, rule_id: RuleId, state: &str) -> crate::repository::Result<usize> {
        let __now = Timestamp::now();
        support::column(crate::repository::rules::COLUMN_RULES, "state", state)?;
        { let value = state; support::text_bytes("state", value)?; support::max_chars("state", value, 16)?; }
        let query = SetRuleStateQuery { state, tenant_id, rule_id, __now, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => execute)?)
    }

    /// `set-rule-state` from async code: [`set_rule_state`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn set_rule_state_async(db: &crate::Database, tenant_id: TenantId, rule_id: RuleId, state: &str) -> crate::repository::Result<usize> {
        let state = state.to_owned();
        db.unit(move |conn| Box::pin(async move { set_rule_state_on(conn, tenant_id, rule_id, &state).await })).await
    }

    /// SQL of `rename-rule` (`?` placeholders; PostgreSQL gets `$n`).
    pub const RENAME_RULE_SQL: &str = "UPDATE rules SET name = COALESCE(?, name), modified_at = ? WHERE tenant_id = ? AND rule_id = ? AND deleted_at IS NULL";

    #[doc(hidden)]
    pub struct RenameRuleKey;
    #[doc(hidden)]
    pub struct RenameRuleQuery<'a> {
        name: Option<&'a str>,
        tenant_id: TenantId,
        rule_id: RuleId,
        __now: Timestamp,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for RenameRuleQuery<'_> {
        type QueryId = RenameRuleKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for RenameRuleQuery<'_> {
        type SqlType = diesel::sql_types::Untyped;
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for RenameRuleQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for RenameRuleQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Nullable<diesel::sql_types::Text>>, Option<&'a str>: diesel::serialize::ToSql<diesel::sql_types::Nullable<diesel::sql_types::Text>, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::UtcTimestamp>, Timestamp: diesel::serialize::ToSql<crate::types::sql::UtcTimestamp, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, RuleId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("UPDATE rules SET name = COALESCE(");
            out.push_bind_param::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(&self.name)?;
            out.push_sql(", name), modified_at = ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.__now)?;
            out.push_sql(" WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND rule_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.rule_id)?;
            out.push_sql(" AND deleted_at IS NULL");
            Ok(())
        }
    }

    /// `rename-rule` (queries/rules.sql:78).
    pub fn rename_rule(conn: &mut AnyConnection, tenant_id: TenantId, rule_id: RuleId, name: Option<&str>) -> crate::repository::Result<usize> {
        crate::native::ready(rename_rule_on(crate::native::UnitConnection::Blocking(conn), tenant_id, rule_id, name))
    }

    /// [`rename_rule`] on any connection: the statement, written once.
    async fn rename_rule_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, rule_id: RuleId, name: Option<&str>) -> crate::repository::Result<usize> {
        let __now = Timestamp::now();
        if let Some(value) = name { support::column(crate::repository::rules::COLUMN_RULES, "name", value)?; }
        if let Some(value) = name { support::text_bytes("name", value)?; support::max_chars("name", value, 128)?; }
        let query = RenameRuleQuery { name, tenant_id, rule_id, __now, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => execute)?)
    }

    /// `rename-rule` from async code: [`rename_rule`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn rename_rule_async(db: &crate::Database, tenant_id: TenantId, rule_id: RuleId, name: Option<&str>) -> crate::repository::Result<usize> {
        let name = name.map(str::to_owned);
        db.unit(move |conn| Box::pin(async move { rename_rule_on(conn, tenant_id, rule_id, name.as_deref()).await })).await
    }

    /// A row of `list-newest-rules-per-state`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct ListNewestRulesPerStateRow {
        /// Column `rule_id`.
        pub rule_id: RuleId,
        /// Column `name`.
        pub name: String,
        /// Column `state`.
        pub state: String,
        /// Column `position`.
        pub position: i64,
    }

    /// SQL of `list-newest-rules-per-state` (`?` placeholders; PostgreSQL gets `$n`).
    pub const LIST_NEWEST_RULES_PER_STATE_SQL: &str = "WITH ranked AS ( SELECT rule_id, name, state, created_at, ROW_NUMBER() OVER (PARTITION BY state ORDER BY created_at DESC, rule_id DESC) AS position FROM rules WHERE tenant_id = ? AND deleted_at IS NULL) SELECT rule_id, name, state, position FROM ranked WHERE position <= ? ORDER BY state, position";

    #[doc(hidden)]
    pub struct ListNewestRulesPerStateKey;
    #[doc(hidden)]
    pub struct ListNewestRulesPerStateQuery<'a> {
        tenant_id: TenantId,
        per_state: i64,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for ListNewestRulesPerStateQuery<'_> {
        type QueryId = ListNewestRulesPerStateKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for ListNewestRulesPerStateQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, diesel::sql_types::Text, diesel::sql_types::Text, diesel::sql_types::BigInt,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for ListNewestRulesPerStateQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for ListNewestRulesPerStateQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>, i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("WITH ranked AS ( SELECT rule_id, name, state, created_at, ROW_NUMBER() OVER (PARTITION BY state ORDER BY created_at DESC, rule_id DESC) AS position FROM rules WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND deleted_at IS NULL) SELECT rule_id, name, state, position FROM ranked WHERE position <= ");
            out.push_bind_param::<diesel::sql_types::BigInt, _>(&self.per_state)?;
            out.push_sql(" ORDER BY state, position");
            Ok(())
        }
    }

    /// `list-newest-rules-per-state` (queries/rules.sql:84).
    pub fn list_newest_rules_per_state(conn: &mut AnyConnection, tenant_id: TenantId, per_state: i64) -> crate::repository::Result<Vec<ListNewestRulesPerStateRow>> {
        crate::native::ready(list_newest_rules_per_state_on(crate::native::UnitConnection::Blocking(conn), tenant_id, per_state))
    }

    /// [`list_newest_rules_per_state`] on any connection: the statement, written once.
    async fn list_newest_rules_per_state_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, per_state: i64) -> crate::repository::Result<Vec<ListNewestRulesPerStateRow>> {
        let query = ListNewestRulesPerStateQuery { tenant_id, per_state, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<ListNewestRulesPerStateRow>)?)
    }

    /// `list-newest-rules-per-state` from async code: [`list_newest_rules_per_state`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn list_newest_rules_per_state_async(db: &crate::Database, tenant_id: TenantId, per_state: i64) -> crate::repository::Result<Vec<ListNewestRulesPerStateRow>> {
        db.unit(move |conn| Box::pin(async move { list_newest_rules_per_state_on(conn, tenant_id, per_state).await })).await
    }
}
/// Named queries of `queries/sensors.sql`.
pub mod sensors {
    #![allow(unused_imports, dead_code, clippy::too_many_arguments)]
    use crate::queries::support::{self, diesel, serde};
    use diesel::prelude::*;
    use crate::types::*;
    use crate::AnyConnection;

    /// SQL of `insert-sensor` (`?` placeholders; PostgreSQL gets `$n`).
    pub const INSERT_SENSOR_SQL: &str = "INSERT INTO sensors (tenant_id, name, description, metadata, last_seen_at, sensor_id, created_at, modified_at) VALUES (?, ?, ?, ?, NULL, ?, ?, ?)";

    #[doc(hidden)]
    pub struct InsertSensorKey;
    #[doc(hidden)]
    pub struct InsertSensorQuery<'a> {
        tenant_id: TenantId,
        name: &'a str,
        description: Option<&'a str>,
        metadata: &'a str,
        __id: SensorId,
        __now: Timestamp,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for InsertSensorQuery<'_> {
        type QueryId = InsertSensorKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for InsertSensorQuery<'_> {
        type SqlType = diesel::sql_types::Untyped;
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for InsertSensorQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for InsertSensorQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Text>, &'a str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Nullable<diesel::sql_types::Text>>, Option<&'a str>: diesel::serialize::ToSql<diesel::sql_types::Nullable<diesel::sql_types::Text>, DB>, SensorId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::UtcTimestamp>, Timestamp: diesel::serialize::ToSql<crate::types::sql::UtcTimestamp, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("INSERT INTO sensors (tenant_id, name, description, metadata, last_seen_at, sensor_id, created_at, modified_at) VALUES (");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(", ");
            out.push_bind_param::<diesel::sql_types::Text, _>(&self.name)?;
            out.push_sql(", ");
            out.push_bind_param::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(&self.description)?;
            out.push_sql(", ");
            out.push_bind_param::<diesel::sql_types::Text, _>(&self.metadata)?;
            out.push_sql(", NULL, ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.__id)?;
            out.push_sql(", ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.__now)?;
            out.push_sql(", ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.__now)?;
            out.push_sql(")");
            Ok(())
        }
    }

    /// The arguments of `insert-sensor` after the tenant.
    #[derive(Debug, Clone, PartialEq)]
    pub struct InsertSensorParams<'a> {
        /// `:name`.
        pub name: &'a str,
        /// `:description`.
        pub description: Option<&'a str>,
        /// `:metadata`.
        pub metadata: &'a str,
    }

    /// `insert-sensor` (queries/sensors.sql:1).
    pub fn insert_sensor(conn: &mut AnyConnection, tenant_id: TenantId, params: InsertSensorParams<'_>) -> crate::repository::Result<SensorId> {
        let InsertSensorParams { name, description, metadata,  } = params;
        let __id = SensorId::new();
        let __now = Timestamp::now();
        support::column(crate::repository::sensors::COLUMN_RULES, "name", name)?;
        if let Some(value) = description { support::column(crate::repository::sensors::COLUMN_RULES, "description", value)?; }
        support::column(crate::repository::sensors::COLUMN_RULES, "metadata", metadata)?;
        { let value = name; support::text_bytes("name", value)?; support::max_chars("name", value, 128)?; }
        if let Some(value) = description { support::text_bytes("description", value)?; }
        { let value = metadata; support::text_bytes("metadata", value)?; support::json("metadata", value)?; }
        let query = InsertSensorQuery { tenant_id, name, description, metadata, __id, __now, _borrow: std::marker::PhantomData };
        support::insert_owned(conn, crate::repository::sensors::ENTITY, crate::repository::sensors::UNIQUE, tenant_id, |_conn| { Ok(()) }, |conn| on_native!(conn, |c| query.execute(c)))?;
        Ok(__id)
    }

    /// `insert-sensor` from async code: [`insert_sensor`] in one hop on a pooled connection.
    pub async fn insert_sensor_async(db: &crate::Database, tenant_id: TenantId, params: InsertSensorParams<'_>) -> crate::repository::Result<SensorId> {
        let InsertSensorParams { name, description, metadata,  } = params;
        let name = name.to_owned();
        let description = description.map(str::to_owned);
        let metadata = metadata.to_owned();
        db.run(move |conn| insert_sensor(conn, tenant_id, InsertSensorParams { name: &name, description: description.as_deref(), metadata: &metadata })).await
    }

    /// SQL of `get-sensor` (`?` placeholders; PostgreSQL gets `$n`).
    pub const GET_SENSOR_SQL: &str = "SELECT sensor_id, tenant_id, name, description, metadata, last_seen_at, created_at, modified_at, deleted_at FROM sensors WHERE tenant_id = ? AND sensor_id = ? AND deleted_at IS NULL";

    #[doc(hidden)]
    pub struct GetSensorKey;
    #[doc(hidden)]
    pub struct GetSensorQuery<'a> {
        tenant_id: TenantId,
        sensor_id: SensorId,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for GetSensorQuery<'_> {
        type QueryId = GetSensorKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for GetSensorQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, crate::types::sql::Uuid36, diesel::sql_types::Text, diesel::sql_types::Nullable<diesel::sql_types::Text>, diesel::sql_types::Text, diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>, crate::types::sql::UtcTimestamp, crate::types::sql::UtcTimestamp, diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for GetSensorQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for GetSensorQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, SensorId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT sensor_id, tenant_id, name, description, metadata, last_seen_at, created_at, modified_at, deleted_at FROM sensors WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND sensor_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.sensor_id)?;
            out.push_sql(" AND deleted_at IS NULL");
            Ok(())
        }
    }

    /// `get-sensor` (queries/sensors.sql:7).
    pub fn get_sensor(conn: &mut AnyConnection, tenant_id: TenantId, sensor_id: SensorId) -> crate::repository::Result<Option<crate::repository::sensors::Sensor>> {
        crate::native::ready(get_sensor_on(crate::native::UnitConnection::Blocking(conn), tenant_id, sensor_id))
    }

    /// [`get_sensor`] on any connection: the statement, written once.
    async fn get_sensor_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, sensor_id: SensorId) -> crate::repository::Result<Option<crate::repository::sensors::Sensor>> {
        let query = GetSensorQuery { tenant_id, sensor_id, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => get_result::<crate::repository::sensors::Sensor>).optional()?)
    }

    /// `get-sensor` from async code: [`get_sensor`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn get_sensor_async(db: &crate::Database, tenant_id: TenantId, sensor_id: SensorId) -> crate::repository::Result<Option<crate::repository::sensors::Sensor>> {
        db.unit(move |conn| Box::pin(async move { get_sensor_on(conn, tenant_id, sensor_id).await })).await
    }

    /// A row of `list-sensors-seen-since`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct ListSensorsSeenSinceRow {
        /// Column `sensor_id`.
        pub sensor_id: SensorId,
        /// Column `name`.
        pub name: String,
        /// Column `last_seen_at`.
        pub last_seen_at: Option<Timestamp>,
    }

    /// SQL of `list-sensors-seen-since` (`?` placeholders; PostgreSQL gets `$n`).
    pub const LIST_SENSORS_SEEN_SINCE_SQL: &str = "SELECT sensor_id, name, last_seen_at FROM sensors WHERE tenant_id = ? AND deleted_at IS NULL AND last_seen_at >= ? ORDER BY sensor_id";

    #[doc(hidden)]
    pub struct ListSensorsSeenSinceKey;
    #[doc(hidden)]
    pub struct ListSensorsSeenSinceQuery<'a> {
        tenant_id: TenantId,
        since: Timestamp,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for ListSensorsSeenSinceQuery<'_> {
        type QueryId = ListSensorsSeenSinceKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for ListSensorsSeenSinceQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, diesel::sql_types::Text, diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for ListSensorsSeenSinceQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for ListSensorsSeenSinceQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::UtcTimestamp>, Timestamp: diesel::serialize::ToSql<crate::types::sql::UtcTimestamp, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT sensor_id, name, last_seen_at FROM sensors WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND deleted_at IS NULL AND last_seen_at >= ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.since)?;
            out.push_sql(" ORDER BY sensor_id");
            Ok(())
        }
    }

    /// `list-sensors-seen-since` (queries/sensors.sql:13).
    pub fn list_sensors_seen_since(conn: &mut AnyConnection, tenant_id: TenantId, since: Timestamp) -> crate::repository::Result<Vec<ListSensorsSeenSinceRow>> {
        crate::native::ready(list_sensors_seen_since_on(crate::native::UnitConnection::Blocking(conn), tenant_id, since))
    }

    /// [`list_sensors_seen_since`] on any connection: the statement, written once.
    async fn list_sensors_seen_since_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, since: Timestamp) -> crate::repository::Result<Vec<ListSensorsSeenSinceRow>> {
        let query = ListSensorsSeenSinceQuery { tenant_id, since, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<ListSensorsSeenSinceRow>)?)
    }

    /// `list-sensors-seen-since` from async code: [`list_sensors_seen_since`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn list_sensors_seen_since_async(db: &crate::Database, tenant_id: TenantId, since: Timestamp) -> crate::repository::Result<Vec<ListSensorsSeenSinceRow>> {
        db.unit(move |conn| Box::pin(async move { list_sensors_seen_since_on(conn, tenant_id, since).await })).await
    }

    /// SQL of `touch-sensor` (`?` placeholders; PostgreSQL gets `$n`).
    pub const TOUCH_SENSOR_SQL: &str = "UPDATE sensors SET last_seen_at = ?, modified_at = ? WHERE tenant_id = ? AND sensor_id = ? AND deleted_at IS NULL";

    #[doc(hidden)]
    pub struct TouchSensorKey;
    #[doc(hidden)]
    pub struct TouchSensorQuery<'a> {
        seen_at: Option<Timestamp>,
        tenant_id: TenantId,
        sensor_id: SensorId,
        __now: Timestamp,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for TouchSensorQuery<'_> {
        type QueryId = TouchSensorKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for TouchSensorQuery<'_> {
        type SqlType = diesel::sql_types::Untyped;
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for TouchSensorQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for TouchSensorQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>>, Option<Timestamp>: diesel::serialize::ToSql<diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::UtcTimestamp>, Timestamp: diesel::serialize::ToSql<crate::types::sql::UtcTimestamp, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, SensorId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("UPDATE sensors SET last_seen_at = ");
            out.push_bind_param::<diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>, _>(&self.seen_at)?;
            out.push_sql(", modified_at = ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.__now)?;
            out.push_sql(" WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND sensor_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.sensor_id)?;
            out.push_sql(" AND deleted_at IS NULL");
            Ok(())
        }
    }

    /// `touch-sensor` (queries/sensors.sql:19).
    pub fn touch_sensor(conn: &mut AnyConnection, tenant_id: TenantId, sensor_id: SensorId, seen_at: Option<Timestamp>) -> crate::repository::Result<usize> {
        crate::native::ready(touch_sensor_on(crate::native::UnitConnection::Blocking(conn), tenant_id, sensor_id, seen_at))
    }

    /// [`touch_sensor`] on any connection: the statement, written once.
    async fn touch_sensor_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, sensor_id: SensorId, seen_at: Option<Timestamp>) -> crate::repository::Result<usize> {
        let __now = Timestamp::now();
        let query = TouchSensorQuery { seen_at, tenant_id, sensor_id, __now, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => execute)?)
    }

    /// `touch-sensor` from async code: [`touch_sensor`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn touch_sensor_async(db: &crate::Database, tenant_id: TenantId, sensor_id: SensorId, seen_at: Option<Timestamp>) -> crate::repository::Result<usize> {
        db.unit(move |conn| Box::pin(async move { touch_sensor_on(conn, tenant_id, sensor_id, seen_at).await })).await
    }

    /// A row of `find-sensors`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct FindSensorsRow {
        /// Column `sensor_id`.
        pub sensor_id: SensorId,
        /// Column `name`.
        pub name: String,
        /// Column `last_seen_at`.
        pub last_seen_at: Option<Timestamp>,
    }

    /// SQL of `find-sensors` (`?` placeholders; PostgreSQL gets `$n`).
    pub const FIND_SENSORS_SQL: &str = "SELECT sensor_id, name, last_seen_at FROM sensors WHERE tenant_id = ? AND deleted_at IS NULL AND (? IS NULL OR name = ?) AND (? IS NULL OR last_seen_at >= ?) ORDER BY sensor_id LIMIT ?";

    #[doc(hidden)]
    pub struct FindSensorsKey;
    #[doc(hidden)]
    pub struct FindSensorsQuery<'a> {
        tenant_id: TenantId,
        name: Option<&'a str>,
        seen_since: Option<Timestamp>,
        limit: i64,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for FindSensorsQuery<'_> {
        type QueryId = FindSensorsKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for FindSensorsQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, diesel::sql_types::Text, diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for FindSensorsQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for FindSensorsQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Nullable<diesel::sql_types::Text>>, Option<&'a str>: diesel::serialize::ToSql<diesel::sql_types::Nullable<diesel::sql_types::Text>, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>>, Option<Timestamp>: diesel::serialize::ToSql<diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>, i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT sensor_id, name, last_seen_at FROM sensors WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND deleted_at IS NULL AND (");
            out.push_bind_param::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(&self.name)?;
            out.push_sql(" IS NULL OR name = ");
            out.push_bind_param::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(&self.name)?;
            out.push_sql(") AND (");
            out.push_bind_param::<diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>, _>(&self.seen_since)?;
            out.push_sql(" IS NULL OR last_seen_at >= ");
            out.push_bind_param::<diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>, _>(&self.seen_since)?;
            out.push_sql(") ORDER BY sensor_id LIMIT ");
            out.push_bind_param::<diesel::sql_types::BigInt, _>(&self.limit)?;
            Ok(())
        }
    }

    /// The arguments of `find-sensors` after the tenant.
    #[derive(Debug, Clone, PartialEq)]
    pub struct FindSensorsParams<'a> {
        /// `:name`.
        pub name: Option<&'a str>,
        /// `:seen_since`.
        pub seen_since: Option<Timestamp>,
        /// `:limit`.
        pub limit: i64,
    }

    /// `find-sensors` (queries/sensors.sql:24).
    pub fn find_sensors(conn: &mut AnyConnection, tenant_id: TenantId, params: FindSensorsParams<'_>) -> crate::repository::Result<Vec<FindSensorsRow>> {
        crate::native::ready(find_sensors_on(crate::native::UnitConnection::Blocking(conn), tenant_id, params))
    }

    /// [`find_sensors`] on any connection: the statement, written once.
    async fn find_sensors_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, params: FindSensorsParams<'_>) -> crate::repository::Result<Vec<FindSensorsRow>> {
        let FindSensorsParams { name, seen_since, limit,  } = params;
        support::non_negative("limit", limit)?;
        let query = FindSensorsQuery { tenant_id, name, seen_since, limit, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<FindSensorsRow>)?)
    }

    /// `find-sensors` from async code: [`find_sensors`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn find_sensors_async(db: &crate::Database, tenant_id: TenantId, params: FindSensorsParams<'_>) -> crate::repository::Result<Vec<FindSensorsRow>> {
        let FindSensorsParams { name, seen_since, limit,  } = params;
        let name = name.map(str::to_owned);
        db.unit(move |conn| Box::pin(async move { find_sensors_on(conn, tenant_id, FindSensorsParams { name: name.as_deref(), seen_since, limit }).await })).await
    }

    /// SQL of `get-sensors-by-ids` (`?` placeholders; PostgreSQL gets `$n`).
    pub const GET_SENSORS_BY_IDS_SQL: &str = "SELECT sensor_id, tenant_id, name, description, metadata, last_seen_at, created_at, modified_at, deleted_at FROM sensors WHERE tenant_id = ? AND deleted_at IS NULL AND sensor_id IN (?) ORDER BY sensor_id";

    #[doc(hidden)]
    pub struct GetSensorsByIdsKey;
    #[doc(hidden)]
    pub struct GetSensorsByIdsQuery<'a> {
        tenant_id: TenantId,
        sensor_ids: support::InList<'a, crate::types::sql::Uuid36, SensorId>,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for GetSensorsByIdsQuery<'_> {
        type QueryId = GetSensorsByIdsKey;
        const HAS_STATIC_QUERY_ID: bool = false;
    }
    impl diesel::query_builder::Query for GetSensorsByIdsQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, crate::types::sql::Uuid36, diesel::sql_types::Text, diesel::sql_types::Nullable<diesel::sql_types::Text>, diesel::sql_types::Text, diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>, crate::types::sql::UtcTimestamp, crate::types::sql::UtcTimestamp, diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for GetSensorsByIdsQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for GetSensorsByIdsQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, support::InList<'a, crate::types::sql::Uuid36, SensorId>: diesel::query_builder::QueryFragment<DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT sensor_id, tenant_id, name, description, metadata, last_seen_at, created_at, modified_at, deleted_at FROM sensors WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND deleted_at IS NULL AND sensor_id");
            diesel::query_builder::QueryFragment::<DB>::walk_ast(&self.sensor_ids, out.reborrow())?;
            out.push_sql(" ORDER BY sensor_id");
            Ok(())
        }
    }

    /// `get-sensors-by-ids` (queries/sensors.sql:35).
    pub fn get_sensors_by_ids(conn: &mut AnyConnection, tenant_id: TenantId, sensor_ids: &[SensorId]) -> crate::repository::Result<Vec<crate::repository::sensors::Sensor>> {
        crate::native::ready(get_sensors_by_ids_on(crate::native::UnitConnection::Blocking(conn), tenant_id, sensor_ids))
    }

    /// [`get_sensors_by_ids`] on any connection: the statement, written once.
    async fn get_sensors_by_ids_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, sensor_ids: &[SensorId]) -> crate::repository::Result<Vec<crate::repository::sensors::Sensor>> {
        support::list("sensor_ids", sensor_ids.len())?;
        let query = GetSensorsByIdsQuery { tenant_id, sensor_ids: support::in_list(sensor_ids), _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<crate::repository::sensors::Sensor>)?)
    }

    /// `get-sensors-by-ids` from async code: [`get_sensors_by_ids`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn get_sensors_by_ids_async(db: &crate::Database, tenant_id: TenantId, sensor_ids: &[SensorId]) -> crate::repository::Result<Vec<crate::repository::sensors::Sensor>> {
        let sensor_ids = sensor_ids.to_vec();
        db.unit(move |conn| Box::pin(async move { get_sensors_by_ids_on(conn, tenant_id, &sensor_ids).await })).await
    }

    /// SQL of one row of `register-sensors` (`?` placeholders; PostgreSQL gets `$n`); a statement repeats its VALUES tuple per row.
    pub const REGISTER_SENSORS_SQL: &str = "INSERT INTO sensors (tenant_id, name, description, metadata, sensor_id, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?)";

    /// One row of `register-sensors`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RegisterSensorsRow {
        /// `:name`.
        pub name: String,
        /// `:description`.
        pub description: Option<String>,
        /// `:metadata`.
        pub metadata: String,
    }

    #[doc(hidden)]
    pub struct RegisterSensorsKey;
    #[doc(hidden)]
    pub struct RegisterSensorsQuery<'a> {
        tenant_id: TenantId,
        __now: Timestamp,
        __id: &'a [SensorId],
        rows: &'a [RegisterSensorsRow],
    }
    impl diesel::query_builder::QueryId for RegisterSensorsQuery<'_> {
        type QueryId = RegisterSensorsKey;
        const HAS_STATIC_QUERY_ID: bool = false;
    }
    impl diesel::query_builder::Query for RegisterSensorsQuery<'_> {
        type SqlType = diesel::sql_types::Untyped;
    }
    impl diesel::RunQueryDsl<AnyConnection> for RegisterSensorsQuery<'_> {}
    impl<'a> diesel::query_builder::QueryFragment<crate::connection::MultiBackend> for RegisterSensorsQuery<'a> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, crate::connection::MultiBackend>) -> diesel::QueryResult<()> {
            out.unsafe_to_cache_prepared();
            out.push_sql("INSERT INTO sensors (tenant_id, name, description, metadata, sensor_id, created_at, modified_at) VALUES ");
            for (i, row) in self.rows.iter().enumerate() {
                if i > 0 { out.push_sql(", "); }
                out.push_sql("(");
                out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
                out.push_sql(", ");
                out.push_bind_param::<diesel::sql_types::Text, _>(&row.name)?;
                out.push_sql(", ");
                out.push_bind_param::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(&row.description)?;
                out.push_sql(", ");
                out.push_bind_param::<diesel::sql_types::Text, _>(&row.metadata)?;
                out.push_sql(", ");
                out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.__id[i])?;
                out.push_sql(", ");
                out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.__now)?;
                out.push_sql(", ");
                out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.__now)?;
                out.push_sql(")");
            }
            Ok(())
        }
    }

    /// `register-sensors` (queries/sensors.sql:44) for every row of `rows`, in one write transaction.
    pub fn register_sensors(conn: &mut AnyConnection, tenant_id: TenantId, rows: &[RegisterSensorsRow]) -> crate::repository::Result<Vec<SensorId>> {
        let __now = Timestamp::now();
        let __id: Vec<SensorId> = rows.iter().map(|_| SensorId::new()).collect();
        for (index, row) in rows.iter().enumerate() {
            support::row_checked(index, || {
                let name = row.name.as_str();
                let description = row.description.as_deref();
                let metadata = row.metadata.as_str();
                let _ = name;
                support::column(crate::repository::sensors::COLUMN_RULES, "name", name)?;
                { let value = name; support::text_bytes("name", value)?; support::max_chars("name", value, 128)?; }
                let _ = description;
                if let Some(value) = description { support::column(crate::repository::sensors::COLUMN_RULES, "description", value)?; }
                if let Some(value) = description { support::text_bytes("description", value)?; }
                let _ = metadata;
                support::column(crate::repository::sensors::COLUMN_RULES, "metadata", metadata)?;
                { let value = metadata; support::text_bytes("metadata", value)?; support::json("metadata", value)?; }
                Ok(())
            })?;
        }
        let insert = |conn: &mut AnyConnection| -> diesel::QueryResult<usize> {
            let mut count = 0;
            for (k, chunk) in rows.chunks(1428).enumerate() {
                let start = k * 1428;
                let query = RegisterSensorsQuery { tenant_id, __now, __id: &__id[start..start + chunk.len()], rows: chunk };
                count += query.execute(conn)?;
            }
            Ok(count)
        };
        if rows.is_empty() { return Ok(Default::default()); }
        let count = support::insert_owned(conn, crate::repository::sensors::ENTITY, crate::repository::sensors::UNIQUE, tenant_id, |_conn| { Ok(()) }, insert)?;
        let _ = count;
        Ok(__id)
    }

    /// `register-sensors` from async code: [`register_sensors`] in one hop on a pooled connection.
    pub async fn register_sensors_async(db: &crate::Database, tenant_id: TenantId, rows: Vec<RegisterSensorsRow>) -> crate::repository::Result<Vec<SensorId>> {
        db.run(move |conn| register_sensors(conn, tenant_id, &rows)).await
    }

    /// A row of `list-sensors-under-rule-state`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct ListSensorsUnderRuleStateRow {
        /// Column `sensor_id`.
        pub sensor_id: SensorId,
        /// Column `name`.
        pub name: String,
    }

    /// SQL of `list-sensors-under-rule-state` (`?` placeholders; PostgreSQL gets `$n`).
    pub const LIST_SENSORS_UNDER_RULE_STATE_SQL: &str = "SELECT s.sensor_id, s.name FROM sensors s WHERE s.tenant_id = ? AND s.deleted_at IS NULL AND s.sensor_id IN ( SELECT rs.sensor_id FROM rule_sensors rs JOIN rules r ON r.rule_id = rs.rule_id AND r.tenant_id = rs.tenant_id AND r.deleted_at IS NULL WHERE rs.tenant_id = s.tenant_id AND rs.deleted_at IS NULL AND r.state = ?) ORDER BY s.sensor_id";

    #[doc(hidden)]
    pub struct ListSensorsUnderRuleStateKey;
    #[doc(hidden)]
    pub struct ListSensorsUnderRuleStateQuery<'a> {
        tenant_id: TenantId,
        state: &'a str,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for ListSensorsUnderRuleStateQuery<'_> {
        type QueryId = ListSensorsUnderRuleStateKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for ListSensorsUnderRuleStateQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, diesel::sql_types::Text,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for ListSensorsUnderRuleStateQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for ListSensorsUnderRuleStateQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Text>, &'a str: diesel::serialize::ToSql<diesel::sql_types::Text, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT s.sensor_id, s.name FROM sensors s WHERE s.tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND s.deleted_at IS NULL AND s.sensor_id IN ( SELECT rs.sensor_id FROM rule_sensors rs JOIN rules r ON r.rule_id = rs.rule_id AND r.tenant_id = rs.tenant_id AND r.deleted_at IS NULL WHERE rs.tenant_id = s.tenant_id AND rs.deleted_at IS NULL AND r.state = ");
            out.push_bind_param::<diesel::sql_types::Text, _>(&self.state)?;
            out.push_sql(") ORDER BY s.sensor_id");
            Ok(())
        }
    }

    /// `list-sensors-under-rule-state` (queries/sensors.sql:51).
    pub fn list_sensors_under_rule_state(conn: &mut AnyConnection, tenant_id: TenantId, state: &str) -> crate::repository::Result<Vec<ListSensorsUnderRuleStateRow>> {
        crate::native::ready(list_sensors_under_rule_state_on(crate::native::UnitConnection::Blocking(conn), tenant_id, state))
    }

    /// [`list_sensors_under_rule_state`] on any connection: the statement, written once.
    async fn list_sensors_under_rule_state_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, state: &str) -> crate::repository::Result<Vec<ListSensorsUnderRuleStateRow>> {
        let query = ListSensorsUnderRuleStateQuery { tenant_id, state, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<ListSensorsUnderRuleStateRow>)?)
    }

    /// `list-sensors-under-rule-state` from async code: [`list_sensors_under_rule_state`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn list_sensors_under_rule_state_async(db: &crate::Database, tenant_id: TenantId, state: &str) -> crate::repository::Result<Vec<ListSensorsUnderRuleStateRow>> {
        let state = state.to_owned();
        db.unit(move |conn| Box::pin(async move { list_sensors_under_rule_state_on(conn, tenant_id, &state).await })).await
    }

    /// A row of `list-sensor-summaries`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct ListSensorSummariesRow {
        /// Column `sensor_id`.
        pub sensor_id: SensorId,
        /// Column `label`.
        pub label: Option<String>,
        /// Column `summary`.
        pub summary: Option<String>,
        /// Column `rule_count`.
        pub rule_count: i64,
    }

    /// SQL of `list-sensor-summaries` (`?` placeholders; PostgreSQL gets `$n`).
    pub const LIST_SENSOR_SUMMARIES_SQL: &str = "SELECT s.sensor_id, s.name || ' @ ' || (SELECT t.name FROM tenants t WHERE t.tenant_id = s.tenant_id AND t.deleted_at IS NULL) AS label, SUBSTR(s.description, 1, 80) AS summary, (SELECT COUNT(*) FROM rule_sensors rs WHERE rs.sensor_id = s.sensor_id AND rs.tenant_id = s.tenant_id AND rs.deleted_at IS NULL) AS rule_count FROM sensors s WHERE s.tenant_id = ? AND s.deleted_at IS NULL AND (? IS NULL OR s.sensor_id > ?) ORDER BY s.sensor_id LIMIT ?";

    #[doc(hidden)]
    pub struct ListSensorSummariesKey;
    #[doc(hidden)]
    pub struct ListSensorSummariesQuery<'a> {
        tenant_id: TenantId,
        after: Option<SensorId>,
        limit: i64,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for ListSensorSummariesQuery<'_> {
        type QueryId = ListSensorSummariesKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for ListSensorSummariesQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, diesel::sql_types::Nullable<diesel::sql_types::Text>, diesel::sql_types::Nullable<diesel::sql_types::Text>, diesel::sql_types::BigInt,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for ListSensorSummariesQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for ListSensorSummariesQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Nullable<crate::types::sql::Uuid36>>, Option<SensorId>: diesel::serialize::ToSql<diesel::sql_types::Nullable<crate::types::sql::Uuid36>, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>, i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT s.sensor_id, s.name || ' @ ' || (SELECT t.name FROM tenants t WHERE t.tenant_id = s.tenant_id AND t.deleted_at IS NULL) AS label, SUBSTR(s.description, 1, 80) AS summary, (SELECT COUNT(*) FROM rule_sensors rs WHERE rs.sensor_id = s.sensor_id AND rs.tenant_id = s.tenant_id AND rs.deleted_at IS NULL) AS rule_count FROM sensors s WHERE s.tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND s.deleted_at IS NULL AND (");
            out.push_bind_param::<diesel::sql_types::Nullable<crate::types::sql::Uuid36>, _>(&self.after)?;
            out.push_sql(" IS NULL OR s.sensor_id > ");
            out.push_bind_param::<diesel::sql_types::Nullable<crate::types::sql::Uuid36>, _>(&self.after)?;
            out.push_sql(") ORDER BY s.sensor_id LIMIT ");
            out.push_bind_param::<diesel::sql_types::BigInt, _>(&self.limit)?;
            Ok(())
        }
    }

    /// `list-sensor-summaries` (queries/sensors.sql:62).
    pub fn list_sensor_summaries(conn: &mut AnyConnection, tenant_id: TenantId, after: Option<SensorId>, limit: i64) -> crate::repository::Result<Vec<ListSensorSummariesRow>> {
        crate::native::ready(list_sensor_summaries_on(crate::native::UnitConnection::Blocking(conn), tenant_id, after, limit))
    }

    /// [`list_sensor_summaries`] on any connection: the statement, written once.
    async fn list_sensor_summaries_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, after: Option<SensorId>, limit: i64) -> crate::repository::Result<Vec<ListSensorSummariesRow>> {
        support::non_negative("limit", limit)?;
        let query = ListSensorSummariesQuery { tenant_id, after, limit, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<ListSensorSummariesRow>)?)
    }

    /// `list-sensor-summaries` from async code: [`list_sensor_summaries`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn list_sensor_summaries_async(db: &crate::Database, tenant_id: TenantId, after: Option<SensorId>, limit: i64) -> crate::repository::Result<Vec<ListSensorSummariesRow>> {
        db.unit(move |conn| Box::pin(async move { list_sensor_summaries_on(conn, tenant_id, after, limit).await })).await
    }

    /// A row of `list-sensors-with-untidy-names`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct ListSensorsWithUntidyNamesRow {
        /// Column `sensor_id`.
        pub sensor_id: SensorId,
        /// Column `name`.
        pub name: String,
    }

    /// SQL of `list-sensors-with-untidy-names` (`?` placeholders; PostgreSQL gets `$n`).
    pub const LIST_SENSORS_WITH_UNTIDY_NAMES_SQL: &str = "SELECT sensor_id, name FROM sensors WHERE tenant_id = ? AND deleted_at IS NULL AND (TRIM(name) <> name OR name LIKE '%  %') ORDER BY sensor_id";

    #[doc(hidden)]
    pub struct ListSensorsWithUntidyNamesKey;
    #[doc(hidden)]
    pub struct ListSensorsWithUntidyNamesQuery<'a> {
        tenant_id: TenantId,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for ListSensorsWithUntidyNamesQuery<'_> {
        type QueryId = ListSensorsWithUntidyNamesKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for ListSensorsWithUntidyNamesQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, diesel::sql_types::Text,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for ListSensorsWithUntidyNamesQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for ListSensorsWithUntidyNamesQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT sensor_id, name FROM sensors WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND deleted_at IS NULL AND (TRIM(name) <> name OR name LIKE '%  %') ORDER BY sensor_id");
            Ok(())
        }
    }

    /// `list-sensors-with-untidy-names` (queries/sensors.sql:77).
    pub fn list_sensors_with_untidy_names(conn: &mut AnyConnection, tenant_id: TenantId) -> crate::repository::Result<Vec<ListSensorsWithUntidyNamesRow>> {
        crate::native::ready(list_sensors_with_untidy_names_on(crate::native::UnitConnection::Blocking(conn), tenant_id))
    }

    /// [`list_sensors_with_untidy_names`] on any connection: the statement, written once.
    async fn list_sensors_with_untidy_names_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId) -> crate::repository::Result<Vec<ListSensorsWithUntidyNamesRow>> {
        let query = ListSensorsWithUntidyNamesQuery { tenant_id, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<ListSensorsWithUntidyNamesRow>)?)
    }

    /// `list-sensors-with-untidy-names` from async code: [`list_sensors_with_untidy_names`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn list_sensors_with_untidy_names_async(db: &crate::Database, tenant_id: TenantId) -> crate::repository::Result<Vec<ListSensorsWithUntidyNamesRow>> {
        db.unit(move |conn| Box::pin(async move { list_sensors_with_untidy_names_on(conn, tenant_id).await })).await
    }

    /// SQL of `soft-delete-sensor` (`?` placeholders; PostgreSQL gets `$n`).
    pub const SOFT_DELETE_SENSOR_SQL: &str = "UPDATE sensors SET deleted_at = ?, modified_at = ? WHERE tenant_id = ? AND sensor_id = ? AND deleted_at IS NULL";

    #[doc(hidden)]
    pub struct SoftDeleteSensorKey;
    #[doc(hidden)]
    pub struct SoftDeleteSensorQuery<'a> {
        now: Timestamp,
        tenant_id: TenantId,
        sensor_id: SensorId,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for SoftDeleteSensorQuery<'_> {
        type QueryId = SoftDeleteSensorKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for SoftDeleteSensorQuery<'_> {
        type SqlType = diesel::sql_types::Untyped;
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for SoftDeleteSensorQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for SoftDeleteSensorQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::UtcTimestamp>, Timestamp: diesel::serialize::ToSql<crate::types::sql::UtcTimestamp, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, SensorId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("UPDATE sensors SET deleted_at = ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.now)?;
            out.push_sql(", modified_at = ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.now)?;
            out.push_sql(" WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND sensor_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.sensor_id)?;
            out.push_sql(" AND deleted_at IS NULL");
            Ok(())
        }
    }

    /// `soft-delete-sensor` (queries/sensors.sql:86).
    pub fn soft_delete_sensor(conn: &mut AnyConnection, tenant_id: TenantId, sensor_id: SensorId, now: Timestamp) -> crate::repository::Result<usize> {
        let query = SoftDeleteSensorQuery { now, tenant_id, sensor_id, _borrow: std::marker::PhantomData };
        conn.write_transaction(|conn| {
            let count = on_native!(conn, |c| query.execute(c))?;
            crate::repository::sensors::cascade_deleted_at(conn, tenant_id, now)?;
            Ok(count)
        })
    }

    /// `soft-delete-sensor` from async code: [`soft_delete_sensor`] in one hop on a pooled connection.
    pub async fn soft_delete_sensor_async(db: &crate::Database, tenant_id: TenantId, sensor_id: SensorId, now: Timestamp) -> crate::repository::Result<usize> {
        db.run(move |conn| soft_delete_sensor(conn, tenant_id, sensor_id, now)).await
    }
}
/// Named queries of `queries/tenants.sql`.
pub mod tenants {
    #![allow(unused_imports, dead_code, clippy::too_many_arguments)]
    use crate::queries::support::{self, diesel, serde};
    use diesel::prelude::*;
    use crate::types::*;
    use crate::AnyConnection;

    /// SQL of `get-tenant` (`?` placeholders; PostgreSQL gets `$n`).
    pub const GET_TENANT_SQL: &str = "SELECT tenant_id, name, created_at, modified_at, deleted_at FROM tenants WHERE tenant_id = ? AND deleted_at IS NULL";

    #[doc(hidden)]
    pub struct GetTenantKey;
    #[doc(hidden)]
    pub struct GetTenantQuery<'a> {
        tenant_id: TenantId,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for GetTenantQuery<'_> {
        type QueryId = GetTenantKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for GetTenantQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, diesel::sql_types::Text, crate::types::sql::UtcTimestamp, crate::types::sql::UtcTimestamp, diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for GetTenantQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for GetTenantQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT tenant_id, name, created_at, modified_at, deleted_at FROM tenants WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND deleted_at IS NULL");
            Ok(())
        }
    }

    /// `get-tenant` (queries/tenants.sql:1).
    pub fn get_tenant(conn: &mut AnyConnection, tenant_id: TenantId) -> crate::repository::Result<Option<crate::repository::tenants::Tenant>> {
        crate::native::ready(get_tenant_on(crate::native::UnitConnection::Blocking(conn), tenant_id))
    }

    /// [`get_tenant`] on any connection: the statement, written once.
    async fn get_tenant_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId) -> crate::repository::Result<Option<crate::repository::tenants::Tenant>> {
        let query = GetTenantQuery { tenant_id, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => get_result::<crate::repository::tenants::Tenant>).optional()?)
    }

    /// `get-tenant` from async code: [`get_tenant`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn get_tenant_async(db: &crate::Database, tenant_id: TenantId) -> crate::repository::Result<Option<crate::repository::tenants::Tenant>> {
        db.unit(move |conn| Box::pin(async move { get_tenant_on(conn, tenant_id).await })).await
    }

    /// SQL of `list-tenants` (`?` placeholders; PostgreSQL gets `$n`).
    pub const LIST_TENANTS_SQL: &str = "SELECT tenant_id, name, created_at, modified_at, deleted_at FROM tenants WHERE deleted_at IS NULL ORDER BY tenant_id LIMIT ?";

    #[doc(hidden)]
    pub struct ListTenantsKey;
    #[doc(hidden)]
    pub struct ListTenantsQuery<'a> {
        limit: i64,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for ListTenantsQuery<'_> {
        type QueryId = ListTenantsKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for ListTenantsQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, diesel::sql_types::Text, crate::types::sql::UtcTimestamp, crate::types::sql::UtcTimestamp, diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for ListTenantsQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for ListTenantsQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>, i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT tenant_id, name, created_at, modified_at, deleted_at FROM tenants WHERE deleted_at IS NULL ORDER BY tenant_id LIMIT ");
            out.push_bind_param::<diesel::sql_types::BigInt, _>(&self.limit)?;
            Ok(())
        }
    }

    /// `list-tenants` (queries/tenants.sql:8).
    pub fn list_tenants(conn: &mut AnyConnection, limit: i64) -> crate::repository::Result<Vec<crate::repository::tenants::Tenant>> {
        crate::native::ready(list_tenants_on(crate::native::UnitConnection::Blocking(conn), limit))
    }

    /// [`list_tenants`] on any connection: the statement, written once.
    async fn list_tenants_on(conn: crate::native::UnitConnection<'_>, limit: i64) -> crate::repository::Result<Vec<crate::repository::tenants::Tenant>> {
        support::non_negative("limit", limit)?;
        let query = ListTenantsQuery { limit, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<crate::repository::tenants::Tenant>)?)
    }

    /// `list-tenants` from async code: [`list_tenants`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn list_tenants_async(db: &crate::Database, limit: i64) -> crate::repository::Result<Vec<crate::repository::tenants::Tenant>> {
        db.unit(move |conn| Box::pin(async move { list_tenants_on(conn, limit).await })).await
    }

    /// A row of `count-live-tenants`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct CountLiveTenantsRow {
        /// Column `total`.
        pub total: i64,
    }

    /// SQL of `count-live-tenants` (`?` placeholders; PostgreSQL gets `$n`).
    pub const COUNT_LIVE_TENANTS_SQL: &str = "SELECT COUNT(*) AS total FROM tenants WHERE deleted_at IS NULL";

    #[doc(hidden)]
    pub struct CountLiveTenantsKey;
    #[doc(hidden)]
    pub struct CountLiveTenantsQuery<'a> {
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for CountLiveTenantsQuery<'_> {
        type QueryId = CountLiveTenantsKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for CountLiveTenantsQuery<'_> {
        type SqlType = (diesel::sql_types::BigInt,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for CountLiveTenantsQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for CountLiveTenantsQuery<'a> where DB: diesel::backend::Backend {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT COUNT(*) AS total FROM tenants WHERE deleted_at IS NULL");
            Ok(())
        }
    }

    /// `count-live-tenants` (queries/tenants.sql:15).
    pub fn count_live_tenants(conn: &mut AnyConnection) -> crate::repository::Result<CountLiveTenantsRow> {
        crate::native::ready(count_live_tenants_on(crate::native::UnitConnection::Blocking(conn)))
    }

    /// [`count_live_tenants`] on any connection: the statement, written once.
    async fn count_live_tenants_on(conn: crate::native::UnitConnection<'_>) -> crate::repository::Result<CountLiveTenantsRow> {
        let query = CountLiveTenantsQuery { _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => get_result::<CountLiveTenantsRow>)?)
    }

    /// `count-live-tenants` from async code: [`count_live_tenants`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn count_live_tenants_async(db: &crate::Database) -> crate::repository::Result<CountLiveTenantsRow> {
        db.unit(move |conn| Box::pin(async move { count_live_tenants_on(conn).await })).await
    }

    /// A row of `list-recent-activity`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct ListRecentActivityRow {
        /// Column `kind`.
        pub kind: String,
        /// Column `name`.
        pub name: String,
        /// Column `created_at`.
        pub created_at: Timestamp,
    }

    /// SQL of `list-recent-activity` (`?` placeholders; PostgreSQL gets `$n`).
    pub const LIST_RECENT_ACTIVITY_SQL: &str = "SELECT 'rule' AS kind, name, created_at FROM rules WHERE tenant_id = ? AND deleted_at IS NULL AND created_at >= ? UNION ALL SELECT 'sensor' AS kind, name, created_at FROM sensors WHERE tenant_id = ? AND deleted_at IS NULL AND created_at >= ? ORDER BY created_at DESC, kind, name LIMIT ?";

    #[doc(hidden)]
    pub struct ListRecentActivityKey;
    #[doc(hidden)]
    pub struct ListRecentActivityQuery<'a> {
        tenant_id: TenantId,
        since: Timestamp,
        limit: i64,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for ListRecentActivityQuery<'_> {
        type QueryId = ListRecentActivityKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for ListRecentActivityQuery<'_> {
        type SqlType = (diesel::sql_types::Text, diesel::sql_types::Text, crate::types::sql::UtcTimestamp,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for ListRecentActivityQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for ListRecentActivityQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::UtcTimestamp>, Timestamp: diesel::serialize::ToSql<crate::types::sql::UtcTimestamp, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>, i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT 'rule' AS kind, name, created_at FROM rules WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND deleted_at IS NULL AND created_at >= ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.since)?;
            out.push_sql(" UNION ALL SELECT 'sensor' AS kind, name, created_at FROM sensors WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND deleted_at IS NULL AND created_at >= ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.since)?;
            out.push_sql(" ORDER BY created_at DESC, kind, name LIMIT ");
            out.push_bind_param::<diesel::sql_types::BigInt, _>(&self.limit)?;
            Ok(())
        }
    }

    /// `list-recent-activity` (queries/tenants.sql:19).
    pub fn list_recent_activity(conn: &mut AnyConnection, tenant_id: TenantId, since: Timestamp, limit: i64) -> crate::repository::Result<Vec<ListRecentActivityRow>> {
        crate::native::ready(list_recent_activity_on(crate::native::UnitConnection::Blocking(conn), tenant_id, since, limit))
    }

    /// [`list_recent_activity`] on any connection: the statement, written once.
    async fn list_recent_activity_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, since: Timestamp, limit: i64) -> crate::repository::Result<Vec<ListRecentActivityRow>> {
        support::non_negative("limit", limit)?;
        let query = ListRecentActivityQuery { tenant_id, since, limit, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<ListRecentActivityRow>)?)
    }

    /// `list-recent-activity` from async code: [`list_recent_activity`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn list_recent_activity_async(db: &crate::Database, tenant_id: TenantId, since: Timestamp, limit: i64) -> crate::repository::Result<Vec<ListRecentActivityRow>> {
        db.unit(move |conn| Box::pin(async move { list_recent_activity_on(conn, tenant_id, since, limit).await })).await
    }

    /// SQL of `soft-delete-tenant` (`?` placeholders; PostgreSQL gets `$n`).
    pub const SOFT_DELETE_TENANT_SQL: &str = "UPDATE tenants SET deleted_at = ?, modified_at = ? WHERE tenant_id = ? AND deleted_at IS NULL";

    #[doc(hidden)]
    pub struct SoftDeleteTenantKey;
    #[doc(hidden)]
    pub struct SoftDeleteTenantQuery<'a> {
        now: Timestamp,
        tenant_id: TenantId,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for SoftDeleteTenantQuery<'_> {
        type QueryId = SoftDeleteTenantKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for SoftDeleteTenantQuery<'_> {
        type SqlType = diesel::sql_types::Untyped;
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for SoftDeleteTenantQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for SoftDeleteTenantQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::UtcTimestamp>, Timestamp: diesel::serialize::ToSql<crate::types::sql::UtcTimestamp, DB>, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("UPDATE tenants SET deleted_at = ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.now)?;
            out.push_sql(", modified_at = ");
            out.push_bind_param::<crate::types::sql::UtcTimestamp, _>(&self.now)?;
            out.push_sql(" WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND deleted_at IS NULL");
            Ok(())
        }
    }

    /// `soft-delete-tenant` (queries/tenants.sql:30).
    pub fn soft_delete_tenant(conn: &mut AnyConnection, tenant_id: TenantId, now: Timestamp) -> crate::repository::Result<usize> {
        let query = SoftDeleteTenantQuery { now, tenant_id, _borrow: std::marker::PhantomData };
        conn.write_transaction(|conn| {
            let count = on_native!(conn, |c| query.execute(c))?;
            crate::repository::tenants::cascade_deleted_at(conn, tenant_id, now)?;
            Ok(count)
        })
    }

    /// `soft-delete-tenant` from async code: [`soft_delete_tenant`] in one hop on a pooled connection.
    pub async fn soft_delete_tenant_async(db: &crate::Database, tenant_id: TenantId, now: Timestamp) -> crate::repository::Result<usize> {
        db.run(move |conn| soft_delete_tenant(conn, tenant_id, now)).await
    }
}
/// Named queries of `queries/users.sql`.
pub mod users {
    #![allow(unused_imports, dead_code, clippy::too_many_arguments)]
    use crate::queries::support::{self, diesel, serde};
    use diesel::prelude::*;
    use crate::types::*;
    use crate::AnyConnection;

    /// SQL of `find-user-by-username` (`?` placeholders; PostgreSQL gets `$n`).
    pub const FIND_USER_BY_USERNAME_SQL: &str = "SELECT user_id, tenant_id, username, password_hash, role, force_password_change, created_at, modified_at, deleted_at FROM users WHERE username = ? AND deleted_at IS NULL";

    #[doc(hidden)]
    pub struct FindUserByUsernameKey;
    #[doc(hidden)]
    pub struct FindUserByUsernameQuery<'a> {
        username: &'a str,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for FindUserByUsernameQuery<'_> {
        type QueryId = FindUserByUsernameKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for FindUserByUsernameQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, crate::types::sql::Uuid36, diesel::sql_types::Text, diesel::sql_types::Text, diesel::sql_types::Text, diesel::sql_types::Bool, crate::types::sql::UtcTimestamp, crate::types::sql::UtcTimestamp, diesel::sql_types::Nullable<crate::types::sql::UtcTimestamp>,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for FindUserByUsernameQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for FindUserByUsernameQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Text>, &'a str: diesel::serialize::ToSql<diesel::sql_types::Text, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT user_id, tenant_id, username, password_hash, role, force_password_change, created_at, modified_at, deleted_at FROM users WHERE username = ");
            out.push_bind_param::<diesel::sql_types::Text, _>(&self.username)?;
            out.push_sql(" AND deleted_at IS NULL");
            Ok(())
        }
    }

    /// `find-user-by-username` (queries/users.sql:1).
    pub fn find_user_by_username(conn: &mut AnyConnection, username: &str) -> crate::repository::Result<Option<crate::repository::users::User>> {
        crate::native::ready(find_user_by_username_on(crate::native::UnitConnection::Blocking(conn), username))
    }

    /// [`find_user_by_username`] on any connection: the statement, written once.
    async fn find_user_by_username_on(conn: crate::native::UnitConnection<'_>, username: &str) -> crate::repository::Result<Option<crate::repository::users::User>> {
        let query = FindUserByUsernameQuery { username, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => get_result::<crate::repository::users::User>).optional()?)
    }

    /// `find-user-by-username` from async code: [`find_user_by_username`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn find_user_by_username_async(db: &crate::Database, username: &str) -> crate::repository::Result<Option<crate::repository::users::User>> {
        let username = username.to_owned();
        db.unit(move |conn| Box::pin(async move { find_user_by_username_on(conn, &username).await })).await
    }

    /// A row of `list-users-by-role`.
    #[derive(Debug, Clone, PartialEq, diesel::Queryable, serde::Serialize)]
    #[serde(crate = "crate::queries::support::serde")]
    pub struct ListUsersByRoleRow {
        /// Column `user_id`.
        pub user_id: UserId,
        /// Column `username`.
        pub username: String,
        /// Column `role`.
        pub role: String,
    }

    /// SQL of `list-users-by-role` (`?` placeholders; PostgreSQL gets `$n`).
    pub const LIST_USERS_BY_ROLE_SQL: &str = "SELECT user_id, username, role FROM users WHERE tenant_id = ? AND role = ? AND deleted_at IS NULL ORDER BY user_id";

    #[doc(hidden)]
    pub struct ListUsersByRoleKey;
    #[doc(hidden)]
    pub struct ListUsersByRoleQuery<'a> {
        tenant_id: TenantId,
        role: &'a str,
        _borrow: std::marker::PhantomData<&'a ()>,
    }
    impl diesel::query_builder::QueryId for ListUsersByRoleQuery<'_> {
        type QueryId = ListUsersByRoleKey;
        const HAS_STATIC_QUERY_ID: bool = true;
    }
    impl diesel::query_builder::Query for ListUsersByRoleQuery<'_> {
        type SqlType = (crate::types::sql::Uuid36, diesel::sql_types::Text, diesel::sql_types::Text,);
    }
    impl<Conn> diesel::RunQueryDsl<Conn> for ListUsersByRoleQuery<'_> {}
    impl<'a, DB> diesel::query_builder::QueryFragment<DB> for ListUsersByRoleQuery<'a> where DB: diesel::backend::Backend, DB: diesel::sql_types::HasSqlType<crate::types::sql::Uuid36>, TenantId: diesel::serialize::ToSql<crate::types::sql::Uuid36, DB>, DB: diesel::sql_types::HasSqlType<diesel::sql_types::Text>, &'a str: diesel::serialize::ToSql<diesel::sql_types::Text, DB> {
        fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
            out.push_sql("SELECT user_id, username, role FROM users WHERE tenant_id = ");
            out.push_bind_param::<crate::types::sql::Uuid36, _>(&self.tenant_id)?;
            out.push_sql(" AND role = ");
            out.push_bind_param::<diesel::sql_types::Text, _>(&self.role)?;
            out.push_sql(" AND deleted_at IS NULL ORDER BY user_id");
            Ok(())
        }
    }

    /// `list-users-by-role` (queries/users.sql:8).
    pub fn list_users_by_role(conn: &mut AnyConnection, tenant_id: TenantId, role: &str) -> crate::repository::Result<Vec<ListUsersByRoleRow>> {
        crate::native::ready(list_users_by_role_on(crate::native::UnitConnection::Blocking(conn), tenant_id, role))
    }

    /// [`list_users_by_role`] on any connection: the statement, written once.
    async fn list_users_by_role_on(conn: crate::native::UnitConnection<'_>, tenant_id: TenantId, role: &str) -> crate::repository::Result<Vec<ListUsersByRoleRow>> {
        let query = ListUsersByRoleQuery { tenant_id, role, _borrow: std::marker::PhantomData };
        Ok(stmt!(conn, query => load::<ListUsersByRoleRow>)?)
    }

    /// `list-users-by-role` from async code: [`list_users_by_role`] on the backend's fastest connection (`Database::unit`: native async on PostgreSQL and MySQL).
    pub async fn list_users_by_role_async(db: &crate::Database, tenant_id: TenantId, role: &str) -> crate::repository::Result<Vec<ListUsersByRoleRow>> {
        let role = role.to_owned();
        db.unit(move |conn| Box::pin(async move { list_users_by_role_on(conn, tenant_id, &role).await })).await
    }
}

//! The one list of entities. Adding a table: its migrations, its `table!` in `src/schema.rs`,
//! its file in `src/repository/`, and one line here.
//!
//! Each line is `Variant table: Model, id_column, IdType, parents [tables it points at];`, parents
//! before children; the model is `crate::repository::<table>::<Model>`, the id type
//! `crate::types::<IdType>`. The list drives:
//! - the copy order and `copy::Table` ([`crate::copy`]),
//! - the tenant cascade of soft deletes ([`crate::repository::tenants::soft_delete`]: every
//!   other table, children before parents),
//! - the named-query checker's `-- row:` models (`build.rs` reads this file),
//! - and a test that the parents agree with the schema's `joinable!`s (`tests/schema.rs`).

/// Calls `$then!` with every entity, parents before children.
macro_rules! for_each_entity {
    ($then:ident) => {
        $then! {
            Tenants tenants: Tenant, tenant_id, TenantId, parents [];
            Users users: User, user_id, UserId, parents [tenants];
            ApiKeys api_keys: ApiKey, api_key_id, ApiKeyId, parents [tenants];
            Sensors sensors: Sensor, sensor_id, SensorId, parents [tenants];
            Rules rules: Rule, rule_id, RuleId, parents [tenants];
            RuleSensors rule_sensors: RuleSensor, rule_sensor_id, RuleSensorId, parents [tenants, rules, sensors];
            Configurations configurations: Configuration, configuration_id, ConfigurationId, parents [tenants];
        }
    };
}

pub(crate) use for_each_entity;

macro_rules! entity_table {
    ($($Variant:ident $table:ident : $Model:ident, $id_col:ident, $Id:ident, parents [$($parent:ident),*];)+) => {
        /// Every entity as (table, model, the tables it points at), parents first.
        pub const ENTITIES: &[(&str, &str, &[&str])] = &[
            $((stringify!($table), stringify!($Model), &[$(stringify!($parent)),*])),+
        ];
    };
}

for_each_entity!(entity_table);

macro_rules! entity_rules {
    ($($Variant:ident $table:ident : $Model:ident, $id_col:ident, $Id:ident, parents [$($parent:ident),*];)+) => {
        /// Every entity's table with the rules of the columns a caller writes
        /// (`<entity>::COLUMN_RULES`), for the test that holds them to the schema.
        pub const COLUMN_RULES: &[(&str, &[(&str, Option<crate::repository::validate::Rule>)])] = &[
            $((stringify!($table), crate::repository::$table::COLUMN_RULES)),+
        ];
    };
}

for_each_entity!(entity_rules);

/// The tenant cascade: every entity after the root is owned by a tenant.
macro_rules! tenant_cascade {
    ($RootVariant:ident $root:ident : $RootModel:ident, $root_id:ident, $RootId:ident, parents [];
     $($Variant:ident $table:ident : $Model:ident, $id_col:ident, $Id:ident, parents [$($parent:ident),*];)+) => {
        /// Marks every live row of `tenant` in every other entity's table deleted at `now`,
        /// children before parents (the list reversed); returns how many rows.
        pub(crate) async fn mark_tenant_rows_deleted_on(
            mut conn: crate::native::UnitConnection<'_>,
            tenant: crate::types::TenantId,
            now: crate::types::Timestamp,
        ) -> crate::repository::Result<usize> {
            type Step = for<'c> fn(
                crate::native::UnitConnection<'c>,
                crate::types::TenantId,
                crate::types::Timestamp,
            ) -> crate::native::UnitFuture<'c, usize, crate::repository::Error>;
            let steps: &[Step] = &[$(crate::repository::$table::mark_all_deleted_on),+];
            let mut marked = 0;
            for step in steps.iter().rev() {
                marked += step(conn.reborrow(), tenant, now).await?;
            }
            Ok(marked)
        }
    };
}

for_each_entity!(tenant_cascade);

//! Links between rules and sensors of one tenant: a child of both.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{row_model, tenant_scoped, Deleted, Error, Result};
use crate::schema::rule_sensors;
use crate::types::{RuleId, RuleSensorId, SensorId, TenantId, Timestamp};
use crate::AnyConnection;

const ENTITY: &str = "rule sensor link";

row_model! {
    /// A link between a rule and a sensor.
    owned rule_sensors: RuleSensor, rule_sensor_id: RuleSensorId;
    /// What a new link needs.
    new NewRuleSensor {
        /// The rule.
        rule_id: RuleId,
        /// The sensor.
        sensor_id: SensorId,
    }
}

/// Links have nothing to change but their audit fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleSensorChanges {}

impl RuleSensorChanges {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

impl AsChangeset for &RuleSensorChanges {
    type Target = rule_sensors::table;
    type Changeset = <diesel::dsl::Eq<rule_sensors::tenant_id, rule_sensors::tenant_id> as AsChangeset>::Changeset;

    fn as_changeset(self) -> Self::Changeset {
        // Setting a column to itself: an update that changes only `modified_at`.
        rule_sensors::tenant_id
            .eq(rule_sensors::tenant_id)
            .as_changeset()
    }
}

tenant_scoped!(rule_sensors, rule_sensor_id, RuleSensorId, RuleSensor, RuleSensorChanges, ENTITY, unique: "duplicate link");

/// Links a live rule and a live sensor of the same tenant.
pub fn create(
    conn: &mut AnyConnection,
    tenant: TenantId,
    new: NewRuleSensor,
) -> Result<RuleSensor> {
    let row = RuleSensor::from_new(tenant, new);
    // The rule and sensor must be live rows of this very tenant: the database's foreign keys
    // cannot see deletion or tenancy.
    let check = |conn: &mut AnyConnection| {
        if !super::rules::is_live(conn, tenant, row.rule_id)? {
            return Err(Error::ForeignKey {
                entity: ENTITY,
                referenced: "rule",
                source: None,
            });
        }
        if !super::sensors::is_live(conn, tenant, row.sensor_id)? {
            return Err(Error::ForeignKey {
                entity: ENTITY,
                referenced: "sensor",
                source: None,
            });
        }
        Ok(())
    };
    insert(conn, &row, check)?;
    Ok(row)
}

/// Live links of a rule.
pub fn list_for_rule(
    conn: &mut AnyConnection,
    tenant: TenantId,
    rule: RuleId,
) -> Result<Vec<RuleSensor>> {
    Ok(live(tenant)
        .filter(rule_sensors::rule_id.eq(rule))
        .select(RuleSensor::as_select())
        .order(rule_sensors::rule_sensor_id.asc())
        .load(conn)?)
}

/// Soft-deletes one link.
pub fn soft_delete(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: RuleSensorId,
) -> Result<Deleted> {
    soft_delete_with(conn, tenant, id, |_, _| Ok(0))
}

/// Marks the live links of the rule or sensor `of` deleted at `now` (its soft delete's
/// cascade); returns how many.
pub(crate) fn mark_deleted_of(
    conn: &mut AnyConnection,
    tenant: TenantId,
    of: Linked,
    now: Timestamp,
) -> Result<usize> {
    let deleted = (
        rule_sensors::deleted_at.eq(now),
        rule_sensors::modified_at.eq(now),
    );
    Ok(match of {
        Linked::Rule(rule) => diesel::update(live(tenant).filter(rule_sensors::rule_id.eq(rule)))
            .set(deleted)
            .execute(conn)?,
        Linked::Sensor(sensor) => {
            diesel::update(live(tenant).filter(rule_sensors::sensor_id.eq(sensor)))
                .set(deleted)
                .execute(conn)?
        }
    })
}

/// What a link points at.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Linked {
    /// A rule.
    Rule(RuleId),
    /// A sensor.
    Sensor(SensorId),
}

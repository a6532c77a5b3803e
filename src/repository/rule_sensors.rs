//! Links between rules and sensors of one tenant: a child of both.

use diesel::prelude::*;

use super::{Error, Result};
use crate::schema::rule_sensors;
use crate::types::{RuleId, SensorId, TenantId, Timestamp};
use crate::AnyConnection;

super::row_model! {
    /// A link between a rule and a sensor.
    owned rule_sensors: RuleSensor, rule_sensor_id: RuleSensorId, "rule sensor link",
        unique "duplicate link";
    /// What a new link needs.
    new NewRuleSensor {
        /// The rule.
        rule_id: RuleId,
        /// The sensor.
        sensor_id: SensorId,
    }
    /// Links have nothing to change but their audit fields.
    changes RuleSensorChanges;
    references live_ends;
}

/// Links have nothing to change but their audit fields.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RuleSensorChanges {}

impl super::Validate for RuleSensorChanges {
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

/// The rule and the sensor of a new link must be live rows of its very tenant: the database's
/// foreign keys cannot see deletion or tenancy.
async fn live_ends(mut conn: crate::native::UnitConnection<'_>, row: &RuleSensor) -> Result<()> {
    let ends = [
        (
            "rule",
            super::rules::is_live_on(conn.reborrow(), row.tenant_id, row.rule_id).await?,
        ),
        (
            "sensor",
            super::sensors::is_live_on(conn, row.tenant_id, row.sensor_id).await?,
        ),
    ];
    match ends.iter().find(|(_, live)| !live) {
        Some((referenced, _)) => Err(Error::ForeignKey {
            entity: ENTITY,
            referenced,
            source: None,
        }),
        None => Ok(()),
    }
}

/// Live links of a rule.
pub fn list_for_rule(
    conn: &mut AnyConnection,
    tenant: TenantId,
    rule: RuleId,
) -> Result<Vec<RuleSensor>> {
    let rows = live(tenant).filter(rule_sensors::rule_id.eq(rule));
    Ok(on_native!(conn, |c| rows
        .select(RuleSensor::as_select())
        .order(rule_sensors::rule_sensor_id.asc())
        .load::<RuleSensor>(c))?)
}

/// Marks the live links of the rule or sensor `of` deleted at `now` (its soft delete's
/// cascade); returns how many.
pub(crate) async fn mark_links_deleted(
    conn: crate::native::UnitConnection<'_>,
    tenant: TenantId,
    of: impl Into<Linked>,
    now: Timestamp,
) -> Result<usize> {
    let deleted = (
        rule_sensors::deleted_at.eq(now),
        rule_sensors::modified_at.eq(now),
    );
    Ok(match of.into() {
        Linked::Rule(rule) => stmt!(conn, diesel::update(
            live(tenant).filter(rule_sensors::rule_id.eq(rule))
        )
        .set(deleted) => execute)?,
        Linked::Sensor(sensor) => stmt!(conn, diesel::update(
            live(tenant).filter(rule_sensors::sensor_id.eq(sensor))
        )
        .set(deleted) => execute)?,
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

impl From<RuleId> for Linked {
    fn from(id: RuleId) -> Self {
        Linked::Rule(id)
    }
}

impl From<SensorId> for Linked {
    fn from(id: SensorId) -> Self {
        Linked::Sensor(id)
    }
}

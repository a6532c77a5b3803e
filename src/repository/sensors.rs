//! Sensors of a tenant. Deleting a sensor soft-deletes its rule links.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{row_model, tenant_scoped, validate, Deleted, Result};
use crate::schema::sensors;
use crate::types::{SensorId, TenantId, Timestamp};
use crate::AnyConnection;

const ENTITY: &str = "sensor";

row_model! {
    /// A sensor.
    owned sensors: Sensor, sensor_id: SensorId;
    /// What a new sensor needs.
    new NewSensor {
        /// Name, 1–128 characters.
        name: String,
        /// Free text.
        description: Option<String>,
        /// JSON document.
        metadata: String,
    }
    set {
        /// Last time the sensor reported.
        last_seen_at: Option<Timestamp>,
    }
}

/// Changes to a sensor; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = sensors)]
pub struct SensorChanges {
    /// New name.
    pub name: Option<String>,
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// New metadata.
    pub metadata: Option<String>,
    /// Record a report.
    pub last_seen_at: Option<Option<Timestamp>>,
}

impl SensorChanges {
    fn validate(&self) -> Result<()> {
        check(
            self.name.as_deref(),
            self.description.as_ref().and_then(Option::as_deref),
            self.metadata.as_deref(),
        )
    }
}

/// The rules every written value of a sensor follows (`None`: not being written).
fn check(name: Option<&str>, description: Option<&str>, metadata: Option<&str>) -> Result<()> {
    validate::named(name, description)?;
    if let Some(m) = metadata {
        validate::json("metadata", m)?;
    }
    Ok(())
}

tenant_scoped!(sensors, sensor_id, SensorId, Sensor, SensorChanges, ENTITY, unique: "duplicate sensor");

/// Creates a sensor in a live tenant.
pub fn create(conn: &mut AnyConnection, tenant: TenantId, new: NewSensor) -> Result<Sensor> {
    check(
        Some(&new.name),
        new.description.as_deref(),
        Some(&new.metadata),
    )?;
    let row = Sensor::from_new(tenant, new);
    insert(conn, &row, |_| Ok(()))?;
    Ok(row)
}

/// Soft-deletes a sensor and its rule links, with one `deleted_at`.
pub fn soft_delete(conn: &mut AnyConnection, tenant: TenantId, id: SensorId) -> Result<Deleted> {
    soft_delete_with(conn, tenant, id, |conn, now| {
        super::rule_sensors::mark_deleted_of(
            conn,
            tenant,
            super::rule_sensors::Linked::Sensor(id),
            now,
        )
    })
}

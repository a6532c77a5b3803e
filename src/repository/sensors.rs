//! Sensors of a tenant. Deleting a sensor soft-deletes its rule links.

use crate::types::Timestamp;

super::row_model! {
    /// A sensor.
    owned sensors: Sensor, sensor_id: SensorId, "sensor", unique "duplicate sensor";
    /// What a new sensor needs.
    new NewSensor {
        /// Name, 1–128 characters.
        name: String => Name(128),
        /// Free text, at most 65,535 bytes.
        description: Option<String> => Text,
        /// JSON document, at most 65,535 bytes.
        metadata: String => Json,
    }
    set {
        /// Last time the sensor reported.
        last_seen_at: Option<Timestamp>,
    }
    /// Changes to a sensor; `None` leaves a field as it is.
    changes SensorChanges {
        /// New name.
        name: Option<String>,
        /// New description (`Some(None)` clears it).
        description: Option<Option<String>>,
        /// New metadata.
        metadata: Option<String>,
        /// Record a report.
        last_seen_at: Option<Option<Timestamp>>,
    };
    cascade super::rule_sensors::mark_links_deleted;
}

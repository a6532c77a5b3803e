//! Rules of a tenant. Deleting a rule soft-deletes its sensor links.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{row_model, tenant_scoped, text_enum, validate, Deleted, Error, Result};
use crate::schema::rules;
use crate::types::{RuleId, TenantId};
use crate::AnyConnection;

const ENTITY: &str = "rule";

text_enum!(
    /// Life cycle of a rule.
    RuleState, "state" {
        /// Being written; not evaluated.
        Draft = "draft",
        /// Evaluated.
        Active = "active",
        /// Kept but not evaluated.
        Disabled = "disabled",
    }
);

text_enum!(
    /// What a matching rule does.
    RuleAction, "action" {
        /// Record the match.
        Observe = "observe",
        /// Drop the event.
        Drop = "drop",
        /// Fail the request.
        Fail = "fail",
    }
);

row_model! {
    /// A rule.
    owned rules: Rule, rule_id: RuleId;
    /// What a new rule needs.
    new NewRule {
        /// Name, 1–128 characters.
        name: String,
        /// Free text.
        description: Option<String>,
        /// Life cycle state.
        state: RuleState,
        /// What a match does.
        action: RuleAction,
        /// Fraction of events evaluated, 0 to 1.
        sample_rate: f64,
        /// Whether the rule is switched on.
        enabled: bool,
        /// JSON array of tags.
        scope_tags: String,
        /// JSON expression.
        expression: String,
    }
}

/// Changes to a rule; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = rules)]
pub struct RuleChanges {
    /// New name.
    pub name: Option<String>,
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// New state.
    pub state: Option<RuleState>,
    /// New action.
    pub action: Option<RuleAction>,
    /// New sample rate.
    pub sample_rate: Option<f64>,
    /// New switch.
    pub enabled: Option<bool>,
    /// New tags.
    pub scope_tags: Option<String>,
    /// New expression.
    pub expression: Option<String>,
}

fn check_rate(rate: f64) -> Result<()> {
    if (0.0..=1.0).contains(&rate) {
        Ok(())
    } else {
        Err(Error::validation(
            "sample_rate",
            format!("must be between 0 and 1, got {rate}"),
        ))
    }
}

impl RuleChanges {
    fn validate(&self) -> Result<()> {
        check(
            self.name.as_deref(),
            self.description.as_ref().and_then(Option::as_deref),
            self.sample_rate,
            self.scope_tags.as_deref(),
            self.expression.as_deref(),
        )
    }
}

/// The rules every written value of a rule follows (`None`: not being written).
fn check(
    name: Option<&str>,
    description: Option<&str>,
    sample_rate: Option<f64>,
    scope_tags: Option<&str>,
    expression: Option<&str>,
) -> Result<()> {
    validate::named(name, description)?;
    if let Some(r) = sample_rate {
        check_rate(r)?;
    }
    if let Some(t) = scope_tags {
        validate::json("scope_tags", t)?;
    }
    if let Some(e) = expression {
        validate::json("expression", e)?;
    }
    Ok(())
}

tenant_scoped!(rules, rule_id, RuleId, Rule, RuleChanges, ENTITY, unique: "duplicate rule");

/// Creates a rule in a live tenant.
pub fn create(conn: &mut AnyConnection, tenant: TenantId, new: NewRule) -> Result<Rule> {
    check(
        Some(&new.name),
        new.description.as_deref(),
        Some(new.sample_rate),
        Some(&new.scope_tags),
        Some(&new.expression),
    )?;
    let row = Rule::from_new(tenant, new);
    insert(conn, &row, |_| Ok(()))?;
    Ok(row)
}

/// Soft-deletes a rule and its sensor links, with one `deleted_at`.
pub fn soft_delete(conn: &mut AnyConnection, tenant: TenantId, id: RuleId) -> Result<Deleted> {
    soft_delete_with(conn, tenant, id, |conn, now| {
        super::rule_sensors::mark_deleted_of(
            conn,
            tenant,
            super::rule_sensors::Linked::Rule(id),
            now,
        )
    })
}

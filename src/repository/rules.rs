//! Rules of a tenant. Deleting a rule soft-deletes its sensor links.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{insert_owned, tenant_scoped, text_enum, validate, Deleted, Error, Result};
use crate::schema::rules;
use crate::types::{RuleId, TenantId, Timestamp};
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

/// A rule.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Queryable,
    Selectable,
    QueryableByName,
    Insertable,
    Serialize,
    Deserialize,
)]
#[diesel(table_name = rules)]
// None binds NULL, so every insert has one SQL text and its prepared statement is cached
// (with DEFAULT per None field it is re-prepared each time: 1.5x slower on MySQL, measured).
#[diesel(treat_none_as_default_value = false)]
pub struct Rule {
    /// Id.
    pub rule_id: RuleId,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// Name, 1–128 characters.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Life cycle state.
    pub state: RuleState,
    /// What a match does.
    pub action: RuleAction,
    /// Fraction of events evaluated, 0 to 1.
    pub sample_rate: f64,
    /// Whether the rule is switched on.
    pub enabled: bool,
    /// JSON array of tags.
    pub scope_tags: String,
    /// JSON expression.
    pub expression: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub modified_at: Timestamp,
    /// When it was deleted; `None` while live.
    pub deleted_at: Option<Timestamp>,
}

/// What a new rule needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRule {
    /// Name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Life cycle state.
    pub state: RuleState,
    /// What a match does.
    pub action: RuleAction,
    /// Fraction of events evaluated, 0 to 1.
    pub sample_rate: f64,
    /// Whether the rule is switched on.
    pub enabled: bool,
    /// JSON array of tags.
    pub scope_tags: String,
    /// JSON expression.
    pub expression: String,
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
        if let Some(n) = &self.name {
            validate::name("name", n, 128)?;
        }
        if let Some(Some(d)) = &self.description {
            validate::text("description", d)?;
        }
        if let Some(r) = self.sample_rate {
            check_rate(r)?;
        }
        if let Some(t) = &self.scope_tags {
            validate::json("scope_tags", t)?;
        }
        if let Some(e) = &self.expression {
            validate::json("expression", e)?;
        }
        Ok(())
    }
}

tenant_scoped!(rules, rule_id, RuleId, Rule, RuleChanges, "rule", unique: "duplicate rule");

/// Creates a rule in a live tenant.
pub fn create(conn: &mut AnyConnection, tenant: TenantId, new: NewRule) -> Result<Rule> {
    validate::name("name", &new.name, 128)?;
    if let Some(d) = &new.description {
        validate::text("description", d)?;
    }
    check_rate(new.sample_rate)?;
    validate::json("scope_tags", &new.scope_tags)?;
    validate::json("expression", &new.expression)?;
    let now = Timestamp::now();
    let row = Rule {
        rule_id: RuleId::new(),
        tenant_id: tenant,
        name: new.name,
        description: new.description,
        state: new.state,
        action: new.action,
        sample_rate: new.sample_rate,
        enabled: new.enabled,
        scope_tags: new.scope_tags,
        expression: new.expression,
        created_at: now,
        modified_at: now,
        deleted_at: None,
    };
    insert_owned(
        conn,
        ENTITY,
        "duplicate rule",
        tenant,
        |_| Ok(()),
        |conn| diesel::insert_into(rules::table).values(&row).execute(conn),
    )?;
    Ok(row)
}

/// Soft-deletes a rule and its sensor links, with one `deleted_at`.
pub fn soft_delete(conn: &mut AnyConnection, tenant: TenantId, id: RuleId) -> Result<Deleted> {
    soft_delete_with(conn, tenant, id, |conn, now| {
        super::rule_sensors::mark_deleted_for_rule(conn, tenant, id, now)
    })
}

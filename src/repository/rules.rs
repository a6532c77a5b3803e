//! Rules of a tenant. Deleting a rule soft-deletes its sensor links.

use super::text_enum;

super::row_model! {
    /// A rule.
    owned rules: Rule, rule_id: RuleId, "rule", unique "duplicate rule";
    /// What a new rule needs.
    new NewRule {
        /// Name, 1–128 characters.
        name: String => Name(128),
        /// Free text, at most 65,535 bytes.
        description: Option<String> => Text,
        /// Life cycle state.
        state: RuleState => OneOf(RuleState::TEXTS),
        /// What a match does.
        action: RuleAction => OneOf(RuleAction::TEXTS),
        /// Fraction of events evaluated, 0 to 1.
        sample_rate: f64 => Fraction,
        /// Whether the rule is switched on.
        enabled: bool,
        /// JSON array of tags, at most 65,535 bytes.
        scope_tags: String => JsonArray,
        /// JSON expression, at most 65,535 bytes.
        expression: String => Json,
    }
    /// Changes to a rule; `None` leaves a field as it is.
    changes RuleChanges {
        /// New name.
        name: Option<String>,
        /// New description (`Some(None)` clears it).
        description: Option<Option<String>>,
        /// New state.
        state: Option<RuleState>,
        /// New action.
        action: Option<RuleAction>,
        /// New sample rate.
        sample_rate: Option<f64>,
        /// New switch.
        enabled: Option<bool>,
        /// New tags.
        scope_tags: Option<String>,
        /// New expression.
        expression: Option<String>,
    };
    cascade super::rule_sensors::mark_links_deleted;
}

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

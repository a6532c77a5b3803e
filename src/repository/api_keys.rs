//! API keys of a tenant, stored as SHA-256 hashes (64 lowercase hex characters), unique.

use crate::types::Timestamp;

super::row_model! {
    /// An API key.
    owned api_keys: ApiKey, api_key_id: ApiKeyId, "api key", unique "key_hash exists";
    /// What a new API key needs.
    new NewApiKey {
        /// Label, 1–255 characters.
        name: String => Name(255),
        /// SHA-256 of the key, lowercase hex.
        key_hash: String => Sha256Hex,
    }
    set {
        /// Last time the key authenticated a request.
        last_used_at: Option<Timestamp>,
    }
    /// Changes to an API key; `None` leaves a field as it is.
    changes ApiKeyChanges {
        /// New label.
        name: Option<String>,
        /// Record a use.
        last_used_at: Option<Option<Timestamp>>,
    };
}

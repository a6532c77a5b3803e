//! Users of a tenant. Usernames are unique across all tenants.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{row_model, tenant_scoped, text_enum, validate, Deleted, Result};
use crate::schema::users;
use crate::types::{TenantId, UserId};
use crate::AnyConnection;

const ENTITY: &str = "user";

text_enum!(
    /// What a user may do.
    Role, "role" {
        /// Everything, including managing users.
        Admin = "admin",
        /// Manage sensors and rules.
        Operator = "operator",
        /// Read only.
        Observer = "observer",
    }
);

row_model! {
    /// A user.
    owned users: User, user_id: UserId;
    /// What a new user needs.
    new NewUser {
        /// Login name, 1–128 characters, unique across tenants.
        username: String,
        /// Password hash (never the password).
        password_hash: String,
        /// Role.
        role: Role,
        /// Whether the next login must change the password.
        force_password_change: bool,
    }
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = users)]
pub struct UserChanges {
    /// New login name.
    pub username: Option<String>,
    /// New password hash.
    pub password_hash: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New flag.
    pub force_password_change: Option<bool>,
}

impl UserChanges {
    fn validate(&self) -> Result<()> {
        check(self.username.as_deref(), self.password_hash.as_deref())
    }
}

/// The rules every written value of a user follows (`None`: not being written).
fn check(username: Option<&str>, password_hash: Option<&str>) -> Result<()> {
    if let Some(u) = username {
        validate::identifier("username", u, 128)?;
    }
    if let Some(h) = password_hash {
        validate::name("password_hash", h, 255)?;
    }
    Ok(())
}

tenant_scoped!(users, user_id, UserId, User, UserChanges, ENTITY, unique: "username is taken");

/// Creates a user in a live tenant.
pub fn create(conn: &mut AnyConnection, tenant: TenantId, new: NewUser) -> Result<User> {
    check(Some(&new.username), Some(&new.password_hash))?;
    let row = User::from_new(tenant, new);
    insert(conn, &row, |_| Ok(()))?;
    Ok(row)
}

/// Soft-deletes a user.
pub fn soft_delete(conn: &mut AnyConnection, tenant: TenantId, id: UserId) -> Result<Deleted> {
    soft_delete_with(conn, tenant, id, |_, _| Ok(0))
}

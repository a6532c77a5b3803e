//! Users of a tenant. Usernames are unique across all tenants.

use super::text_enum;

super::row_model! {
    /// A user.
    owned users: User, user_id: UserId, "user", unique "username is taken";
    /// What a new user needs.
    new NewUser {
        /// Login name, 1–128 characters, unique across tenants.
        username: String => Identifier(128),
        /// Password hash (never the password), 1–255 characters.
        password_hash: String => Name(255),
        /// Role.
        role: Role => OneOf(Role::TEXTS),
        /// Whether the next login must change the password.
        force_password_change: bool,
    }
    /// Changes to a user; `None` leaves a field as it is.
    changes UserChanges {
        /// New login name.
        username: Option<String>,
        /// New password hash.
        password_hash: Option<String>,
        /// New role.
        role: Option<Role>,
        /// New flag.
        force_password_change: Option<bool>,
    };
}

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

//! Tenants: the root of every other row. Deleting a tenant soft-deletes everything it owns.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{row_model, validate, Deleted, Error, Page, Result};
use crate::schema::tenants;
use crate::types::{TenantId, Timestamp};
use crate::AnyConnection;

const ENTITY: &str = "tenant";

row_model! {
    /// A tenant.
    root tenants: Tenant, tenant_id: TenantId;
    /// What a new tenant needs.
    new NewTenant {
        /// Display name, 1–128 characters.
        name: String,
    }
}

/// Changes to a tenant; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = tenants)]
pub struct TenantChanges {
    /// New name.
    pub name: Option<String>,
}

/// Live tenants: the scope every tenant query starts from.
#[diesel::dsl::auto_type(no_type_alias)]
pub fn live() -> _ {
    tenants::table.filter(tenants::deleted_at.is_null())
}

/// Creates a tenant.
pub fn create(conn: &mut AnyConnection, new: NewTenant) -> Result<Tenant> {
    validate::name("name", &new.name, 128)?;
    let row = Tenant::from_new(new);
    diesel::insert_into(tenants::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// The live tenant `id`.
pub fn get(conn: &mut AnyConnection, id: TenantId) -> Result<Tenant> {
    live()
        .filter(tenants::tenant_id.eq(id))
        .select(Tenant::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found(ENTITY, id))
}

/// Live tenants, oldest first.
pub fn list(conn: &mut AnyConnection, page: Page<TenantId>) -> Result<Vec<Tenant>> {
    let limit = page.checked_limit()?;
    let mut query = live().select(Tenant::as_select()).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(tenants::tenant_id.gt(after));
    }
    Ok(query
        .order(tenants::tenant_id.asc())
        .limit(limit)
        .load(conn)?)
}

/// Updates a live tenant and bumps `modified_at`.
pub fn update(conn: &mut AnyConnection, id: TenantId, changes: TenantChanges) -> Result<Tenant> {
    if let Some(name) = &changes.name {
        validate::name("name", name, 128)?;
    }
    conn.write_transaction(|conn| {
        let n = diesel::update(live().filter(tenants::tenant_id.eq(id)))
            .set((&changes, tenants::modified_at.eq(Timestamp::now())))
            .execute(conn)?;
        if n == 0 {
            return Err(Error::not_found(ENTITY, id));
        }
        get(conn, id)
    })
}

/// Soft-deletes the tenant and, in the same transaction and with the same `deleted_at`, its
/// rows in every other entity's table (users, API keys, sensors, rules, rule–sensor links,
/// configurations: the entity list).
pub fn soft_delete(conn: &mut AnyConnection, id: TenantId) -> Result<Deleted> {
    conn.write_transaction(|conn| {
        let now = Timestamp::now();
        let n = diesel::update(live().filter(tenants::tenant_id.eq(id)))
            .set((tenants::deleted_at.eq(now), tenants::modified_at.eq(now)))
            .execute(conn)?;
        if n == 0 {
            return Err(Error::not_found(ENTITY, id));
        }
        let children = super::entities::mark_tenant_rows_deleted(conn, id, now)?;
        Ok(Deleted {
            deleted_at: now,
            children,
        })
    })
}

/// For audits only: the tenant `id` whether or not it was deleted.
pub fn audit_get_including_deleted(conn: &mut AnyConnection, id: TenantId) -> Result<Tenant> {
    tenants::table
        .filter(tenants::tenant_id.eq(id))
        .select(Tenant::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found(ENTITY, id))
}

/// Whether `id` is a live tenant.
pub fn is_live(conn: &mut AnyConnection, id: TenantId) -> Result<bool> {
    let n: i64 = live()
        .filter(tenants::tenant_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

//! Tenants: the root of every other row. Deleting a tenant soft-deletes everything it owns.

use diesel::prelude::*;

use super::{row_model, Deleted, Error, Page, Result, Validate};
use crate::schema::tenants;
use crate::types::{TenantId, Timestamp};
use crate::AnyConnection;

row_model! {
    /// A tenant.
    root tenants: Tenant, tenant_id: TenantId, "tenant";
    /// What a new tenant needs.
    new NewTenant {
        /// Display name, 1–128 characters.
        name: String => Name(128),
    }
    /// Changes to a tenant; `None` leaves a field as it is.
    changes TenantChanges {
        /// New name.
        name: Option<String>,
    };
}

/// Live tenants: the scope every tenant query starts from.
#[diesel::dsl::auto_type(no_type_alias)]
pub fn live() -> _ {
    tenants::table.filter(tenants::deleted_at.is_null())
}

/// Creates a tenant.
pub fn create(conn: &mut AnyConnection, new: NewTenant) -> Result<Tenant> {
    new.validate()?;
    let row = Tenant::from_new(new);
    on_native!(conn, |c| diesel::insert_into(tenants::table)
        .values(&row)
        .execute(c))?;
    Ok(row)
}

/// [`create`] from async code, in one write transaction on the backend's fastest connection
/// ([`Database::unit_write`](crate::Database::unit_write)).
pub async fn create_async(db: &crate::Database, new: NewTenant) -> Result<Tenant> {
    new.validate()?;
    let row = Tenant::from_new(new);
    let stored = row.clone();
    db.unit_write(move |c| {
        Box::pin(async move {
            stmt!(c, diesel::insert_into(tenants::table).values(&row) => execute)?;
            Ok::<_, Error>(())
        })
    })
    .await?;
    Ok(stored)
}

/// The live tenant `id`.
pub fn get(conn: &mut AnyConnection, id: TenantId) -> Result<Tenant> {
    crate::native::ready(get_on(crate::native::UnitConnection::Blocking(conn), id))
}

/// [`get`] from async code, on the backend's fastest connection
/// ([`Database::unit`](crate::Database::unit)).
pub async fn get_async(db: &crate::Database, id: TenantId) -> Result<Tenant> {
    db.unit(move |c| Box::pin(get_on(c, id))).await
}

/// [`get`] on any connection.
async fn get_on(conn: crate::native::UnitConnection<'_>, id: TenantId) -> Result<Tenant> {
    // Built per backend: `as_select` is typed by the backend that runs it.
    stmt!(conn, live()
        .filter(tenants::tenant_id.eq(id))
        .select(Tenant::as_select()) => first::<Tenant>)
    .optional()?
    .ok_or_else(|| Error::not_found(ENTITY, id))
}

/// Live tenants, oldest first, after `page.after`.
pub fn list(conn: &mut AnyConnection, page: Page<TenantId>) -> Result<Vec<Tenant>> {
    page_of(conn, false, page)
}

/// For audits only: tenants, deleted ones too, oldest first, after `page.after`.
pub fn audit_list_including_deleted(
    conn: &mut AnyConnection,
    page: Page<TenantId>,
) -> Result<Vec<Tenant>> {
    page_of(conn, true, page)
}

/// One keyset page of tenants: the live ones, or (audits) all.
fn page_of(
    conn: &mut AnyConnection,
    including_deleted: bool,
    page: Page<TenantId>,
) -> Result<Vec<Tenant>> {
    let limit = page.checked_limit()?;
    Ok(on_native!(conn, |c| {
        let mut rows = tenants::table.select(Tenant::as_select()).into_boxed();
        if !including_deleted {
            rows = rows.filter(tenants::deleted_at.is_null());
        }
        if let Some(after) = page.after {
            rows = rows.filter(tenants::tenant_id.gt(after));
        }
        rows.order(tenants::tenant_id.asc())
            .limit(limit)
            .load::<Tenant>(c)
    })?)
}

/// Updates a live tenant and bumps `modified_at`.
pub fn update(conn: &mut AnyConnection, id: TenantId, changes: TenantChanges) -> Result<Tenant> {
    changes.validate()?;
    super::write_blocking(conn, move |c| {
        Box::pin(async move { update_on(c, id, &changes).await })
    })
}

/// [`update`] from async code, in one write transaction on the backend's fastest connection
/// ([`Database::unit_write`](crate::Database::unit_write)).
pub async fn update_async(
    db: &crate::Database,
    id: TenantId,
    changes: TenantChanges,
) -> Result<Tenant> {
    changes.validate()?;
    db.unit_write(move |c| Box::pin(async move { update_on(c, id, &changes).await }))
        .await
}

/// Applies `changes` and bumps `modified_at`, inside the caller's write transaction.
async fn update_on(
    mut conn: crate::native::UnitConnection<'_>,
    id: TenantId,
    changes: &TenantChanges,
) -> Result<Tenant> {
    let now = Timestamp::now();
    let n = stmt!(conn.reborrow(), diesel::update(live().filter(tenants::tenant_id.eq(id)))
        .set((changes, tenants::modified_at.eq(now))) => execute)?;
    if n == 0 {
        return Err(Error::not_found(ENTITY, id));
    }
    get_on(conn, id).await
}

/// Soft-deletes the tenant and, in the same transaction and with the same `deleted_at`, its
/// rows in every other entity's table (users, API keys, sensors, rules, rule–sensor links,
/// configurations: the entity list).
pub fn soft_delete(conn: &mut AnyConnection, id: TenantId) -> Result<Deleted> {
    super::write_blocking(conn, move |c| Box::pin(soft_delete_on(c, id)))
}

/// [`soft_delete`] from async code, in one write transaction on the backend's fastest
/// connection ([`Database::unit_write`](crate::Database::unit_write)).
pub async fn soft_delete_async(db: &crate::Database, id: TenantId) -> Result<Deleted> {
    db.unit_write(move |c| Box::pin(soft_delete_on(c, id)))
        .await
}

/// Marks the tenant and its rows deleted at one instant, inside the caller's write transaction.
async fn soft_delete_on(
    mut conn: crate::native::UnitConnection<'_>,
    id: TenantId,
) -> Result<Deleted> {
    let now = Timestamp::now();
    let n = stmt!(conn.reborrow(), diesel::update(live().filter(tenants::tenant_id.eq(id)))
        .set((tenants::deleted_at.eq(now), tenants::modified_at.eq(now))) => execute)?;
    if n == 0 {
        return Err(Error::not_found(ENTITY, id));
    }
    let children = super::entities::mark_tenant_rows_deleted_on(conn, id, now).await?;
    Ok(Deleted {
        deleted_at: now,
        children,
    })
}

/// A named soft delete's cascade: if the tenant was deleted at `at`, marks its live rows in
/// every other entity's table deleted with the same instant (what [`soft_delete`] marks);
/// returns how many.
#[doc(hidden)]
pub fn cascade_deleted_at(
    conn: &mut AnyConnection,
    tenant: TenantId,
    at: Timestamp,
) -> Result<usize> {
    let deleted: i64 = tenants::table
        .filter(tenants::tenant_id.eq(tenant))
        .filter(tenants::deleted_at.eq(at))
        .count()
        .get_result(conn)?;
    if deleted == 0 {
        return Ok(0);
    }
    crate::native::ready(super::entities::mark_tenant_rows_deleted_on(
        crate::native::UnitConnection::Blocking(conn),
        tenant,
        at,
    ))
}

/// For audits only: the tenant `id` whether or not it was deleted.
pub fn audit_get_including_deleted(conn: &mut AnyConnection, id: TenantId) -> Result<Tenant> {
    on_native!(conn, |c| tenants::table
        .filter(tenants::tenant_id.eq(id))
        .select(Tenant::as_select())
        .first::<Tenant>(c)
        .optional())?
    .ok_or_else(|| Error::not_found(ENTITY, id))
}

/// Whether `id` is a live tenant.
pub fn is_live(conn: &mut AnyConnection, id: TenantId) -> Result<bool> {
    crate::native::ready(is_live_on(
        crate::native::UnitConnection::Blocking(conn),
        id,
    ))
}

/// [`is_live`] on any connection.
pub(crate) async fn is_live_on(
    conn: crate::native::UnitConnection<'_>,
    id: TenantId,
) -> Result<bool> {
    let n: i64 = stmt!(conn, live()
        .filter(tenants::tenant_id.eq(id))
        .count() => get_result::<i64>)?;
    Ok(n > 0)
}

/// The check every row owned by a tenant passes before it is inserted: its tenant is live (the
/// database's foreign key cannot see soft deletes). `entity` names the row in the error.
pub(crate) async fn require_live_on(
    conn: crate::native::UnitConnection<'_>,
    entity: &'static str,
    id: TenantId,
) -> Result<()> {
    if is_live_on(conn, id).await? {
        Ok(())
    } else {
        Err(Error::ForeignKey {
            entity,
            referenced: "tenant",
            source: None,
        })
    }
}

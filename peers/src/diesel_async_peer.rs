//! diesel-async 0.9 with its bb8 pool (its own module: diesel-async's `RunQueryDsl` and
//! diesel's share method names).

use std::sync::Arc;

use diesel::{ExpressionMethods, QueryDsl, SelectableHelper, SqliteConnection};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, AsyncPgConnection};
use trapperkeeper_db::repository::sensors::Sensor;
use trapperkeeper_db::schema::sensors as t;
use trapperkeeper_db::url::Backend;

use crate::contenders::{
    check_get, check_page, AsyncContender, BoxFut, Fixture, Op, SQLITE_PRAGMAS,
};

type DaPool<C> = bb8::Pool<AsyncDieselConnectionManager<C>>;

/// diesel-async 0.9 with its bb8 pool: native async connections on PostgreSQL and MySQL,
/// `SyncConnectionWrapper<SqliteConnection>` (a blocking task per statement) on SQLite.
pub enum DieselAsync {
    Pg(DaPool<AsyncPgConnection>, Arc<Fixture>),
    My(DaPool<AsyncMysqlConnection>, Arc<Fixture>),
    Lite(
        DaPool<SyncConnectionWrapper<SqliteConnection>>,
        Arc<Fixture>,
    ),
}

/// A bb8 pool of `size` over diesel-async's manager (a macro: the manager's bounds are per
/// connection type).
macro_rules! da_pool {
    ($url:expr, $size:expr, $config:expr) => {
        bb8::Pool::builder()
            .max_size($size)
            .build(AsyncDieselConnectionManager::new_with_config($url, $config))
            .await
            .unwrap()
    };
}

impl DieselAsync {
    pub async fn open(fx: Arc<Fixture>, size: u32) -> Self {
        match fx.backend {
            Backend::Postgres => {
                let mut config = ManagerConfig::default();
                config.recycling_method = RecyclingMethod::Fast;
                Self::Pg(da_pool!(&fx.url, size, config), fx)
            }
            Backend::Mysql => {
                let mut config = ManagerConfig::<AsyncMysqlConnection>::default();
                config.recycling_method = RecyclingMethod::Fast;
                // TCP, as every other contender: mysql_async's default would switch a loopback
                // connection to the server's Unix socket (the project keeps the address given,
                // where its blocking driver signs in).
                let sep = if fx.url.contains('?') { '&' } else { '?' };
                let url = format!("{}{sep}prefer_socket=false", fx.url);
                Self::My(da_pool!(&url, size, config), fx)
            }
            Backend::Sqlite => {
                let mut config =
                    ManagerConfig::<SyncConnectionWrapper<SqliteConnection>>::default();
                config.recycling_method = RecyclingMethod::Fast;
                config.custom_setup = Box::new(|url| {
                    let url = url.to_string();
                    Box::pin(async move {
                        let mut c =
                            SyncConnectionWrapper::<SqliteConnection>::establish(&url).await?;
                        diesel_async::SimpleAsyncConnection::batch_execute(&mut c, SQLITE_PRAGMAS)
                            .await
                            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                        Ok(c)
                    })
                });
                let path = fx.sqlite_path.clone().unwrap();
                Self::Lite(da_pool!(path.to_str().unwrap(), size, config), fx)
            }
        }
    }
}

/// The same diesel-async code for each native connection type.
macro_rules! diesel_async_call {
    ($pool:expr, $fx:expr, $op:expr, $i:expr) => {{
        use diesel_async::RunQueryDsl as _;
        let mut c = $pool.get().await.unwrap();
        let fx = $fx;
        match $op {
            Op::Get => {
                let id = fx.id($i);
                let s: Sensor = t::table
                    .filter(t::tenant_id.eq(fx.tenant))
                    .filter(t::deleted_at.is_null())
                    .filter(t::sensor_id.eq(id))
                    .select(Sensor::as_select())
                    .first(&mut *c)
                    .await
                    .unwrap();
                check_get(id, s.sensor_id);
            }
            Op::Insert => {
                let row = fx.new_row();
                let n = diesel::insert_into(t::table)
                    .values(&row)
                    .execute(&mut *c)
                    .await
                    .unwrap();
                assert_eq!(n, 1);
            }
            Op::InsertTx => {
                let row = fx.new_row();
                let n = c
                    .transaction(async |c| {
                        diesel::insert_into(t::table)
                            .values(&row)
                            .execute(c)
                            .await
                            .map_err(|e: diesel::result::Error| e)
                    })
                    .await
                    .unwrap();
                assert_eq!(n, 1);
            }
            Op::List => {
                let after = fx.after($i);
                let rows: Vec<Sensor> = if fx.backend == Backend::Mysql {
                    diesel::sql_query(fx.page_sql(|_| "?".into()))
                        .bind::<trapperkeeper_db::types::sql::Uuid36, _>(fx.tenant)
                        .bind::<trapperkeeper_db::types::sql::Uuid36, _>(after)
                        .load(&mut *c)
                        .await
                        .unwrap()
                } else {
                    t::table
                        .filter(t::tenant_id.eq(fx.tenant))
                        .filter(t::deleted_at.is_null())
                        .filter(t::sensor_id.gt(after))
                        .order(t::sensor_id)
                        .limit(50)
                        .select(Sensor::as_select())
                        .load(&mut *c)
                        .await
                        .unwrap()
                };
                check_page(rows.len());
            }
        }
    }};
}

impl AsyncContender for DieselAsync {
    fn name(&self) -> &'static str {
        "diesel-async + bb8"
    }

    fn call(&self, op: Op, i: u64) -> BoxFut<'_> {
        Box::pin(async move {
            match self {
                Self::Pg(pool, fx) => diesel_async_call!(pool, fx, op, i),
                Self::My(pool, fx) => diesel_async_call!(pool, fx, op, i),
                Self::Lite(pool, fx) => diesel_async_call!(pool, fx, op, i),
            }
        })
    }
}

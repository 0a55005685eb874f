//! The raw-SQL baselines: a plain axum handler that answers the dashboard query with two
//! hand-written statements (the groups with their active-member counts; the first 50
//! active members of every group, with their people) and serialises the same JSON the
//! GraphQL server returns. What our server is measured against, in two forms of the
//! second statement: the obvious one (a row number per group over every member, by a
//! window function) and the fast one (one `LIMIT` per group on the index).

use std::net::SocketAddr;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;
use chrono::{DateTime, Utc};
use sea_orm::sqlx::{self, PgPool, SqlitePool};
use serde::Serialize;

const GROUPS_SQL: &str = "SELECT g.id, g.name_en, g.summary_en, \
       (SELECT COUNT(*) FROM membership m WHERE m.working_group_id = g.id AND m.status = 'active') \
     FROM working_group g JOIN area_of_action a ON a.id = g.area_id \
     ORDER BY a.number, g.id";

/// The first 50 active members of every group with their people, numbered by a window
/// function over all of them.
const WINDOW_MEMBERS_SQL: &str = "SELECT working_group_id, role, since, display_name, organisation, country \
     FROM (SELECT m.working_group_id, m.id, m.role, m.since, p.display_name, p.organisation, p.country, \
                  ROW_NUMBER() OVER (PARTITION BY m.working_group_id ORDER BY m.id) AS row_rank \
             FROM membership m JOIN person p ON p.id = m.person_id \
            WHERE m.status = 'active') ranked \
     WHERE row_rank <= 50 ORDER BY working_group_id, id";

/// How the baseline cuts each group's first page of members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// A window function numbers every active member ([`WINDOW_MEMBERS_SQL`]).
    Window,
    /// One `ORDER BY id LIMIT 50` per group ([`members_sql`]).
    LimitPerGroup,
}

impl Paging {
    /// The name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Paging::Window => "window",
            Paging::LimitPerGroup => "limit",
        }
    }

    /// The paging named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [Paging::Window, Paging::LimitPerGroup]
            .into_iter()
            .find(|paging| paging.name() == name)
    }

    fn members_sql(self, groups: &[GroupRow]) -> String {
        match self {
            Paging::Window => WINDOW_MEMBERS_SQL.to_owned(),
            Paging::LimitPerGroup => members_sql(groups),
        }
    }
}

/// The first 50 active members of each group with their people: each group's page cut by
/// its own `ORDER BY id LIMIT 50` on the (group, status, id) index, so a page reads its
/// own rows and not every member of the group. Group ids come from the database as
/// integers, so they are written into the statement.
fn members_sql(groups: &[GroupRow]) -> String {
    let pages: Vec<String> = groups
        .iter()
        .map(|(id, ..)| {
            format!(
                "SELECT id FROM (SELECT id FROM membership WHERE working_group_id = {id} \
                 AND status = 'active' ORDER BY id LIMIT 50) AS page_{id}"
            )
        })
        .collect();
    format!(
        "SELECT m.working_group_id, m.role, m.since, p.display_name, p.organisation, p.country \
         FROM membership m JOIN person p ON p.id = m.person_id \
         WHERE m.id IN ({}) ORDER BY m.working_group_id, m.id",
        pages.join(" UNION ALL ")
    )
}

type GroupRow = (i32, String, String, i64);
type MemberRow = (i32, String, DateTime<Utc>, String, String, String);

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Pool {
    async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        // As many connections as the server's pool (`database.max_connections`).
        if url.starts_with("sqlite:") {
            let connect: sqlx::sqlite::SqliteConnectOptions = url.parse()?;
            let pool = sqlx::pool::PoolOptions::new()
                .max_connections(8)
                .connect_with(connect)
                .await?;
            Ok(Pool::Sqlite(pool))
        } else {
            let pool = sqlx::pool::PoolOptions::new()
                .max_connections(8)
                .connect(url)
                .await?;
            Ok(Pool::Postgres(pool))
        }
    }

    async fn dashboard(&self, paging: Paging) -> Result<Vec<u8>, sqlx::Error> {
        let (groups, members): (Vec<GroupRow>, Vec<MemberRow>) = match self {
            Pool::Sqlite(pool) => {
                let groups: Vec<GroupRow> = sqlx::query_as(GROUPS_SQL).fetch_all(pool).await?;
                let members = sqlx::query_as(sqlx::AssertSqlSafe(paging.members_sql(&groups)))
                    .fetch_all(pool)
                    .await?;
                (groups, members)
            }
            Pool::Postgres(pool) => {
                let groups: Vec<GroupRow> = sqlx::query_as(GROUPS_SQL).fetch_all(pool).await?;
                let members = sqlx::query_as(sqlx::AssertSqlSafe(paging.members_sql(&groups)))
                    .fetch_all(pool)
                    .await?;
                (groups, members)
            }
        };
        Ok(render(groups, members))
    }
}

#[derive(Serialize)]
struct Response {
    data: Data,
}

#[derive(Serialize)]
struct Data {
    #[serde(rename = "workingGroups")]
    working_groups: Vec<Group>,
}

#[derive(Serialize)]
struct Group {
    name: String,
    summary: String,
    members: Members,
}

#[derive(Serialize)]
struct Members {
    #[serde(rename = "totalCount")]
    total_count: i64,
    edges: Vec<Edge>,
}

#[derive(Serialize)]
struct Edge {
    node: Node,
}

#[derive(Serialize)]
struct Node {
    role: String,
    since: String,
    person: Person,
}

#[derive(Serialize)]
struct Person {
    #[serde(rename = "displayName")]
    display_name: String,
    organisation: String,
    country: String,
}

fn render(groups: Vec<GroupRow>, members: Vec<MemberRow>) -> Vec<u8> {
    let mut working_groups: Vec<(i32, Group)> = groups
        .into_iter()
        .map(|(id, name, summary, total_count)| {
            let group = Group {
                name,
                summary,
                members: Members {
                    total_count,
                    edges: Vec::new(),
                },
            };
            (id, group)
        })
        .collect();
    for (group, role, since, display_name, organisation, country) in members {
        if let Some((_, entry)) = working_groups.iter_mut().find(|(id, _)| *id == group) {
            entry.members.edges.push(Edge {
                node: Node {
                    role: role.to_uppercase(),
                    since: since.to_rfc3339(),
                    person: Person {
                        display_name,
                        organisation,
                        country,
                    },
                },
            });
        }
    }
    let response = Response {
        data: Data {
            working_groups: working_groups.into_iter().map(|(_, group)| group).collect(),
        },
    };
    serde_json::to_vec(&response).unwrap_or_default()
}

/// Serves `POST /graphql` (any body: the dashboard) over `database_url` on a free loopback
/// port; prints `listening on http://ADDRESS` on standard error once ready.
pub async fn serve(database_url: &str, paging: Paging) {
    let pool = Pool::connect(database_url)
        .await
        .expect("the baseline connects to the database");
    let app = Router::new().route(
        "/graphql",
        post(move || {
            let pool = pool.clone();
            async move {
                match pool.dashboard(paging).await {
                    Ok(body) => {
                        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
                    }
                    Err(error) => (
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        error.to_string(),
                    )
                        .into_response(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("a loopback port");
    let address = listener.local_addr().expect("a bound address");
    eprintln!("listening on http://{address}");
    axum::serve(listener, app)
        .await
        .expect("the baseline serves");
}

//! `WorkingGroup.activity` and `Coalition.activity`: the activity log as history, typed
//! like the live events and filtered by the same policy.

use async_graphql::connection::PageInfo;
use async_graphql::{Context, SimpleObject};
use coalition_domain::pagination::PageRequest;
use coalition_services::history::HistoryScope;

use crate::context::{api, viewer};
use crate::error::ApiError;
use crate::live::ActivityEvent;

/// The list's name inside its cursors.
const LIST: &str = "activity";

/// A page of history, newest first.
#[derive(SimpleObject)]
pub(crate) struct ActivityConnection {
    /// Information to aid in pagination. `endCursor` continues after the last entry the
    /// server looked at, which may lie past the last one shown.
    page_info: PageInfo,
    /// The entries of this page.
    edges: Vec<ActivityEdge>,
}

/// One entry of a page of history.
#[derive(SimpleObject)]
pub(crate) struct ActivityEdge {
    /// Where this entry stands, for `after`.
    cursor: String,
    /// The entry.
    node: ActivityEvent,
}

/// Resolves an `activity` field over `scope`.
pub(crate) async fn history_page(
    ctx: &Context<'_>,
    scope: HistoryScope,
    first: Option<i32>,
    after: Option<String>,
) -> Result<ActivityConnection, ApiError> {
    let api = api(ctx)?;
    let after = after
        .as_deref()
        .map(|raw| crate::cursor::decode(raw, LIST, "after"))
        .transpose()?;
    let page = PageRequest::new(first, after, api.page_limits)?;
    let history = api.services.history(viewer(ctx), scope, page).await?;
    let edges: Vec<ActivityEdge> = history
        .items
        .into_iter()
        .map(|event| ActivityEdge {
            cursor: crate::cursor::encode(LIST, event.id),
            node: ActivityEvent::new(event),
        })
        .collect();
    Ok(ActivityConnection {
        page_info: PageInfo {
            has_previous_page: after.is_some(),
            has_next_page: history.has_next_page,
            start_cursor: edges.first().map(|edge| edge.cursor.clone()),
            end_cursor: history.scanned_to.map(|id| crate::cursor::encode(LIST, id)),
        },
        edges,
    })
}

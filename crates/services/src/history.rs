//! The activity log read back as history: a group's, or the whole coalition's, newest
//! first, each entry shown only to those the policy lets read it, as the live
//! `groupActivity` subscription shows them.

use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::events::Event;
use coalition_domain::pagination::PageRequest;
use coalition_domain::policy::{self, Action, Viewer};

use crate::{ServiceError, Services};

/// Entries read per statement while filling a page: a page of mostly hidden entries
/// (someone else's account events, another group's internals) takes a few statements,
/// never one per entry.
const SCAN_BATCH: u64 = 200;

/// Statements one page may take before it is returned short; `has_next_page` then says
/// that the scan goes on from its last entry.
const MAX_SCANS: usize = 5;

/// One page of history and where the scan stopped (the cursor of the next page, which
/// may lie past the last entry shown when hidden entries followed it).
#[derive(Debug)]
pub struct HistoryPage {
    /// The entries shown, newest first.
    pub items: Vec<Event>,
    /// Whether the scan may find more after `scanned_to`.
    pub has_next_page: bool,
    /// The id of the last entry scanned, for the next page's `after`.
    pub scanned_to: Option<i32>,
}

/// Whose history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryScope {
    /// One group's log; for those who may read the group's internals.
    Group(WorkingGroupId),
    /// Everything the viewer may read: coalition-wide entries, and the internals of the
    /// groups they belong to.
    Coalition,
}

/// Whether `viewer` sees `event` in a history: the entry itself must be readable, and a
/// group's entry only by those who follow the group's internals (the live subscription's
/// audience), so roster consent holds in history as it does in member lists.
fn shows(viewer: &Viewer, event: &Event) -> bool {
    let group_readable = event
        .working_group()
        .is_none_or(|group| policy::allows(viewer, Action::ReadGroupInternals(group)));
    group_readable && policy::allows(viewer, Action::read_change(&event.change))
}

impl Services {
    /// One page of `scope`'s history after the entry `page.after`, newest first.
    pub async fn history(
        &self,
        viewer: &Viewer,
        scope: HistoryScope,
        page: PageRequest,
    ) -> Result<HistoryPage, ServiceError> {
        let group = match scope {
            HistoryScope::Group(group) => {
                policy::ensure(viewer, Action::ReadGroupInternals(group))?;
                self.store.working_group(group).await?;
                Some(group)
            }
            HistoryScope::Coalition => None,
        };
        let wanted = page.size as usize;
        let mut shown = Vec::with_capacity(wanted + 1);
        let mut cursor = page.after;
        let mut exhausted = false;
        for _ in 0..MAX_SCANS {
            let batch = self
                .store
                .activity_before(group, cursor, SCAN_BATCH)
                .await?;
            exhausted = (batch.len() as u64) < SCAN_BATCH;
            for event in batch {
                cursor = Some(event.id);
                if shows(viewer, &event) {
                    shown.push(event);
                    if shown.len() > wanted {
                        break;
                    }
                }
            }
            if shown.len() > wanted || exhausted {
                break;
            }
        }
        let has_next_page = shown.len() > wanted || !exhausted;
        if shown.len() > wanted {
            shown.truncate(wanted);
            cursor = shown.last().map(|event| event.id);
        }
        Ok(HistoryPage {
            items: shown,
            has_next_page,
            scanned_to: cursor,
        })
    }
}

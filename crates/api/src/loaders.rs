//! Per-request batch loaders: every relation a resolver follows (a group's members, a
//! meeting's agenda, an item's owner, …) asks one of these, and the keys all sibling
//! resolvers ask for at one level are read in one statement. Only data is batched: each
//! resolver still applies the policy to its own item.
//!
//! Over HTTP a request's loads run inside the request's own task ([`Loaders::local`] and
//! [`LocalLoads::run_beside`]): a batch is cut only once the executor has polled every
//! sibling, so the statement count does not depend on timing. Elsewhere (subscriptions)
//! they are spawned on the runtime and wait [`SPAWNED_DELAY`] for their siblings.

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{Context, Request, ServerResult};
use chrono::{DateTime, Utc};
use coalition_domain::accounts::Account;
use coalition_domain::agenda::{ActionItem, AgendaItem};
use coalition_domain::balance::BalanceReport;
use coalition_domain::coalition::{AreaId, AreaOfAction, TextKey, WorkingGroup, WorkingGroupId};
use coalition_domain::documents::{Document, DocumentId};
use coalition_domain::meetings::{Meeting, MeetingId, RsvpResponse};
use coalition_domain::membership::{
    Invitation, InvitationId, Member, MemberFilter, Membership, MembershipId,
};
use coalition_domain::pagination::PageRequest;
use coalition_domain::people::{Person, PersonId};
use coalition_services::ServiceError;
use coalition_store::{MeetingScope, Store};
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc;

use crate::error::ApiError;

/// How long a spawned batch waits for sibling keys (subscriptions only).
pub const SPAWNED_DELAY: Duration = Duration::from_millis(1);

/// The loaders of one request (or one subscription).
pub struct Loaders(DataLoader<StoreLoader>);

/// The batch loads of a request's [`Loaders`], to be run beside its execution.
pub struct LocalLoads(mpsc::UnboundedReceiver<BoxFuture<'static, ()>>);

impl Loaders {
    /// Loaders whose batches run on the runtime (for subscriptions and tools).
    pub fn spawning(store: Store) -> Self {
        let loader = DataLoader::new(StoreLoader { store }, tokio::spawn).delay(SPAWNED_DELAY);
        Self(loader)
    }

    /// Loaders whose batches run in the request's task, driven by the returned
    /// [`LocalLoads`].
    pub fn local(store: Store) -> (Self, LocalLoads) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let spawn = move |task: BoxFuture<'static, ()>| {
            // The receiver outlives the request's execution; if it is gone, so is the
            // request that wanted the data.
            let _ = sender.send(task);
        };
        let loader = DataLoader::new(StoreLoader { store }, spawn).delay(Duration::ZERO);
        (Self(loader), LocalLoads(receiver))
    }

    /// One value; `None` when nothing has that key.
    pub(crate) async fn one<K>(
        &self,
        key: K,
    ) -> Result<Option<<StoreLoader as Loader<K>>::Value>, ApiError>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        StoreLoader: Loader<K, Error = ServiceError>,
    {
        Ok(self.0.load_one(key).await?)
    }

    /// Several values, by key; keys with nothing are left out.
    pub(crate) async fn many<K>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<HashMap<K, <StoreLoader as Loader<K>>::Value>, ApiError>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        StoreLoader: Loader<K, Error = ServiceError>,
    {
        Ok(self.0.load_many(keys).await?)
    }
}

impl LocalLoads {
    /// Runs `execution` to its end, running the batch loads it starts in the same task.
    pub async fn run_beside<F: Future>(self, execution: F) -> F::Output {
        let mut execution = std::pin::pin!(execution);
        let mut incoming = self.0;
        let mut running = FuturesUnordered::new();
        std::future::poll_fn(move |cx| {
            loop {
                if let Poll::Ready(output) = execution.as_mut().poll(cx) {
                    return Poll::Ready(output);
                }
                let mut progressed = false;
                while let Poll::Ready(Some(task)) = incoming.poll_recv(cx) {
                    running.push(task);
                    progressed = true;
                }
                while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {
                    progressed = true;
                }
                if !progressed {
                    return Poll::Pending;
                }
            }
        })
        .await
    }
}

/// The request's loaders; their absence is a wiring bug, reported as an internal error.
pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> Result<&'a Loaders, ApiError> {
    ctx.data::<Loaders>()
        .map_err(|_| ApiError::internal("Loaders missing from request data"))
}

/// Reads the store for batches of keys.
pub struct StoreLoader {
    store: Store,
}

/// The working group that carries an area of action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct GroupOfArea(pub AreaId);

/// A person's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct AccountOf(pub PersonId);

/// Every membership of a person, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct MembershipsOf(pub PersonId);

/// A meeting's agenda, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct AgendaOf(pub MeetingId);

/// The action items raised at a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ActionItemsOf(pub MeetingId);

/// How many answered a meeting each way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct RsvpCountsOf(pub MeetingId);

/// One person's answer to a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct AnswerOf {
    pub meeting: MeetingId,
    pub person: PersonId,
}

/// One person's answer to one occurrence of a series (public calendar feature).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct OccurrenceAnswerOf {
    pub meeting: MeetingId,
    pub occurrence: DateTime<Utc>,
    pub person: PersonId,
}

/// The answers to single occurrences of a series, with the series answers they override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct OccurrenceOverridesOf(pub MeetingId);

/// The balance of a group's active members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct BalanceOf(pub WorkingGroupId);

/// One page of a group's members.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct MembersPage {
    pub group: WorkingGroupId,
    pub filter: MemberFilter,
    pub page: PageRequest,
}

/// How many of a group's members match a filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct MemberCount {
    pub group: WorkingGroupId,
    pub filter: MemberFilter,
}

/// A group's meetings that may have an occurrence in `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct GroupMeetings {
    pub group: WorkingGroupId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// The open action items of a group (the plenaries' for `None`) raised before `before`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct OpenItemsBefore {
    pub group: Option<WorkingGroupId>,
    pub before: DateTime<Utc>,
}

fn distinct<K: Copy + Eq + Hash, T>(keys: &[T], key: impl Fn(&T) -> K) -> Vec<K> {
    let mut seen = HashSet::new();
    keys.iter()
        .map(key)
        .filter(|key| seen.insert(*key))
        .collect()
}

/// Every key gets a value: an empty list where the store had nothing.
fn lists<K: Copy + Eq + Hash, I: Copy + Eq + Hash, T>(
    keys: &[K],
    id: impl Fn(&K) -> I,
    mut found: HashMap<I, Vec<T>>,
) -> HashMap<K, Vec<T>>
where
    T: Clone,
{
    keys.iter()
        .map(|key| (*key, found.remove(&id(key)).unwrap_or_default()))
        .collect()
}

impl Loader<WorkingGroupId> for StoreLoader {
    type Value = WorkingGroup;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[WorkingGroupId],
    ) -> Result<HashMap<WorkingGroupId, WorkingGroup>, ServiceError> {
        let groups = self.store.working_groups_by_id(keys).await?;
        Ok(groups.into_iter().map(|group| (group.id, group)).collect())
    }
}

impl Loader<GroupOfArea> for StoreLoader {
    type Value = WorkingGroup;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[GroupOfArea],
    ) -> Result<HashMap<GroupOfArea, WorkingGroup>, ServiceError> {
        let areas: Vec<AreaId> = keys.iter().map(|key| key.0).collect();
        let groups = self.store.working_groups_for_areas(&areas).await?;
        let mut by_area = HashMap::new();
        for group in groups {
            // The first group of an area, as `Store::working_group_for_area` answers.
            by_area.entry(GroupOfArea(group.area_id)).or_insert(group);
        }
        Ok(by_area)
    }
}

impl Loader<AreaId> for StoreLoader {
    type Value = AreaOfAction;
    type Error = ServiceError;

    async fn load(&self, keys: &[AreaId]) -> Result<HashMap<AreaId, AreaOfAction>, ServiceError> {
        let areas = self.store.areas_by_id(keys).await?;
        Ok(areas.into_iter().map(|area| (area.id, area)).collect())
    }
}

// Content in the six UN languages.
impl Loader<TextKey> for StoreLoader {
    type Value = String;
    type Error = ServiceError;

    async fn load(&self, keys: &[TextKey]) -> Result<HashMap<TextKey, String>, ServiceError> {
        Ok(self.store.content_translations(keys).await?)
    }
}

impl Loader<PersonId> for StoreLoader {
    type Value = Person;
    type Error = ServiceError;

    async fn load(&self, keys: &[PersonId]) -> Result<HashMap<PersonId, Person>, ServiceError> {
        let people = self.store.people_by_id(keys).await?;
        Ok(people
            .into_iter()
            .map(|person| (person.id, person))
            .collect())
    }
}

impl Loader<AccountOf> for StoreLoader {
    type Value = Account;
    type Error = ServiceError;

    async fn load(&self, keys: &[AccountOf]) -> Result<HashMap<AccountOf, Account>, ServiceError> {
        let people: Vec<PersonId> = keys.iter().map(|key| key.0).collect();
        let accounts = self.store.accounts_of(&people).await?;
        Ok(accounts
            .into_iter()
            .map(|account| (AccountOf(account.person_id), account))
            .collect())
    }
}

impl Loader<MembershipsOf> for StoreLoader {
    type Value = Vec<Membership>;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[MembershipsOf],
    ) -> Result<HashMap<MembershipsOf, Vec<Membership>>, ServiceError> {
        let people: Vec<PersonId> = keys.iter().map(|key| key.0).collect();
        let found = self.store.memberships_of_people(&people).await?;
        Ok(lists(keys, |key| key.0, found))
    }
}

impl Loader<MembershipId> for StoreLoader {
    type Value = Member;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[MembershipId],
    ) -> Result<HashMap<MembershipId, Member>, ServiceError> {
        let members = self.store.members_by_id(keys).await?;
        Ok(members
            .into_iter()
            .map(|member| (member.membership.id, member))
            .collect())
    }
}

impl Loader<DocumentId> for StoreLoader {
    type Value = Document;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[DocumentId],
    ) -> Result<HashMap<DocumentId, Document>, ServiceError> {
        let documents = self.store.documents_by_id(keys).await?;
        Ok(documents
            .into_iter()
            .map(|document| (document.id, document))
            .collect())
    }
}

impl Loader<InvitationId> for StoreLoader {
    type Value = Invitation;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[InvitationId],
    ) -> Result<HashMap<InvitationId, Invitation>, ServiceError> {
        let invitations = self.store.invitations_by_id(keys).await?;
        Ok(invitations
            .into_iter()
            .map(|invitation| (invitation.id, invitation))
            .collect())
    }
}

impl Loader<MeetingId> for StoreLoader {
    type Value = Meeting;
    type Error = ServiceError;

    async fn load(&self, keys: &[MeetingId]) -> Result<HashMap<MeetingId, Meeting>, ServiceError> {
        let meetings = self.store.meetings_by_id(keys).await?;
        Ok(meetings
            .into_iter()
            .map(|meeting| (meeting.id, meeting))
            .collect())
    }
}

impl Loader<AgendaOf> for StoreLoader {
    type Value = Vec<AgendaItem>;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[AgendaOf],
    ) -> Result<HashMap<AgendaOf, Vec<AgendaItem>>, ServiceError> {
        let meetings: Vec<MeetingId> = keys.iter().map(|key| key.0).collect();
        let found = self.store.agendas(&meetings).await?;
        Ok(lists(keys, |key| key.0, found))
    }
}

impl Loader<ActionItemsOf> for StoreLoader {
    type Value = Vec<ActionItem>;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[ActionItemsOf],
    ) -> Result<HashMap<ActionItemsOf, Vec<ActionItem>>, ServiceError> {
        let meetings: Vec<MeetingId> = keys.iter().map(|key| key.0).collect();
        let found = self.store.action_items_of_meetings(&meetings).await?;
        Ok(lists(keys, |key| key.0, found))
    }
}

impl Loader<RsvpCountsOf> for StoreLoader {
    type Value = Vec<(RsvpResponse, u64)>;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[RsvpCountsOf],
    ) -> Result<HashMap<RsvpCountsOf, Vec<(RsvpResponse, u64)>>, ServiceError> {
        let meetings: Vec<MeetingId> = keys.iter().map(|key| key.0).collect();
        let found = self.store.rsvp_counts_of(&meetings).await?;
        Ok(lists(keys, |key| key.0, found))
    }
}

impl Loader<AnswerOf> for StoreLoader {
    type Value = RsvpResponse;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[AnswerOf],
    ) -> Result<HashMap<AnswerOf, RsvpResponse>, ServiceError> {
        let mut answers = HashMap::new();
        // One statement per person asking: a request has one viewer.
        for person in distinct(keys, |key| key.person) {
            let meetings: Vec<MeetingId> = keys
                .iter()
                .filter(|key| key.person == person)
                .map(|key| key.meeting)
                .collect();
            let found = self.store.answers_of(person, &meetings).await?;
            answers.extend(
                found
                    .into_iter()
                    .map(|(meeting, answer)| (AnswerOf { meeting, person }, answer)),
            );
        }
        Ok(answers)
    }
}

impl Loader<OccurrenceAnswerOf> for StoreLoader {
    type Value = RsvpResponse;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[OccurrenceAnswerOf],
    ) -> Result<HashMap<OccurrenceAnswerOf, RsvpResponse>, ServiceError> {
        let mut answers = HashMap::new();
        // One statement per person asking: a request has one viewer.
        for person in distinct(keys, |key| key.person) {
            let meetings = distinct(keys, |key| key.meeting);
            let found = self.store.occurrence_answers_of(person, &meetings).await?;
            answers.extend(
                keys.iter()
                    .filter(|key| key.person == person)
                    .filter_map(|key| {
                        let answer = found.get(&(key.meeting, key.occurrence))?;
                        Some((*key, *answer))
                    }),
            );
        }
        Ok(answers)
    }
}

impl Loader<OccurrenceOverridesOf> for StoreLoader {
    type Value = Vec<coalition_store::OccurrenceOverride>;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[OccurrenceOverridesOf],
    ) -> Result<HashMap<OccurrenceOverridesOf, Self::Value>, ServiceError> {
        let meetings: Vec<MeetingId> = keys.iter().map(|key| key.0).collect();
        let mut found: HashMap<MeetingId, Self::Value> = HashMap::new();
        for answer in self.store.occurrence_overrides_of(&meetings).await? {
            found.entry(answer.meeting).or_default().push(answer);
        }
        Ok(lists(keys, |key| key.0, found))
    }
}

impl Loader<BalanceOf> for StoreLoader {
    type Value = BalanceReport;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[BalanceOf],
    ) -> Result<HashMap<BalanceOf, BalanceReport>, ServiceError> {
        let groups: Vec<WorkingGroupId> = keys.iter().map(|key| key.0).collect();
        let reports = self.store.balances(&groups).await?;
        Ok(reports
            .into_iter()
            .map(|(group, report)| (BalanceOf(group), report))
            .collect())
    }
}

impl Loader<MembersPage> for StoreLoader {
    type Value = (Vec<Member>, bool);
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[MembersPage],
    ) -> Result<HashMap<MembersPage, (Vec<Member>, bool)>, ServiceError> {
        let mut pages = HashMap::new();
        // One statement per distinct filter and page: a dashboard asks the same of every group.
        let mut shapes: Vec<(&MemberFilter, PageRequest)> = Vec::new();
        for key in keys {
            if !shapes.contains(&(&key.filter, key.page)) {
                shapes.push((&key.filter, key.page));
            }
        }
        for (filter, page) in shapes {
            let matching: Vec<&MembersPage> = keys
                .iter()
                .filter(|key| key.filter == *filter && key.page == page)
                .collect();
            let groups: Vec<WorkingGroupId> = matching.iter().map(|key| key.group).collect();
            let mut found = self.store.members_pages(&groups, filter, page).await?;
            for key in matching {
                let value = found.remove(&key.group).unwrap_or_default();
                pages.insert(key.clone(), value);
            }
        }
        Ok(pages)
    }
}

impl Loader<MemberCount> for StoreLoader {
    type Value = u64;
    type Error = ServiceError;

    async fn load(&self, keys: &[MemberCount]) -> Result<HashMap<MemberCount, u64>, ServiceError> {
        let mut counts = HashMap::new();
        let mut filters: Vec<&MemberFilter> = Vec::new();
        for key in keys {
            if !filters.contains(&&key.filter) {
                filters.push(&key.filter);
            }
        }
        for filter in filters {
            let matching: Vec<&MemberCount> =
                keys.iter().filter(|key| key.filter == *filter).collect();
            let groups: Vec<WorkingGroupId> = matching.iter().map(|key| key.group).collect();
            let found = self.store.member_counts(&groups, filter).await?;
            for key in matching {
                let count = found.get(&key.group).copied().unwrap_or(0);
                counts.insert(key.clone(), count);
            }
        }
        Ok(counts)
    }
}

impl Loader<GroupMeetings> for StoreLoader {
    type Value = Vec<Meeting>;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[GroupMeetings],
    ) -> Result<HashMap<GroupMeetings, Vec<Meeting>>, ServiceError> {
        let mut found = HashMap::new();
        for (from, to) in distinct(keys, |key| (key.from, key.to)) {
            let scope = MeetingScope {
                groups: keys
                    .iter()
                    .filter(|key| (key.from, key.to) == (from, to))
                    .map(|key| key.group)
                    .collect(),
                plenaries: false,
            };
            let meetings = self.store.meetings_overlapping(&scope, from, to).await?;
            for group in &scope.groups {
                let of_group = meetings
                    .iter()
                    .filter(|meeting| meeting.working_group == Some(*group))
                    .cloned()
                    .collect();
                let key = GroupMeetings {
                    group: *group,
                    from,
                    to,
                };
                found.insert(key, of_group);
            }
        }
        Ok(found)
    }
}

impl Loader<OpenItemsBefore> for StoreLoader {
    type Value = Vec<ActionItem>;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[OpenItemsBefore],
    ) -> Result<HashMap<OpenItemsBefore, Vec<ActionItem>>, ServiceError> {
        // One read up to the latest bound; each key keeps the items raised before its own.
        let Some(latest) = keys.iter().map(|key| key.before).max() else {
            return Ok(HashMap::new());
        };
        let groups = distinct(keys, |key| key.group);
        let items = self
            .store
            .open_action_items_of_groups(&groups, latest)
            .await?;
        Ok(keys
            .iter()
            .map(|key| {
                let carried = items
                    .iter()
                    .filter(|item| item.working_group == key.group && item.raised_at < key.before)
                    .cloned()
                    .collect();
                (*key, carried)
            })
            .collect())
    }
}

/// Gives every request that arrives without loaders (a subscription, a tool) spawning ones.
pub(crate) struct LoadersExtension(pub Store);

impl ExtensionFactory for LoadersExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LoadersExtension(self.0.clone()))
    }
}

#[async_trait::async_trait]
impl Extension for LoadersExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let request = if request.data.contains_key(&TypeId::of::<Loaders>()) {
            request
        } else {
            request.data(Loaders::spawning(self.0.clone()))
        };
        next.run(ctx, request).await
    }
}

//! What the secretariat does: set up and describe working groups (each created with its
//! first coordinator), archive and restore them, edit the coalition's and the areas'
//! texts, search everyone's accounts and appoint administrators. Administrators only.

use coalition_domain::accounts::Account;
use coalition_domain::coalition::{
    AreaId, AreaOfAction, Coalition, GroupChanges, GroupDraft, JoinPolicy, MAX_NAME_CHARS,
    MAX_TEXT_CHARS, Translation, WorkingGroup, WorkingGroupId, apply_translations, parse_slug,
    parse_translations,
};
use coalition_domain::membership::{Invitation, InvitationStatus};
use coalition_domain::pagination::{Page, PageRequest, PageWindow, WindowPage};
use coalition_domain::people::{Person, PersonId};
use coalition_domain::policy::{self, Action, Viewer};
use coalition_store::{AccountChange, PeopleFilter, StoreError};

use crate::secrets::token_hash;
use crate::{ServiceError, Services};

/// What an administrator fills in to create a group, as received.
#[derive(Debug, Clone)]
pub struct NewGroup {
    /// The area of action it works on.
    pub area_id: AreaId,
    /// Stable, URL-safe name.
    pub slug: String,
    /// Short name, per language (English required).
    pub name: Vec<Translation>,
    /// What the group does, per language (English required).
    pub summary: Vec<Translation>,
    /// What the coalition asks of it, per language (English required).
    pub mandate: Vec<Translation>,
    /// How people join; moderated unless said.
    pub join_policy: Option<JoinPolicy>,
    /// Its first coordinator: a verified person whose account is enabled.
    pub coordinator: PersonId,
}

/// What the accept page shows before anyone signs in.
#[derive(Debug, Clone)]
pub struct InvitationPreview {
    /// The invitation (its address is not shown).
    pub invitation: Invitation,
    /// The group it is to.
    pub group: WorkingGroup,
    /// Who sent it, by the name others see; none when that account is gone.
    pub inviter_name: Option<String>,
}

/// A taken slug or area answers `CONFLICT` on the field at fault.
fn group_conflict(error: StoreError) -> ServiceError {
    if error.is_conflict_on("slug") {
        ServiceError::Conflict {
            field: Some("slug"),
            message: "another working group has this slug; choose another".to_owned(),
        }
    } else if error.is_conflict_on("area") {
        ServiceError::Conflict {
            field: Some("areaId"),
            message: "another working group (possibly archived) carries this area of action; each area has one group".to_owned(),
        }
    } else {
        error.into()
    }
}

impl Services {
    /// Creates a group with its first coordinator.
    pub async fn create_working_group(
        &self,
        viewer: &Viewer,
        new: NewGroup,
    ) -> Result<WorkingGroup, ServiceError> {
        policy::ensure(viewer, Action::AdministerCoalition)?;
        let actor = crate::actor(viewer)?;
        let draft = GroupDraft {
            area_id: new.area_id,
            slug: parse_slug(&new.slug)?,
            name: parse_translations("name", &new.name, MAX_NAME_CHARS)?,
            summary: parse_translations("summary", &new.summary, MAX_TEXT_CHARS)?,
            mandate: parse_translations("mandate", &new.mandate, MAX_TEXT_CHARS)?,
            join_policy: new.join_policy.unwrap_or_default(),
        };
        let recorded = self
            .store
            .create_working_group(actor, draft, new.coordinator)
            .await
            .map_err(group_conflict)?;
        Ok(self.announce(recorded).await)
    }

    /// Changes a group's texts, area, slug or join policy.
    pub async fn update_working_group(
        &self,
        viewer: &Viewer,
        group: WorkingGroupId,
        changes: GroupChanges,
    ) -> Result<WorkingGroup, ServiceError> {
        policy::ensure(viewer, Action::AdministerCoalition)?;
        let actor = crate::actor(viewer)?;
        let recorded = self
            .store
            .update_working_group(actor, group, &changes)
            .await
            .map_err(group_conflict)?;
        Ok(self.announce(recorded).await)
    }

    /// Archives (`true`) or restores a group.
    pub async fn set_group_archived(
        &self,
        viewer: &Viewer,
        group: WorkingGroupId,
        archived: bool,
    ) -> Result<WorkingGroup, ServiceError> {
        policy::ensure(viewer, Action::AdministerCoalition)?;
        let actor = crate::actor(viewer)?;
        let recorded = self
            .store
            .set_group_archived(actor, group, archived)
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// Sets translations of the coalition's name and description.
    pub async fn update_coalition(
        &self,
        viewer: &Viewer,
        name: &[Translation],
        description: &[Translation],
    ) -> Result<Coalition, ServiceError> {
        policy::ensure(viewer, Action::AdministerCoalition)?;
        let actor = crate::actor(viewer)?;
        let coalition = self.store.coalition().await?;
        let mut new_name = coalition.name;
        apply_translations("name", &mut new_name, name, MAX_NAME_CHARS)?;
        let mut new_description = coalition.description;
        apply_translations(
            "description",
            &mut new_description,
            description,
            MAX_TEXT_CHARS,
        )?;
        let recorded = self
            .store
            .update_coalition(actor, new_name, new_description)
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// Sets translations of an area of action's name.
    pub async fn update_area_of_action(
        &self,
        viewer: &Viewer,
        area: AreaId,
        name: &[Translation],
    ) -> Result<AreaOfAction, ServiceError> {
        policy::ensure(viewer, Action::AdministerCoalition)?;
        let actor = crate::actor(viewer)?;
        let mut new_name = self.store.area_of_action(area).await?.name;
        apply_translations("name", &mut new_name, name, MAX_NAME_CHARS)?;
        let recorded = self
            .store
            .update_area_of_action(actor, area, new_name)
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// One page of the people directory.
    pub async fn people_directory(
        &self,
        viewer: &Viewer,
        filter: &PeopleFilter,
        window: PageWindow,
    ) -> Result<WindowPage<(Person, Account)>, ServiceError> {
        policy::ensure(viewer, Action::AdministerAccounts)?;
        Ok(self.store.people_directory(filter, window).await?)
    }

    /// Makes a person an administrator (`true`) or takes the rights away; the coalition
    /// always keeps one enabled administrator (`CONFLICT`).
    pub async fn set_admin(
        &self,
        viewer: &Viewer,
        person: PersonId,
        admin: bool,
    ) -> Result<Person, ServiceError> {
        policy::ensure(viewer, Action::AdministerAccounts)?;
        let change = if admin {
            AccountChange::GrantAdmin
        } else {
            AccountChange::RevokeAdmin
        };
        let recorded = self
            .store
            .change_account(viewer.person_id(), person, change)
            .await?;
        self.announce(recorded).await;
        Ok(self.store.person(person).await?)
    }

    /// One page of a group's invitations; its coordinators and administrators.
    pub async fn group_invitations(
        &self,
        viewer: &Viewer,
        group: WorkingGroupId,
        status: Option<InvitationStatus>,
        page: PageRequest,
    ) -> Result<Page<Invitation>, ServiceError> {
        policy::ensure(viewer, Action::ReadInvitation(group))?;
        Ok(self.store.group_invitations(group, status, page).await?)
    }

    /// What an invitation's token offers, for anyone holding it (the mailed link is the
    /// credential, as for `acceptInvitation`). Anything but an open invitation to a group
    /// that is not archived is "not found", whatever the reason, so the answer tells
    /// nothing about tokens one does not hold.
    pub async fn invitation_preview(&self, token: &str) -> Result<InvitationPreview, ServiceError> {
        let hidden = ServiceError::NotFound("invitation");
        let token = token.trim();
        if token.is_empty() || token.len() > 200 {
            return Err(hidden);
        }
        let Some(invitation) = self
            .store
            .invitation_by_token_hash(&token_hash(token))
            .await?
        else {
            return Err(hidden);
        };
        if invitation.status(self.now()) != InvitationStatus::Pending {
            return Err(hidden);
        }
        let group = self
            .store
            .working_group(invitation.working_group_id)
            .await?;
        if group.archived_at.is_some() {
            return Err(hidden);
        }
        let inviter_name = match invitation.invited_by {
            Some(inviter) => match self.store.person(inviter).await {
                Ok(person) => Some(person.display_name),
                Err(StoreError::NotFound { .. }) => None,
                Err(other) => return Err(other.into()),
            },
            None => None,
        };
        Ok(InvitationPreview {
            invitation,
            group,
            inviter_name,
        })
    }
}

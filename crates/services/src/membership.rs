//! Joining and running working groups: requests, decisions, invitations, roles.

use coalition_domain::InvalidInput;
use coalition_domain::coalition::{JoinPolicy, WorkingGroup, WorkingGroupId};
use coalition_domain::language::Language;
use coalition_domain::mail::{
    self, GroupName, JoinRequested, LinkToken, Mail, MembershipDecided, MembershipDecision,
};
use coalition_domain::membership::{
    Invitation, InvitationId, Membership, MembershipId, MembershipRole,
};
use coalition_domain::people::{Email, parse_short_text};
use coalition_domain::policy::{self, Action, Viewer};
use coalition_domain::sealing::SealedToken;
use coalition_store::{Decision, NewInvitation, NewMail};

use crate::secrets::{new_token, token_hash};
use crate::{ServiceError, Services};

/// Longest motivation or rejection reason accepted, in characters.
const MAX_NOTE_CHARS: usize = 2_000;

fn optional_note(
    field: &'static str,
    text: Option<String>,
) -> Result<Option<String>, ServiceError> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => Ok(Some(parse_short_text(field, text, MAX_NOTE_CHARS)?)),
    }
}

impl Services {
    /// Makes a group open (instant join) or moderated. Coordinators and administrators.
    pub async fn set_join_policy(
        &self,
        viewer: &Viewer,
        group: WorkingGroupId,
        join_policy: JoinPolicy,
    ) -> Result<WorkingGroup, ServiceError> {
        policy::ensure(viewer, Action::CoordinateGroup(group))?;
        let actor = crate::actor(viewer)?;
        let recorded = self
            .store
            .set_join_policy(actor, group, join_policy)
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// Asks to join a group: pending in a moderated group, active at once in an open one.
    pub async fn request_to_join(
        &self,
        viewer: &Viewer,
        group: WorkingGroupId,
        motivation: Option<String>,
    ) -> Result<Membership, ServiceError> {
        let person = crate::actor(viewer)?;
        let motivation = optional_note("motivation", motivation)?;
        let mails = self
            .join_request_mails(person, group, motivation.as_deref())
            .await?;
        let recorded = self
            .store
            .request_to_join(person, group, motivation, mails)
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// Admits a pending request. Coordinators of the request's group and administrators.
    pub async fn approve_membership(
        &self,
        viewer: &Viewer,
        id: MembershipId,
    ) -> Result<Membership, ServiceError> {
        let actor = self.ensure_coordinates_membership(viewer, id).await?;
        let mail = self.decision_mail(id, None).await?;
        let recorded = self
            .store
            .decide_request(actor, id, Decision::Approve, Some(mail))
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// Turns a pending request down, with a reason the person will read.
    pub async fn reject_membership(
        &self,
        viewer: &Viewer,
        id: MembershipId,
        reason: String,
    ) -> Result<Membership, ServiceError> {
        let actor = self.ensure_coordinates_membership(viewer, id).await?;
        let reason = optional_note("reason", Some(reason))?.ok_or_else(|| {
            InvalidInput::new("reason", "say why, so the person knows what to do next")
        })?;
        let mail = self.decision_mail(id, Some(&reason)).await?;
        let recorded = self
            .store
            .decide_request(actor, id, Decision::Reject { reason }, Some(mail))
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// Leaves a group; a group's last coordinator must appoint another first.
    pub async fn leave_group(
        &self,
        viewer: &Viewer,
        group: WorkingGroupId,
    ) -> Result<Membership, ServiceError> {
        let person = crate::actor(viewer)?;
        let membership = self
            .store
            .membership_of(person, group)
            .await?
            .ok_or(ServiceError::NotFound("membership"))?;
        let recorded = self.store.end_membership(person, membership.id).await?;
        Ok(self.announce(recorded).await)
    }

    /// Changes a member's role; the group keeps at least one coordinator.
    pub async fn change_member_role(
        &self,
        viewer: &Viewer,
        id: MembershipId,
        role: MembershipRole,
    ) -> Result<Membership, ServiceError> {
        let actor = self.ensure_coordinates_membership(viewer, id).await?;
        let recorded = self.store.change_member_role(actor, id, role).await?;
        Ok(self.announce(recorded).await)
    }

    /// Removes a member from their group; the group keeps at least one coordinator.
    pub async fn remove_member(
        &self,
        viewer: &Viewer,
        id: MembershipId,
    ) -> Result<Membership, ServiceError> {
        let actor = self.ensure_coordinates_membership(viewer, id).await?;
        let recorded = self.store.end_membership(actor, id).await?;
        Ok(self.announce(recorded).await)
    }

    /// Invites an address to a group with a role, mailing a single-use link. A newer
    /// invitation replaces an open one to the same address.
    pub async fn invite_member(
        &self,
        viewer: &Viewer,
        group: WorkingGroupId,
        email: &str,
        role: MembershipRole,
    ) -> Result<Invitation, ServiceError> {
        policy::ensure(viewer, Action::CoordinateGroup(group))?;
        let actor = crate::actor(viewer)?;
        let email = Email::parse(email)?;
        let group_record = self.store.working_group(group).await?;
        let token = new_token();
        let inviter = self.store.person(actor).await?;
        let mail = invitation_mail(
            &inviter.display_name,
            &group_record,
            &email,
            self.seal(&token)?,
            &self.accounts.public_url,
        );
        let recorded = self
            .store
            .create_invitation(
                actor,
                NewInvitation {
                    group,
                    email,
                    role,
                    token_hash: token_hash(&token),
                    expires_at: self.now() + self.accounts.invitation_lifetime,
                },
                mail,
            )
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// Accepts an invitation as the signed-in person, who must hold the invited address.
    pub async fn accept_invitation(
        &self,
        viewer: &Viewer,
        token: &str,
    ) -> Result<Membership, ServiceError> {
        let person_id = crate::actor(viewer)?;
        let person = self.store.person(person_id).await?;
        let recorded = self
            .store
            .accept_invitation(
                &token_hash(token.trim()),
                person.id,
                &person.email,
                |issuer, group| {
                    policy::allows(
                        &Viewer::from_standing(issuer),
                        Action::CoordinateGroup(group),
                    )
                },
            )
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// Withdraws an invitation not yet accepted.
    pub async fn revoke_invitation(
        &self,
        viewer: &Viewer,
        id: InvitationId,
    ) -> Result<Invitation, ServiceError> {
        let invitation = self.store.invitation(id).await?;
        policy::ensure(viewer, Action::CoordinateGroup(invitation.working_group_id))?;
        let actor = crate::actor(viewer)?;
        let recorded = self.store.revoke_invitation(actor, id).await?;
        Ok(self.announce(recorded).await)
    }

    /// The mails telling a group's coordinators that someone asks to join (queued only if
    /// the request ends up pending).
    async fn join_request_mails(
        &self,
        requester: coalition_domain::people::PersonId,
        group: WorkingGroupId,
        motivation: Option<&str>,
    ) -> Result<Vec<NewMail>, ServiceError> {
        let requester = self.store.person(requester).await?;
        let group_record = self.store.working_group(group).await?;
        let link = format!(
            "{}/groups/{}/requests",
            self.accounts.public_url.trim_end_matches('/'),
            group_record.slug
        );
        let coordinators = self.store.coordinators(group).await?;
        Ok(coordinators
            .into_iter()
            .map(|coordinator| NewMail {
                person: Some(coordinator.id),
                to: coordinator.email.clone(),
                to_name: coordinator.display_name.clone(),
                language: coordinator.preferred_language,
                mail: Mail::JoinRequested(JoinRequested {
                    name: coordinator.display_name,
                    requester: requester.display_name.clone(),
                    group: GroupName::from(&group_record.name),
                    motivation: motivation.map(str::to_owned),
                    link: link.clone(),
                }),
            })
            .collect())
    }

    /// The mail telling a person how their request was decided (`reason` when rejected).
    async fn decision_mail(
        &self,
        id: MembershipId,
        reason: Option<&str>,
    ) -> Result<NewMail, ServiceError> {
        let membership = self.store.membership(id).await?;
        let person = self.store.person(membership.person_id).await?;
        let group = self
            .store
            .working_group(membership.working_group_id)
            .await?;
        Ok(NewMail {
            person: Some(person.id),
            to: person.email.clone(),
            to_name: person.display_name.clone(),
            language: person.preferred_language,
            mail: Mail::MembershipDecided(MembershipDecided {
                name: person.display_name,
                group: GroupName::from(&group.name),
                decision: match reason {
                    None => MembershipDecision::Approved,
                    Some(reason) => MembershipDecision::Rejected {
                        reason: reason.to_owned(),
                    },
                },
            }),
        })
    }

    /// A person, if the viewer may see them (`Action::ReadPerson`): themselves, anyone for
    /// an administrator, otherwise someone with a membership the viewer may see. Anyone
    /// else, an unverified or disabled account included, is "not found", exactly like an
    /// id that does not exist.
    pub async fn person_for(
        &self,
        viewer: &Viewer,
        id: coalition_domain::people::PersonId,
    ) -> Result<coalition_domain::people::Person, ServiceError> {
        let hidden = ServiceError::NotFound("person");
        let person = match self.store.person(id).await {
            Ok(person) => person,
            Err(coalition_store::StoreError::NotFound { .. }) => return Err(hidden),
            Err(other) => return Err(other.into()),
        };
        if sees_person_directly(viewer, id) {
            return Ok(person);
        }
        let account = match self.store.account(id).await {
            Ok(account) => Some(account),
            Err(coalition_store::StoreError::NotFound { .. }) => None,
            Err(other) => return Err(other.into()),
        };
        let memberships = match &account {
            Some(account) if !account.is_verified() || account.is_disabled() => Vec::new(),
            _ => self.store.memberships_of(id).await?,
        };
        if visible_through_memberships(
            viewer,
            id,
            person.listed_publicly,
            account.as_ref(),
            &memberships,
        ) {
            Ok(person)
        } else {
            Err(hidden)
        }
    }

    /// Checks that the viewer coordinates the group `id` belongs to; returns who they are.
    async fn ensure_coordinates_membership(
        &self,
        viewer: &Viewer,
        id: MembershipId,
    ) -> Result<coalition_domain::people::PersonId, ServiceError> {
        let actor = crate::actor(viewer)?;
        let membership = self.store.membership(id).await?;
        // Whoever may not see the request is not told it exists.
        if !policy::allows(viewer, Action::read_membership(&membership)) {
            return Err(ServiceError::NotFound("membership"));
        }
        policy::ensure(viewer, Action::CoordinateGroup(membership.working_group_id))?;
        Ok(actor)
    }
}

/// The invitation mail, in both working languages: the invitee's preference is not known.
fn invitation_mail(
    inviter: &str,
    group: &WorkingGroup,
    email: &Email,
    sealed_token: SealedToken,
    public_url: &str,
) -> NewMail {
    NewMail {
        person: None,
        to: email.clone(),
        to_name: email.as_str().to_owned(),
        language: Language::En,
        mail: Mail::Invitation(mail::Invitation {
            inviter: inviter.to_owned(),
            group: GroupName::from(&group.name),
            token: LinkToken::Sealed {
                link_prefix: format!(
                    "{}/invitations/accept?token=",
                    public_url.trim_end_matches('/')
                ),
                sealed_token,
            },
        }),
    }
}

/// Whether the viewer may see `person` whatever their memberships (themselves; anyone for
/// an administrator): the first question of [`Services::person_for`].
pub fn sees_person_directly(viewer: &Viewer, person: coalition_domain::people::PersonId) -> bool {
    policy::allows(
        viewer,
        Action::ReadPerson {
            person,
            membership: None,
        },
    )
}

/// Whether the viewer may see a person they may not see directly, through one of the
/// person's memberships (see [`Services::person_for`]); the loaded data is handed in, so
/// that a list of people can be decided on from batched reads. A person who chose not to
/// be listed publicly is seen only through the groups whose members may see them.
pub fn visible_through_memberships(
    viewer: &Viewer,
    person: coalition_domain::people::PersonId,
    listed_publicly: bool,
    account: Option<&coalition_domain::accounts::Account>,
    memberships: &[coalition_domain::membership::Membership],
) -> bool {
    // An account that cannot sign in is on no roster, whatever its memberships say.
    // (People recorded without an account, by an import, have only their memberships.)
    if account.is_some_and(|account| !account.is_verified() || account.is_disabled()) {
        return false;
    }
    memberships.iter().any(|membership| {
        policy::sees_member(
            viewer,
            person,
            listed_publicly,
            membership.working_group_id,
            membership.status,
        )
    })
}

//! The membership workflow over HTTP: requests, decisions, invitations, roles, the
//! coordinator rule, privacy of requests, and balance reports, on every backend.

use coalition_domain::geography::UnescoRegion;
use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_domain::stakeholder::StakeholderType;
use coalition_tests::accounts::{
    PASSWORD, administrator, coordinator_of, login, register, registration, signed_up,
};
use coalition_tests::fixtures::new_person;
use coalition_tests::{TestApp, backends, error_code, mail};
use serde_json::{Value, json};

const REQUEST: &str = "mutation ($group: ID!, $why: String) { requestToJoin(groupId: $group, motivation: $why) { id status role motivation } }";
const APPROVE: &str =
    "mutation ($id: ID!) { approveMembership(membershipId: $id) { id status since } }";
const REJECT: &str = "mutation ($id: ID!, $reason: String!) { rejectMembership(membershipId: $id, reason: $reason) { id status decisionReason } }";
const CHANGE_ROLE: &str = "mutation ($id: ID!, $role: MembershipRole!) { changeMemberRole(membershipId: $id, role: $role) { id role } }";
const LEAVE: &str = "mutation ($group: ID!) { leaveGroup(groupId: $group) { status } }";
const PENDING: &str = "query ($group: ID!) { workingGroup(id: $group) { pendingRequests { totalCount edges { node { id motivation person { displayName } } } } } }";
const COUNT: &str = "query ($group: ID!) { workingGroup(id: $group) { members { totalCount } } }";

fn data<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body["errors"].is_null(), "{field}: {body}");
    &body["data"][field]
}

async fn active_members(app: &TestApp, group: &str) -> u64 {
    let body = app.graphql(COUNT, json!({ "group": group })).await;
    body["data"]["workingGroup"]["members"]["totalCount"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn a_request_waits_for_a_coordinator_who_approves_it() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, member) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;

        let (_, body) = app
            .graphql_as(
                &member,
                REQUEST,
                json!({ "group": group_id, "why": "OER policy in Senegal" }),
            )
            .await;
        let request = data(&body, "requestToJoin");
        assert_eq!(request["status"], "PENDING", "[{backend}]");
        assert_eq!(
            request["motivation"], "OER policy in Senegal",
            "the requester sees it"
        );
        let membership_id = request["id"].as_str().unwrap().to_owned();
        assert_eq!(
            active_members(&app, &group_id).await,
            1,
            "only the coordinator so far"
        );

        let (_, body) = app
            .graphql_as(&member, REQUEST, json!({ "group": group_id }))
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] asking twice");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("already waiting")
        );

        let (_, body) = app
            .graphql_as(&member, PENDING, json!({ "group": group_id }))
            .await;
        assert_eq!(
            error_code(&body),
            "FORBIDDEN",
            "requests are for coordinators"
        );
        let (_, body) = app
            .graphql_as(&coordinator, PENDING, json!({ "group": group_id }))
            .await;
        let pending = &body["data"]["workingGroup"]["pendingRequests"];
        assert_eq!(pending["totalCount"], 1, "[{backend}] {body}");
        assert_eq!(
            pending["edges"][0]["node"]["motivation"],
            "OER policy in Senegal"
        );

        let (_, body) = app
            .graphql_as(&member, APPROVE, json!({ "id": membership_id }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "no approving oneself");
        let (_, body) = app
            .graphql_as(&coordinator, APPROVE, json!({ "id": membership_id }))
            .await;
        assert_eq!(
            data(&body, "approveMembership")["status"],
            "ACTIVE",
            "[{backend}]"
        );
        assert_eq!(active_members(&app, &group_id).await, 2);

        let (_, body) = app
            .graphql_as(&coordinator, APPROVE, json!({ "id": membership_id }))
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] already decided");
        let (_, body) = app
            .graphql_as(&member, REQUEST, json!({ "group": group_id }))
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "already a member");

        let verbs: Vec<&str> = app
            .store
            .group_activity(group, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|entry| entry.change.verb())
            .collect();
        assert_eq!(
            verbs,
            ["membership.approved", "membership.requested"],
            "[{backend}]"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn a_rejected_request_says_why_and_may_be_made_again() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, member) = signed_up(&app, "Ahmet Yılmaz", "ahmet@example.tr").await;
        let (_, body) = app
            .graphql_as(&member, REQUEST, json!({ "group": group_id }))
            .await;
        let id = data(&body, "requestToJoin")["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let (_, body) = app
            .graphql_as(&coordinator, REJECT, json!({ "id": id, "reason": "  " }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "a reason is required");
        assert_eq!(body["errors"][0]["extensions"]["field"], "reason");
        let (_, body) = app
            .graphql_as(
                &coordinator,
                REJECT,
                json!({ "id": id, "reason": "Please join the policy group instead" }),
            )
            .await;
        assert_eq!(
            data(&body, "rejectMembership")["status"],
            "REJECTED",
            "[{backend}]"
        );

        let mine = "{ me { memberships { status decisionReason workingGroup { slug } } } }";
        let (_, body) = app.graphql_as(&member, mine, json!({})).await;
        let memberships = &body["data"]["me"]["memberships"];
        assert_eq!(memberships[0]["status"], "REJECTED");
        assert_eq!(
            memberships[0]["decisionReason"],
            "Please join the policy group instead"
        );

        let (_, body) = app
            .graphql_as(&member, REQUEST, json!({ "group": group_id }))
            .await;
        assert_eq!(
            data(&body, "requestToJoin")["status"],
            "PENDING",
            "[{backend}] asking again"
        );
        assert_eq!(
            data(&body, "requestToJoin")["id"],
            id.as_str(),
            "the same membership, reused"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn open_groups_admit_at_once() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, member) = signed_up(&app, "Mele Tupou", "mele@example.to").await;
        let set = "mutation ($group: ID!, $policy: JoinPolicy!) { setJoinPolicy(groupId: $group, joinPolicy: $policy) { joinPolicy } }";

        let (_, body) = app
            .graphql_as(&member, set, json!({ "group": group_id, "policy": "OPEN" }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}]");
        let (_, body) = app
            .graphql_as(
                &coordinator,
                set,
                json!({ "group": group_id, "policy": "OPEN" }),
            )
            .await;
        assert_eq!(data(&body, "setJoinPolicy")["joinPolicy"], "OPEN");

        let (_, body) = app
            .graphql_as(&member, REQUEST, json!({ "group": group_id }))
            .await;
        assert_eq!(
            data(&body, "requestToJoin")["status"],
            "ACTIVE",
            "[{backend}]"
        );
        let (_, body) = app
            .graphql_as(&member, LEAVE, json!({ "group": group_id }))
            .await;
        assert_eq!(data(&body, "leaveGroup")["status"], "ENDED");
        assert_eq!(active_members(&app, &group_id).await, 1);

        let body = app.graphql(REQUEST, json!({ "group": group_id })).await;
        assert_eq!(
            error_code(&body),
            "UNAUTHENTICATED",
            "anonymous callers cannot join"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn a_group_always_keeps_a_coordinator() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (claire_id, claire) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let memberships =
            "query ($id: ID!) { node(id: $id) { ... on Person { memberships { id role } } } }";
        let (_, body) = app
            .graphql_as(&claire, memberships, json!({ "id": claire_id }))
            .await;
        let claire_membership = body["data"]["node"]["memberships"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let (_, body) = app
            .graphql_as(&claire, LEAVE, json!({ "group": group_id }))
            .await;
        assert_eq!(
            error_code(&body),
            "CONFLICT",
            "[{backend}] the last coordinator cannot leave"
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("appoint another coordinator")
        );
        let (_, body) = app
            .graphql_as(
                &claire,
                CHANGE_ROLE,
                json!({ "id": claire_membership, "role": "MEMBER" }),
            )
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "nor step down");

        // Appoint a second coordinator; then the first may step down and leave.
        let (lucia_id, lucia) = signed_up(&app, "Lucía Fernández", "lucia@example.mx").await;
        app.store
            .insert_membership(
                group,
                coalition_tests::accounts::person_id(&lucia_id),
                MembershipRole::Member,
                MembershipStatus::Active,
            )
            .await
            .unwrap();
        let (_, body) = app
            .graphql_as(&lucia, memberships, json!({ "id": lucia_id }))
            .await;
        let lucia_membership = body["data"]["node"]["memberships"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, body) = app
            .graphql_as(
                &lucia,
                CHANGE_ROLE,
                json!({ "id": lucia_membership, "role": "COORDINATOR" }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            "FORBIDDEN",
            "members cannot promote themselves"
        );
        let (_, body) = app
            .graphql_as(
                &claire,
                CHANGE_ROLE,
                json!({ "id": lucia_membership, "role": "COORDINATOR" }),
            )
            .await;
        assert_eq!(
            data(&body, "changeMemberRole")["role"],
            "COORDINATOR",
            "[{backend}]"
        );
        let (_, body) = app
            .graphql_as(&claire, LEAVE, json!({ "group": group_id }))
            .await;
        assert_eq!(data(&body, "leaveGroup")["status"], "ENDED", "[{backend}]");

        let (_, body) = app
            .graphql_as(
                &lucia,
                "mutation ($id: ID!) { removeMember(membershipId: $id) { status } }",
                json!({ "id": lucia_membership }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            "CONFLICT",
            "the new last coordinator cannot be removed"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn coordinators_act_on_their_own_group_only() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (first, _) = app.group(0).await;
        let (_, second_id) = app.group(1).await;
        let (_, coordinator) =
            coordinator_of(&app, first, "Claire Martin", "claire@example.fr").await;
        let (_, member) = signed_up(&app, "Layla Haddad", "layla@example.jo").await;
        let (_, body) = app
            .graphql_as(&member, REQUEST, json!({ "group": second_id }))
            .await;
        let elsewhere = data(&body, "requestToJoin")["id"]
            .as_str()
            .unwrap()
            .to_owned();

        // A request the coordinator may not see is not there for them.
        for mutation in [
            APPROVE,
            "mutation ($id: ID!) { removeMember(membershipId: $id) { status } }",
        ] {
            let (_, body) = app
                .graphql_as(&coordinator, mutation, json!({ "id": elsewhere }))
                .await;
            assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {mutation}");
        }
        let (_, admin) = administrator(&app, "Secretariat", "secretariat@example.org").await;
        let (_, body) = app
            .graphql_as(&admin, APPROVE, json!({ "id": elsewhere }))
            .await;
        assert_eq!(
            data(&body, "approveMembership")["status"],
            "ACTIVE",
            "[{backend}] administrators may"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn invitations_reach_people_who_sign_up_later() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let invite = "mutation ($group: ID!, $email: String!, $role: MembershipRole!) { inviteMember(groupId: $group, email: $email, role: $role) { id email role } }";
        let accept = "mutation ($token: String!) { acceptInvitation(token: $token) { status role workingGroup { slug } } }";

        let (_, body) = app
            .graphql_as(
                &coordinator,
                invite,
                json!({ "group": group_id, "email": "claire@example.fr", "role": "MEMBER" }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            "CONFLICT",
            "[{backend}] already a member"
        );
        let (_, body) = app
            .graphql_as(
                &coordinator,
                invite,
                json!({ "group": group_id, "email": "not-an-address", "role": "MEMBER" }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");

        let (_, body) = app
            .graphql_as(
                &coordinator,
                invite,
                json!({ "group": group_id, "email": "Joao@Example.br", "role": "OBSERVER" }),
            )
            .await;
        assert_eq!(
            data(&body, "inviteMember")["role"],
            "OBSERVER",
            "[{backend}]"
        );
        let token = mail::token(&app.mail_to("Joao@Example.br", "Invitation").await);

        // Someone else cannot use it.
        let (_, other) = signed_up(&app, "Wanjiru Kamau", "wanjiru@example.ke").await;
        let (_, body) = app
            .graphql_as(&other, accept, json!({ "token": token }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");

        // The invitee signs up with the invited address (in another case) and accepts.
        let body = register(
            &app,
            registration("João Pereira", "joao@example.br", "BR", "en"),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
        let verification = app.mail_to("joao@example.br", "Confirm").await;
        app.graphql(
            "mutation ($t: String!) { verifyEmail(token: $t) { id } }",
            json!({ "t": mail::token(&verification) }),
        )
        .await;
        let joao = login(&app, "joao@example.br", PASSWORD).await;
        let (_, body) = app
            .graphql_as(&joao, accept, json!({ "token": token }))
            .await;
        let membership = data(&body, "acceptInvitation");
        assert_eq!(
            (membership["status"].as_str(), membership["role"].as_str()),
            (Some("ACTIVE"), Some("OBSERVER"))
        );
        let (_, body) = app
            .graphql_as(&joao, accept, json!({ "token": token }))
            .await;
        assert_eq!(
            error_code(&body),
            "BAD_USER_INPUT",
            "[{backend}] invitations work once"
        );

        // A revoked invitation no longer works.
        let (_, body) = app
            .graphql_as(
                &coordinator,
                invite,
                json!({ "group": group_id, "email": "wanjiru@example.ke", "role": "MEMBER" }),
            )
            .await;
        let invitation_id = data(&body, "inviteMember")["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = mail::token(&app.mail_to("wanjiru@example.ke", "Invitation").await);
        let (_, body) = app
            .graphql_as(
                &coordinator,
                "mutation ($id: ID!) { revokeInvitation(invitationId: $id) { revokedAt } }",
                json!({ "id": invitation_id }),
            )
            .await;
        assert!(data(&body, "revokeInvitation")["revokedAt"].is_string());
        let (_, body) = app
            .graphql_as(&other, accept, json!({ "token": token }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] revoked");
        app.finish().await;
    }
}

#[tokio::test]
async fn requests_and_past_memberships_stay_private() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (member_id, member) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;
        app.graphql_as(
            &member,
            REQUEST,
            json!({ "group": group_id, "why": "private words" }),
        )
        .await;
        let query = "query ($id: ID!) { node(id: $id) { ... on Person { memberships { status motivation } } } }";

        let body = app.graphql(query, json!({ "id": member_id })).await;
        assert_eq!(
            error_code(&body),
            "NOT_FOUND",
            "[{backend}] the public sees no request, nor the person who only asked: {body}"
        );
        let (_, body) = app
            .graphql_as(&member, query, json!({ "id": member_id }))
            .await;
        assert_eq!(body["data"]["node"]["memberships"][0]["status"], "PENDING");

        let members = "query ($group: ID!, $filter: MemberFilterInput) { workingGroup(id: $group) { members(filter: $filter) { totalCount } } }";
        let pending = json!({ "group": group_id, "filter": { "status": "PENDING" } });
        let body = app.graphql(members, pending.clone()).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
        let (_, body) = app.graphql_as(&member, members, pending.clone()).await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        let (_, body) = app.graphql_as(&coordinator, members, pending).await;
        assert_eq!(
            body["data"]["workingGroup"]["members"]["totalCount"], 1,
            "[{backend}]"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn members_can_be_found_by_role_and_name() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        for (name, email) in [
            ("Ana Silva", "ana@example.pt"),
            ("Anand Rao", "anand@example.in"),
            ("Bo Chen", "bo@example.cn"),
            ("Émile Çelik", "emile@example.fr"),
        ] {
            let person = app
                .store
                .insert_person(new_person(
                    name,
                    email,
                    "FR",
                    StakeholderType::CivilSociety,
                    "UTC",
                ))
                .await
                .unwrap();
            app.store
                .insert_membership(
                    group,
                    person.id,
                    MembershipRole::Member,
                    MembershipStatus::Active,
                )
                .await
                .unwrap();
        }
        let query = "query ($group: ID!, $filter: MemberFilterInput) { workingGroup(id: $group) { members(filter: $filter) { totalCount edges { node { person { displayName } } } } } }";
        for (filter, expected) in [
            (json!({ "search": "ANA" }), vec!["Ana Silva", "Anand Rao"]),
            (
                json!({ "search": "an", "role": "MEMBER" }),
                vec!["Ana Silva", "Anand Rao"],
            ),
            (json!({ "role": "COORDINATOR" }), vec!["Claire Martin"]),
            (json!({ "search": "émile" }), vec!["Émile Çelik"]),
            (json!({ "search": "ÇEL" }), vec!["Émile Çelik"]),
            (json!({ "search": "%" }), vec![]),
            (json!({ "search": "_" }), vec![]),
        ] {
            let body = app
                .graphql(query, json!({ "group": group_id, "filter": filter }))
                .await;
            let names: Vec<&str> = body["data"]["workingGroup"]["members"]["edges"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|edge| edge["node"]["person"]["displayName"].as_str().unwrap())
                .collect();
            assert_eq!(names, expected, "[{backend}] {filter}");
        }
        app.finish().await;
    }
}

/// Countries of the test population, with the UNESCO region the test expects for each
/// (written here independently of the server's table).
const COUNTRIES: [(&str, Option<UnescoRegion>); 11] = [
    ("KE", Some(UnescoRegion::Africa)),
    ("SN", Some(UnescoRegion::Africa)),
    ("EG", Some(UnescoRegion::ArabStates)),
    ("MA", Some(UnescoRegion::ArabStates)),
    ("IN", Some(UnescoRegion::AsiaAndThePacific)),
    ("FJ", Some(UnescoRegion::AsiaAndThePacific)),
    ("FR", Some(UnescoRegion::EuropeAndNorthAmerica)),
    ("CA", Some(UnescoRegion::EuropeAndNorthAmerica)),
    ("BR", Some(UnescoRegion::LatinAmericaAndTheCaribbean)),
    ("JM", Some(UnescoRegion::LatinAmericaAndTheCaribbean)),
    ("HK", None),
];
const GENDERS: [(&str, &str); 5] = [
    ("woman", "WOMAN"),
    ("man", "MAN"),
    ("Femme", "WOMAN"),
    ("non-binary", "ANOTHER_GENDER"),
    ("", "NOT_DISCLOSED"),
];
const REGION_NAMES: [(Option<UnescoRegion>, &str); 6] = [
    (Some(UnescoRegion::Africa), "AFRICA"),
    (Some(UnescoRegion::ArabStates), "ARAB_STATES"),
    (
        Some(UnescoRegion::AsiaAndThePacific),
        "ASIA_AND_THE_PACIFIC",
    ),
    (
        Some(UnescoRegion::EuropeAndNorthAmerica),
        "EUROPE_AND_NORTH_AMERICA",
    ),
    (
        Some(UnescoRegion::LatinAmericaAndTheCaribbean),
        "LATIN_AMERICA_AND_THE_CARIBBEAN",
    ),
    (None, "null"),
];

#[tokio::test]
async fn balance_reports_match_a_population_counted_by_hand() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (first, first_id) = app.group(0).await;
        let (second, _) = app.group(1).await;
        // 40 people: 0..30 active in the first group, 30..35 pending there; 25..40 active
        // in the second. The coalition counts each of the 40 once.
        let mut people = Vec::new();
        for i in 0..40usize {
            let (country, region) = COUNTRIES[i % COUNTRIES.len()];
            let kind = StakeholderType::ALL[i % StakeholderType::ALL.len()];
            let (gender, category) = GENDERS[i % GENDERS.len()];
            let mut new = new_person(
                &format!("Expert {i}"),
                &format!("expert{i}@example.org"),
                country,
                kind,
                "UTC",
            );
            new.gender = coalition_domain::people::SelfDescribedGender::parse(gender).unwrap();
            let person = app.store.insert_person(new).await.unwrap();
            let in_first = match i {
                0..30 => Some(MembershipStatus::Active),
                30..35 => Some(MembershipStatus::Pending),
                _ => None,
            };
            if let Some(status) = in_first {
                app.store
                    .insert_membership(first, person.id, MembershipRole::Member, status)
                    .await
                    .unwrap();
            }
            if i >= 25 {
                app.store
                    .insert_membership(
                        second,
                        person.id,
                        MembershipRole::Member,
                        MembershipStatus::Active,
                    )
                    .await
                    .unwrap();
            }
            people.push((i, kind, region, category));
        }
        let report = "fragment B on Balance { total regionsRepresented stakeholderTypesRepresented largestRegion largestRegionShare genderParityIndex byStakeholderType { stakeholderType count share } byRegion { region count share } byGender { gender count share } }";
        let query = format!(
            "query ($group: ID!) {{ workingGroup(id: $group) {{ balance {{ ...B }} }} coalition {{ balance {{ ...B }} }} }} {report}"
        );
        let body = app.graphql(&query, json!({ "group": first_id })).await;
        assert!(body["errors"].is_null(), "{body}");

        for (balance, counted) in [
            (
                &body["data"]["workingGroup"]["balance"],
                people.iter().filter(|p| p.0 < 30).collect::<Vec<_>>(),
            ),
            (
                &body["data"]["coalition"]["balance"],
                people.iter().collect::<Vec<_>>(),
            ),
        ] {
            let total = counted.len() as f64;
            assert_eq!(balance["total"], counted.len(), "[{backend}]");
            for entry in balance["byStakeholderType"].as_array().unwrap() {
                let expected = counted
                    .iter()
                    .filter(|p| {
                        format!("{:?}", p.1).to_uppercase().replace('_', "")
                            == entry["stakeholderType"].as_str().unwrap().replace('_', "")
                    })
                    .count();
                assert_eq!(entry["count"], expected, "[{backend}] {entry}");
                assert!((entry["share"].as_f64().unwrap() - expected as f64 / total).abs() < 1e-9);
            }
            for (region, name) in REGION_NAMES {
                let expected = counted.iter().filter(|p| p.2 == region).count();
                let entry = balance["byRegion"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["region"].to_string().trim_matches('"') == name)
                    .unwrap();
                assert_eq!(entry["count"], expected, "[{backend}] {name}");
            }
            for category in ["WOMAN", "MAN", "ANOTHER_GENDER", "NOT_DISCLOSED"] {
                let expected = counted.iter().filter(|p| p.3 == category).count();
                let entry = balance["byGender"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["gender"] == category)
                    .unwrap();
                assert_eq!(entry["count"], expected, "[{backend}] {category}");
            }
            let women = counted.iter().filter(|p| p.3 == "WOMAN").count() as f64;
            let men = counted.iter().filter(|p| p.3 == "MAN").count() as f64;
            assert!((balance["genderParityIndex"].as_f64().unwrap() - women / men).abs() < 1e-9);
            assert_eq!(balance["regionsRepresented"], 5);
            let largest = REGION_NAMES
                .iter()
                .filter(|(region, _)| region.is_some())
                .map(|(region, _)| counted.iter().filter(|p| p.2 == *region).count())
                .max()
                .unwrap();
            assert!(
                (balance["largestRegionShare"].as_f64().unwrap() - largest as f64 / total).abs()
                    < 1e-9
            );
        }
        app.finish().await;
    }
}

//! People and memberships for tests, drawn from the coalition's real spread of regions,
//! languages and stakeholder types.

use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::geography::CountryCode;
use coalition_domain::language::Language;
use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_domain::people::{Email, NewPerson, Person, SelfDescribedGender, TimeZone};
use coalition_domain::stakeholder::StakeholderType;
use coalition_store::Store;

/// A person to record: name, email, country, stakeholder type, time zone.
pub fn new_person(
    name: &str,
    email: &str,
    country: &str,
    stakeholder_type: StakeholderType,
    time_zone: &str,
) -> NewPerson {
    NewPerson {
        display_name: name.to_owned(),
        email: Email::parse(email).expect("fixture email"),
        organisation: format!("{name}'s organisation"),
        country: CountryCode::parse(country).expect("fixture country"),
        stakeholder_type,
        gender: SelfDescribedGender::parse("").expect("fixture gender"),
        preferred_language: if ["FR", "SN", "MA", "CI"].contains(&country) {
            Language::Fr
        } else {
            Language::En
        },
        time_zone: TimeZone::parse(time_zone).expect("fixture time zone"),
    }
}

/// Experts from every UNESCO region and several stakeholder types.
pub fn experts() -> Vec<NewPerson> {
    use StakeholderType::*;
    vec![
        new_person(
            "Amina Diallo",
            "amina.diallo@example.sn",
            "SN",
            NationalCommission,
            "Africa/Dakar",
        ),
        new_person(
            "Wanjiru Kamau",
            "wanjiru.kamau@example.ke",
            "KE",
            CivilSociety,
            "Africa/Nairobi",
        ),
        new_person(
            "Youssef El Amrani",
            "youssef.elamrani@example.ma",
            "MA",
            MemberState,
            "Africa/Casablanca",
        ),
        new_person(
            "Layla Haddad",
            "layla.haddad@example.jo",
            "JO",
            AcademiaResearch,
            "Asia/Amman",
        ),
        new_person(
            "Aigerim Nurlanovna",
            "aigerim@example.kz",
            "KZ",
            MemberState,
            "Asia/Almaty",
        ),
        new_person(
            "Mele Tupou",
            "mele.tupou@example.to",
            "TO",
            CivilSociety,
            "Pacific/Tongatapu",
        ),
        new_person(
            "Claire Martin",
            "claire.martin@example.fr",
            "FR",
            NationalCommission,
            "Europe/Paris",
        ),
        new_person(
            "Ahmet Yılmaz",
            "ahmet.yilmaz@example.tr",
            "TR",
            PrivateSector,
            "Europe/Istanbul",
        ),
        new_person(
            "Lucía Fernández",
            "lucia.fernandez@example.mx",
            "MX",
            AcademiaResearch,
            "America/Mexico_City",
        ),
        new_person(
            "João Pereira",
            "joao.pereira@example.br",
            "BR",
            IntergovernmentalOrganisation,
            "America/Sao_Paulo",
        ),
    ]
}

/// Records people and makes each an active member of `group`; returns them in order.
pub async fn enrol(store: &Store, group: WorkingGroupId, people: Vec<NewPerson>) -> Vec<Person> {
    let mut recorded = Vec::with_capacity(people.len());
    for new in people {
        let person = store.insert_person(new).await.expect("person recorded");
        store
            .insert_membership(
                group,
                person.id,
                MembershipRole::Member,
                MembershipStatus::Active,
            )
            .await
            .expect("membership recorded");
        recorded.push(person);
    }
    recorded
}

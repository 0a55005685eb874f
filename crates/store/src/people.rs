//! Recording and reading people.

use chrono::{DateTime, Utc};
use coalition_domain::geography::CountryCode;
use coalition_domain::language::Language;
use coalition_domain::people::{Email, NewPerson, Person, PersonId, SelfDescribedGender, TimeZone};
use coalition_domain::scheduling::WorkingHours;
use coalition_domain::stakeholder::StakeholderType;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::Store;
use crate::entities::person;
use crate::error::{StoreError, corrupt};

impl Store {
    /// Records a new person. A second person with the same address (in any letter case)
    /// is refused with [`StoreError::Conflict`] on `email`.
    pub async fn insert_person(&self, new: NewPerson) -> Result<Person, StoreError> {
        insert_person(&self.db, new, self.clock.now()).await
    }

    /// One person.
    pub async fn person(&self, id: PersonId) -> Result<Person, StoreError> {
        person::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound { entity: "person" })
            .and_then(person_from_row)
    }

    /// Several people in one query, in the order of `ids` (unknown ids are skipped).
    pub async fn people(&self, ids: &[PersonId]) -> Result<Vec<Person>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = person::Entity::find()
            .filter(person::Column::Id.is_in(ids.iter().map(|id| id.0)))
            .all(&self.db)
            .await?;
        let mut people = rows
            .into_iter()
            .map(person_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        people.sort_by_key(|person| ids.iter().position(|id| *id == person.id));
        Ok(people)
    }
}

pub(crate) async fn insert_person(
    db: &impl ConnectionTrait,
    new: NewPerson,
    now: DateTime<Utc>,
) -> Result<Person, StoreError> {
    let row = person::ActiveModel {
        display_name_normalized: Set(new.display_name.to_lowercase()),
        display_name: Set(new.display_name),
        email_normalized: Set(new.email.normalized()),
        email: Set(new.email.as_str().to_owned()),
        organisation: Set(new.organisation),
        country: Set(new.country.as_str().to_owned()),
        stakeholder_type: Set(new.stakeholder_type.as_str().to_owned()),
        gender: Set(new.gender.map(|gender| gender.as_str().to_owned())),
        preferred_language: Set(new.preferred_language.code().to_owned()),
        time_zone: Set(new.time_zone.name().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        listed_publicly: Set(true),
        working_hours_start: Set(None),
        working_hours_end: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|error| match StoreError::from(error) {
        conflict @ StoreError::Conflict { .. } => StoreError::Conflict {
            constraint: format!("email ({conflict})"),
        },
        other => other,
    })?;
    person_from_row(row)
}

pub(crate) fn person_from_row(row: person::Model) -> Result<Person, StoreError> {
    Ok(Person {
        id: PersonId(row.id),
        display_name: row.display_name,
        email: Email::parse(&row.email).map_err(corrupt("person.email"))?,
        organisation: row.organisation,
        country: CountryCode::parse(&row.country).map_err(corrupt("person.country"))?,
        stakeholder_type: StakeholderType::parse(&row.stakeholder_type)
            .map_err(corrupt("person.stakeholder_type"))?,
        gender: match row.gender {
            Some(gender) => {
                SelfDescribedGender::parse(&gender).map_err(corrupt("person.gender"))?
            }
            None => None,
        },
        preferred_language: Language::parse(&row.preferred_language)
            .map_err(corrupt("person.preferred_language"))?,
        time_zone: TimeZone::parse(&row.time_zone).map_err(corrupt("person.time_zone"))?,
        created_at: row.created_at,
        listed_publicly: row.listed_publicly,
        working_hours: match (row.working_hours_start, row.working_hours_end) {
            (Some(start), Some(end)) => {
                Some(WorkingHours::parse(start, end).map_err(corrupt("person.working_hours"))?)
            }
            _ => None,
        },
    })
}

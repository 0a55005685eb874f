//! The foundation: the coalition, its areas of action and working groups, people, their
//! memberships and the activity log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Coalition::Table)
                    .col(pk_auto(Coalition::Id))
                    .col(string_len_uniq(Coalition::Slug, 64))
                    .col(string_len(Coalition::NameEn, 200))
                    .col(string_len(Coalition::NameFr, 200))
                    .col(text(Coalition::DescriptionEn))
                    .col(text(Coalition::DescriptionFr))
                    .col(date(Coalition::LaunchedOn))
                    .col(timestamp_with_time_zone(Coalition::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AreaOfAction::Table)
                    .col(pk_auto(AreaOfAction::Id))
                    .col(integer(AreaOfAction::CoalitionId))
                    .col(small_integer(AreaOfAction::Number))
                    .col(text(AreaOfAction::NameEn))
                    .col(text(AreaOfAction::NameFr))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AreaOfAction::Table, AreaOfAction::CoalitionId)
                            .to(Coalition::Table, Coalition::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("area_of_action_coalition_number_key")
                    .table(AreaOfAction::Table)
                    .col(AreaOfAction::CoalitionId)
                    .col(AreaOfAction::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkingGroup::Table)
                    .col(pk_auto(WorkingGroup::Id))
                    .col(integer(WorkingGroup::CoalitionId))
                    .col(integer_uniq(WorkingGroup::AreaId))
                    .col(string_len_uniq(WorkingGroup::Slug, 64))
                    .col(string_len(WorkingGroup::NameEn, 200))
                    .col(string_len(WorkingGroup::NameFr, 200))
                    .col(text(WorkingGroup::SummaryEn))
                    .col(text(WorkingGroup::SummaryFr))
                    .col(text(WorkingGroup::MandateEn))
                    .col(text(WorkingGroup::MandateFr))
                    .col(timestamp_with_time_zone(WorkingGroup::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkingGroup::Table, WorkingGroup::CoalitionId)
                            .to(Coalition::Table, Coalition::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkingGroup::Table, WorkingGroup::AreaId)
                            .to(AreaOfAction::Table, AreaOfAction::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Person::Table)
                    .col(pk_auto(Person::Id))
                    .col(string_len(Person::DisplayName, 120))
                    .col(string_len(Person::Email, 254))
                    // Lower-cased copy of `email`: the unique index makes addresses
                    // case-insensitively unique on both backends without a racy pre-check.
                    .col(string_len_uniq(Person::EmailNormalized, 254))
                    .col(string_len(Person::Organisation, 200))
                    .col(char_len(Person::Country, 2))
                    .col(string_len(Person::StakeholderType, 48))
                    .col(string_len_null(Person::Gender, 64))
                    .col(string_len(Person::PreferredLanguage, 8))
                    .col(string_len(Person::TimeZone, 64))
                    .col(timestamp_with_time_zone(Person::CreatedAt))
                    .col(timestamp_with_time_zone(Person::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("person_country_idx", Person::Country),
            ("person_stakeholder_type_idx", Person::StakeholderType),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Person::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Membership::Table)
                    .col(pk_auto(Membership::Id))
                    .col(integer(Membership::PersonId))
                    .col(integer(Membership::WorkingGroupId))
                    .col(string_len(Membership::Role, 16))
                    .col(string_len(Membership::Status, 16))
                    .col(timestamp_with_time_zone(Membership::Since))
                    .col(timestamp_with_time_zone(Membership::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Membership::Table, Membership::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Membership::Table, Membership::WorkingGroupId)
                            .to(WorkingGroup::Table, WorkingGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("membership_person_group_key")
                    .table(Membership::Table)
                    .col(Membership::PersonId)
                    .col(Membership::WorkingGroupId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("membership_group_status_idx")
                    .table(Membership::Table)
                    .col(Membership::WorkingGroupId)
                    .col(Membership::Status)
                    .col(Membership::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Activity::Table)
                    .col(pk_auto(Activity::Id))
                    .col(timestamp_with_time_zone(Activity::OccurredAt))
                    .col(integer_null(Activity::ActorId))
                    .col(string_len(Activity::Verb, 64))
                    .col(string_len(Activity::SubjectType, 32))
                    .col(integer(Activity::SubjectId))
                    .col(integer_null(Activity::WorkingGroupId))
                    .col(json(Activity::Payload))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Activity::Table, Activity::ActorId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Activity::Table, Activity::WorkingGroupId)
                            .to(WorkingGroup::Table, WorkingGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("activity_group_time_idx")
                    .table(Activity::Table)
                    .col(Activity::WorkingGroupId)
                    .col(Activity::OccurredAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Activity::Table.into_iden(),
            Membership::Table.into_iden(),
            Person::Table.into_iden(),
            WorkingGroup::Table.into_iden(),
            AreaOfAction::Table.into_iden(),
            Coalition::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Coalition {
    Table,
    Id,
    Slug,
    NameEn,
    NameFr,
    DescriptionEn,
    DescriptionFr,
    LaunchedOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AreaOfAction {
    Table,
    Id,
    CoalitionId,
    Number,
    NameEn,
    NameFr,
}

#[derive(DeriveIden)]
enum WorkingGroup {
    Table,
    Id,
    CoalitionId,
    AreaId,
    Slug,
    NameEn,
    NameFr,
    SummaryEn,
    SummaryFr,
    MandateEn,
    MandateFr,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
    DisplayName,
    Email,
    EmailNormalized,
    Organisation,
    Country,
    StakeholderType,
    Gender,
    PreferredLanguage,
    TimeZone,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Membership {
    Table,
    Id,
    PersonId,
    WorkingGroupId,
    Role,
    Status,
    Since,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    Id,
    OccurredAt,
    ActorId,
    Verb,
    SubjectType,
    SubjectId,
    WorkingGroupId,
    Payload,
}

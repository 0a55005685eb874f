//! Joining groups: open or moderated groups, the motivation and decision of each request,
//! and invitations by mail. SQLite takes one ALTER option per statement, so each column is
//! added on its own.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WorkingGroup::Table)
                    .add_column(string_len(WorkingGroup::JoinPolicy, 16).default("moderated"))
                    .to_owned(),
            )
            .await?;
        for column in [Membership::Motivation, Membership::DecisionReason] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Membership::Table)
                        .add_column(text_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Membership::Table)
                    .add_column(integer_null(Membership::DecidedBy))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invitation::Table)
                    .col(pk_auto(Invitation::Id))
                    .col(integer(Invitation::WorkingGroupId))
                    .col(string_len(Invitation::Email, 254))
                    .col(string_len(Invitation::EmailNormalized, 254))
                    .col(string_len(Invitation::Role, 16))
                    .col(string_len_uniq(Invitation::TokenHash, 64))
                    .col(integer_null(Invitation::InvitedBy))
                    .col(timestamp_with_time_zone(Invitation::CreatedAt))
                    .col(timestamp_with_time_zone(Invitation::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invitation::AcceptedAt))
                    .col(timestamp_with_time_zone_null(Invitation::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitation::Table, Invitation::WorkingGroupId)
                            .to(WorkingGroup::Table, WorkingGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitation::Table, Invitation::InvitedBy)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("invitation_group_email_idx")
                    .table(Invitation::Table)
                    .col(Invitation::WorkingGroupId)
                    .col(Invitation::EmailNormalized)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Invitation::Table).to_owned())
            .await?;
        for column in [
            Membership::DecidedBy,
            Membership::DecisionReason,
            Membership::Motivation,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Membership::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(WorkingGroup::Table)
                    .drop_column(WorkingGroup::JoinPolicy)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum WorkingGroup {
    Table,
    Id,
    JoinPolicy,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Membership {
    Table,
    Motivation,
    DecisionReason,
    DecidedBy,
}

#[derive(DeriveIden)]
enum Invitation {
    Table,
    Id,
    WorkingGroupId,
    Email,
    EmailNormalized,
    Role,
    TokenHash,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
    RevokedAt,
}

//! Shared documents: a document (of a group or the coalition, optionally of a meeting), its
//! language editions, and the immutable versions of each edition, whose bytes live in the
//! blob store under their SHA-256.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Document::Table)
                    .col(pk_auto(Document::Id))
                    .col(integer_null(Document::WorkingGroupId))
                    .col(integer_null(Document::MeetingId))
                    .col(string_len(Document::Kind, 32))
                    .col(text(Document::Tags))
                    .col(string_len(Document::Visibility, 16))
                    .col(string_len(Document::Licence, 32))
                    .col(boolean(Document::Archived).default(false))
                    .col(integer_null(Document::CreatedBy))
                    .col(timestamp_with_time_zone(Document::CreatedAt))
                    .col(timestamp_with_time_zone(Document::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Document::Table, Document::WorkingGroupId)
                            .to(WorkingGroup::Table, WorkingGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Document::Table, Document::MeetingId)
                            .to(Meeting::Table, Meeting::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Document::Table, Document::CreatedBy)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("document_group_idx")
                    .table(Document::Table)
                    .col(Document::WorkingGroupId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("document_meeting_idx")
                    .table(Document::Table)
                    .col(Document::MeetingId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DocumentEdition::Table)
                    .col(integer(DocumentEdition::DocumentId))
                    .col(string_len(DocumentEdition::Language, 8))
                    .col(string_len(DocumentEdition::Title, 300))
                    .col(text(DocumentEdition::Description))
                    .primary_key(
                        Index::create()
                            .col(DocumentEdition::DocumentId)
                            .col(DocumentEdition::Language),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DocumentEdition::Table, DocumentEdition::DocumentId)
                            .to(Document::Table, Document::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DocumentVersion::Table)
                    .col(pk_auto(DocumentVersion::Id))
                    .col(integer(DocumentVersion::DocumentId))
                    .col(string_len(DocumentVersion::Language, 8))
                    .col(integer(DocumentVersion::Number))
                    .col(string_len(DocumentVersion::FileName, 255))
                    .col(string_len(DocumentVersion::MediaType, 128))
                    .col(big_integer(DocumentVersion::ByteSize))
                    .col(string_len(DocumentVersion::Sha256, 64))
                    .col(text(DocumentVersion::Note))
                    .col(integer_null(DocumentVersion::UploadedBy))
                    .col(timestamp_with_time_zone(DocumentVersion::UploadedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DocumentVersion::Table, DocumentVersion::DocumentId)
                            .to(Document::Table, Document::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DocumentVersion::Table, DocumentVersion::UploadedBy)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // Two uploads racing for the same number: the second fails on this index.
        manager
            .create_index(
                Index::create()
                    .name("document_version_number_uniq")
                    .table(DocumentVersion::Table)
                    .col(DocumentVersion::DocumentId)
                    .col(DocumentVersion::Language)
                    .col(DocumentVersion::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Purging asks whether any version still references some bytes.
        manager
            .create_index(
                Index::create()
                    .name("document_version_sha256_idx")
                    .table(DocumentVersion::Table)
                    .col(DocumentVersion::Sha256)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DocumentVersion::Table.into_iden(),
            DocumentEdition::Table.into_iden(),
            Document::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum WorkingGroup {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Meeting {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Document {
    Table,
    Id,
    WorkingGroupId,
    MeetingId,
    Kind,
    Tags,
    Visibility,
    Licence,
    Archived,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DocumentEdition {
    Table,
    DocumentId,
    Language,
    Title,
    Description,
}

#[derive(DeriveIden)]
enum DocumentVersion {
    Table,
    Id,
    DocumentId,
    Language,
    Number,
    FileName,
    MediaType,
    ByteSize,
    Sha256,
    Note,
    UploadedBy,
    UploadedAt,
}

//! The `document_version` table: the immutable versions of an edition.

use sea_orm::entity::prelude::*;

#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_version")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub document_id: i32,
    pub language: String,
    pub number: i32,
    pub file_name: String,
    pub media_type: String,
    pub byte_size: i64,
    pub sha256: String,
    pub note: String,
    pub uploaded_by: Option<i32>,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `document_edition` table: a document's title and description in one language.

use sea_orm::entity::prelude::*;

#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_edition")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub document_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub language: String,
    pub title: String,
    pub description: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

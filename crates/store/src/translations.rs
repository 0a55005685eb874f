//! Content in Arabic, Chinese, Russian and Spanish: names, summaries, mandates and
//! descriptions kept beside their entities (English and French live in the entities'
//! columns); and meeting titles and descriptions in every language but English (the
//! meeting's own text).

use std::collections::{BTreeMap, HashMap};

use coalition_domain::coalition::TextKey;
use coalition_domain::language::{Language, LocalisedText};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};

use crate::Store;
use crate::batches::MAX_KEYS_PER_STATEMENT;
use crate::entities::content_translation;
use crate::error::StoreError;

impl Store {
    /// The stored texts for `keys`, in one statement per batch of keys; keys without a
    /// text are left out.
    pub async fn content_translations(
        &self,
        keys: &[TextKey],
    ) -> Result<HashMap<TextKey, String>, StoreError> {
        let mut found = HashMap::new();
        for chunk in keys.chunks(MAX_KEYS_PER_STATEMENT) {
            let mut ids: Vec<i32> = chunk.iter().map(|key| key.id).collect();
            ids.sort_unstable();
            ids.dedup();
            let mut languages: Vec<&str> = chunk.iter().map(|key| key.language.code()).collect();
            languages.sort_unstable();
            languages.dedup();
            let rows = content_translation::Entity::find()
                .filter(content_translation::Column::EntityId.is_in(ids))
                .filter(content_translation::Column::Language.is_in(languages))
                .all(&self.db)
                .await?;
            let rows: HashMap<(String, i32, String, String), String> = rows
                .into_iter()
                .map(|row| {
                    (
                        (row.entity_kind, row.entity_id, row.field, row.language),
                        row.text,
                    )
                })
                .collect();
            for key in chunk {
                let wanted = (
                    key.kind.to_owned(),
                    key.id,
                    key.field.to_owned(),
                    key.language.code().to_owned(),
                );
                if let Some(text) = rows.get(&wanted) {
                    found.insert(*key, text.clone());
                }
            }
        }
        Ok(found)
    }
}

/// Stores the texts of `text` in the languages kept beside the entity: each one given
/// replaces the stored one; an empty one removes it.
pub(crate) async fn save_translations(
    txn: &DatabaseTransaction,
    kind: &'static str,
    id: i32,
    field: &'static str,
    text: &LocalisedText,
) -> Result<(), StoreError> {
    save_texts(txn, kind, id, field, &text.others).await
}

/// Stores `texts` beside the entity: each language given replaces the stored text; an
/// empty text removes it; languages not given keep theirs.
pub(crate) async fn save_texts(
    txn: &DatabaseTransaction,
    kind: &'static str,
    id: i32,
    field: &'static str,
    texts: &BTreeMap<Language, String>,
) -> Result<(), StoreError> {
    for (language, value) in texts {
        content_translation::Entity::delete_many()
            .filter(content_translation::Column::EntityKind.eq(kind))
            .filter(content_translation::Column::EntityId.eq(id))
            .filter(content_translation::Column::Field.eq(field))
            .filter(content_translation::Column::Language.eq(language.code()))
            .exec(txn)
            .await?;
        if !value.trim().is_empty() {
            content_translation::ActiveModel {
                entity_kind: Set(kind.to_owned()),
                entity_id: Set(id),
                field: Set(field.to_owned()),
                language: Set(language.code().to_owned()),
                text: Set(value.clone()),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

//! Loads the OER Dynamic Coalition: its five areas of action and four working groups.
//! Rows are matched by natural key (slug, area number), so seeding twice changes nothing
//! and a partly seeded database is completed.

use chrono::{DateTime, NaiveDate, Utc};
use coalition_domain::events::Change;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};

use crate::Store;
use crate::entities::{area_of_action, coalition, working_group};
use crate::error::StoreError;

/// What a seed run added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeedReport {
    /// 1 when the coalition itself was created.
    pub coalitions: u32,
    /// Areas of action added.
    pub areas: u32,
    /// Working groups added.
    pub working_groups: u32,
}

impl SeedReport {
    /// Whether the run added nothing.
    pub fn is_empty(&self) -> bool {
        *self == SeedReport::default()
    }
}

const COALITION_SLUG: &str = "oer-dynamic-coalition";

/// An area of action of the Recommendation, and the working group that carries it, if any
/// (area 5, international cooperation, is the coalition's own job).
struct AreaSeed {
    number: i16,
    name: [&'static str; 2],
    group: Option<GroupSeed>,
}

struct GroupSeed {
    slug: &'static str,
    name: [&'static str; 2],
    summary: [&'static str; 2],
    mandate: [&'static str; 2],
}

const AREAS: [AreaSeed; 5] = [
    AreaSeed {
        number: 1,
        name: [
            "Building capacity of stakeholders to create, access, re-use, adapt and redistribute OER",
            "Renforcer la capacité des parties prenantes à créer, accéder, réutiliser, adapter et redistribuer les REL",
        ],
        group: Some(GroupSeed {
            slug: "capacity-building",
            name: ["Capacity building", "Renforcement des capacités"],
            summary: [
                "Helps educators, learners and institutions create, find, re-use, adapt and share OER.",
                "Aide les enseignants, les apprenants et les institutions à créer, trouver, réutiliser, adapter et partager des REL.",
            ],
            mandate: [
                "Identify and share training, tools and good practice that build the capacity of all stakeholders to work with OER, with attention to languages and to learners with disabilities.",
                "Recenser et partager les formations, outils et bonnes pratiques qui renforcent la capacité de toutes les parties prenantes à travailler avec les REL, en tenant compte des langues et des apprenants en situation de handicap.",
            ],
        }),
    },
    AreaSeed {
        number: 2,
        name: [
            "Developing supportive policy",
            "Développer une politique de soutien aux REL",
        ],
        group: Some(GroupSeed {
            slug: "supportive-policy",
            name: ["Supportive policy", "Politiques de soutien"],
            summary: [
                "Supports governments and institutions in adopting policies that favour OER.",
                "Accompagne les gouvernements et les institutions dans l'adoption de politiques favorables aux REL.",
            ],
            mandate: [
                "Gather model policies, open licensing frameworks and strategies, and advise Member States and institutions on developing and implementing OER policy.",
                "Rassembler des politiques modèles, des cadres de licences ouvertes et des stratégies, et conseiller les États membres et les institutions sur l'élaboration et la mise en œuvre de politiques en matière de REL.",
            ],
        }),
    },
    AreaSeed {
        number: 3,
        name: [
            "Encouraging inclusive and equitable quality OER",
            "Encourager des REL de qualité, inclusives et équitables",
        ],
        group: Some(GroupSeed {
            slug: "quality-inclusive-equitable-oer",
            name: [
                "Quality, inclusive and equitable OER",
                "REL de qualité, inclusives et équitables",
            ],
            summary: [
                "Promotes OER of quality that reach every learner, in every language and setting.",
                "Promeut des REL de qualité qui atteignent chaque apprenant, dans toutes les langues et tous les contextes.",
            ],
            mandate: [
                "Advance quality assurance, accessibility, gender equality and multilingualism in OER, so that marginalised learners and those with disabilities are served.",
                "Faire progresser l'assurance qualité, l'accessibilité, l'égalité des genres et le multilinguisme des REL, au service des apprenants marginalisés et en situation de handicap.",
            ],
        }),
    },
    AreaSeed {
        number: 4,
        name: [
            "Nurturing the creation of sustainability models for OER",
            "Favoriser la création de modèles de durabilité pour les REL",
        ],
        group: Some(GroupSeed {
            slug: "sustainability-models",
            name: ["Sustainability models", "Modèles de durabilité"],
            summary: [
                "Explores how OER initiatives can be funded and sustained over time.",
                "Étudie comment financer et pérenniser les initiatives en matière de REL.",
            ],
            mandate: [
                "Study and document sustainable models for OER, including funding, partnerships and community approaches, and share them across regions.",
                "Étudier et documenter des modèles durables pour les REL, notamment le financement, les partenariats et les approches communautaires, et les partager entre régions.",
            ],
        }),
    },
    AreaSeed {
        number: 5,
        name: [
            "Promoting and reinforcing international cooperation",
            "Promouvoir et renforcer la coopération internationale en matière de REL",
        ],
        group: None,
    },
];

impl Store {
    /// Whether the coalition has been seeded at all.
    pub async fn is_seeded(&self) -> Result<bool, StoreError> {
        Ok(coalition::Entity::find().count(&self.db).await? > 0)
    }

    /// Loads whatever part of the OER Dynamic Coalition is missing, in one transaction.
    pub async fn seed(&self) -> Result<SeedReport, StoreError> {
        let txn = self.begin_write().await?;
        let report = seed_in(&txn, self.clock.now()).await?;
        if !report.is_empty() {
            self.record(
                &txn,
                None,
                Change::CoalitionSeeded {
                    coalition: seeded_coalition_id(&txn).await?,
                    coalitions: report.coalitions as u64,
                    areas: report.areas as u64,
                    working_groups: report.working_groups as u64,
                },
            )
            .await?;
        }
        txn.commit().await?;
        Ok(report)
    }
}

async fn seeded_coalition_id(txn: &DatabaseTransaction) -> Result<i32, StoreError> {
    coalition::Entity::find()
        .filter(coalition::Column::Slug.eq(COALITION_SLUG))
        .one(txn)
        .await?
        .map(|row| row.id)
        .ok_or(StoreError::NotFound {
            entity: "coalition",
        })
}

async fn seed_in(txn: &DatabaseTransaction, now: DateTime<Utc>) -> Result<SeedReport, StoreError> {
    let mut report = SeedReport::default();
    let coalition_id = match coalition::Entity::find()
        .filter(coalition::Column::Slug.eq(COALITION_SLUG))
        .one(txn)
        .await?
    {
        Some(existing) => existing.id,
        None => {
            report.coalitions += 1;
            coalition::ActiveModel {
                slug: Set(COALITION_SLUG.to_owned()),
                name_en: Set("OER Dynamic Coalition".to_owned()),
                name_fr: Set("Coalition dynamique pour les REL".to_owned()),
                description_en: Set("Launched by UNESCO on 2 March 2020 to support the implementation of the Recommendation on Open Educational Resources (OER): it broadens and consolidates commitments to action on OER and promotes international cooperation among all stakeholders, guided by gender equality, geographic distribution and open, accessible participation.".to_owned()),
                description_fr: Set("Lancée par l'UNESCO le 2 mars 2020 pour soutenir la mise en œuvre de la Recommandation sur les ressources éducatives libres (REL) : elle élargit et consolide les engagements en faveur des REL et promeut la coopération internationale entre toutes les parties prenantes, dans le respect de l'égalité des genres, de la répartition géographique et d'une participation ouverte et accessible.".to_owned()),
                launched_on: Set(NaiveDate::from_ymd_opt(2020, 3, 2).unwrap_or_default()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?
            .id
        }
    };

    for area in &AREAS {
        let area_id = match area_of_action::Entity::find()
            .filter(area_of_action::Column::CoalitionId.eq(coalition_id))
            .filter(area_of_action::Column::Number.eq(area.number))
            .one(txn)
            .await?
        {
            Some(existing) => existing.id,
            None => {
                report.areas += 1;
                area_of_action::ActiveModel {
                    coalition_id: Set(coalition_id),
                    number: Set(area.number),
                    name_en: Set(area.name[0].to_owned()),
                    name_fr: Set(area.name[1].to_owned()),
                    ..Default::default()
                }
                .insert(txn)
                .await?
                .id
            }
        };
        let Some(group) = &area.group else { continue };
        let exists = working_group::Entity::find()
            .filter(working_group::Column::Slug.eq(group.slug))
            .count(txn)
            .await?
            > 0;
        if !exists {
            report.working_groups += 1;
            working_group::ActiveModel {
                coalition_id: Set(coalition_id),
                area_id: Set(area_id),
                slug: Set(group.slug.to_owned()),
                name_en: Set(group.name[0].to_owned()),
                name_fr: Set(group.name[1].to_owned()),
                summary_en: Set(group.summary[0].to_owned()),
                summary_fr: Set(group.summary[1].to_owned()),
                mandate_en: Set(group.mandate[0].to_owned()),
                mandate_fr: Set(group.mandate[1].to_owned()),
                join_policy: Set(coalition_domain::coalition::JoinPolicy::default()
                    .as_str()
                    .to_owned()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(report)
}

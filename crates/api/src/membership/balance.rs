//! GraphQL view of balance reports.

use async_graphql::{Enum, Object, SimpleObject};
use coalition_domain::balance::BalanceReport;

use super::types::{StakeholderType, UnescoRegion};

/// Genders as reports group people's own descriptions.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::balance::GenderCategory")]
pub(crate) enum GenderCategory {
    /// Women.
    Woman,
    /// Men.
    Man,
    /// Any other self-description.
    AnotherGender,
    /// No description given.
    NotDisclosed,
}

/// Active members of one stakeholder type.
#[derive(SimpleObject)]
pub(crate) struct StakeholderTypeCount {
    stakeholder_type: StakeholderType,
    count: u64,
    /// Share of all active members, 0 to 1.
    share: f64,
}

/// Active members based in one UNESCO region.
#[derive(SimpleObject)]
pub(crate) struct RegionCount {
    /// Null for countries outside UNESCO's Member States and Associate Members.
    region: Option<UnescoRegion>,
    count: u64,
    /// Share of all active members, 0 to 1.
    share: f64,
}

/// Active members in one gender category. Small counts (0 to 2) are withheld (null), with
/// at least one other count beside them, so a report never points at a person, not even
/// by subtracting from the total or comparing with an earlier report.
#[derive(SimpleObject)]
pub(crate) struct GenderCount {
    gender: GenderCategory,
    /// Null when withheld.
    count: Option<u64>,
    /// Share of all active members, 0 to 1; null when withheld.
    share: Option<f64>,
}

/// How active members spread over stakeholder types, regions and genders: counts only,
/// never individuals.
pub(crate) struct Balance(pub BalanceReport);

#[Object]
impl Balance {
    /// Active members counted, each person once.
    async fn total(&self) -> u64 {
        self.0.total
    }

    /// Counts per stakeholder type, every type listed.
    async fn by_stakeholder_type(&self) -> Vec<StakeholderTypeCount> {
        self.0
            .by_stakeholder_type
            .iter()
            .map(|s| StakeholderTypeCount {
                stakeholder_type: s.key.into(),
                count: s.count,
                share: s.share,
            })
            .collect()
    }

    /// Counts per UNESCO region, every region listed, then countries outside them.
    async fn by_region(&self) -> Vec<RegionCount> {
        self.0
            .by_region
            .iter()
            .map(|s| RegionCount {
                region: s.key.map(Into::into),
                count: s.count,
                share: s.share,
            })
            .collect()
    }

    /// Counts per gender category, "not disclosed" included; small counts are withheld
    /// together with a complementary one.
    async fn by_gender(&self) -> Vec<GenderCount> {
        self.0
            .by_gender
            .iter()
            .map(|s| {
                let shown = self.0.gender_count(s.key);
                GenderCount {
                    gender: s.key.into(),
                    count: shown,
                    share: shown.map(|_| s.share),
                }
            })
            .collect()
    }

    /// The region with the most members; null when there are none.
    async fn largest_region(&self) -> Option<UnescoRegion> {
        self.0.largest_region().map(|s| s.key.into())
    }

    /// The share of members in the largest region, 0 to 1: geographic distribution
    /// suffers as it nears 1.
    async fn largest_region_share(&self) -> Option<f64> {
        self.0.largest_region().map(|s| s.share)
    }

    /// How many of the five UNESCO regions have at least one member.
    async fn regions_represented(&self) -> usize {
        self.0.regions_represented()
    }

    /// How many stakeholder types have at least one member.
    async fn stakeholder_types_represented(&self) -> usize {
        self.0.stakeholder_types_represented()
    }

    /// Women divided by men, as UNESCO's gender parity index: 1 is parity, below 1 fewer
    /// women. Null when no man is counted or a count is withheld.
    async fn gender_parity_index(&self) -> Option<f64> {
        self.0.gender_parity_index()
    }
}

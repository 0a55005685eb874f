//! Balance reports: how a group's (or the coalition's) active members spread over
//! stakeholder types, UNESCO regions and genders, as the guiding principles ask. Counts
//! only: no individual is ever identified.

use serde::{Deserialize, Serialize};

use crate::geography::{CountryCode, UnescoRegion};
use crate::stakeholder::StakeholderType;

/// Genders as reports group them. People describe their gender in their own words; the
/// report recognises the common words for woman and man in the coalition's languages and
/// counts every other description as another gender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GenderCategory {
    /// Women.
    Woman,
    /// Men.
    Man,
    /// Any other self-description.
    AnotherGender,
    /// No description given.
    NotDisclosed,
}

impl GenderCategory {
    /// Every category, in report order.
    pub const ALL: [GenderCategory; 4] = [
        GenderCategory::Woman,
        GenderCategory::Man,
        GenderCategory::AnotherGender,
        GenderCategory::NotDisclosed,
    ];

    /// Groups a self-description.
    pub fn classify(description: Option<&str>) -> Self {
        let Some(description) = description.map(|d| d.trim().to_lowercase()) else {
            return GenderCategory::NotDisclosed;
        };
        match description.as_str() {
            "" => GenderCategory::NotDisclosed,
            "woman" | "female" | "f" | "w" | "femme" | "féminin" | "feminin" | "mujer"
            | "femenino" | "cis woman" | "trans woman" => GenderCategory::Woman,
            "man" | "male" | "m" | "homme" | "masculin" | "hombre" | "masculino" | "cis man"
            | "trans man" => GenderCategory::Man,
            _ => GenderCategory::AnotherGender,
        }
    }
}

/// Gender counts below this many (0, 1 or 2) are small: in a small group a count of one
/// or two would point at people. See [`BalanceReport::withheld_genders`] for what is then
/// withheld.
pub const MIN_GENDER_CELL: u64 = 3;

/// A count and its share of the total (0 when the total is 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share<K> {
    /// What is counted.
    pub key: K,
    /// How many active members.
    pub count: u64,
    /// `count / total`, between 0 and 1.
    pub share: f64,
}

/// The spread of active members over stakeholder types, regions and genders.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceReport {
    /// Active members counted (each person once).
    pub total: u64,
    /// By stakeholder type, every type listed.
    pub by_stakeholder_type: Vec<Share<StakeholderType>>,
    /// By UNESCO region, every region listed, then `None` for countries outside them.
    pub by_region: Vec<Share<Option<UnescoRegion>>>,
    /// By gender category, every category listed.
    pub by_gender: Vec<Share<GenderCategory>>,
}

fn share<K>(key: K, count: u64, total: u64) -> Share<K> {
    let share = if total == 0 {
        0.0
    } else {
        count as f64 / total as f64
    };
    Share { key, count, share }
}

impl BalanceReport {
    /// Builds the report from the grouped counts the database returns: per stakeholder
    /// code, per country code, per gender description.
    pub fn from_counts(
        total: u64,
        stakeholder_counts: &[(String, u64)],
        country_counts: &[(String, u64)],
        gender_counts: &[(Option<String>, u64)],
    ) -> Self {
        let by_stakeholder_type = StakeholderType::ALL
            .iter()
            .map(|kind| {
                let count = stakeholder_counts
                    .iter()
                    .filter(|(code, _)| code == kind.as_str())
                    .map(|(_, count)| count)
                    .sum();
                share(*kind, count, total)
            })
            .collect();
        let region_of = |code: &str| {
            CountryCode::parse(code)
                .ok()
                .and_then(|c| c.unesco_region())
        };
        let regions = UnescoRegion::ALL.iter().copied().map(Some).chain([None]);
        let by_region = regions
            .map(|region| {
                let count = country_counts
                    .iter()
                    .filter(|(code, _)| region_of(code) == region)
                    .map(|(_, count)| count)
                    .sum();
                share(region, count, total)
            })
            .collect();
        let by_gender = GenderCategory::ALL
            .iter()
            .map(|category| {
                let count = gender_counts
                    .iter()
                    .filter(|(description, _)| {
                        GenderCategory::classify(description.as_deref()) == *category
                    })
                    .map(|(_, count)| count)
                    .sum();
                share(*category, count, total)
            })
            .collect();
        Self {
            total,
            by_stakeholder_type,
            by_region,
            by_gender,
        }
    }

    /// The region holding the largest share of members, and that share; `None` when
    /// nobody is counted. Geographic distribution suffers as this nears 1.
    pub fn largest_region(&self) -> Option<Share<UnescoRegion>> {
        self.by_region
            .iter()
            .filter_map(|s| {
                s.key.map(|key| Share {
                    key,
                    count: s.count,
                    share: s.share,
                })
            })
            .filter(|s| s.count > 0)
            .max_by(|a, b| a.count.cmp(&b.count))
    }

    /// How many of the five UNESCO regions have at least one member.
    pub fn regions_represented(&self) -> usize {
        self.by_region
            .iter()
            .filter(|s| s.key.is_some() && s.count > 0)
            .count()
    }

    /// How many stakeholder types have at least one member.
    pub fn stakeholder_types_represented(&self) -> usize {
        self.by_stakeholder_type
            .iter()
            .filter(|s| s.count > 0)
            .count()
    }

    /// The gender parity index as UNESCO computes it for education: women divided by men.
    /// 1 is parity; below 1 women are fewer. `None` when no man is counted, or when either
    /// count is withheld (see [`BalanceReport::gender_count`]).
    pub fn gender_parity_index(&self) -> Option<f64> {
        let women = self.gender_count(GenderCategory::Woman)?;
        let men = self.gender_count(GenderCategory::Man)?;
        (men > 0).then(|| women as f64 / men as f64)
    }

    /// The count of a gender category as it may be shown: `None` when withheld (see
    /// [`BalanceReport::withheld_genders`]), so that a report never points at a person.
    pub fn gender_count(&self, category: GenderCategory) -> Option<u64> {
        if self.withheld_genders().contains(&category) {
            return None;
        }
        self.by_gender
            .iter()
            .find(|s| s.key == category)
            .map(|s| s.count)
    }

    /// The gender categories whose counts are withheld. Categories go in pairs, women
    /// with men and another gender with not disclosed; a pair is withheld whole when either
    /// count is small (0 to 2). So:
    /// - a withheld count never stands alone, and the total less the shown counts gives
    ///   only a pair's sum;
    /// - whoever joins into a small cell changes the report exactly as someone joining the
    ///   other cell of its pair would: comparing the reports before and after does not tell
    ///   which (`one_joiner_in_a_small_cell_cannot_be_told_apart` checks every small
    ///   composition). An empty cell counts as small for this reason: were it shown, the
    ///   report that suddenly withheld it would name the newcomer's category.
    ///
    /// Someone joining a shown cell of three or more is in a group too large to single out.
    pub fn withheld_genders(&self) -> Vec<GenderCategory> {
        use GenderCategory::*;
        let count = |category| {
            self.by_gender
                .iter()
                .find(|s| s.key == category)
                .map_or(0, |s| s.count)
        };
        [[Woman, Man], [AnotherGender, NotDisclosed]]
            .into_iter()
            .filter(|pair| {
                pair.iter()
                    .any(|&category| count(category) < MIN_GENDER_CELL)
            })
            .flatten()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_self_descriptions() {
        assert_eq!(GenderCategory::classify(None), GenderCategory::NotDisclosed);
        assert_eq!(
            GenderCategory::classify(Some("  ")),
            GenderCategory::NotDisclosed
        );
        assert_eq!(
            GenderCategory::classify(Some("Femme")),
            GenderCategory::Woman
        );
        assert_eq!(GenderCategory::classify(Some("MALE")), GenderCategory::Man);
        assert_eq!(
            GenderCategory::classify(Some("non-binary")),
            GenderCategory::AnotherGender
        );
    }

    #[test]
    fn builds_shares_and_indicators() {
        let report = BalanceReport::from_counts(
            10,
            &[("civil_society".into(), 6), ("member_state".into(), 4)],
            &[
                ("KE".into(), 3),
                ("EG".into(), 2),
                ("FR".into(), 4),
                ("HK".into(), 1),
            ],
            &[
                (Some("woman".into()), 4),
                (Some("Homme".into()), 3),
                (Some("agender".into()), 1),
                (None, 3),
            ],
        );
        let region =
            |r: Option<UnescoRegion>| report.by_region.iter().find(|s| s.key == r).unwrap().count;
        assert_eq!(region(Some(UnescoRegion::Africa)), 3);
        assert_eq!(region(Some(UnescoRegion::ArabStates)), 2);
        assert_eq!(region(Some(UnescoRegion::EuropeAndNorthAmerica)), 4);
        assert_eq!(region(None), 1);
        assert_eq!(report.by_region.len(), 6);
        assert_eq!(report.by_stakeholder_type.len(), StakeholderType::ALL.len());
        let largest = report.largest_region().unwrap();
        assert_eq!(
            (largest.key, largest.count),
            (UnescoRegion::EuropeAndNorthAmerica, 4)
        );
        assert!((largest.share - 0.4).abs() < 1e-9);
        assert_eq!(report.regions_represented(), 3);
        assert_eq!(report.stakeholder_types_represented(), 2);
        assert_eq!(report.gender_parity_index(), Some(4.0 / 3.0));
        let genders: Vec<u64> = report.by_gender.iter().map(|s| s.count).collect();
        assert_eq!(genders, [4, 3, 1, 3]);
        assert_eq!(
            report.gender_count(GenderCategory::AnotherGender),
            None,
            "1 is withheld"
        );
    }

    #[test]
    fn small_gender_counts_are_withheld() {
        let report = BalanceReport::from_counts(
            6,
            &[],
            &[],
            &[
                (Some("woman".into()), 4),
                (Some("man".into()), 1),
                (None, 1),
            ],
        );
        // A man alone: women are withheld with men. Nobody of another gender: withheld
        // with the one who did not say.
        assert_eq!(report.gender_count(GenderCategory::Woman), None);
        assert_eq!(report.gender_count(GenderCategory::Man), None);
        assert_eq!(report.gender_count(GenderCategory::AnotherGender), None);
        let larger = report_of([6, 3, 0, 4]);
        assert_eq!(larger.gender_count(GenderCategory::Woman), Some(6));
        assert_eq!(larger.gender_count(GenderCategory::Man), Some(3));
        assert_eq!(larger.gender_count(GenderCategory::NotDisclosed), None);
        assert_eq!(larger.gender_parity_index(), Some(2.0));
        assert_eq!(
            report.gender_parity_index(),
            None,
            "no index from a withheld count"
        );
    }

    fn report_of(counts: [u64; 4]) -> BalanceReport {
        let descriptions = [Some("woman"), Some("man"), Some("agender"), None];
        let genders: Vec<(Option<String>, u64)> = descriptions
            .iter()
            .zip(counts)
            .map(|(d, n)| (d.map(str::to_owned), n))
            .collect();
        BalanceReport::from_counts(counts.iter().sum(), &[], &[], &genders)
    }

    /// What a reader of the report sees of genders: the total and each shown count.
    fn published(report: &BalanceReport) -> (u64, Vec<Option<u64>>) {
        let shown = GenderCategory::ALL
            .iter()
            .map(|&category| report.gender_count(category))
            .collect();
        (report.total, shown)
    }

    fn compositions(max: u64) -> impl Iterator<Item = [u64; 4]> {
        (0..=max).flat_map(move |a| {
            (0..=max).flat_map(move |b| {
                (0..=max).flat_map(move |c| (0..=max).map(move |d| [a, b, c, d]))
            })
        })
    }

    /// The total less the shown counts never gives back a withheld cell: every small cell
    /// is withheld, and never alone.
    #[test]
    fn a_withheld_cell_is_never_alone() {
        for counts in compositions(6) {
            let report = report_of(counts);
            let withheld = report.withheld_genders();
            assert!(withheld.len() != 1, "{counts:?}: {withheld:?}");
            for (category, count) in GenderCategory::ALL.iter().zip(counts) {
                if count < MIN_GENDER_CELL {
                    assert_eq!(report.gender_count(*category), None, "{counts:?}");
                }
            }
        }
    }

    /// The differencing attack: compare the report before and after one person joins. When
    /// the person lands in a small cell, some other category would have given the very same
    /// report, so the comparison does not reveal theirs.
    #[test]
    fn one_joiner_in_a_small_cell_cannot_be_told_apart() {
        for before in compositions(6) {
            let after = |category: usize| {
                let mut counts = before;
                counts[category] += 1;
                counts
            };
            for joined in 0..4 {
                if after(joined)[joined] >= MIN_GENDER_CELL {
                    continue;
                }
                let seen = published(&report_of(after(joined)));
                let twin = (0..4)
                    .filter(|&other| other != joined)
                    .any(|other| published(&report_of(after(other))) == seen);
                assert!(
                    twin,
                    "{before:?} + {:?}: {seen:?}",
                    GenderCategory::ALL[joined]
                );
            }
        }
    }

    #[test]
    fn an_empty_group_has_no_indicators() {
        let report = BalanceReport::from_counts(0, &[], &[], &[]);
        assert_eq!(report.largest_region(), None);
        assert_eq!(report.gender_parity_index(), None);
        assert!(report.by_gender.iter().all(|s| s.share == 0.0));
    }
}

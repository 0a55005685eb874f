//! The kinds of stakeholder whose experts make up the coalition.

use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;

/// The kind of organisation an expert speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StakeholderType {
    /// A government of a UNESCO Member State.
    MemberState,
    /// A National Commission for UNESCO.
    NationalCommission,
    /// An intergovernmental organisation.
    IntergovernmentalOrganisation,
    /// A UNESCO Category 2 Centre.
    Category2Centre,
    /// A specialised institution.
    SpecialisedInstitution,
    /// Civil society: non-governmental organisations, associations, communities.
    CivilSociety,
    /// The private sector.
    PrivateSector,
    /// Universities and research institutions.
    AcademiaResearch,
}

impl StakeholderType {
    /// Every stakeholder type, in the order reports list them.
    pub const ALL: [StakeholderType; 8] = [
        StakeholderType::MemberState,
        StakeholderType::NationalCommission,
        StakeholderType::IntergovernmentalOrganisation,
        StakeholderType::Category2Centre,
        StakeholderType::SpecialisedInstitution,
        StakeholderType::CivilSociety,
        StakeholderType::PrivateSector,
        StakeholderType::AcademiaResearch,
    ];

    /// The stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            StakeholderType::MemberState => "member_state",
            StakeholderType::NationalCommission => "national_commission",
            StakeholderType::IntergovernmentalOrganisation => "intergovernmental_organisation",
            StakeholderType::Category2Centre => "category_2_centre",
            StakeholderType::SpecialisedInstitution => "specialised_institution",
            StakeholderType::CivilSociety => "civil_society",
            StakeholderType::PrivateSector => "private_sector",
            StakeholderType::AcademiaResearch => "academia_research",
        }
    }

    /// Parses the stored code.
    pub fn parse(code: &str) -> Result<Self, InvalidInput> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == code)
            .ok_or_else(|| {
                InvalidInput::new(
                    "stakeholderType",
                    format!(
                        "unknown stakeholder type '{code}': use one of {}",
                        Self::ALL.map(StakeholderType::as_str).join(", ")
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_distinct() {
        for kind in StakeholderType::ALL {
            assert_eq!(StakeholderType::parse(kind.as_str()), Ok(kind));
        }
        let mut codes = StakeholderType::ALL.map(StakeholderType::as_str).to_vec();
        codes.dedup();
        assert_eq!(codes.len(), StakeholderType::ALL.len());
        assert!(StakeholderType::parse("government").is_err());
    }
}

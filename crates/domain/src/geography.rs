//! Countries and UNESCO regions: the geography members declare and reports group by.
//!
//! One sorted table holds every officially assigned ISO 3166-1 alpha-2 code, so a
//! [`CountryCode`] can only hold a code that exists, and its region is a table lookup.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::InvalidInput;

/// UNESCO's five regions for its activities (not UN M49 continents).
///
/// Reports group members by these, as UNESCO itself does; North Africa is split
/// between Africa and the Arab States the way UNESCO splits it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum UnescoRegion {
    /// Sub-Saharan Africa, including Djibouti, Comoros, Somalia and South Sudan.
    Africa,
    /// The nineteen Arab States of UNESCO's grouping (Sudan and the Maghreb included).
    ArabStates,
    /// Asia (Central Asia, Iran and Afghanistan included) and the Pacific.
    AsiaAndThePacific,
    /// Europe, the Caucasus, Israel, Türkiye, Canada and the United States.
    EuropeAndNorthAmerica,
    /// Latin America and the Caribbean, including the Caribbean Associate Members.
    LatinAmericaAndTheCaribbean,
}

impl UnescoRegion {
    /// Every region, in declaration order, for listings and per-region totals.
    pub const ALL: [UnescoRegion; 5] = [
        UnescoRegion::Africa,
        UnescoRegion::ArabStates,
        UnescoRegion::AsiaAndThePacific,
        UnescoRegion::EuropeAndNorthAmerica,
        UnescoRegion::LatinAmericaAndTheCaribbean,
    ];

    /// The stable snake_case identifier used in the API and in storage (same as serde).
    pub fn as_str(self) -> &'static str {
        match self {
            UnescoRegion::Africa => "africa",
            UnescoRegion::ArabStates => "arab_states",
            UnescoRegion::AsiaAndThePacific => "asia_and_the_pacific",
            UnescoRegion::EuropeAndNorthAmerica => "europe_and_north_america",
            UnescoRegion::LatinAmericaAndTheCaribbean => "latin_america_and_the_caribbean",
        }
    }

    /// Reads the [`as_str`](Self::as_str) form, ignoring case and surrounding spaces.
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let wanted = s.trim();
        UnescoRegion::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                let allowed: Vec<&str> = UnescoRegion::ALL.iter().map(|r| r.as_str()).collect();
                InvalidInput::new(
                    "region",
                    format!(
                        "'{wanted}' is not a UNESCO region; expected one of: {}",
                        allowed.join(", ")
                    ),
                )
            })
    }

    /// The English name UNESCO uses for the region, for display.
    pub fn name_en(self) -> &'static str {
        match self {
            UnescoRegion::Africa => "Africa",
            UnescoRegion::ArabStates => "Arab States",
            UnescoRegion::AsiaAndThePacific => "Asia and the Pacific",
            UnescoRegion::EuropeAndNorthAmerica => "Europe and North America",
            UnescoRegion::LatinAmericaAndTheCaribbean => "Latin America and the Caribbean",
        }
    }

    /// The French name UNESCO uses for the region, for display.
    pub fn name_fr(self) -> &'static str {
        match self {
            UnescoRegion::Africa => "Afrique",
            UnescoRegion::ArabStates => "États arabes",
            UnescoRegion::AsiaAndThePacific => "Asie et Pacifique",
            UnescoRegion::EuropeAndNorthAmerica => "Europe et Amérique du Nord",
            UnescoRegion::LatinAmericaAndTheCaribbean => "Amérique latine et Caraïbes",
        }
    }

    /// Every country code whose UNESCO region is `self`.
    pub fn countries(self) -> impl Iterator<Item = CountryCode> {
        COUNTRIES
            .iter()
            .filter(move |c| c.region == Some(self))
            .map(|c| CountryCode(code_bytes(c.code)))
    }
}

impl fmt::Display for UnescoRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An ISO 3166-1 alpha-2 code that is known to exist (officially assigned). Stored upper-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses "fr", "FR", " fr " (trimmed, case-insensitive).
    ///
    /// Anything that is not an officially assigned code (unknown, wrong length,
    /// non-letters) is refused with field "country".
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let trimmed = s.trim();
        let refuse = || {
            InvalidInput::new(
                "country",
                format!("'{trimmed}' is not an ISO 3166-1 alpha-2 country code (e.g. FR, KE, BR)"),
            )
        };
        let bytes = match trimmed.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                [a.to_ascii_uppercase(), b.to_ascii_uppercase()]
            }
            _ => return Err(refuse()),
        };
        match find(bytes) {
            Some(_) => Ok(CountryCode(bytes)),
            None => Err(refuse()),
        }
    }

    /// The upper-case two-letter code, e.g. "FR".
    pub fn as_str(&self) -> &str {
        // The bytes are always two ASCII upper-case letters (checked on construction).
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// English short name (ISO 3166-1), e.g. "France", "Kenya", "Türkiye".
    pub fn name_en(&self) -> &'static str {
        find(self.0).map_or("", |c| c.name_en)
    }

    /// UNESCO region, or None for territories that are not UNESCO Member States or Associate Members.
    pub fn unesco_region(&self) -> Option<UnescoRegion> {
        find(self.0).and_then(|c| c.region)
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CountryCode {
    type Err = InvalidInput;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CountryCode::parse(s)
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        CountryCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One row of the ISO 3166-1 table with its UNESCO grouping.
struct Country {
    /// Upper-case alpha-2 code; the table is sorted by it.
    code: &'static str,
    /// ISO 3166-1 English short name.
    name_en: &'static str,
    /// None for territories outside UNESCO's Member States and Associate Members.
    region: Option<UnescoRegion>,
}

/// The two bytes of a table code (always two ASCII letters in `COUNTRIES`).
const fn code_bytes(code: &str) -> [u8; 2] {
    match code.as_bytes() {
        [a, b] => [*a, *b],
        _ => [b'?', b'?'],
    }
}

/// Binary search of `COUNTRIES` for an upper-case code.
fn find(code: [u8; 2]) -> Option<&'static Country> {
    COUNTRIES
        .binary_search_by(|c| code_bytes(c.code).cmp(&code))
        .ok()
        .and_then(|i| COUNTRIES.get(i))
}

/// Builds one table row; keeps the rows of `COUNTRIES` on one line each.
const fn c(code: &'static str, name_en: &'static str, region: Option<UnescoRegion>) -> Country {
    Country {
        code,
        name_en,
        region,
    }
}

// Short names for the region column of `COUNTRIES`.
const AFR: Option<UnescoRegion> = Some(UnescoRegion::Africa);
const ARB: Option<UnescoRegion> = Some(UnescoRegion::ArabStates);
const APA: Option<UnescoRegion> = Some(UnescoRegion::AsiaAndThePacific);
const ENA: Option<UnescoRegion> = Some(UnescoRegion::EuropeAndNorthAmerica);
const LAC: Option<UnescoRegion> = Some(UnescoRegion::LatinAmericaAndTheCaribbean);
const NONE: Option<UnescoRegion> = None;

/// All 249 officially assigned ISO 3166-1 alpha-2 codes, sorted by code.
///
/// Names are the ISO 3166-1 English short names. Regions follow UNESCO's grouping of
/// its Member States and Associate Members; the Holy See, Taiwan and dependent
/// territories that are not Associate Members (Hong Kong, Greenland, Puerto Rico, ...)
/// have none. Israel and the United States keep their group (Europe and North America)
/// whatever their membership status, because the grouping serves regional reports.
#[rustfmt::skip]
const COUNTRIES: &[Country] = &[
    c("AD", "Andorra", ENA),
    c("AE", "United Arab Emirates", ARB),
    c("AF", "Afghanistan", APA),
    c("AG", "Antigua and Barbuda", LAC),
    c("AI", "Anguilla", LAC),
    c("AL", "Albania", ENA),
    c("AM", "Armenia", ENA),
    c("AO", "Angola", AFR),
    c("AQ", "Antarctica", NONE),
    c("AR", "Argentina", LAC),
    c("AS", "American Samoa", NONE),
    c("AT", "Austria", ENA),
    c("AU", "Australia", APA),
    c("AW", "Aruba", LAC),
    c("AX", "Åland Islands", NONE),
    c("AZ", "Azerbaijan", ENA),
    c("BA", "Bosnia and Herzegovina", ENA),
    c("BB", "Barbados", LAC),
    c("BD", "Bangladesh", APA),
    c("BE", "Belgium", ENA),
    c("BF", "Burkina Faso", AFR),
    c("BG", "Bulgaria", ENA),
    c("BH", "Bahrain", ARB),
    c("BI", "Burundi", AFR),
    c("BJ", "Benin", AFR),
    c("BL", "Saint Barthélemy", NONE),
    c("BM", "Bermuda", NONE),
    c("BN", "Brunei Darussalam", APA),
    c("BO", "Bolivia, Plurinational State of", LAC),
    c("BQ", "Bonaire, Sint Eustatius and Saba", NONE),
    c("BR", "Brazil", LAC),
    c("BS", "Bahamas", LAC),
    c("BT", "Bhutan", APA),
    c("BV", "Bouvet Island", NONE),
    c("BW", "Botswana", AFR),
    c("BY", "Belarus", ENA),
    c("BZ", "Belize", LAC),
    c("CA", "Canada", ENA),
    c("CC", "Cocos (Keeling) Islands", NONE),
    c("CD", "Congo, The Democratic Republic of the", AFR),
    c("CF", "Central African Republic", AFR),
    c("CG", "Congo", AFR),
    c("CH", "Switzerland", ENA),
    c("CI", "Côte d'Ivoire", AFR),
    c("CK", "Cook Islands", APA),
    c("CL", "Chile", LAC),
    c("CM", "Cameroon", AFR),
    c("CN", "China", APA),
    c("CO", "Colombia", LAC),
    c("CR", "Costa Rica", LAC),
    c("CU", "Cuba", LAC),
    c("CV", "Cabo Verde", AFR),
    c("CW", "Curaçao", LAC),
    c("CX", "Christmas Island", NONE),
    c("CY", "Cyprus", ENA),
    c("CZ", "Czechia", ENA),
    c("DE", "Germany", ENA),
    c("DJ", "Djibouti", AFR),
    c("DK", "Denmark", ENA),
    c("DM", "Dominica", LAC),
    c("DO", "Dominican Republic", LAC),
    c("DZ", "Algeria", ARB),
    c("EC", "Ecuador", LAC),
    c("EE", "Estonia", ENA),
    c("EG", "Egypt", ARB),
    c("EH", "Western Sahara", NONE),
    c("ER", "Eritrea", AFR),
    c("ES", "Spain", ENA),
    c("ET", "Ethiopia", AFR),
    c("FI", "Finland", ENA),
    c("FJ", "Fiji", APA),
    c("FK", "Falkland Islands (Malvinas)", NONE),
    c("FM", "Micronesia, Federated States of", APA),
    c("FO", "Faroe Islands", ENA),
    c("FR", "France", ENA),
    c("GA", "Gabon", AFR),
    c("GB", "United Kingdom", ENA),
    c("GD", "Grenada", LAC),
    c("GE", "Georgia", ENA),
    c("GF", "French Guiana", NONE),
    c("GG", "Guernsey", NONE),
    c("GH", "Ghana", AFR),
    c("GI", "Gibraltar", NONE),
    c("GL", "Greenland", NONE),
    c("GM", "Gambia", AFR),
    c("GN", "Guinea", AFR),
    c("GP", "Guadeloupe", NONE),
    c("GQ", "Equatorial Guinea", AFR),
    c("GR", "Greece", ENA),
    c("GS", "South Georgia and the South Sandwich Islands", NONE),
    c("GT", "Guatemala", LAC),
    c("GU", "Guam", NONE),
    c("GW", "Guinea-Bissau", AFR),
    c("GY", "Guyana", LAC),
    c("HK", "Hong Kong", NONE),
    c("HM", "Heard Island and McDonald Islands", NONE),
    c("HN", "Honduras", LAC),
    c("HR", "Croatia", ENA),
    c("HT", "Haiti", LAC),
    c("HU", "Hungary", ENA),
    c("ID", "Indonesia", APA),
    c("IE", "Ireland", ENA),
    c("IL", "Israel", ENA),
    c("IM", "Isle of Man", NONE),
    c("IN", "India", APA),
    c("IO", "British Indian Ocean Territory", NONE),
    c("IQ", "Iraq", ARB),
    c("IR", "Iran, Islamic Republic of", APA),
    c("IS", "Iceland", ENA),
    c("IT", "Italy", ENA),
    c("JE", "Jersey", NONE),
    c("JM", "Jamaica", LAC),
    c("JO", "Jordan", ARB),
    c("JP", "Japan", APA),
    c("KE", "Kenya", AFR),
    c("KG", "Kyrgyzstan", APA),
    c("KH", "Cambodia", APA),
    c("KI", "Kiribati", APA),
    c("KM", "Comoros", AFR),
    c("KN", "Saint Kitts and Nevis", LAC),
    c("KP", "Korea, Democratic People's Republic of", APA),
    c("KR", "Korea, Republic of", APA),
    c("KW", "Kuwait", ARB),
    c("KY", "Cayman Islands", LAC),
    c("KZ", "Kazakhstan", APA),
    c("LA", "Lao People's Democratic Republic", APA),
    c("LB", "Lebanon", ARB),
    c("LC", "Saint Lucia", LAC),
    c("LI", "Liechtenstein", ENA),
    c("LK", "Sri Lanka", APA),
    c("LR", "Liberia", AFR),
    c("LS", "Lesotho", AFR),
    c("LT", "Lithuania", ENA),
    c("LU", "Luxembourg", ENA),
    c("LV", "Latvia", ENA),
    c("LY", "Libya", ARB),
    c("MA", "Morocco", ARB),
    c("MC", "Monaco", ENA),
    c("MD", "Moldova, Republic of", ENA),
    c("ME", "Montenegro", ENA),
    c("MF", "Saint Martin (French part)", NONE),
    c("MG", "Madagascar", AFR),
    c("MH", "Marshall Islands", APA),
    c("MK", "North Macedonia", ENA),
    c("ML", "Mali", AFR),
    c("MM", "Myanmar", APA),
    c("MN", "Mongolia", APA),
    c("MO", "Macao", APA),
    c("MP", "Northern Mariana Islands", NONE),
    c("MQ", "Martinique", NONE),
    c("MR", "Mauritania", ARB),
    c("MS", "Montserrat", LAC),
    c("MT", "Malta", ENA),
    c("MU", "Mauritius", AFR),
    c("MV", "Maldives", APA),
    c("MW", "Malawi", AFR),
    c("MX", "Mexico", LAC),
    c("MY", "Malaysia", APA),
    c("MZ", "Mozambique", AFR),
    c("NA", "Namibia", AFR),
    c("NC", "New Caledonia", APA),
    c("NE", "Niger", AFR),
    c("NF", "Norfolk Island", NONE),
    c("NG", "Nigeria", AFR),
    c("NI", "Nicaragua", LAC),
    c("NL", "Netherlands", ENA),
    c("NO", "Norway", ENA),
    c("NP", "Nepal", APA),
    c("NR", "Nauru", APA),
    c("NU", "Niue", APA),
    c("NZ", "New Zealand", APA),
    c("OM", "Oman", ARB),
    c("PA", "Panama", LAC),
    c("PE", "Peru", LAC),
    c("PF", "French Polynesia", NONE),
    c("PG", "Papua New Guinea", APA),
    c("PH", "Philippines", APA),
    c("PK", "Pakistan", APA),
    c("PL", "Poland", ENA),
    c("PM", "Saint Pierre and Miquelon", NONE),
    c("PN", "Pitcairn", NONE),
    c("PR", "Puerto Rico", NONE),
    c("PS", "Palestine, State of", ARB),
    c("PT", "Portugal", ENA),
    c("PW", "Palau", APA),
    c("PY", "Paraguay", LAC),
    c("QA", "Qatar", ARB),
    c("RE", "Réunion", NONE),
    c("RO", "Romania", ENA),
    c("RS", "Serbia", ENA),
    c("RU", "Russian Federation", ENA),
    c("RW", "Rwanda", AFR),
    c("SA", "Saudi Arabia", ARB),
    c("SB", "Solomon Islands", APA),
    c("SC", "Seychelles", AFR),
    c("SD", "Sudan", ARB),
    c("SE", "Sweden", ENA),
    c("SG", "Singapore", APA),
    c("SH", "Saint Helena, Ascension and Tristan da Cunha", NONE),
    c("SI", "Slovenia", ENA),
    c("SJ", "Svalbard and Jan Mayen", NONE),
    c("SK", "Slovakia", ENA),
    c("SL", "Sierra Leone", AFR),
    c("SM", "San Marino", ENA),
    c("SN", "Senegal", AFR),
    c("SO", "Somalia", AFR),
    c("SR", "Suriname", LAC),
    c("SS", "South Sudan", AFR),
    c("ST", "Sao Tome and Principe", AFR),
    c("SV", "El Salvador", LAC),
    c("SX", "Sint Maarten (Dutch part)", LAC),
    c("SY", "Syrian Arab Republic", ARB),
    c("SZ", "Eswatini", AFR),
    c("TC", "Turks and Caicos Islands", NONE),
    c("TD", "Chad", AFR),
    c("TF", "French Southern Territories", NONE),
    c("TG", "Togo", AFR),
    c("TH", "Thailand", APA),
    c("TJ", "Tajikistan", APA),
    c("TK", "Tokelau", APA),
    c("TL", "Timor-Leste", APA),
    c("TM", "Turkmenistan", APA),
    c("TN", "Tunisia", ARB),
    c("TO", "Tonga", APA),
    c("TR", "Türkiye", ENA),
    c("TT", "Trinidad and Tobago", LAC),
    c("TV", "Tuvalu", APA),
    c("TW", "Taiwan, Province of China", NONE),
    c("TZ", "Tanzania, United Republic of", AFR),
    c("UA", "Ukraine", ENA),
    c("UG", "Uganda", AFR),
    c("UM", "United States Minor Outlying Islands", NONE),
    c("US", "United States", ENA),
    c("UY", "Uruguay", LAC),
    c("UZ", "Uzbekistan", APA),
    c("VA", "Holy See (Vatican City State)", NONE),
    c("VC", "Saint Vincent and the Grenadines", LAC),
    c("VE", "Venezuela, Bolivarian Republic of", LAC),
    c("VG", "Virgin Islands, British", LAC),
    c("VI", "Virgin Islands, U.S.", NONE),
    c("VN", "Viet Nam", APA),
    c("VU", "Vanuatu", APA),
    c("WF", "Wallis and Futuna", NONE),
    c("WS", "Samoa", APA),
    c("YE", "Yemen", ARB),
    c("YT", "Mayotte", NONE),
    c("ZA", "South Africa", AFR),
    c("ZM", "Zambia", AFR),
    c("ZW", "Zimbabwe", AFR),
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn code(s: &str) -> CountryCode {
        CountryCode::parse(s).unwrap()
    }

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in COUNTRIES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} before {}",
                pair[0].code,
                pair[1].code
            );
        }
    }

    #[test]
    fn table_holds_every_assigned_code() {
        assert_eq!(COUNTRIES.len(), 249);
        for c in COUNTRIES {
            assert_eq!(c.code.len(), 2);
            assert!(c.code.bytes().all(|b| b.is_ascii_uppercase()), "{}", c.code);
            assert!(!c.name_en.is_empty(), "{}", c.code);
            assert_eq!(code(c.code).as_str(), c.code);
        }
    }

    #[test]
    fn parse_ignores_case_and_spaces() {
        assert_eq!(code("fr"), code("FR"));
        assert_eq!(code(" fr "), code("FR"));
        assert_eq!(code("Ke").as_str(), "KE");
        assert_eq!("br".parse::<CountryCode>().unwrap().to_string(), "BR");
    }

    #[test]
    fn parse_refuses_unknown_and_malformed() {
        for bad in ["XX", "FRA", "", "F1", "  ", "é"] {
            let err = CountryCode::parse(bad).unwrap_err();
            assert_eq!(err.field, "country");
            assert!(err.message.contains("ISO 3166-1"), "{}", err.message);
        }
        assert_eq!(
            CountryCode::parse("xx").unwrap_err().message,
            "'xx' is not an ISO 3166-1 alpha-2 country code (e.g. FR, KE, BR)"
        );
    }

    #[test]
    fn names() {
        assert_eq!(code("FR").name_en(), "France");
        assert_eq!(code("KE").name_en(), "Kenya");
        assert_eq!(code("TR").name_en(), "Türkiye");
        assert_eq!(code("CI").name_en(), "Côte d'Ivoire");
        assert_eq!(code("PS").name_en(), "Palestine, State of");
        assert_eq!(code("TW").name_en(), "Taiwan, Province of China");
    }

    #[test]
    fn domain_examples_fall_in_unesco_regions() {
        use UnescoRegion::*;
        let expected: &[(&str, Option<UnescoRegion>)] = &[
            ("EG", Some(ArabStates)),
            ("MA", Some(ArabStates)),
            ("DZ", Some(ArabStates)),
            ("TN", Some(ArabStates)),
            ("LY", Some(ArabStates)),
            ("SD", Some(ArabStates)),
            ("MR", Some(ArabStates)),
            ("IL", Some(EuropeAndNorthAmerica)),
            ("TR", Some(EuropeAndNorthAmerica)),
            ("KZ", Some(AsiaAndThePacific)),
            ("UZ", Some(AsiaAndThePacific)),
            ("KE", Some(Africa)),
            ("NG", Some(Africa)),
            ("DJ", Some(Africa)),
            ("KM", Some(Africa)),
            ("BR", Some(LatinAmericaAndTheCaribbean)),
            ("MX", Some(LatinAmericaAndTheCaribbean)),
            ("VA", None),
            ("AQ", None),
        ];
        for (iso, region) in expected {
            assert_eq!(code(iso).unesco_region(), *region, "{iso}");
        }
    }

    #[test]
    fn regions_are_populated() {
        for region in UnescoRegion::ALL {
            let n = region.countries().count();
            assert!(n >= 5, "{region:?} has only {n}");
            assert!(
                region
                    .countries()
                    .all(|c| c.unesco_region() == Some(region))
            );
        }
        assert_eq!(UnescoRegion::ArabStates.countries().count(), 19);
    }

    #[test]
    fn mapped_count() {
        // 207 = 193 UN Member States + Cook Islands, Niue, Palestine + 11 Associate Members.
        // Per region: Africa 47, Arab States 19, Asia and the Pacific 49,
        // Europe and North America 52, Latin America and the Caribbean 40.
        let mapped = COUNTRIES.iter().filter(|c| c.region.is_some()).count();
        assert!((195..=215).contains(&mapped), "{mapped}");
        assert_eq!(mapped, 207);
        let by_region: usize = UnescoRegion::ALL
            .iter()
            .map(|r| r.countries().count())
            .sum();
        assert_eq!(by_region, mapped);
    }

    #[test]
    fn region_parse_round_trips() {
        for region in UnescoRegion::ALL {
            assert_eq!(UnescoRegion::parse(region.as_str()).unwrap(), region);
            assert_eq!(
                UnescoRegion::parse(&region.as_str().to_uppercase()).unwrap(),
                region
            );
        }
        let err = UnescoRegion::parse("europe").unwrap_err();
        assert_eq!(err.field, "region");
        assert!(
            err.message.contains("europe_and_north_america"),
            "{}",
            err.message
        );
    }

    #[test]
    fn serde_uses_the_string_forms() {
        let json = serde_json::to_string(&code("fr")).unwrap();
        assert_eq!(json, "\"FR\"");
        let back: CountryCode = serde_json::from_str("\"ke\"").unwrap();
        assert_eq!(back, code("KE"));
        assert!(serde_json::from_str::<CountryCode>("\"XX\"").is_err());
        let region = serde_json::to_string(&UnescoRegion::AsiaAndThePacific).unwrap();
        assert_eq!(region, "\"asia_and_the_pacific\"");
        for r in UnescoRegion::ALL {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
    }
}

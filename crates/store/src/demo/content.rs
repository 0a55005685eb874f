//! The words of the demo population: names by UNESCO region, organisations by stakeholder
//! type, meeting titles, agenda items, action items and documents. Plain data, so the
//! generator stays readable.

use coalition_domain::geography::UnescoRegion;
use coalition_domain::stakeholder::StakeholderType;

/// Given names (women, men) and family names common in a region.
pub(super) struct RegionNames {
    pub women: &'static [&'static str],
    pub men: &'static [&'static str],
    pub families: &'static [&'static str],
    /// Time zones members of the region live in.
    pub time_zones: &'static [&'static str],
    /// Share of members who prefer French.
    pub french: f64,
}

pub(super) fn region_names(region: UnescoRegion) -> &'static RegionNames {
    match region {
        UnescoRegion::Africa => &AFRICA,
        UnescoRegion::ArabStates => &ARAB_STATES,
        UnescoRegion::AsiaAndThePacific => &ASIA_PACIFIC,
        UnescoRegion::EuropeAndNorthAmerica => &EUROPE_NORTH_AMERICA,
        UnescoRegion::LatinAmericaAndTheCaribbean => &LATIN_AMERICA,
    }
}

const AFRICA: RegionNames = RegionNames {
    women: &[
        "Amina",
        "Chiamaka",
        "Wanjiru",
        "Fatou",
        "Nomvula",
        "Abena",
        "Aïssatou",
        "Thandiwe",
        "Mariam",
        "Esi",
        "Nafula",
        "Adaeze",
    ],
    men: &[
        "Kwame",
        "Oluwaseun",
        "Moussa",
        "Tendai",
        "Kofi",
        "Ibrahima",
        "Sipho",
        "Jabari",
        "Chinedu",
        "Mamadou",
        "Kagiso",
        "Tesfaye",
    ],
    families: &[
        "Okafor", "Diallo", "Mensah", "Kamau", "Ndlovu", "Traoré", "Mwangi", "Abebe", "Sow",
        "Banda", "Adeyemi", "Nkosi", "Koné", "Otieno",
    ],
    time_zones: &[
        "Africa/Nairobi",
        "Africa/Lagos",
        "Africa/Johannesburg",
        "Africa/Dakar",
        "Africa/Abidjan",
    ],
    french: 0.5,
};

const ARAB_STATES: RegionNames = RegionNames {
    women: &[
        "Fatima", "Layla", "Nour", "Yasmina", "Salma", "Rania", "Hiba", "Amal", "Leïla", "Samira",
    ],
    men: &[
        "Ahmed", "Youssef", "Omar", "Karim", "Hassan", "Tarek", "Mehdi", "Khalid", "Samir", "Nabil",
    ],
    families: &[
        "El Amrani",
        "Haddad",
        "Benali",
        "Mansour",
        "Khoury",
        "Saleh",
        "Bouazizi",
        "Nasser",
        "Al-Rashid",
        "Farouk",
        "Belkacem",
        "Aziz",
    ],
    time_zones: &[
        "Africa/Cairo",
        "Asia/Riyadh",
        "Africa/Casablanca",
        "Asia/Amman",
        "Africa/Tunis",
    ],
    french: 0.45,
};

const ASIA_PACIFIC: RegionNames = RegionNames {
    women: &[
        "Priya", "Mei", "Yuki", "Siti", "Ananya", "Linh", "Hana", "Aigerim", "Mere", "Ji-woo",
        "Dewi", "Farida",
    ],
    men: &[
        "Arjun", "Wei", "Haruto", "Budi", "Rahul", "Minh", "Tane", "Nurlan", "Jun", "Rizal",
        "Sanjay", "Kenji",
    ],
    families: &[
        "Sharma", "Wang", "Tanaka", "Santoso", "Nguyen", "Kim", "Patel", "Li", "Sato", "Rahman",
        "Nurlanov", "Ngata", "Chen", "Reyes",
    ],
    time_zones: &[
        "Asia/Kolkata",
        "Asia/Tokyo",
        "Asia/Jakarta",
        "Australia/Sydney",
        "Pacific/Auckland",
        "Asia/Almaty",
    ],
    french: 0.1,
};

const EUROPE_NORTH_AMERICA: RegionNames = RegionNames {
    women: &[
        "Camille",
        "Sophie",
        "Emma",
        "Ingrid",
        "Maria",
        "Élodie",
        "Anna",
        "Sarah",
        "Zeynep",
        "Noa",
        "Katarzyna",
        "Chloé",
    ],
    men: &[
        "Lucas", "Pierre", "Thomas", "Jan", "Marco", "Henrik", "David", "Mehmet", "Yosef", "Piotr",
        "Étienne", "James",
    ],
    families: &[
        "Martin",
        "Dubois",
        "Müller",
        "Rossi",
        "Johansson",
        "Smith",
        "Kowalski",
        "Yılmaz",
        "Cohen",
        "García",
        "Lefèvre",
        "Novak",
        "Tremblay",
        "Brown",
    ],
    time_zones: &[
        "Europe/Paris",
        "Europe/London",
        "Europe/Berlin",
        "America/New_York",
        "America/Toronto",
        "Europe/Istanbul",
    ],
    french: 0.35,
};

const LATIN_AMERICA: RegionNames = RegionNames {
    women: &[
        "Ana",
        "Lucía",
        "Gabriela",
        "Valentina",
        "Camila",
        "Fernanda",
        "Isabel",
        "Daniela",
        "Marisol",
        "Beatriz",
    ],
    men: &[
        "Juan", "Carlos", "Mateo", "Diego", "Luis", "Rafael", "Andrés", "Jorge", "Santiago",
        "Tiago",
    ],
    families: &[
        "González",
        "Silva",
        "Rodríguez",
        "Pérez",
        "Fernández",
        "López",
        "Souza",
        "Ramírez",
        "Torres",
        "Castillo",
        "Jean-Baptiste",
        "Morales",
    ],
    time_zones: &[
        "America/Bogota",
        "America/Sao_Paulo",
        "America/Mexico_City",
        "America/Santiago",
        "America/Port-au-Prince",
    ],
    french: 0.1,
};

/// An organisation a person of `stakeholder` type from `country` could belong to.
pub(super) fn organisation(stakeholder: StakeholderType, country: &str, pick: usize) -> String {
    let pick_from = |options: &[&str]| options[pick % options.len()].replace("{}", country);
    match stakeholder {
        StakeholderType::MemberState => pick_from(&[
            "Ministry of Education of {}",
            "Ministry of Higher Education, {}",
            "Permanent Delegation of {} to UNESCO",
        ]),
        StakeholderType::NationalCommission => pick_from(&["National Commission of {} for UNESCO"]),
        StakeholderType::IntergovernmentalOrganisation => pick_from(&[
            "Commonwealth of Learning",
            "Organisation internationale de la Francophonie",
            "OECD",
            "African Union Commission",
        ]),
        StakeholderType::Category2Centre => pick_from(&[
            "Regional Centre for Educational Planning ({})",
            "International Centre for Open Learning ({})",
        ]),
        StakeholderType::SpecialisedInstitution => pick_from(&[
            "National Library of {}",
            "Open University of {}",
            "National Institute for Distance Education ({})",
        ]),
        StakeholderType::CivilSociety => pick_from(&[
            "Creative Commons {}",
            "Open Education Network {}",
            "Teachers' Union of {}",
            "Wikimedia {}",
        ]),
        StakeholderType::PrivateSector => pick_from(&[
            "OpenStax partner ({})",
            "EdTech Alliance {}",
            "Open Publishing Cooperative ({})",
        ]),
        StakeholderType::AcademiaResearch => pick_from(&[
            "University of {}",
            "National Research Council of {}",
            "Institute of Education, {}",
        ]),
    }
}

/// Titles of single meetings of a working group.
pub(super) const MEETING_TITLES: &[&str] = &[
    "Kick-off of the work plan",
    "Review of regional contributions",
    "Drafting session: guidelines",
    "Webinar with partner institutions",
    "Consultation with Member States",
    "Mid-term review",
    "Peer review of case studies",
    "Preparation of the annual report",
    "Joint session with another working group",
    "Open call for good practices: results",
];

/// Agenda items, with how long each takes.
pub(super) const AGENDA_ITEMS: &[(&str, i32)] = &[
    ("Welcome and adoption of the agenda", 5),
    ("Approval of the minutes of the last meeting", 5),
    ("Updates from the regions", 20),
    ("Progress on the work plan", 25),
    ("Presentation of a case study", 20),
    ("Discussion: multilingual OER and translation", 25),
    ("Accessibility of OER for learners with disabilities", 20),
    ("Open licensing questions", 15),
    ("Next steps and action items", 10),
    ("Any other business", 5),
];

/// What an action item asks.
pub(super) const ACTION_TITLES: &[&str] = &[
    "Circulate the draft guidelines to all members",
    "Collect case studies from the regions",
    "Translate the summary into French",
    "Prepare slides for the plenary",
    "Contact the National Commissions that have not answered",
    "Update the shared bibliography",
    "Draft the section on open licences",
    "Propose dates for the next consultation",
];

/// A decision taken under an agenda item.
pub(super) const DECISIONS: &[&str] = &[
    "The minutes were approved without changes.",
    "The group agreed to publish the guidelines under CC BY 4.0.",
    "A task force of three members will draft the regional summary.",
    "The next consultation will be held online in English and French.",
];

/// Minutes of an agenda item.
pub(super) const MINUTES: &[&str] = &[
    "Members shared progress from their regions; several asked for translated materials.",
    "The coordinator presented the draft; comments are due within two weeks.",
    "A lively discussion on licences; consensus on CC BY for new materials.",
    "Case studies from three regions were presented and will be added to the repository.",
];

/// A document: kind, English and French titles, description, tags.
pub(super) struct DocumentText {
    pub kind: &'static str,
    pub title: [&'static str; 2],
    pub description: [&'static str; 2],
    pub tags: &'static [&'static str],
}

/// The coalition's own documents, as published.
pub(super) const COALITION_DOCUMENTS: &[DocumentText] = &[
    DocumentText {
        kind: "report",
        title: [
            "Launch of the OER Dynamic Coalition: final report",
            "Lancement de la Coalition dynamique pour les REL : rapport final",
        ],
        description: [
            "Report of the launch meeting held at UNESCO, Paris, on 2 March 2020.",
            "Rapport de la réunion de lancement tenue à l'UNESCO, Paris, le 2 mars 2020.",
        ],
        tags: &["launch", "report"],
    },
    DocumentText {
        kind: "report",
        title: [
            "Online consultation of July 2020: report",
            "Consultation en ligne de juillet 2020 : rapport",
        ],
        description: [
            "What members said in the online consultation of July 2020.",
            "Ce que les membres ont exprimé lors de la consultation en ligne de juillet 2020.",
        ],
        tags: &["consultation"],
    },
    DocumentText {
        kind: "policy_brief",
        title: [
            "Call for collective action on OER during COVID-19 school closures",
            "Appel à l'action collective pour les REL pendant la fermeture des écoles (COVID-19)",
        ],
        description: [
            "UNESCO's call, as 1.57 billion learners in 191 countries were affected by school closures.",
            "L'appel de l'UNESCO, alors que 1,57 milliard d'apprenants dans 191 pays étaient touchés par la fermeture des écoles.",
        ],
        tags: &["covid-19", "call"],
    },
];

/// Documents a working group keeps.
pub(super) const GROUP_DOCUMENTS: &[DocumentText] = &[
    DocumentText {
        kind: "report",
        title: ["Work plan", "Plan de travail"],
        description: [
            "The group's objectives, deliverables and timeline.",
            "Les objectifs, les livrables et le calendrier du groupe.",
        ],
        tags: &["work-plan"],
    },
    DocumentText {
        kind: "presentation",
        title: ["Presentation to the plenary", "Présentation à la plénière"],
        description: [
            "Slides presented at the coalition's plenary.",
            "Diapositives présentées à la plénière de la coalition.",
        ],
        tags: &["plenary"],
    },
    DocumentText {
        kind: "agenda_paper",
        title: ["Collected case studies", "Recueil d'études de cas"],
        description: [
            "Case studies contributed by members from every region.",
            "Études de cas proposées par des membres de toutes les régions.",
        ],
        tags: &["case-studies"],
    },
    DocumentText {
        kind: "minutes",
        title: [
            "Minutes of the working sessions",
            "Procès-verbaux des séances de travail",
        ],
        description: [
            "Minutes of the group's recurring working sessions.",
            "Procès-verbaux des séances de travail régulières du groupe.",
        ],
        tags: &["minutes"],
    },
];

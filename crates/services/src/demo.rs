//! `coalition seed --demo`: the demo population for frontend developers and benchmarks.
//! The password is hashed once and shared by every demo account; the documents' bytes go
//! to the blob store (content-addressed, so a repeated run stores nothing twice) before
//! the rows that name them are written in one transaction.

use std::io::{Seek, Write};

use coalition_domain::accounts::Password;
use coalition_store::demo::{DemoOutcome, DemoReport, demo_documents};
use sha2::{Digest, Sha256};

use crate::{ServiceError, Services};

/// The password of every demo account (documented in the README).
pub const DEMO_PASSWORD: &str = "open-educational-resources";

/// Largest population a demo seed writes.
pub const MAX_DEMO_SCALE: u32 = 200_000;

impl Services {
    /// Seeds the coalition if needed, then `scale` demo people with their memberships,
    /// meetings and documents. Refuses (CONFLICT) a database that holds other people unless
    /// `force`; adds nothing when demo people exist already.
    pub async fn seed_demo(&self, scale: u32, force: bool) -> Result<DemoOutcome, ServiceError> {
        if !(1..=MAX_DEMO_SCALE).contains(&scale) {
            return Err(coalition_domain::InvalidInput::new(
                "scale",
                format!("choose 1 to {MAX_DEMO_SCALE} people"),
            )
            .into());
        }
        self.store.seed().await?;
        let (demo, real) = self.store.demo_census().await?;
        if demo > 0 {
            return Ok(DemoOutcome::AlreadySeeded { people: demo });
        }
        if real > 0 && !force {
            return Err(refusal(real));
        }
        let password = Password::parse("password", DEMO_PASSWORD)?;
        let hash = self.passwords.hash(&password).await?;
        let groups = self.store.working_groups().await?.len();
        let mut documents = demo_documents(scale, groups);
        for edition in documents.iter_mut().flat_map(|d| d.editions.iter_mut()) {
            for file in &mut edition.versions {
                file.sha256 = hex::encode(Sha256::digest(&file.bytes));
                self.blobs
                    .put_file(&file.sha256, spooled(&file.bytes)?)
                    .await
                    .map_err(|error| ServiceError::internal(error.to_string()))?;
            }
        }
        match self
            .store
            .seed_demo(scale, force, &hash, &documents)
            .await?
        {
            DemoOutcome::RealPeoplePresent { people } => Err(refusal(people)),
            outcome => Ok(outcome),
        }
    }
}

fn refusal(people: u64) -> ServiceError {
    ServiceError::Conflict {
        field: Some("force"),
        message: format!(
            "the database holds {people} people who are not demo people: demo data goes into an empty database (use --force to add it anyway)"
        ),
    }
}

/// `bytes` in an anonymous temporary file, rewound, as the blob store takes files.
fn spooled(bytes: &[u8]) -> Result<std::fs::File, ServiceError> {
    let failed = |error: std::io::Error| ServiceError::internal(error.to_string());
    let mut file = tempfile::tempfile().map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.rewind().map_err(failed)?;
    Ok(file)
}

/// One line per kind of row, for the command's output.
pub fn describe(report: &DemoReport) -> String {
    format!(
        "{} people, {} memberships, {} meetings, {} agenda items, {} RSVPs, {} attendances, {} action items, {} documents ({} versions)",
        report.people,
        report.memberships,
        report.meetings,
        report.agenda_items,
        report.rsvps,
        report.attendances,
        report.action_items,
        report.documents,
        report.versions
    )
}

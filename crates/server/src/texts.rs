//! The page texts and enum labels: the TOML files of the mail crate's language folders,
//! compiled in and read once.

use std::sync::LazyLock;

use coalition_domain::texts::{Texts, TextsError};

static TEXTS: LazyLock<Result<Texts, TextsError>> =
    LazyLock::new(|| Texts::from_files(coalition_mail::text_files()));

/// The texts; an error only when a compiled-in file is broken, which start-up refuses
/// (and a unit test catches first).
pub fn texts() -> Result<&'static Texts, &'static TextsError> {
    TEXTS.as_ref()
}

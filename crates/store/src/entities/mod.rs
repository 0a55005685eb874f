//! sea-orm entities, one per table, mirroring the migrations. Queries live beside them in
//! the feature modules of this crate; these stay plain.

pub mod activity;
pub mod area_of_action;
pub mod coalition;
pub mod membership;
pub mod person;
pub mod working_group;

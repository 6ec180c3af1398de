//! What each operating system does its own way. Code elsewhere in the crate
//! uses these items and has no `cfg` of its own.

pub mod doorbell;

//! How results are shown: text for people, JSON reports (serde) for tools.

pub mod har;
pub mod json;
pub mod lint;
pub mod parse;
pub mod waterfall;

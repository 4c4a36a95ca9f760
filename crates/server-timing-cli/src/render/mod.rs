//! How results are shown: text for people, JSON reports (serde) for tools.

pub mod engines;
pub mod har;
pub mod html;
pub mod json;
pub mod lint;
pub mod parse;
pub mod trailers;
pub mod waterfall;

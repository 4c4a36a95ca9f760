//! Lint placeholder.

//! Fetch and Resource Timing (work in progress).

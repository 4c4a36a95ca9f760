//! HR-Time and the Performance Timeline (work in progress).

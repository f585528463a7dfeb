//! minicloud binding (work in progress).

//! Evaluation tests.

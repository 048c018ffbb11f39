//! Unit tests of individual validation rules.

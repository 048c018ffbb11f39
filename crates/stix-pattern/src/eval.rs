//! Evaluation of patterns against observed-data (placeholder until the evaluator lands).

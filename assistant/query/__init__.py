"""Question analysis: typed answer spans, evidence features and scoring."""

"""Learning from staff corrections: recalibration, threshold tuning, lexicons (issue 9)."""

"""Scan synthesiser: fills forms with fake data and degrades them like a scanner."""

"""Playwright bots that enter confirmed records into back-office systems (issue: RPA entry)."""

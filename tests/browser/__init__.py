"""Browser tests: Playwright driving Debian's Chromium against a real ``claimcheck serve`` (issue 13, items 5-6)."""

"""The hub dashboard: staff, privacy officer and admin pages, auth, alarms, rollups, metrics."""

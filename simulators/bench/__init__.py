"""Benchmarks: commands that print figures next to a same-run baseline."""

"""recs feature of the edge agent."""

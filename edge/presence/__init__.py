"""presence feature of the edge agent."""

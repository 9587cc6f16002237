"""consent feature of the edge agent."""

"""maps feature of the edge agent."""

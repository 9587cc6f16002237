"""scan feature of the edge agent."""

"""kiosk feature of the edge agent."""

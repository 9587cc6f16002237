"""Schemas for store, hub, kiosk, gateway and beacon configs, and their validator."""

"""The store hub: ingest, storage, consent, fleet, dashboard and phone pages."""

"""Consent and privacy at the hub: the registry and its ledger, withdrawal, erasure by
crypto-shredding, data-subject requests, retention, the phone pages and the data map."""

"""Simulated cameras, radios, phones and whole stores, so everything runs without hardware."""

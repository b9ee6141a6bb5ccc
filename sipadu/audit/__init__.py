"""Tamper-evident audit log: every access and action, never any content."""

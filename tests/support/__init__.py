"""Test support code shared across test packages (not tests themselves)."""

"""Inspektorat staff: accounts, login, roles."""

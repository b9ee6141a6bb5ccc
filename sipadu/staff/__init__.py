"""Inspektorat staff: sign-in, own account, setup links, activation, account management.

The account record itself is in sipadu/accounts/, below everything that reads it.
"""

"""SIPADU: the anonymous, encrypted whistleblowing service of the Inspektorat."""

from sipadu.app import create_app

__all__ = ["create_app"]

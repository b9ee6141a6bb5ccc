"""The case-work app (a fresh app context per request, no rate limits) for these pages."""

from tests.casework.conftest import app, settings

__all__ = ["app", "settings"]

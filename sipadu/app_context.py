"""Access to the running app's settings without import cycles."""

from __future__ import annotations

from flask import Flask, current_app

from sipadu.settings import Settings


def current_settings(app: Flask | None = None) -> Settings:
    """The settings the current (or given) app was created with."""
    settings: Settings = (app or current_app).extensions["sipadu.settings"]
    return settings

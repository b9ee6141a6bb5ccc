"""Access to the running app's settings without import cycles."""

from __future__ import annotations

from flask import Flask, current_app

from sipadu.settings import Settings


def current_settings(app: Flask | None = None) -> Settings:
    """The settings the current (or given) app was created with."""
    settings: Settings = (app or current_app).extensions["sipadu.settings"]
    return settings


def current_audit_key(app: Flask | None = None) -> bytes:
    """The audit HMAC key of the current (or given) app; create_app refuses to start
    without it, so it is always there."""
    keyring = current_settings(app).keyring
    if keyring is None:  # only a misconfigured test app could get here
        raise RuntimeError("the app was created without its keys")
    return keyring.audit_hmac_key

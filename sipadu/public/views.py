"""The public landing page."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("public", __name__)


@bp.get("/")
def landing() -> str:
    """What SIPADU is for, how anonymity works and its limits, and how to stay safe."""
    return render_template("public/landing.html")

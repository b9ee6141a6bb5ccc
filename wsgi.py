"""WSGI entry point for servers other than `sipadu serve`: ``gunicorn wsgi:app``."""

from sipadu import create_app

app = create_app()

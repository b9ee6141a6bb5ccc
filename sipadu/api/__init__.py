"""JSON API v1: token auth, no cookies, no CSRF, JSON errors."""

"""JSON API v1 (DESIGN §8): token auth, no cookies, no CSRF, JSON errors."""

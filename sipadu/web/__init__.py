"""Cross-cutting web concerns: security headers, CSRF, errors, languages."""

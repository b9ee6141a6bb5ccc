"""Public pages anyone may open without an account."""

"""The admin console: accounts, instance settings, public texts (never case content)."""

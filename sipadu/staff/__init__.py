"""Staff accounts: password policy, TOTP and login throttling (pure logic, no database)."""

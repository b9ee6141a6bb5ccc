"""The auditor console: the audit log, its chain check, and statistics from metadata."""

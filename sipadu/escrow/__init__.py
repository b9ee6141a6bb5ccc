"""The instance escrow key: recovery of cases when staff leave (docs/operations.md)."""

"""The instance escrow key: recovery of cases when staff leave (DESIGN §3)."""

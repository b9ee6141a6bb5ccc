"""Server-side sessions that hold unlocked keys, readable only with the client's token."""

"""Content-free staff notifications, queued and sent as batched digests."""

"""Channel integration: service accounts, intake records, the webhook outbox."""

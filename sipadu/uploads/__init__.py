"""Request bodies that carry attachments: parsed, cleaned and encrypted while they stream in."""

"""The reporter journey: new reports, the case key, and the follow-up mailbox."""

"""Cases: reports, their keys and grants, messages, timeline and workflow."""

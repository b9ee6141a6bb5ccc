"""Cases: reports, their keys and grants, messages, timeline, workflow and deadlines."""

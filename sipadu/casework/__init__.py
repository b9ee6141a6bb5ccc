"""Case work for Inspektorat staff: inbox, case page, workflow, assignment, conflicts."""

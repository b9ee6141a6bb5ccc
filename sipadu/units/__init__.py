"""Inspektorat units (who reads which new case), routing rules and the DKI Jakarta areas."""

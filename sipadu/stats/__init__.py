"""Statistics for the auditor console: aggregation, small-cell suppression and SVG charts.

The modules here are pure: they take plain records and return values or SVG strings.
"""

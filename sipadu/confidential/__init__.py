"""Confidential mode: four-eyes requests (rules, states) and opening a sealed identity."""

"""SIPADU benchmarks (`make bench`): figures measured against baselines of the same run.

Not part of the product or the test suite: ``python -m bench`` writes a Markdown and a JSON
report under ``bench-results/`` (git-ignored). ``docs/performance.md`` keeps the latest figures.
"""

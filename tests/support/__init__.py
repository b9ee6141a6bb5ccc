"""The test harness: code shared by the tests and the benchmarks (not tests themselves).

See docs/development.md, "The test harness", for what each module offers.
"""

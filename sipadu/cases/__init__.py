"""Cases: the workflow of DESIGN §4 and its working-day deadlines.

The modules here are pure: they take explicit arguments and touch no database and no request.
"""

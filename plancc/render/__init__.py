"""Presentation: turning plans, diffs and compile results into text, JSON and HTML for people.

Nothing here decides anything; the core (``plancc.compile``, ``plancc.diff``) hands over data.
"""

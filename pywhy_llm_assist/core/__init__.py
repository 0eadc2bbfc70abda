"""The shared vocabulary every layer uses: errors, variables, usage, text helpers, JSON files.

Imports nothing else of this package.
"""

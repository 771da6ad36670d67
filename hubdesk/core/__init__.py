"""Pure Python foundations: vocabularies, value types, errors, paths, logging.

Imports nothing else of ours, no Qt and no SQL.
"""

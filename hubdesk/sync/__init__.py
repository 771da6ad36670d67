"""The client sync engine (no Qt): outbox, batches, cursors, backoff.

``transport.py`` is the only module that imports requests."""

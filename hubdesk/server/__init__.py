"""The central HubDesk server: FastAPI app, its own models and migrations, admin CLI.

Imports only ``hubdesk.core`` and ``hubdesk.protocol`` of ours; nothing imports it.
"""

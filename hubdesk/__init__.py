"""HubDesk: offline-first app for community health and wellbeing hub volunteers."""

__version__ = "0.1.0"

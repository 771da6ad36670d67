"""Aggregations and renderers (CSV here; PDF is printed by Qt in ui/)."""

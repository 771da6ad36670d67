"""The end-of-day handover wizard and the day's summary PDF."""

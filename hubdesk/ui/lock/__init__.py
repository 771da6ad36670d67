"""The lock: the PIN screen shown first at start-up, and the idle auto-lock."""

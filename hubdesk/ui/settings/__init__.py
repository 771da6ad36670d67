"""Settings: one page per area, each with load / values (after Picard's options pages)."""

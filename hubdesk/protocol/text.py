"""Free text as both ends keep it."""

from __future__ import annotations

import unicodedata


def clean_text(value: str, limit: int) -> str:
    """Printable text only (no control characters or lone surrogates), cut to ``limit``."""
    kept = "".join(
        ch for ch in value
        if unicodedata.category(ch) not in ("Cc", "Cs") or ch in "\t"
    )
    return kept.strip()[:limit]

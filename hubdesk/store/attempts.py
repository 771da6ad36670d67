"""Wrong PINs typed while the store is still locked (before any key is known).

They cannot be written into the encrypted store yet, so they wait here (0600,
by name tag, no names, no PINs) and give the growing delay at the PIN screen.
At the next successful unlock they are moved into the encrypted store (the
volunteer's lockout counter and a ``failed_login`` audit event each) and this
file is emptied.  Deleting it only skips the delay: an offline guesser is held
back by the slot's scrypt cost, not by any counter.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ATTEMPTS_FILE = "unlock-attempts.json"


@dataclass(frozen=True)
class PendingFailures:
    count: int
    last_at: datetime | None


class AttemptLog:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / ATTEMPTS_FILE

    def _read(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return {str(k): [str(x) for x in v] for k, v in data.items() if isinstance(v, list)}

    def _write(self, data: dict[str, list[str]]) -> None:
        if not data:
            self.path.unlink(missing_ok=True)
            return
        temporary = self.path.with_name(self.path.name + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temporary, self.path)

    def failures(self, tag: str) -> PendingFailures:
        stamps = self._read().get(tag, [])
        return PendingFailures(len(stamps), datetime.fromisoformat(stamps[-1]) if stamps else None)

    def record_failure(self, tag: str, at: datetime) -> None:
        data = self._read()
        data.setdefault(tag, []).append(at.isoformat())
        data[tag] = data[tag][-50:]
        self._write(data)

    def take_all(self) -> dict[str, list[datetime]]:
        """Every pending failure by tag, emptying the file."""
        data = self._read()
        self._write({})
        return {tag: [datetime.fromisoformat(s) for s in stamps] for tag, stamps in data.items()}

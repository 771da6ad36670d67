"""Prove the non-UI packages import with PySide6 absent (a meta-path blocker hides it)."""

from __future__ import annotations

import importlib
import importlib.abc
import pkgutil
import sys

BLOCKED = ("PySide6", "shiboken6")
CHECKED = ("core", "store", "services", "reports", "protocol", "sync")


class BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {fullname!r} (blocked for this check)")
        return None


def main() -> int:
    sys.meta_path.insert(0, BlockQt())
    imported = 0
    for name in CHECKED:
        package = importlib.import_module(f"hubdesk.{name}")
        for info in pkgutil.walk_packages(package.__path__, prefix=f"hubdesk.{name}."):
            if ".migrations" in info.name:
                continue
            importlib.import_module(info.name)
            imported += 1
    leaked = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
    if leaked:
        print(f"PySide6 was imported by: {leaked}", file=sys.stderr)
        return 1
    print(f"{imported} modules of {', '.join(CHECKED)} import without PySide6")
    return 0


if __name__ == "__main__":
    sys.exit(main())

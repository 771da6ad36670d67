"""Entry point of the frozen HubDesk client (PyInstaller runs this file as ``__main__``)."""

from __future__ import annotations

import sys

from hubdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())

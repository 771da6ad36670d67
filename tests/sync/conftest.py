"""Fixtures for the sync tests: a real server on loopback and enrolled laptops."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.sync.harness import Laptop, RunningServer, running_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(f"sqlite:///{tmp_path / 'server.sqlite3'}") as running:
        yield running


@pytest.fixture
def make_laptop(tmp_path: Path, server: RunningServer) -> Iterator[Callable[[str], Laptop]]:
    made: list[Laptop] = []

    def make(name: str = "Coordinator") -> Laptop:
        laptop = Laptop(tmp_path / f"laptop-{len(made)}", server, name)
        made.append(laptop)
        return laptop

    yield make
    for laptop in made:
        laptop.close()

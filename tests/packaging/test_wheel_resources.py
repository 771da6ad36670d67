"""``pip install hubdesk[server]`` must carry ``resources/`` (the server reads the
vocabularies from it): every file there is listed in pyproject's data-files."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_every_resource_file_goes_into_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data_files: dict[str, list[str]] = config["tool"]["setuptools"]["data-files"]
    shipped = {
        path.resolve()
        for patterns in data_files.values()
        for pattern in patterns
        for path in ROOT.glob(pattern)
    }
    resources = {p.resolve() for p in (ROOT / "resources").rglob("*") if p.is_file()}
    missing = sorted(str(p.relative_to(ROOT)) for p in resources - shipped)
    assert not missing, f"add these to [tool.setuptools.data-files] in pyproject.toml: {missing}"
    for target, patterns in data_files.items():
        for pattern in patterns:  # each target folder mirrors its source folder
            assert target.removeprefix("share/hubdesk/") == str(Path(pattern).parent)

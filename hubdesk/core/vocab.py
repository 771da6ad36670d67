"""Controlled vocabularies, loaded from ``resources/vocabularies.json``.

The vocabulary is data, not code: councils may add local items; the national
core stays fixed so figures compare across councils.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hubdesk.core.paths import resources_dir


@dataclass(frozen=True)
class Term:
    code: str
    label: str


@dataclass(frozen=True)
class Vocabulary:
    name: str
    terms: tuple[Term, ...]

    def codes(self) -> list[str]:
        return [term.code for term in self.terms]

    def label(self, code: str | None) -> str:
        for term in self.terms:
            if term.code == code:
                return term.label
        return code or ""

    def __contains__(self, code: object) -> bool:
        return any(term.code == code for term in self.terms)


class Vocabularies:
    """All lists of one vocabulary file, by name (``vocab.mecc_topics``...)."""

    def __init__(self, raw: dict[str, object]) -> None:
        self.version = int(raw.get("version", 1))  # type: ignore[call-overload]
        self._lists: dict[str, Vocabulary] = {}
        self.extras: dict[str, object] = {}
        for name, value in raw.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                terms = tuple(Term(str(item["code"]), str(item["label"])) for item in value)
                self._lists[name] = Vocabulary(name, terms)
            else:
                self.extras[name] = value

    def __getattr__(self, name: str) -> Vocabulary:
        try:
            return self.__dict__["_lists"][name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str) -> Vocabulary:
        return self._lists[name]

    def names(self) -> list[str]:
        return sorted(self._lists)

    @property
    def age_band_rollup(self) -> dict[str, str]:
        return dict(self.extras.get("age_band_report_rollup", {}))  # type: ignore[call-overload]

    @property
    def crisis_categories(self) -> set[str]:
        return set(self.extras.get("crisis_categories", []))  # type: ignore[call-overload]


def load_vocabularies(path: Path | None = None) -> Vocabularies:
    source = path or resources_dir() / "vocabularies.json"
    return Vocabularies(json.loads(source.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def vocabularies() -> Vocabularies:
    """The bundled vocabularies (cached)."""
    return load_vocabularies()

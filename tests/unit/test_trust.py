"""protocol/trust: the recovery seal and the audit chain both sides compute."""

from __future__ import annotations

from datetime import datetime

import pytest

from hubdesk.protocol.trust import (
    GENESIS_HASH,
    AuditLink,
    audit_link_hash,
    b64,
    first_break,
    new_recovery_key_pair,
    open_sealed,
    random_key,
    seal,
    unb64,
)

DEVICE = "0192a000-0000-7000-8000-000000000001"


def test_a_sealed_key_opens_only_with_its_private_key_and_not_when_altered() -> None:
    server_private, server_public = new_recovery_key_pair()
    other_private, _ = new_recovery_key_pair()
    key = random_key()
    blob = seal(server_public, key)
    assert key not in blob and open_sealed(server_private, blob) == key
    with pytest.raises(ValueError):
        open_sealed(other_private, blob)
    altered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(ValueError):
        open_sealed(server_private, altered)
    assert unb64(b64(blob)) == blob


def _chain(n: int) -> list[dict[str, object]]:
    links, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        fields = {"seq": seq, "at": datetime(2026, 12, 1, 10, seq), "actor": None, "device": DEVICE,
                  "action": "login", "kind": "volunteer", "entity": str(seq), "detail": ""}
        digest = audit_link_hash(prev_hash=prev, at=fields["at"], actor=None, device=DEVICE,  # type: ignore[arg-type]
                                 action="login", kind="volunteer", entity=str(seq), detail="")
        links.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    return links


def test_an_intact_chain_verifies_and_any_edit_or_deletion_is_found() -> None:
    links = _chain(5)
    assert first_break(links) is None
    AuditLink.model_validate(links[0])
    edited = [dict(link) for link in links]
    edited[2]["action"] = "export"
    assert first_break(edited) == 3
    deleted = links[:2] + links[3:]
    assert first_break(deleted) == 3
    assert first_break(links[2:], prev_hash=str(links[1]["hash"])) is None
    assert first_break(links[2:]) == 3

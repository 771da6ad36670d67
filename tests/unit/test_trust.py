"""protocol/trust: the recovery seal and the audit chain both sides compute."""

from __future__ import annotations

from datetime import datetime

import pytest

from hubdesk.protocol.trust import (
    GENESIS_HASH,
    LEGACY_SEALED_VERSION,
    SEALED_VERSION,
    AuditLink,
    audit_link_hash,
    b64,
    first_break,
    new_recovery_key_pair,
    open_sealed,
    random_key,
    recovery_reply_context,
    recovery_slot_context,
    seal,
    seal_legacy,
    sealed_version,
    unb64,
)

DEVICE = "0192a000-0000-7000-8000-000000000001"
OTHER_DEVICE = "0192a000-0000-7000-8000-000000000002"


def test_a_sealed_key_opens_only_with_its_private_key_and_not_when_altered() -> None:
    server_private, server_public = new_recovery_key_pair()
    other_private, _ = new_recovery_key_pair()
    key = random_key()
    context = recovery_slot_context(DEVICE)
    blob = seal(server_public, key, context=context)
    assert key not in blob and open_sealed(server_private, blob, context=context) == key
    with pytest.raises(ValueError):
        open_sealed(other_private, blob, context=context)
    altered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(ValueError):
        open_sealed(server_private, altered, context=context)
    assert unb64(b64(blob)) == blob


def test_a_sealed_key_is_bound_to_its_device_and_purpose() -> None:
    """Laptop A's recovery slot does not open as laptop B's, nor as a reply."""
    server_private, server_public = new_recovery_key_pair()
    key = random_key()
    blob = seal(server_public, key, context=recovery_slot_context(DEVICE))
    for wrong in (recovery_slot_context(OTHER_DEVICE), recovery_reply_context(DEVICE), b""):
        with pytest.raises(ValueError, match="another laptop"):
            open_sealed(server_private, blob, context=wrong, allow_legacy=True)
    # the version byte is authenticated too: relabelled as the unbound form, it fails
    relabelled = bytes([LEGACY_SEALED_VERSION]) + blob[1:]
    with pytest.raises(ValueError):
        open_sealed(server_private, relabelled, context=b"", allow_legacy=True)


def test_the_unbound_form_opens_only_when_allowed() -> None:
    server_private, server_public = new_recovery_key_pair()
    key = random_key()
    old = seal_legacy(server_public, key)
    assert sealed_version(old) == LEGACY_SEALED_VERSION != SEALED_VERSION
    with pytest.raises(ValueError, match="not a sealed key"):
        open_sealed(server_private, old, context=recovery_slot_context(DEVICE))
    assert open_sealed(server_private, old, context=recovery_slot_context(DEVICE),
                       allow_legacy=True) == key


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

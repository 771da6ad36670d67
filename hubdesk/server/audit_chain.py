"""Audit-chain verification, the server's half (``protocol/trust.py``).

Links are stored append-only by (device, seq).  Each upload is checked with
``trust.first_break`` continuing from the last stored link; a link already held
must carry the same hash.  The first break found is kept on the device for good
(``stats`` reports it), goes to the security log once, and the links before it
are stored; nothing at or after it is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from hubdesk.core.clock import utc_now
from hubdesk.protocol import trust
from hubdesk.server.db import with_retries, write_tx
from hubdesk.server.identity import DeviceIdentity
from hubdesk.server.models import AUDIT_LINKS, DEVICES
from hubdesk.server.security_log import record_event


def receive_links(engine: Engine, device: DeviceIdentity,
                  upload: trust.AuditUpload) -> trust.AuditReceipt:
    links = sorted((link.model_dump() for link in upload.links), key=lambda link: link["seq"])
    return with_retries(lambda: _receive(engine, device, links))


def _receive(engine: Engine, device: DeviceIdentity,
             links: list[dict[str, Any]]) -> trust.AuditReceipt:
    now = utc_now()
    with write_tx(engine) as conn:
        state = conn.execute(select(DEVICES.c.audit_verified_through, DEVICES.c.audit_break_seq)
                             .where(DEVICES.c.id == device.id).with_for_update()).one()
        last_seq = int(state.audit_verified_through)
        broken = _held_mismatch(conn, device.id, [link for link in links if link["seq"] <= last_seq])
        fresh = [link for link in links if link["seq"] > last_seq]
        stored: list[dict[str, Any]] = []
        if broken is None and fresh:
            if fresh[0]["seq"] != last_seq + 1:
                broken = last_seq + 1
            else:
                broken = trust.first_break(fresh, _hash_at(conn, device.id, last_seq))
            stored = [link for link in fresh if broken is None or link["seq"] < broken]
        if stored:
            conn.execute(insert(AUDIT_LINKS), [
                {**link, "at": link["at"].isoformat(), "device_id": device.id,
                 "received_at": now} for link in stored])
            last_seq = stored[-1]["seq"]
        first_break = state.audit_break_seq
        if broken is not None and (first_break is None or broken < first_break):
            first_break = broken
            record_event(conn, "audit_chain_break", device_id=device.id, hub_id=device.hub_id,
                         detail=f"link {broken} does not hash or does not follow on")
        conn.execute(update(DEVICES).where(DEVICES.c.id == device.id).values(
            audit_verified_through=last_seq, audit_break_seq=first_break))
    return trust.AuditReceipt(verified_through=last_seq, chain_ok=first_break is None,
                              first_break=first_break)


def _hash_at(conn: Connection, device_id: str, seq: int) -> str:
    if seq == 0:
        return trust.GENESIS_HASH
    return str(conn.execute(select(AUDIT_LINKS.c.hash).where(
        AUDIT_LINKS.c.device_id == device_id, AUDIT_LINKS.c.seq == seq)).scalar_one())


def _held_mismatch(conn: Connection, device_id: str, links: list[dict[str, Any]]) -> int | None:
    """The first seq among ``links`` (already held) whose hash differs from the held one."""
    if not links:
        return None
    held = dict(conn.execute(select(AUDIT_LINKS.c.seq, AUDIT_LINKS.c.hash).where(
        AUDIT_LINKS.c.device_id == device_id,
        AUDIT_LINKS.c.seq.in_([link["seq"] for link in links]))).tuples().all())
    for link in links:
        if held.get(link["seq"]) != link["hash"]:
            return int(link["seq"])
    return None

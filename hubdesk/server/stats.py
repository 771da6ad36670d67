"""``hubdesk-server stats``: records per kind, hub and device, gaps and duplicates."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, func, select, text

from hubdesk.protocol.schemas import RECORD_KINDS
from hubdesk.server.db import read_tx
from hubdesk.server.models import DEVICES, HELD, HUBS, RECORDS
from hubdesk.server.sequence import walk_sequence


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def stats(engine: Engine) -> dict[str, Any]:
    """Records per kind, per hub and per device, with each device's gaps.

    ``visits``/``records`` count distinct records (not versions); ``gaps`` counts
    missing sequence numbers (``gap_ranges`` lists them per device); ``duplicates``
    counts record versions stored more than once (always 0: unique constraints);
    ``audit_breaks`` counts laptops whose audit chain was found broken (per device:
    ``audit`` with ``verified_through``, ``chain_ok`` and ``first_break``).
    """
    with read_tx(engine) as conn:
        hubs = conn.execute(select(HUBS).order_by(HUBS.c.name)).all()
        devices = conn.execute(select(DEVICES).order_by(DEVICES.c.enrolled_at)).all()
        per_hub = conn.execute(
            select(RECORDS.c.hub_id, RECORDS.c.kind, func.count(func.distinct(RECORDS.c.record_id)))
            .group_by(RECORDS.c.hub_id, RECORDS.c.kind)
        ).all()
        per_device = conn.execute(
            select(RECORDS.c.device_id, RECORDS.c.kind,
                   func.count(func.distinct(RECORDS.c.record_id)))
            .group_by(RECORDS.c.device_id, RECORDS.c.kind)
        ).all()
        held = conn.execute(
            select(HELD.c.device_id, HELD.c.status, func.count(func.distinct(HELD.c.seq)))
            .group_by(HELD.c.device_id, HELD.c.status)
        ).all()
        seq_rows = conn.execute(text(
            "SELECT device_id, seq FROM records WHERE seq IS NOT NULL "
            "UNION SELECT device_id, seq FROM held_items ORDER BY 1, 2"
        )).all()
        totals_by_kind: dict[str, int] = dict(conn.execute(  # type: ignore[arg-type]
            select(RECORDS.c.kind, func.count(func.distinct(RECORDS.c.record_id)))
            .group_by(RECORDS.c.kind)
        ).all())
        versions_total = conn.execute(select(func.count()).select_from(RECORDS)).scalar() or 0
        # the unique constraints forbid these; counted so a report can show it holds
        duplicates = conn.execute(select(func.count()).select_from(
            select(RECORDS.c.kind, RECORDS.c.record_id, RECORDS.c.version)
            .group_by(RECORDS.c.kind, RECORDS.c.record_id, RECORDS.c.version)
            .having(func.count() > 1).subquery())).scalar() or 0

    seqs: dict[str, list[int]] = defaultdict(list)
    for device_id, seq in seq_rows:
        seqs[device_id].append(seq)

    def kind_counts() -> dict[str, int]:
        return dict.fromkeys(RECORD_KINDS, 0)

    hub_kinds: dict[str, dict[str, int]] = defaultdict(kind_counts)
    device_kinds: dict[str, dict[str, int]] = defaultdict(kind_counts)
    for hub_id, kind, records in per_hub:
        hub_kinds[hub_id][kind] = records
    for device_id, kind, records in per_device:
        device_kinds[device_id][kind] = records  # records this laptop made versions of
    held_by_device: dict[str, dict[str, int]] = defaultdict(lambda: {"conflict": 0, "rejected": 0})
    for device_id, status, count in held:
        held_by_device[device_id][status] = count

    device_out = []
    hub_gaps: dict[str, int] = defaultdict(int)
    hub_devices: dict[str, int] = defaultdict(int)
    for device in devices:
        high, ranges, missing = walk_sequence(0, seqs.get(device.id, []))
        kinds = device_kinds[device.id]
        hub_gaps[device.hub_id] += missing
        hub_devices[device.hub_id] += 1
        device_out.append({
            "id": device.id,
            "hub_id": device.hub_id,
            "name": device.name,
            "revoked": device.revoked_at is not None,
            "visits": kinds["visit"],
            "records": sum(kinds.values()),
            "by_kind": kinds,
            "high_seq": high,
            "max_seq": max(seqs[device.id]) if seqs.get(device.id) else 0,
            "gaps": missing,
            "gap_ranges": [[first, last] for first, last in ranges],
            "held": held_by_device[device.id],
            "app_version": device.app_version,
            "last_heartbeat_at": _iso(device.last_heartbeat_at),
            "unsent": device.unsent,
            "needs_attention": device.needs_attention,
            "oldest_unsent_at": _iso(device.oldest_unsent_at),
            "last_success_at": _iso(device.last_success_at),
            "clock_skew_s": device.clock_skew_s,
            "audit": {"verified_through": device.audit_verified_through,
                      "chain_ok": device.audit_break_seq is None,
                      "first_break": device.audit_break_seq},
        })
    hub_out = []
    for hub in hubs:
        kinds = hub_kinds[hub.id]
        hub_out.append({
            "id": hub.id, "name": hub.name, "district": hub.district, "tier": hub.tier,
            "visits": kinds["visit"], "records": sum(kinds.values()), "by_kind": kinds,
            "gaps": hub_gaps[hub.id], "devices": hub_devices[hub.id],
        })
    by_kind = {kind: int(totals_by_kind.get(kind, 0)) for kind in RECORD_KINDS}
    return {
        "visits": by_kind["visit"],
        "records": sum(by_kind.values()),
        "versions": int(versions_total),
        "duplicates": int(duplicates),
        "gaps": sum(d["gaps"] for d in device_out),
        "by_kind": by_kind,
        "held": {
            "conflict": sum(d["held"]["conflict"] for d in device_out),
            "rejected": sum(d["held"]["rejected"] for d in device_out),
        },
        "audit_breaks": sum(1 for d in device_out if not d["audit"]["chain_ok"]),
        "hubs": hub_out,
        "devices": device_out,
    }

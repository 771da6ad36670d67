"""What ingest refuses beyond one item's own form (DESIGN section 9): copies of erased
records, sequence numbers far beyond the laptop's own, and a laptop past its
storage quota.  Called inside ingest's write transaction."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select, update

from hubdesk.server.errors import ApiError
from hubdesk.server.limits import device_quota_bytes
from hubdesk.server.models import DEVICES, ERASURES, RECORDS

ERASED_REASON = ("This record was erased on the server (for example at the person's request), "
                 "so this copy of it was not kept.")
#: how far past the laptop's contiguous high a sequence number may lie: a laptop
#: numbers its versions 1, 2, 3... so a number far beyond is not a real one
SEQ_WINDOW = 1_000_000
SEQ_REASON = ("This record's sequence number is far beyond the ones this laptop has sent, "
              "so it cannot be right; nothing of it was kept.")


def erased_records(conn: Connection, record_ids: set[str]) -> set[str]:
    """Which of ``record_ids`` have been erased on the server (``erasure.erase_record``)."""
    if not record_ids:
        return set()
    # most servers hold few erasures or none: one tiny query spares the ~1,000-id
    # look-up (~3 ms a batch, mostly building its IN list); same transaction, same answer
    if conn.execute(_ANY_ERASURE).first() is None:
        return set()
    return set(conn.scalars(_ERASED_IDS, {"ids": sorted(record_ids)}))


def identical_versions(conn: Connection, keys: list[tuple[str, str, int, str]]) -> set[int]:
    """Indexes of (kind, record_id, version, hash) already held with that very hash."""
    found = set()
    for index, (kind, record_id, version, digest) in enumerate(keys):
        held = conn.execute(select(RECORDS.c.content_hash).where(
            RECORDS.c.kind == kind, RECORDS.c.record_id == record_id,
            RECORDS.c.version == version)).scalar()
        if held == digest:
            found.add(index)
    return found


_ANY_ERASURE = select(ERASURES.c.record_id).limit(1)
_ERASED_IDS = (select(ERASURES.c.record_id)
               .where(ERASURES.c.record_id.in_(bindparam("ids", expanding=True))))
#: what ingest needs of the sending device: its contiguous high and bytes stored
DEVICE_STATE = (select(DEVICES.c.contiguous_seq, DEVICES.c.stored_bytes)
                .where(DEVICES.c.id == bindparam("device")))


def charge_quota(conn: Connection, device_id: str, stored: int, added: int) -> None:
    """Count ``added`` bytes against the device's storage quota (403 past it: the whole
    batch is then refused and nothing of it kept)."""
    if not added:
        return
    quota = device_quota_bytes()
    if stored + added > quota:
        raise ApiError(403, "storage_quota_exceeded",
                       f"This laptop has stored its share on the server "
                       f"({quota // (1024 * 1024)} MB). Ask the council team.")
    conn.execute(update(DEVICES).where(DEVICES.c.id == device_id)
                 .values(stored_bytes=DEVICES.c.stored_bytes + added))

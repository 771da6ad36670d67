"""Records that need attention after a sync: a coordinator marks one as dealt with.

The sync panel's "needs attention" list (``sync.status.needs_attention_items``) holds
this laptop's versions the server rejected or that conflict (outbox rows), and server
versions held back because this laptop had unsent work.  Once a coordinator has dealt
with one (usually by opening the record and saving a corrected version),
:func:`mark_dealt_with` takes it off the list.

Nothing is deleted: the outbox row's state becomes ``resolved`` and the held server
version gets a ``resolved_at``; both rows stay.  A held server *edit* is merged with
this laptop's copy when dealt with (``sync_repo.merge_held_version``): the answers
the two disagree on go to the Conflicts screen and the merged version is sent, so
the laptop and the server do not diverge.  A listed *erasure* (the server erased the
record, for example at the person's request, while this laptop had unsent changes
to it) was already applied by the download that brought it (``store.erasures``,
audited as ``purge``): marking it as seen only takes it off the list.

Changes: ``outbox`` (the id is the outbox sequence number; the today list redraws its
badges) or ``held_version`` (the held version's id).  Either makes the sync status line
count again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.errors import NotFoundError
from hubdesk.services.common import Actor, Changes, PermissionDenied, audit
from hubdesk.store import sync_repo

#: ``AttentionKey.source`` values, as ``NeedsAttentionItem.source`` names them
OUTBOX, SERVER = "outbox", "server"

ALREADY_DEALT_WITH = "This record has already been marked as dealt with."
GONE = "This record is no longer on the needs-attention list."


@dataclass(frozen=True)
class AttentionKey:
    """Which line of the needs-attention list: ``source`` "outbox" (this laptop's
    version; ``ref`` is its outbox sequence number) or "server" (a held server version;
    ``ref`` is its id).  ``NeedsAttentionItem`` carries both."""

    source: str
    ref: int


def mark_dealt_with(db: Session, actor: Actor, item_key: AttentionKey) -> Changes:
    """Take one item off the needs-attention list (coordinators only); nothing is deleted.

    Raises PermissionDenied for a volunteer, NotFoundError when the item was already
    dealt with, has gone (e.g. the record was erased), or the key names nothing.
    """
    if not actor.is_coordinator:
        raise PermissionDenied("Only a coordinator can mark a record as dealt with.",
                               hint="Ask your coordinator to look at it.")
    if item_key.source == OUTBOX:
        return _resolve_outbox(db, actor, item_key.ref)
    if item_key.source == SERVER:
        return _resolve_held(db, actor, item_key.ref)
    raise NotFoundError(GONE)


def _resolve_outbox(db: Session, actor: Actor, seq: int) -> Changes:
    item = sync_repo.outbox_item(db, seq)
    if item is None:
        raise NotFoundError(GONE)
    if item.state == sync_repo.RESOLVED_STATE:
        raise NotFoundError(ALREADY_DEALT_WITH)
    state = item.state
    if not sync_repo.resolve_outbox_item(db, seq):  # sent or waiting: not on the list
        raise NotFoundError(GONE)
    # the state and version only: never the server's reason (it may quote an answer)
    audit(db, actor, "resolve", item.kind, item.record_id,
          f"outbox seq {seq}, {state}, version {item.version}")
    db.flush()
    return Changes().add("outbox", str(seq))


def _resolve_held(db: Session, actor: Actor, held_id: int) -> Changes:
    held = sync_repo.held_version(db, held_id)
    if held is None:
        raise NotFoundError(GONE)
    if held.resolved_at is not None:
        raise NotFoundError(ALREADY_DEALT_WITH)
    kind, record_id = held.kind, held.record_id
    if held.tombstone:
        # an erasure is the person's right: a download applied it already (and audited
        # the purge); marking it as seen applies one an older HubDesk held back
        withdrawn = sync_repo.apply_held_erasure(db, held_id, utc_now())
        audit(db, actor, "resolve", kind, record_id,
              f"server erasure {held_id} seen, {withdrawn} refused versions withdrawn")
    else:
        # compared and merged: differing answers go to the Conflicts screen, and the
        # merged version is sent, so laptop and server end with the same record
        outcome = sync_repo.merge_held_version(db, held_id, utc_now())
        audit(db, actor, "resolve", kind, record_id,
              f"held server version {held_id}, version {held.version}, {outcome}")
        if outcome == "merged":
            db.flush()
            return Changes().add("held_version", str(held_id)).add(kind, record_id)
    db.flush()
    return Changes().add("held_version", str(held_id))

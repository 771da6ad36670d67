"""Send the laptop's audit links the server has not verified yet (``POST /v1/audit``),
as the last step of a sync run, so the server can verify each laptop's chain."""

from __future__ import annotations

import logging
from typing import Protocol

from hubdesk.protocol.trust import MAX_AUDIT_LINKS, AuditLink, AuditReceipt, AuditUpload
from hubdesk.services.audit_chain import links_after
from hubdesk.store import repositories as repo
from hubdesk.store.engine import Store

log = logging.getLogger("hubdesk.sync.audit")

VERIFIED_SETTING = "audit_verified_through"
"""The highest chain position the server has verified (its last AuditReceipt)."""


class AuditApi(Protocol):
    def upload_audit(self, upload: AuditUpload) -> AuditReceipt: ...


def upload_audit_links(store: Store, api: AuditApi, *, max_pages: int = 20) -> AuditReceipt | None:
    """Upload pages of links after the server's ``verified_through``; returns the last
    receipt (None when there was nothing to send).  A broken chain is logged (positions
    only, never an event's content) and kept for the status line."""
    receipt: AuditReceipt | None = None
    for _ in range(max_pages):
        with store.unit_of_work() as db:
            verified = int(repo.get_setting(db, VERIFIED_SETTING, 0) or 0)
            links = links_after(db, verified, MAX_AUDIT_LINKS)
        if not links:
            break
        receipt = api.upload_audit(AuditUpload(links=[AuditLink(**link) for link in links]))
        with store.unit_of_work() as db:
            repo.put_setting(db, VERIFIED_SETTING, receipt.verified_through)
            repo.put_setting(db, "audit_chain_ok", receipt.chain_ok)
        if not receipt.chain_ok:
            log.warning("the server found this laptop's audit chain broken at %s",
                        receipt.first_break)
            break
        if receipt.verified_through <= verified:
            break  # no progress: do not loop on the same page
    return receipt

"""Screenshots of "Needs attention" in the sync panel, with "Mark as dealt with…", at 1366×768.

    .venv/bin/python tools/screenshots_attention.py [--out docs/screenshots]

Runs offscreen on a simulated 1366×768 laptop screen (the screen set-up of
``tools/screenshots.py``), once at 100 % and once at 150 % font, with a throw-away
data folder filled through the real services.  The attention items are made with the
sync repository's own functions (no server runs, nothing is probed): a visit the
server refused, an outcome in conflict, and a server change held back.  Saves
``sync-panel-attention-<pct>.png`` (a coordinator), ``…-confirm-<pct>.png`` (the
question), ``…-done-<pct>.png`` (after marking one), ``sync-window-attention-done-<pct>.png``
(today's visits with the visit's badge) and ``sync-panel-attention-volunteer-<pct>.png``
(the button disabled, with the reason in words).  Look at every one of them after a
change.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository root

from tools.screenshots import ScreenshotKit, run_tool

if TYPE_CHECKING:
    from hubdesk.services.common import Actor


def _attention_items(kit: ScreenshotKit) -> tuple[Actor, Actor]:
    """The hub, its coordinator and volunteer, a morning's visits and three items that
    need attention; returns (coordinator, volunteer)."""
    from sqlalchemy import select

    from hubdesk.core.clock import utc_now
    from hubdesk.core.ids import uuid7
    from hubdesk.protocol.schemas import ChangeItem
    from hubdesk.services import sessions, visits
    from hubdesk.services.directory import search_directory
    from hubdesk.store import sync_repo
    from hubdesk.store.models import OutboxItem

    store = kit.store
    actor, val = kit.first_run()
    with store.unit_of_work() as db:
        hub_id = sessions.list_venues(db)[0].hub_id
        sync_repo.save_enrolment(db, server_url="https://hubdesk.hertfordshire.example",
                                 token="screenshot-token-" + uuid7(),
                                 hub={"id": hub_id, "name": "Stevenage Healthy Hub",
                                      "district": "Stevenage"},
                                 now=utc_now())
    session_id = kit.open_session(actor)
    with store.unit_of_work() as db:
        services = search_directory(db, "debt") or search_directory(db, "")
        ids = []
        for age, topic in (("65_74", "money"), ("75_84", "loneliness"), ("50_64", "fuel")):
            ids.append(visits.record_visit(db, actor, session_id, visits.VisitForm(
                contact_mode="walk_in", age_band=age, sex="female",
                topics=[visits.TopicAnswer(topic, "advise", "brief", "thinking", "signposted")],
                signposts=[visits.SignpostAnswer(services[0].id, "signpost", topic)],
            )).primary_id)
    with store.unit_of_work() as db:
        rows = {(r.kind, r.record_id): r.seq for r in db.scalars(select(OutboxItem))}
        refused = rows[("visit", ids[0])]
        outcome_seq = min(seq for (kind, _rid), seq in rows.items() if kind == "outcome"
                          and seq > rows[("visit", ids[1])])
        # as the engine does: the batch goes out, the server answers per item
        batch = uuid7()
        seqs = sorted(rows.values())
        sync_repo.store_batch(db, batch, seqs, utc_now())
        outcomes = [sync_repo.ItemOutcome(seq, "accepted", None) for seq in seqs
                    if seq not in (refused, outcome_seq)]
        outcomes.append(sync_repo.ItemOutcome(
            refused, "rejected",
            "The age band 'about_seventy' is not one of the answers the server knows."))
        outcomes.append(sync_repo.ItemOutcome(
            outcome_seq, "conflict",
            "A coordinator changed the status of this outcome on the server."))
        sync_repo.apply_receipt(db, batch, outcomes, {"high_seq": max(seqs), "gaps": []},
                                utc_now())
        # a coordinator's change from the server to a visit this laptop also has unsent work on
        sync_repo.apply_change_items(
            db, [ChangeItem(kind="visit", record_id=ids[0], version=2, tombstone=True)], utc_now())
    return actor, val


def shoot(data_dir: Path, out: Path, scale: float) -> None:
    from hubdesk.ui.sync_menu import install_sync, open_sync_panel

    kit = ScreenshotKit(data_dir, out, scale, settle_ms=150)
    context, settle, save = kit.context, kit.settle, kit.save
    actor, val = _attention_items(kit)

    window = kit.unlocked_window(actor)
    controller = install_sync(window, context)
    controller.stop()  # no server runs: never probe, never sync
    controller.refresh()
    settle()

    panel = open_sync_panel(window, controller, "attention")
    panel.move(40, 20)
    settle()
    panel.show_section("attention")
    save(panel, "sync-panel-attention")

    panel.attention_view.selectRow(0)
    panel.dealt_button.setFocus()
    panel.dealt_button.click()
    box = panel.confirm_box
    assert box is not None
    settle()
    save(box, "sync-panel-attention-confirm")
    confirm = box.defaultButton()
    assert confirm is not None
    confirm.click()
    settle()
    panel.show_section("attention")
    save(panel, "sync-panel-attention-done")
    window.show_today()  # the visit's badge says what happened to it
    save(window, "sync-window-attention-done")

    context.set_actor(val)
    panel.dealt_note.hide()
    settle()
    panel.show_section("attention")
    save(panel, "sync-panel-attention-volunteer")

    kit.close(panel, window)


if __name__ == "__main__":
    run_tool(__file__, shoot, __doc__)

"""Two batches on the wire at once (issue 13): a server with several workers takes them
side by side, and a receipt written before an earlier batch was stored sends nothing twice."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import pytest

from hubdesk.protocol.schemas import BatchReceipt
from tests.sync.harness import Laptop, RunningServer, check_invariants

pytestmark = pytest.mark.integration

#: how long a held POST waits for the other one (the old engine never sends it)
HOLD_S = 10.0


def posted_seqs(body: bytes) -> list[int]:
    return [item["seq"] for item in json.loads(body)["items"]]


class HeldUploads:
    """The real upload, with the first POST held until the second has started
    (``until="started"``) or until the server has answered it (``until="answered"``)."""

    def __init__(self, upload: Callable[[bytes], BatchReceipt], until: str) -> None:
        self._upload = upload
        self._until = until
        self._lock = threading.Lock()
        self._second = threading.Event()
        self.posts = 0
        self.second_in_time = False
        self.seqs: list[int] = []
        self.first_body = b""
        #: in the order the server answered them
        self.receipts: list[BatchReceipt] = []

    def __call__(self, body: bytes) -> BatchReceipt:
        with self._lock:
            self.posts += 1
            number = self.posts
            self.seqs.extend(posted_seqs(body))
            self.first_body = self.first_body or body
        if number == 1:
            self.second_in_time = self._second.wait(HOLD_S)
        elif number == 2 and self._until == "started":
            self._second.set()
        try:
            receipt = self._upload(body)
        finally:
            if number == 2:
                self._second.set()
        with self._lock:
            self.receipts.append(receipt)
        return receipt


def held_laptop(make_laptop: Callable[[str], Laptop], monkeypatch: pytest.MonkeyPatch,
                until: str) -> tuple[Laptop, HeldUploads]:
    laptop = make_laptop("Pat")
    for _ in range(8):
        laptop.record_visit()
    held = HeldUploads(laptop.api.upload_raw, until)
    monkeypatch.setattr(laptop.api, "upload_raw", held)
    return laptop, held


def test_a_second_batch_goes_on_the_wire_before_the_first_is_answered(
    server: RunningServer, make_laptop: Callable[[str], Laptop],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laptop, held = held_laptop(make_laptop, monkeypatch, until="started")
    result = laptop.engine(batch_size=4).run()
    assert result.completed and result.pending == 0, result
    assert held.second_in_time, "the second POST waited for the first one's answer"
    assert sorted(held.seqs) == sorted(set(held.seqs)), "a record was sent twice"
    check_invariants(server, [laptop])


def test_gaps_from_a_batch_still_on_the_wire_send_nothing_again(
    server: RunningServer, make_laptop: Callable[[str], Laptop],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second batch is stored by the server first, so its receipt shows the first
    batch's records as gaps; they are not lost, only not yet written, and are not sent
    again (the receipt of the first batch, applied first, says they are held)."""
    laptop, held = held_laptop(make_laptop, monkeypatch, until="answered")
    result = laptop.engine(batch_size=4).run()
    assert result.completed and result.pending == 0, result
    assert held.second_in_time
    answered_first = held.receipts[0]
    gapped = {seq for gap in answered_first.gaps for seq in range(gap.first, gap.last + 1)}
    assert set(posted_seqs(held.first_body)) <= gapped, (
        "the second receipt did not show the first batch as gaps")
    assert sorted(held.seqs) == sorted(set(held.seqs)), "a record was sent twice"
    assert result.sent == len(held.seqs)
    check_invariants(server, [laptop])

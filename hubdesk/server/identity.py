"""Who is calling: an authenticated device (see ``devices.authenticate``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceIdentity:
    """An authenticated, not revoked device."""

    id: str
    hub_id: str

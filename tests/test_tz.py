from __future__ import annotations

import zoneinfo
from datetime import datetime

import pytest

from marketctl.reference import tz


def test_zones_come_from_the_pinned_package_not_the_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With no system tz database at all, zones still load: they are read from tzdata.
    zoneinfo.reset_tzpath(to=[])
    try:
        vancouver = tz.zone("America/Vancouver")
        assert datetime(2026, 7, 1, 12, tzinfo=vancouver).utcoffset() is not None
        assert vancouver.key == "America/Vancouver"
    finally:
        zoneinfo.reset_tzpath()


def test_names_are_the_packages_and_not_places_are_left_out() -> None:
    names = tz.zone_names()
    assert {"Europe/Stockholm", "Asia/Tokyo", "America/Toronto", "US/Eastern"} <= names
    assert not names & {"Factory", "localtime", "posixrules"}
    with pytest.raises(KeyError):
        tz.zone("Mars/Olympus_Mons")
    assert tz.version()[:2] == "20"

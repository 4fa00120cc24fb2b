"""IANA time zones from the pinned ``tzdata`` package, never the machine's own database.

:mod:`zoneinfo` reads the system tz database before the ``tzdata`` package, so two machines with
different tz releases would turn the same local rollout time into different UTC instants, and
validate the same zone name differently. Compiling and validating read the package only; its
release is recorded in the manifest (``generator.tzdata``).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

import tzdata

# Names in tzdata's list that are not places.
_NOT_PLACES = frozenset({"Factory", "localtime", "posixrules"})


def version() -> str:
    """The IANA release of the tz data, such as ``2026f``."""
    return str(tzdata.IANA_VERSION)


@cache
def zone_names() -> frozenset[str]:
    """Every zone name the tz data has (links such as ``US/Eastern`` included)."""
    names = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(names) - _NOT_PLACES


@cache
def zone(name: str) -> ZoneInfo:
    """The zone called ``name``; KeyError for a name the tz data does not have."""
    if name not in zone_names():
        raise KeyError(name)
    with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as data:
        return ZoneInfo.from_file(data, key=name)

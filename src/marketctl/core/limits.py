"""Every limit marketctl applies to what it reads, in one place (issue 13).

A config repository is written by people, but a pull request can hold anything: a 10 GB sparse
file, a FIFO named ``tax.yaml``, an alias bomb, a number with a billion-digit exponent. Whatever
it holds, validate and build end in findings, within about 2 s and 200 MB per file, never in
a hang, an exhausted machine or an internal error. The limits are far above what a hand-written
market file needs; each one that is hit is a finding with a code and a hint:

======================================  ===================  =======
limit                                   value                finding
======================================  ===================  =======
file size (checked before reading)      2 MiB                MKT009
only regular files are opened           FIFOs, devices,      MKT009
                                        sockets refused
values after alias expansion            200,000              MKT009
separators and lines before parsing     50,000               MKT009
characters after alias expansion        4,000,000            MKT009
nesting depth                           64                   MKT009
digits of a number                      30 significant       MKT020
decimal exponent of a number            -30 .. 30            MKT020
NaN, .inf                               never                MKT020
lone surrogates (``"\\ud800"``)         never                MKT002
message text                            10,000 characters    MKT520
arguments of one message                200                  MKT520
messages in one catalogue               10,000               MKT520
``[tool.marketctl]``                    its schema           MKT022
an entry of ``.marketctl-cache/``       32 MiB, depth 64     ignored
======================================  ===================  =======

Parsers call the small functions below (``read_regular_file``, ``number_problem``,
``surrogate_position``), so that every way of reading markets (the pure-Python parser, libyaml,
a cache) applies the same limits.
"""

from __future__ import annotations

import os
import re
import stat
from decimal import Decimal
from pathlib import Path
from typing import Final

MAX_FILE_BYTES: Final = 2 * 1024 * 1024
MAX_NODES: Final = 200_000
# Structural tokens (``,``, brackets, line breaks, ``: ``, ``- ``) a file may hold before it is
# parsed: counted at C speed, so that a 2 MiB file of a million tiny values is refused before
# the parser builds a million nodes (about a minute and 500 MB in the pure-Python parser). This
# repository's largest file has about 1,200. Tokens inside quoted text are counted too: telling
# them apart takes a parser (a plain scalar may hold a quote: ``[a 'b, 1, 1, c']``), which the
# exact count below is.
MAX_TOKENS: Final = 50_000
# Above MAX_TOKENS the values are counted exactly, by libyaml's events (C speed, stopping at the
# limit): an ICU catalogue's braces and commas in quoted text are tokens but make no values, and
# a catalogue of 5,000 messages has more than 50,000 tokens. The limit is then MAX_TOKENS values.
# A file libyaml refuses is re-read by the pure-Python parser, whose error messages are the ones
# findings give, only up to this size (2 MB takes it about 3 s); a larger one gets libyaml's.
MAX_PURE_PARSER_CHARS: Final = 256 * 1024
# What is counted: flow separators, line ends, "key: " and "- " (none of them can overlap another).
_TOKEN_PIECES: Final = (",", "[", "]", "{", "}", "\n", ": ", "- ")
MAX_EXPANDED_CHARS: Final = 4_000_000
MAX_DEPTH: Final = 64
MAX_NUMBER_DIGITS: Final = 30
MAX_NUMBER_EXPONENT: Final = 30
MAX_MESSAGE_CHARS: Final = 10_000
MAX_MESSAGE_ARGUMENTS: Final = 200
MAX_CATALOGUE_MESSAGES: Final = 10_000
# A report cache entry or the findings of a whole run (18 KB for this repository's 17 markets):
# larger is not ours (issue 22), and is ignored before it is read.
MAX_CACHE_ENTRY_BYTES: Final = 32 * 1024 * 1024

_SURROGATE: Final = re.compile("[\ud800-\udfff]")


class FileRefusedError(Exception):
    """A file that is not read: not a regular file, or too large. ``message`` and ``hint``
    are the finding's."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def too_large(size: int, limit: int = MAX_FILE_BYTES) -> FileRefusedError:
    return FileRefusedError(
        f"file is {size} bytes, more than the {limit} a market file may have",
        "split it, or check that it is the file you meant to commit",
    )


def read_regular_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``: a regular file (links followed) of at most ``limit`` bytes.

    A FIFO, device or socket is refused before it is opened (and the open never blocks, should
    it be swapped in between); the size is checked before reading, and no more than ``limit``
    + 1 bytes are ever read. OSError for a file that cannot be read (missing, a link loop).
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise FileRefusedError(
            f"refused to read: the file is {_kind(info.st_mode)}, not a regular file",
            "market files are plain files; replace it with the file itself",
        )
    if info.st_size > limit:
        raise too_large(info.st_size, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise FileRefusedError(
                f"refused to read: the file is {_kind(opened.st_mode)}, not a regular file",
                "market files are plain files; replace it with the file itself",
            )
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise too_large(len(data), limit)
    return data


def number_problem(value: Decimal | int) -> str | None:
    """Why a number read from a file is refused, or None: NaN, an infinity, more than
    :data:`MAX_NUMBER_DIGITS` significant digits, or an exponent outside
    ±:data:`MAX_NUMBER_EXPONENT`."""
    if isinstance(value, int):
        if abs(value) >= 10**MAX_NUMBER_DIGITS:
            return f"more than {MAX_NUMBER_DIGITS} digits"
        return None
    if value.is_nan():
        return "not a number (NaN)"
    if value.is_infinite():
        return "infinite"
    if value.is_zero():
        return None
    adjusted = value.adjusted()
    if not -MAX_NUMBER_EXPONENT <= adjusted <= MAX_NUMBER_EXPONENT:
        return (
            f"its magnitude 1E{adjusted:+d} is outside "
            f"1E-{MAX_NUMBER_EXPONENT}..1E+{MAX_NUMBER_EXPONENT}"
        )
    if len(value.as_tuple().digits) > MAX_NUMBER_DIGITS:
        return f"more than {MAX_NUMBER_DIGITS} significant digits"
    return None


def number_text_problem(text: str) -> str | None:
    """:func:`number_problem` for a number as written, before it is converted (a 5,000-digit
    literal costs nothing to refuse)."""
    if len(text) > MAX_NUMBER_DIGITS + MAX_NUMBER_EXPONENT + 16:
        return f"{len(text)} characters long, more than {MAX_NUMBER_DIGITS} significant digits"
    return None


def token_problem(text: str) -> str | None:
    """Why ``text`` is refused before parsing, or None (see :data:`MAX_TOKENS`)."""
    # str.count runs in C: a 2 MiB file costs a few milliseconds.
    count = sum(text.count(piece) for piece in _TOKEN_PIECES)
    if count > MAX_TOKENS:
        return f"more than {MAX_TOKENS} values, lines or separators: not a hand-written file"
    return None


def surrogate_position(text: str) -> int | None:
    """The index of the first lone surrogate in ``text`` (a ``"\\ud800"`` escape: not a
    character, and no UTF-8 encoder can write it), or None."""
    match = _SURROGATE.search(text)
    return match.start() if match else None

"""XLIFF 2.0 inline codes for ICU messages (issue 24): what a translation tool must protect.

An ICU text is cut into the parts a translator translates and the codes the target must carry
unchanged:

- an argument (``{name}``, ``{price, number, currency}``) and a plural branch's ``#`` become
  ``<ph>``;
- a tag pair (``<b>...</b>``, ``<link>...</link>``) becomes ``<pc>`` around its contents, and a
  self-closing tag (``<br/>``) a ``<ph>``.

Every code refers to the unit's ``<originalData>`` (``dataRef``), which holds the exact original
text, and shows it in ``disp``: an argument as written (``{price, number, currency}``, also its
``equiv``), a tag without its angle brackets (``b`` and ``/b`` for ``<b>`` and ``</b>``; a tag
has no text equivalent, so its ``equiv`` is empty). A ``<`` in an attribute value is where the
npm ``xliff`` library writes XML that is not well-formed, and the library drops
``<originalData>``: import turns ``disp`` back into the identical ICU text when the data is gone.

Plural and select structures stay ICU text around their branches (``{count, plural, one {``
... ``} other {`` ... ``}}``), with the codes inside each branch. The tools that know ICU read
it there (Weblate with its ``icu-message-format`` check; Crowdin, Phrase and Lokalise in their
editors), and there is a reason beyond them: a target often needs branches its source lacks
(Slovak ``few`` and ``many`` where English has ``one`` and ``other``), and XLIFF inline codes can
only be copied from the source, never added, so a structure made of codes could not be
translated into such a language. The unit's ``plural`` note says which categories the target needs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from marketctl.runtime import icusyntax

__all__ = ["InlineCodeError", "Pc", "Ph", "Piece", "UnitCodes", "pieces", "read_inline", "text_of"]


class InlineCodeError(ValueError):
    """An inline element import cannot turn back into ICU text."""


@dataclass(frozen=True)
class Ph:
    """A standalone code: its original ICU text."""

    original: str


@dataclass(frozen=True)
class Pc:
    """A paired code: the opening and closing tag, and what is between them."""

    start: str
    end: str
    contents: tuple[Piece, ...]


Piece = str | Ph | Pc


def pieces(text: str) -> tuple[Piece, ...]:
    """``text`` as text and codes; a text that is not ICU (or not ours) stays one text."""
    try:
        nodes = icusyntax.parse(text)
    except (icusyntax.ICUSyntaxError, RecursionError):
        return (text,)
    cut = tuple(_level(text, 0, len(text), nodes))
    return cut if text_of(cut) == text else (text,)


_Code = icusyntax.Argument | icusyntax.Hash | icusyntax.Tag


def _codes(nodes: list[icusyntax.Node]) -> list[_Code]:
    """The arguments, ``#`` and tags of one tag level, in written order; a choice's own syntax
    stays text, its branches' codes are this level's."""
    found: list[_Code] = []
    for node in nodes:
        if isinstance(node, icusyntax.Choice):
            for option in node.options:
                found.extend(_codes(option.contents))
        elif not isinstance(node, str):
            found.append(node)
    return found


def _level(text: str, start: int, end: int, nodes: list[icusyntax.Node]) -> list[Piece]:
    out: list[Piece] = []
    at = start
    for code in _codes(nodes):
        if code.start > at:
            out.append(text[at : code.start])
        if isinstance(code, icusyntax.Tag) and not code.closed:
            opened = text.index(">", code.start) + 1
            closing = text.rindex("</", code.start, code.end)
            contents = tuple(_level(text, opened, closing, code.contents))
            out.append(Pc(text[code.start : opened], text[closing : code.end], contents))
        else:
            out.append(Ph(text[code.start : code.end]))
        at = code.end
    if at < end:
        out.append(text[at:end])
    return out


def text_of(cut: tuple[Piece, ...]) -> str:
    """The ICU text again."""
    return "".join(
        piece
        if isinstance(piece, str)
        else piece.original
        if isinstance(piece, Ph)
        else piece.start + text_of(piece.contents) + piece.end
        for piece in cut
    )


class UnitCodes:
    """The ids of one unit's codes: a target's code takes the id of the source's code with the
    same original (in order), and every distinct original is one ``<data>``."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace
        self.data: dict[str, str] = {}
        self._source: dict[str, list[str]] = {}
        self._taken: dict[str, int] = {}
        self._count = 0

    def fill(self, element: ET.Element, cut: tuple[Piece, ...], *, source: bool) -> None:
        """Write ``cut`` as the contents of ``element`` (a <source>, <target> or <pc>)."""
        element.text = ""
        last: ET.Element | None = None
        for piece in cut:
            if isinstance(piece, str):
                if last is None:
                    element.text += piece
                else:
                    last.tail = (last.tail or "") + piece
                continue
            if isinstance(piece, Ph):
                last = ET.SubElement(
                    element,
                    f"{{{self.ns}}}ph",
                    {
                        **self._id(piece.original, source),
                        "dataRef": self._data(piece.original),
                        "disp": _shown(piece.original),
                        "equiv": "" if _is_tag(piece.original) else piece.original,
                    },
                )
            else:
                last = ET.SubElement(
                    element,
                    f"{{{self.ns}}}pc",
                    {
                        **self._id(piece.start + piece.end, source),
                        "dataRefStart": self._data(piece.start),
                        "dataRefEnd": self._data(piece.end),
                        "dispStart": _shown(piece.start),
                        "dispEnd": _shown(piece.end),
                        "equivStart": "",
                        "equivEnd": "",
                    },
                )
                self.fill(last, piece.contents, source=source)
            if last.get("copyOf") is not None:
                # A copy takes its data from the code it copies (XLIFF 2.0: copyOf excludes
                # dataRef); disp still says what it is.
                for reference in ("dataRef", "dataRefStart", "dataRefEnd"):
                    last.attrib.pop(reference, None)
        if not element.text:
            element.text = None

    def original_data(self, unit: ET.Element) -> None:
        """The unit's <originalData>, where there are codes."""
        if not self.data:
            return
        holder = ET.SubElement(unit, f"{{{self.ns}}}originalData")
        for original, data_id in self.data.items():
            ET.SubElement(holder, f"{{{self.ns}}}data", {"id": data_id}).text = original

    def _id(self, original: str, source: bool) -> dict[str, str]:
        """The code's ``id``, and ``copyOf`` where a target repeats a code of the source more
        often than the source has it (Slovak's extra plural branches each carry a ``#``)."""
        if source:
            self._count += 1
            self._source.setdefault(original, []).append(str(self._count))
            return {"id": str(self._count)}
        ids = self._source.get(original, [])
        taken = self._taken.get(original, 0)
        self._taken[original] = taken + 1
        if taken < len(ids):
            return {"id": ids[taken]}
        self._count += 1
        if ids:
            return {"id": str(self._count), "copyOf": ids[0]}
        return {"id": str(self._count)}  # not in the source at all: MKT504 says so on import

    def _data(self, original: str) -> str:
        return self.data.setdefault(original, f"d{len(self.data) + 1}")


def _is_tag(original: str) -> bool:
    return original.startswith("<")


def _shown(original: str) -> str:
    """What ``disp`` says: an argument as written, a tag without its angle brackets."""
    return original[1:-1] if _is_tag(original) else original


def _unshown(disp: str) -> str:
    """The original of a ``disp``: arguments start with ``{``, ``#`` is the number, the rest
    are tags."""
    return disp if disp.startswith("{") or disp == "#" else f"<{disp}>"


def read_inline(element: ET.Element, data: dict[str, str], namespace: str) -> str:
    """The ICU text of a <target> (or <source>) with its inline elements."""
    out = [element.text or ""]
    for child in element:
        name = child.tag.removeprefix(f"{{{namespace}}}")
        if name in ("ph", "sc", "ec"):
            out.append(_original(child, data, "dataRef", "disp", name))
        elif name == "pc":
            out.append(_original(child, data, "dataRefStart", "dispStart", name))
            out.append(read_inline(child, data, namespace))
            out.append(_original(child, data, "dataRefEnd", "dispEnd", name))
        elif name == "mrk":
            out.append(read_inline(child, data, namespace))  # an annotation: its text counts
        elif name == "cp":
            try:
                out.append(chr(int(child.get("hex", ""), 16)))
            except ValueError:
                raise InlineCodeError(
                    f"<cp hex='{child.get('hex')}'> is not a code point"
                ) from None
        elif name not in ("sm", "em"):  # annotation markers carry no text
            raise InlineCodeError(f"<{name}> is not an XLIFF 2.0 inline element")
        out.append(child.tail or "")
    return "".join(out)


def _original(element: ET.Element, data: dict[str, str], ref: str, disp: str, name: str) -> str:
    reference = element.get(ref)
    if reference is not None and reference in data:
        return data[reference]
    shown = element.get(disp)
    if shown:
        return _unshown(shown)
    raise InlineCodeError(
        f"<{name} id='{element.get('id')}'> has neither original data ({ref}) nor {disp}"
    )

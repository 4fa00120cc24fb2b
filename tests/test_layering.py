from __future__ import annotations

from marketctl.core.diagnostics import Location
from marketctl.core.documents import Document, load_document
from marketctl.repository.layering import resolve


def _doc(path: str, text: str) -> Document:
    document, problems = load_document(path, text.encode())
    assert problems == [] and document is not None
    return document


def test_mappings_merge_and_later_scalars_and_lists_replace() -> None:
    defaults = _doc("d.yaml", "a: {x: 1, y: 2}\nlist: [1, 2]\nkeep: k\n")
    market = _doc("m.yaml", "a:\n  y: 3\nlist: [9]\n")

    resolved = resolve([defaults, market])

    assert resolved.data == {"a": {"x": 1, "y": 3}, "list": [9], "keep": "k"}
    assert resolved.location(("a", "x")) == Location("d.yaml", 1, 8)
    assert resolved.location(("a", "y")) == Location("m.yaml", 2, 6)
    assert resolved.location(("list",)) == Location("m.yaml", 3, 7)
    assert resolved.location(("list", 0)) == Location("m.yaml", 3, 8)
    assert [o.location for o in resolved.overridden[("a", "y")]] == [Location("d.yaml", 1, 14)]
    assert [o.value for o in resolved.overridden[("list",)]] == [[1, 2]]
    assert [o.location for o in resolved.contributors[("a",)]] == [
        Location("d.yaml", 1, 4),
        Location("m.yaml", 2, 3),
    ]


def test_a_replaced_list_forgets_the_positions_of_the_old_items() -> None:
    defaults = _doc("d.yaml", "list: [1, 2, 3]\n")
    market = _doc("m.yaml", "list: [9]\n")

    resolved = resolve([defaults, market])

    assert ("list", 2) not in resolved.origins
    assert resolved.location(("list", 0)) == Location("m.yaml", 1, 8)


def test_a_scalar_replaced_by_a_mapping_is_an_override() -> None:
    resolved = resolve([_doc("d.yaml", "a: 1\n"), _doc("m.yaml", "a: {b: 2}\n")])

    assert resolved.data == {"a": {"b": 2}}
    assert [o.value for o in resolved.overridden[("a",)]] == [1]
    assert resolved.location(("a", "b")) == Location("m.yaml", 1, 8)


def test_three_layers_record_every_override_in_order() -> None:
    resolved = resolve(
        [_doc("d.yaml", "c: EUR\n"), _doc("r.yaml", "c: SEK\n"), _doc("m.yaml", "c: NOK\n")]
    )

    assert resolved.data == {"c": "NOK"}
    assert [o.document.path for o in resolved.overridden[("c",)]] == ["d.yaml", "r.yaml"]

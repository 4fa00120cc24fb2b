"""The names of VAT rate kinds, one vocabulary for markets, the reference data and the runtime.

Named by what the law makes of a rate, not by its place in a country's list (Council Directive
2006/112/EC as amended by Council Directive (EU) 2022/542; the Commission's table "VAT rates
applied in the Member States" uses the same categories):

- ``standard``: the standard rate, at least 15 % (art. 96-97);
- ``reduced`` and ``second_reduced``: the (at most two) reduced rates of at least 5 %
  (art. 98(1)); which of a country's two is ``reduced`` is the market's choice, kept as it was;
- ``super_reduced``: a reduced rate *below* 5 % (art. 98(2), and the derogation of art. 110
  under which France, Spain and Italy keep 2.1 %, 4 % and 4 %);
- ``parking``: a rate of at least 12 % kept for goods and services once at the standard rate
  (art. 118);
- ``zero``: an exemption with the right to deduct the VAT paid before (art. 98(2), art. 110).

Other kinds name the goods a rate covers (``food``, ``restaurant_food``) or a national category
with no directive name (France's ``intermediate`` taux intermédiaire); they are read as written.

``super_reduced`` once also named rates of 5 % and more (Greece's 6 %, which Greek law calls
υπερμειωμένος, Slovakia's 5 %): such a kind is read as ``second_reduced``
(:func:`canonical_kind`), and ``marketctl validate`` asks for the rename (MKT330).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Final

__all__ = [
    "CANONICAL_KINDS",
    "SUPER_REDUCED_BELOW",
    "canonical_kind",
]

#: The kinds the directive names, with what each means.
CANONICAL_KINDS: Final = {
    "standard": "the standard rate, at least 15 % (Directive 2006/112/EC art. 96-97)",
    "reduced": "a reduced rate of at least 5 % (art. 98(1))",
    "second_reduced": "the second reduced rate of at least 5 % (art. 98(1))",
    "super_reduced": "a reduced rate below 5 % (art. 98(2), art. 110)",
    "parking": "a parking rate of at least 12 % (art. 118)",
    "zero": "an exemption with the right to deduct (0 %)",
}

#: A super-reduced rate is below this percentage (art. 98(1): reduced rates "shall not be less
#: than 5 %"; art. 98(2): one reduced rate "lower than the minimum of 5 %").
SUPER_REDUCED_BELOW: Final = Decimal(5)

SUPER_REDUCED: Final = "super_reduced"
#: The key of ``tax.names`` that names the national tax (the others name regional components).
NATIONAL_NAME: Final = "national"
SECOND_REDUCED: Final = "second_reduced"


def canonical_kind(kind: str, percents: Iterable[object], kinds: Iterable[str]) -> str:
    """The name ``kind`` is read under: ``second_reduced`` for a ``super_reduced`` kind whose
    rates are not all below 5 % (unless the market already has a ``second_reduced``: then the
    name is kept and MKT330 reports the clash), else ``kind`` itself.

    ``percents`` are the kind's rates (int, Decimal or decimal text), ``kinds`` every kind of
    the market."""
    if kind != SUPER_REDUCED or SECOND_REDUCED in kinds:
        return kind
    if any(Decimal(str(percent)) >= SUPER_REDUCED_BELOW for percent in percents):
        return SECOND_REDUCED
    return kind

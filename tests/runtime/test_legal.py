"""What the law gives a customer who bought on day D (issue 7): ``legal_guarantee``,
``withdrawal``, ``short_term_reject`` and the arguments of the two legal messages, read from
built bundles; and every catalogue's legal sentences rendered for each form.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from marketctl import runtime
from marketctl.reference import cldr
from marketctl.runtime import (
    LegalGuarantee,
    Market,
    Markets,
    NoLegalTermError,
    RegionRequiredError,
)
from marketctl.runtime.icu import MessageLocale, compile_message
from marketctl.testing import build_bundles, edit_bundle

REPOSITORY = Path(__file__).resolve().parents[2]
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("config")
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    return build_bundles(tmp_path_factory.mktemp("built") / "dist", root=root)


@pytest.fixture(scope="module")
def markets(built: Path) -> Markets:
    return runtime.load(built, insecure=True)


@pytest.fixture
def edited(
    built: Path, tmp_path: Path
) -> Callable[[str, Callable[[dict[str, Any]], None]], Market]:
    def edit(code: str, change: Callable[[dict[str, Any]], None]) -> Market:
        copy = tmp_path / "dist"
        shutil.copytree(built, copy)
        edit_bundle(copy, code, change)
        return runtime.load(copy, insecure=True)[code]

    return edit


# --- the answers -----------------------------------------------------------------------------


def test_sweden_fixed_period_with_its_history(markets: Markets) -> None:
    se = markets["se"]
    now = se.legal_guarantee(on=date(2026, 11, 30))
    before = se.legal_guarantee(on=date(2022, 4, 30))

    assert (now.form, now.months, now.years, now.counted_from) == ("fixed", 36, None, "delivery")
    assert now.source is not None and now.source.title == "Konsumentköplag (2022:260)"
    assert (now.valid_from, now.valid_until) == (date(2022, 5, 1), None)
    assert before.source is not None and before.source.title == "Konsumentköplag (1990:932)"
    assert before.valid_until == date(2022, 4, 30)
    assert now.message_arguments() == {
        "form": "fixed",
        "months": 36,
        "years": 0,
        "extension_after_repair_months": 0,
    }


def test_the_answer_is_frozen(markets: Markets) -> None:
    guarantee = markets["se"].legal_guarantee(on=date(2026, 11, 30))
    assert isinstance(guarantee, LegalGuarantee)
    with pytest.raises(AttributeError):
        guarantee.months = 12  # type: ignore[misc]


def test_japan_notice_from_discovery(markets: Markets) -> None:
    jp = markets["jp"]
    guarantee = jp.legal_guarantee(on=date(2026, 11, 30))

    assert (guarantee.form, guarantee.months, guarantee.counted_from) == (
        "notice",
        12,
        "discovery",
    )
    assert guarantee.verified is False  # no verification recorded in markets/jp
    assert jp.legal_message_arguments("warranty.legal_guarantee", on=date(2026, 11, 30)) == {
        "form": "notice",
        "months": 12,
        "years": 0,
        "extension_after_repair_months": 0,
    }


def test_japan_default_return_right(markets: Markets) -> None:
    withdrawal = markets["jp"].withdrawal(on=date(2026, 11, 30))

    assert (withdrawal.right, withdrawal.statutory, withdrawal.days) == ("default", False, 8)
    assert withdrawal.counted_from == "receipt"
    assert withdrawal.message_arguments() == {"right": "default", "days": 8}


def test_canada_depends_on_the_province(markets: Markets) -> None:
    ca = markets["ca"]
    quebec = ca.legal_guarantee(on=date(2026, 11, 30), region="CA-QC")
    ontario = ca.legal_guarantee(on=date(2026, 11, 30), region="CA-ON")

    assert (quebec.form, quebec.months, quebec.region) == ("reasonable", None, "CA-QC")
    assert quebec.source is not None and quebec.source.ref.startswith("arts. 37–38")
    assert quebec.source.verified is False and quebec.source.missing.startswith("In-force date")
    # Ontario: no statutory guarantee, but the Limitations Act, 2002 s. 4 limits claims to two
    # years from discovery; the limitation sentence counts from delivery, so customers read
    # the general statutory-rights sentence.
    assert (ontario.form, ontario.years, ontario.counted_from) == ("limitation", 2, "discovery")
    assert ontario.message_arguments() == {
        "form": "other",
        "months": 0,
        "years": 0,
        "extension_after_repair_months": 0,
    }
    with pytest.raises(RegionRequiredError, match="CA-ON, CA-QC: pass region="):
        ca.legal_guarantee(on=date(2026, 11, 30))


def test_canada_has_no_withdrawal_right(markets: Markets) -> None:
    withdrawal = markets["ca"].withdrawal(on=date(2026, 11, 30))

    assert (withdrawal.right, withdrawal.statutory, withdrawal.days) == ("none", False, 0)
    assert withdrawal.message_arguments() == {"right": "none", "days": 0}


def test_a_day_before_any_term(markets: Markets) -> None:
    with pytest.raises(NoLegalTermError, match="no legal guarantee in force on 2005-03-31"):
        markets["se"].legal_guarantee(on=date(2005, 3, 31))


def test_unknown_legal_message(markets: Markets) -> None:
    with pytest.raises(ValueError, match=r"'cart\.title' is not a legal message"):
        markets["se"].legal_message_arguments("cart.title")


def _united_kingdom(bundle: dict[str, Any]) -> None:
    source = {"title": "Limitation Act 1980", "url": "https://www.legislation.gov.uk/x"}
    scotland = {
        "title": "Prescription and Limitation (Scotland) Act 1973",
        "url": "https://www.legislation.gov.uk/y",
        "verified": "2026-11-30",
    }
    bundle["warranty"]["legal_guarantee"] = [
        {
            "from": "2015-10-01",
            "until": None,
            "form": "limitation",
            "months": None,
            "years": 6,
            "counted_from": "delivery",
            "limitation": None,
            "duration": None,
            "second_hand_min_months": None,
            "source": source,
            "regions": {
                "GB-SCT": {
                    "form": "limitation",
                    "months": None,
                    "years": 5,
                    "counted_from": "delivery",
                    "limitation": None,
                    "source": scotland,
                }
            },
        }
    ]
    bundle["warranty"]["short_term_reject"] = [
        {
            "from": "2015-10-01",
            "until": None,
            "days": 30,
            "counted_from": "delivery",
            "source": source,
        }
    ]


def test_limitation_per_region(edited: Callable[..., Market]) -> None:
    market = edited("se", _united_kingdom)
    day = date(2026, 11, 30)

    england = market.legal_guarantee(on=day, region="GB-ENG")
    scotland = market.legal_guarantee(on=day, region="GB-SCT")

    assert (england.form, england.years, england.verified) == ("limitation", 6, False)
    assert (scotland.form, scotland.years, scotland.verified) == ("limitation", 5, True)
    assert market.legal_message_arguments("warranty.legal_guarantee", on=day, region="GB-SCT") == {
        "form": "limitation",
        "months": 0,
        "years": 5,
        "extension_after_repair_months": 0,
    }
    short = market.short_term_reject(on=day)
    assert short is not None and (short.days, short.counted_from) == (30, "delivery")
    # Before the Consumer Rights Act the edited bundle records no such right.
    assert market.short_term_reject(on=date(2015, 9, 30)) is None


def test_a_limitation_counted_from_the_breach_selects_the_general_sentence(
    edited: Callable[..., Market],
) -> None:
    def from_breach(bundle: dict[str, Any]) -> None:
        _united_kingdom(bundle)
        bundle["warranty"]["legal_guarantee"][0]["regions"] = {}
        bundle["warranty"]["legal_guarantee"][0]["counted_from"] = "breach"

    market = edited("se", from_breach)

    # "for up to 6 years after delivery" would be a promise the law does not state that way.
    assert market.legal_message_arguments("warranty.legal_guarantee", on=date(2026, 1, 1)) == {
        "form": "other",
        "months": 0,
        "years": 0,
        "extension_after_repair_months": 0,
    }


# --- every catalogue renders the right sentence for each form -------------------------------

ARGUMENTS = {
    "fixed": {"form": "fixed", "months": 24, "years": 0},
    "reasonable": {"form": "reasonable", "months": 0, "years": 0},
    "limitation": {"form": "limitation", "months": 0, "years": 6},
    "notice": {"form": "notice", "months": 12, "years": 0},
    "other": {"form": "other", "months": 0, "years": 0},
}
RIGHTS = {
    "statutory": {"right": "statutory", "days": 14},
    "default": {"right": "default", "days": 8},
    "none": {"right": "none", "days": 0},
}
EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    ("markets/_defaults/messages/en.yaml", "en"): {
        "fixed": "In addition to our commercial warranty, you are covered by the legal guarantee "
        "of conformity for 24 months from delivery.",
        "reasonable": "In addition to our commercial warranty, the seller is liable under the "
        "law for faults for as long as the device can reasonably be expected to last.",
        "limitation": "In addition to our commercial warranty, the law lets you claim against "
        "the seller for a faulty device for up to 6 years after delivery.",
        "notice": "In addition to our commercial warranty, the seller is liable under the law "
        "for a fault if you tell us about it within 12 months of discovering it.",
        "other": "In addition to our commercial warranty, you keep all your statutory rights "
        "as a consumer.",
        "statutory": "You have a legal right to cancel your order within 14 days of receiving "
        "it, without giving a reason.",
        "default": "Unless our return policy says otherwise, you can return your order within "
        "8 days of receiving it; you pay the return shipping.",
        "none": "The law gives no general right to cancel an online order; our return policy "
        "sets out your options.",
    },
    ("markets/_defaults/messages/fr.yaml", "fr"): {
        "fixed": "En plus de notre garantie commerciale, vous bénéficiez de la garantie légale "
        "de conformité pendant 24 mois à compter de la livraison.",
        "reasonable": "En plus de notre garantie commerciale, le vendeur répond légalement des "
        "défauts pendant toute la durée de vie que l’on peut raisonnablement attendre de "
        "l’appareil.",
        "limitation": "En plus de notre garantie commerciale, la loi vous permet d’agir contre "
        "le vendeur pour un appareil défectueux jusqu’à 6 ans après la livraison.",
        "notice": "En plus de notre garantie commerciale, le vendeur répond légalement d’un "
        "défaut si vous nous le signalez dans un délai de 12 mois à compter de sa découverte.",
        "other": "En plus de notre garantie commerciale, vous conservez tous les droits que la "
        "loi vous accorde en tant que consommateur.",
        "statutory": "Vous disposez d’un délai de 14 jours à compter de la réception de votre "
        "commande pour exercer votre droit de rétractation, sans avoir à motiver votre "
        "décision.",
    },
    ("markets/ca/messages/fr-CA.yaml", "fr-CA"): {
        "reasonable": "En plus de notre garantie conventionnelle, vous bénéficiez de la garantie "
        f"légale{NBSP}: l’appareil doit pouvoir servir à un usage normal pendant une durée "
        "raisonnable.",
        "other": "En plus de notre garantie conventionnelle, vous conservez tous les droits que "
        "la loi vous accorde en tant que consommateur.",
        "none": "La loi ne prévoit aucun droit général d’annuler une commande en ligne. Notre "
        "politique de retour précise les options qui s’offrent à vous.",
    },
    ("markets/_defaults/messages/sv.yaml", "sv"): {
        "fixed": "Utöver vår egen garanti har du reklamationsrätt enligt lag i 24 månader från "
        "leveransen.",
        "limitation": "Utöver vår egen garanti kan du enligt lag reklamera en felaktig enhet "
        "till säljaren i upp till 6 år efter leveransen.",
        "statutory": "Du har enligt lag rätt att ångra din beställning inom 14 dagar från att du "
        "tog emot den, utan att ange något skäl.",
    },
    ("markets/jp/messages/ja.yaml", "ja"): {
        "notice": "当社独自の保証に加え、不具合（契約不適合）を知った時から12か月以内に当社へ"
        "ご通知いただければ、販売者は法律に基づく責任を負います。",
        "fixed": "当社独自の保証に加え、お届けから24か月間、法律に基づく契約不適合責任の対象と"
        "なります。",
        "default": "当社の返品ポリシーに別段の定めがない限り、商品を受け取った日から起算して8日以内"
        "であれば返品いただけます。返送料はお客様のご負担となります。",
    },
}


def _catalogue(path: str) -> dict[str, Any]:
    data = YAML(typ="safe").load((REPOSITORY / path).read_text(encoding="utf-8"))
    return {k: (v["message"] if isinstance(v, dict) else v) for k, v in data.items()}


@pytest.mark.parametrize(("path", "tag"), sorted(EXPECTED))
def test_each_catalogue_renders_each_form(path: str, tag: str) -> None:
    catalogue = _catalogue(path)
    formats = MessageLocale.from_data(cldr.locale_data(tag))
    rendered: dict[str, str] = {}
    for name, expected in EXPECTED[(path, tag)].items():
        key = "returns.withdrawal" if name in RIGHTS else "warranty.legal_guarantee"
        args = RIGHTS[name] if name in RIGHTS else ARGUMENTS[name]
        rendered[name] = compile_message(catalogue[key], formats, key=key).format(args)
        assert rendered[name] == expected, (path, name)


@pytest.mark.parametrize(("path", "tag"), sorted(EXPECTED))
def test_no_catalogue_says_from_delivery_for_a_notice_period(path: str, tag: str) -> None:
    # The bug: ja.yaml said お届けから{months}か月間 (from delivery) for a period the law
    # counts from discovery. Every form renders differently, and only fixed/limitation mention
    # delivery.
    catalogue = _catalogue(path)
    formats = MessageLocale.from_data(cldr.locale_data(tag))
    message = compile_message(catalogue["warranty.legal_guarantee"], formats)
    sentences = {form: message.format(args) for form, args in ARGUMENTS.items()}
    assert len(set(sentences.values())) == len(ARGUMENTS)
    delivery = {"en": "delivery", "fr": "livraison", "fr-CA": "livraison", "sv": "leveransen"}
    word = delivery.get(tag, "お届け")
    assert word not in sentences["notice"]
    assert word not in sentences["reasonable"]
    assert word in sentences["fixed"]


# --- the bundle schema covers each form and refuses null where it promises a boolean ----------


def _validator() -> Any:
    import json

    from jsonschema import Draft202012Validator

    schema = json.loads((REPOSITORY / "schemas/bundle.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def test_bundle_schema_accepts_every_form_and_refuses_a_null_boolean(built: Path) -> None:
    import json

    validator = _validator()
    bundle = json.loads((built / "se.json").read_text(encoding="utf-8"))
    guarantee = bundle["warranty"]["legal_guarantee"][-1]
    for form, months, years in [
        ("fixed", 36, None),
        ("reasonable", None, None),
        ("limitation", None, 6),
        ("notice", 12, None),
        ("none", None, None),
    ]:
        guarantee.update(form=form, months=months, years=years)
        assert list(validator.iter_errors(bundle)) == [], form
    guarantee["regions"] = {
        "GB-SCT": {
            "form": "limitation",
            "months": None,
            "years": 5,
            "counted_from": "breach",
            "limitation": None,
            "source": None,
        }
    }
    assert list(validator.iter_errors(bundle)) == []

    guarantee["form"] = "reasonabel"
    bundle["warranty"]["withdrawal"][0]["statutory"] = None
    errors = sorted(".".join(map(str, e.absolute_path)) for e in validator.iter_errors(bundle))
    assert errors == [
        "warranty.legal_guarantee.1.form",
        "warranty.withdrawal.0.statutory",
    ]


def _catalogues() -> list[tuple[str, str]]:
    """Every catalogue of the repository that has the legal-guarantee sentence, with its tag."""
    found = []
    for path in sorted((REPOSITORY / "markets").glob("*/messages/*.yaml")):
        tag = path.stem
        if "warranty.legal_guarantee" in _catalogue(str(path.relative_to(REPOSITORY))):
            found.append((str(path.relative_to(REPOSITORY)), tag))
    return found


@pytest.mark.parametrize(("path", "tag"), _catalogues())
def test_every_catalogue_tells_the_forms_apart(path: str, tag: str) -> None:
    # Catalogues added later (issue 8) are covered too: each form gives its own sentence, with
    # the number it is given and none where the form has none.
    catalogue = _catalogue(path)
    formats = MessageLocale.from_data(cldr.locale_data(tag))
    message = compile_message(catalogue["warranty.legal_guarantee"], formats)
    sentences = {form: message.format(args) for form, args in ARGUMENTS.items()}

    assert len(set(sentences.values())) == len(ARGUMENTS), sentences
    assert "24" in sentences["fixed"]
    assert "6" in sentences["limitation"]
    assert "12" in sentences["notice"]
    assert not any(ch.isdigit() for ch in sentences["reasonable"] + sentences["other"])
    if "returns.withdrawal" in catalogue:
        withdrawal = compile_message(catalogue["returns.withdrawal"], formats)
        rights = {name: withdrawal.format(args) for name, args in RIGHTS.items()}
        assert "14" in rights["statutory"] and "8" in rights["default"]
        assert len(set(rights.values())) == len(RIGHTS)

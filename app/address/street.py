"""USPS-style delivery lines: "123 north main street, apt #4" -> "123 N MAIN ST APT 4".

Only words in a position where USPS treats them as a directional, suffix or unit are abbreviated, so a
street *named* after one survives: "100 North St" keeps NORTH, "1 Avenue of the Americas" keeps AVENUE,
"12 Ocean Front" keeps FRONT.
"""

from __future__ import annotations

import re

from app.address.usps_tables import DIRECTIONALS, RANGED_UNITS, STANDALONE_UNITS, SUFFIXES

_DOTTED_INITIALS = re.compile(r"\b(?:[A-Z]\.){2,}")  # "N.E.", "P.O." -> "NE", "PO"
_DROPPED = re.compile(r"[.,;:\"]")  # USPS style carries no punctuation but the hyphen, slash, # and &
_HASH = re.compile(r"#")
_SPACES = re.compile(r"\s+")
_FRACTION = re.compile(r"^\d+/\d+$")
# A unit "range": digits or a single letter, optionally combined ("4", "4B", "B", "12-A").
_UNIT_RANGE = re.compile(r"^(?:[A-Z]|[A-Z]?\d[\dA-Z-]*)$")

_PO_BOX_FORMS: tuple[tuple[str, ...], ...] = (
    ("POST", "OFFICE", "BOX"),
    ("P", "O", "BOX"),
    ("PO", "BOX"),
    ("P", "O", "B"),
    ("POB",),
)
_ROUTE_FORMS: dict[tuple[str, ...], str] = {
    ("RURAL", "ROUTE"): "RR",
    ("R", "R"): "RR",
    ("RR",): "RR",
    ("HIGHWAY", "CONTRACT"): "HC",
    ("H", "C"): "HC",
    ("HC",): "HC",
}


def tokens(text: str) -> list[str]:
    """Upper-case words with punctuation removed and "#4" split into "# 4"."""
    upper = _DOTTED_INITIALS.sub(lambda m: m.group(0).replace(".", ""), text.upper())
    cleaned = _HASH.sub(" # ", _DROPPED.sub(" ", upper))
    return _SPACES.split(cleaned.strip()) if cleaned.strip() else []


def normalize_delivery_line(text: str) -> str:
    """Normalise a first address line (street, PO box or rural route, with an optional unit)."""
    words = tokens(text)
    special = _po_box_or_route(words)
    if special is not None:
        return special
    unit_at = _unit_start(words)
    street, unit = (words[:unit_at], words[unit_at:]) if unit_at is not None else (words, [])
    return " ".join(_street(street) + _unit(unit))


def normalize_secondary_line(text: str) -> str:
    """Normalise a second line: a unit ("Suite 200"), a PO box, or free text such as "C/O Smith"."""
    words = tokens(text)
    special = _po_box_or_route(words)
    if special is not None:
        return special
    if words and (words[0] in RANGED_UNITS or words[0] in STANDALONE_UNITS):
        return " ".join(_unit(words))
    return " ".join(words)


def _po_box_or_route(words: list[str]) -> str | None:
    for form in _PO_BOX_FORMS:
        if tuple(words[: len(form)]) == form and len(words) > len(form):
            return " ".join(["PO", "BOX", *words[len(form) :]])
    for form, standard in _ROUTE_FORMS.items():
        if tuple(words[: len(form)]) == form and len(words) > len(form) and words[len(form)][0].isdigit():
            # "RR 2 BOX 5": the route number and box stay as typed.
            return " ".join([standard, *words[len(form) :]])
    return None


def _unit_start(words: list[str]) -> int | None:
    """Index where a secondary unit begins, if the line has one after the street."""
    for i in range(2, len(words)):  # at least a number and a name come first
        word = words[i]
        following = words[i + 1 :]
        if word in RANGED_UNITS and following and _is_range(following):
            return i
        standalone = word in STANDALONE_UNITS and _ends_street(words[i - 1])
        if standalone and (not following or (len(following) == 1 and _UNIT_RANGE.match(following[0]))):
            return i
    return None


def _is_range(following: list[str]) -> bool:
    # "APT 4", "APT # 4", "BLDG 5 APT 3": the word after the designator (or after a "#") is a range.
    first = following[1] if following[0] == "#" and len(following) > 1 else following[0]
    return bool(_UNIT_RANGE.match(first))


def _ends_street(word: str) -> bool:
    return word in SUFFIXES or word in DIRECTIONALS or word[0].isdigit()


def _unit(words: list[str]) -> list[str]:
    out: list[str] = []
    for i, word in enumerate(words):
        if word == "#" and out and out[-1] in RANGED_UNITS.values():
            continue  # "APT # 4" -> "APT 4"
        previous_is_designator = i > 0 and (words[i - 1] in RANGED_UNITS or words[i - 1] in STANDALONE_UNITS)
        if not previous_is_designator and word in RANGED_UNITS:
            out.append(RANGED_UNITS[word])
        elif not previous_is_designator and word in STANDALONE_UNITS:
            out.append(STANDALONE_UNITS[word])
        else:
            out.append(word)
    return out


def _street(words: list[str]) -> list[str]:
    if not words:
        return []
    number: list[str] = []
    rest = list(words)
    if rest[0][0].isdigit():
        number.append(rest.pop(0))
        if rest and _FRACTION.match(rest[0]):  # "123 1/2 MAIN ST"
            number.append(rest.pop(0))

    post: list[str] = []
    if len(rest) >= 2 and rest[-1] in DIRECTIONALS:
        post = [DIRECTIONALS[rest.pop()]]
    suffix: list[str] = []
    if len(rest) >= 2 and rest[-1] in SUFFIXES:
        suffix = [SUFFIXES[rest.pop()]]
    pre: list[str] = []
    if len(rest) >= 2 and rest[0] in DIRECTIONALS:
        pre = [DIRECTIONALS[rest.pop(0)]]
    return number + pre + rest + suffix + post

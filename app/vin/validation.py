"""VIN alphabet and the North American check digit (49 CFR 565.15(c)).

Owned here rather than taken from a package so the error messages, the "did you mean" hints and the
grey-import override are ours; tests cross-check the arithmetic against the regulation's own examples.
"""

from __future__ import annotations

from app.vin.errors import InvalidVinError

VIN_LENGTH = 17
CHECK_DIGIT_INDEX = 8  # position 9, counted from 1

# 565.15(c)(1) transliteration; I, O and Q are absent because they are never used (too easily read as 1/0).
_LETTER_VALUES: dict[str, int] = {
    "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
    "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
    "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
}  # fmt: skip
_VALUES: dict[str, int] = {**{str(d): d for d in range(10)}, **_LETTER_VALUES}
# 565.15(c)(2): the check digit's own position weighs 0, so its content never affects the sum.
_WEIGHTS: tuple[int, ...] = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)

VIN_ALPHABET = frozenset(_VALUES)
_LOOKALIKES: dict[str, str] = {"I": "1", "O": "0", "Q": "0"}


def normalize_vin_text(vin: str) -> str:
    """Trim and upper-case; the caller still has to check length and alphabet."""
    if not isinstance(vin, str):
        raise InvalidVinError("a VIN must be text", problem="empty", vin=repr(vin))
    return vin.strip().upper()


def require_length_and_alphabet(vin: str, *, skip_index: int | None = None) -> None:
    """Raise :class:`InvalidVinError` unless ``vin`` (already normalised) has 17 legal characters.

    ``skip_index`` exempts one position from the alphabet check (the check-digit placeholder).
    """
    if not vin:
        raise InvalidVinError("the VIN is empty", problem="empty", vin=vin)
    if len(vin) != VIN_LENGTH:
        raise InvalidVinError(
            f"a VIN has {VIN_LENGTH} characters; this one has {len(vin)}", problem="length", vin=vin
        )
    bad = [(i, ch) for i, ch in enumerate(vin) if ch not in VIN_ALPHABET and i != skip_index]
    if not bad:
        return
    index, char = bad[0]
    if char in _LOOKALIKES:
        reason = (
            f"position {index + 1} is the letter {char!r}, which VINs never use; "
            f"did you mean {_LOOKALIKES[char]!r}?"
        )
    elif char.isspace():
        reason = f"position {index + 1} is a space; a VIN has no spaces"
    else:
        reason = (
            f"position {index + 1} is {char!r}; a VIN uses only digits and the letters A-Z except I, O, Q"
        )
    raise InvalidVinError(reason, problem="character", vin=vin, suggestion=_lookalike_fix(vin))


def _lookalike_fix(vin: str) -> str | None:
    """The VIN with I/O/Q read as 1/0/0, offered only if that makes a fully valid VIN."""
    fixed = "".join(_LOOKALIKES.get(ch, ch) for ch in vin)
    if any(ch not in VIN_ALPHABET for ch in fixed):
        return None
    return fixed if _compute(fixed) == fixed[CHECK_DIGIT_INDEX] else None


def _compute(vin: str) -> str:
    remainder = sum(_VALUES[ch] * w for ch, w in zip(vin, _WEIGHTS, strict=True) if w) % 11
    return "X" if remainder == 10 else str(remainder)


def check_digit(vin: str) -> str:
    """The check digit ("0"-"9" or "X") the other 16 characters of ``vin`` call for.

    Whatever is in position 9 is ignored, so this works on a VIN whose check digit is wrong.
    """
    text = normalize_vin_text(vin)
    require_length_and_alphabet(text, skip_index=CHECK_DIGIT_INDEX)
    return _compute(text)


def with_check_digit(vin: str) -> str:
    """``vin`` with position 9 replaced by its correct check digit.

    Position 9 may hold any placeholder (``"?"``, ``"_"``, ``"0"``...); the other 16 characters must be legal.
    """
    text = normalize_vin_text(vin)
    digit = check_digit(text)
    return f"{text[:CHECK_DIGIT_INDEX]}{digit}{text[CHECK_DIGIT_INDEX + 1 :]}"


def validate_vin(vin: str, *, allow_bad_check_digit: bool = False) -> str:
    """The normalised (trimmed, upper-case) VIN, or :class:`InvalidVinError` saying what is wrong.

    A wrong check digit is an error unless ``allow_bad_check_digit`` is set: the caller does that only
    after a person confirmed the VIN is pre-1981 or from outside North America, and records why.
    """
    text = normalize_vin_text(vin)
    require_length_and_alphabet(text)
    expected = _compute(text)
    actual = text[CHECK_DIGIT_INDEX]
    if actual != expected and not allow_bad_check_digit:
        raise InvalidVinError(
            f"check digit (position 9) is {actual!r} but the rest of the VIN calls for {expected!r}: "
            "a character is probably mistyped (vehicles before 1981 and imports may legitimately differ)",
            problem="check_digit",
            vin=text,
            expected_check_digit=expected,
        )
    return text


def has_valid_check_digit(vin: str) -> bool:
    """True if an already validated 17-character VIN carries the right check digit."""
    return _compute(vin) == vin[CHECK_DIGIT_INDEX]

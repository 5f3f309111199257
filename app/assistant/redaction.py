"""Personal data taken out of text before it leaves the machine.

What counts: Social Security numbers, dates of birth, phone numbers, email addresses and driver's
licence numbers. Dates and long numbers are everywhere in deals (as-of dates, stock numbers, VINs,
money), so a date is a date of birth and a token a licence number only next to words that say so;
SSNs, phones and emails have shapes distinctive enough to catch on their own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

_NOT_WORD = r"(?<![\w.@-])"
_END = r"(?![\w@-])"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_SSN_KEYWORD = re.compile(
    r"(?i)\b(?:ssn|social\s+security(?:\s+(?:number|no\.?|#))?)\s*(?:is|:|#)?\s*(\d{3}[-\s]?\d{2}[-\s]?\d{4})\b"
)
_SSN = re.compile(_NOT_WORD + r"\d{3}-\d{2}-\d{4}" + _END)
_PHONE = re.compile(_NOT_WORD + r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}" + _END)
# Stored phones are bare 10 digits: caught only when a label ("phone", "cell") says what they are.
_PHONE_KEYWORD = re.compile(r"(?i)\b(phone|cell|mobile|tel(?:ephone)?)\b[\"':\s#]{0,4}(\+?1?\d{10})\b")
_DATE = r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4})"
_DOB = re.compile(
    r"(?i)\b(dob|d\.o\.b\.|date\s+of\s+birth|birth\s*date|birthday|born(?:\s+on)?)\s*(?:is|:|-)?\s*("
    + _DATE
    + r")"
)
_LICENSE = re.compile(
    r"(?i)\b(driver'?s?\s+licen[cs]e(?:\s+(?:number|no\.?|#))?|licen[cs]e\s+(?:number|no\.?|#)|\bdl\s*(?:#|no\.?|number)?)"
    r"\s*(?:is|:|#)?\s*([A-Z0-9][A-Z0-9-]{4,17}[0-9])\b"
)

PLACEHOLDERS = {
    "ssn": "[SSN]",
    "dob": "[DOB]",
    "phone": "[PHONE]",
    "email": "[EMAIL]",
    "license": "[LICENSE]",
}


@dataclass(slots=True)
class Redaction:
    text: str
    counts: Counter[str] = field(default_factory=Counter)


Substitution = Callable[[re.Match[str]], str]


def _labelled(kind: str, group: int, counts: Counter[str]) -> Substitution:
    """Keep the label ("DOB:") that made the value recognisable; replace only the value."""

    def substitute(match: re.Match[str]) -> str:
        counts[kind] += 1
        whole, value = match.group(0), match.group(group)
        return whole[: whole.rfind(value)] + PLACEHOLDERS[kind]

    return substitute


def _plain(kind: str, counts: Counter[str]) -> Substitution:
    def substitute(_match: re.Match[str]) -> str:
        counts[kind] += 1
        return PLACEHOLDERS[kind]

    return substitute


def redact(text: str) -> Redaction:
    """Replace personal data with placeholders such as ``[PHONE]``; counts say what was found."""
    counts: Counter[str] = Counter()
    out = _EMAIL.sub(_plain("email", counts), text)
    out = _DOB.sub(_labelled("dob", 2, counts), out)
    out = _LICENSE.sub(_labelled("license", 2, counts), out)
    out = _SSN_KEYWORD.sub(_labelled("ssn", 1, counts), out)
    out = _SSN.sub(_plain("ssn", counts), out)
    out = _PHONE.sub(_plain("phone", counts), out)
    out = _PHONE_KEYWORD.sub(_labelled("phone", 2, counts), out)
    return Redaction(out, counts)

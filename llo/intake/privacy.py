"""Privacy at the door: refuse files with direct identifiers, and pseudonymise participant ids.

Detection rules (a match rejects the whole file; the offending value is never repeated anywhere):
- a column header that names a direct identifier (BSN, name, e-mail, phone, address, birth date);
- any cell holding an e-mail address or a Dutch phone number;
- any cell outside the participant-id column holding nine digits that pass the elfproef (a BSN);
- a participant-id column in which most values are nine digits passing the elfproef. Single matches there
  are not decisive (one in eleven random nine-digit numbers passes) and are pseudonymised anyway;
- in a free-text column (an interview's quote): a person named by a title and a capitalised word ("mevrouw
  Jansen", "dhr. De Vries", "de heer Bakker") or an @handle. Researchers write [naam] and [organisatie] instead
  (docs/privacy.md), which these patterns leave alone.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from typing import TYPE_CHECKING

from llo.text import normalise

if TYPE_CHECKING:
    import numpy as np

IDENTIFIER_HEADERS = {
    "bsn", "burgerservicenummer", "sofinummer", "sofi nummer", "naam", "voornaam", "voornamen", "achternaam",
    "roepnaam", "tussenvoegsel", "voorletters", "naam deelnemer", "volledige naam", "name", "first name",
    "last name", "email", "e mail", "emailadres", "e mailadres", "mail", "telefoon", "telefoonnummer",
    "tel", "mobiel", "mobiel nummer", "gsm", "phone", "adres", "straat", "huisnummer", "woonadres",
    "geboortedatum", "geb datum", "date of birth",
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(?<![\d\w])(?:\+31|0031|0)[\s-]?[1-9](?:[\s-]?\d){8}(?!\d)")
NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")
ID_COLUMN_BSN_SHARE = 0.5
# A title (any case) followed by a capitalised word, possibly after a Dutch name particle: "mevr. Jansen",
# "meneer van Dijk", "de heer De Boer". "meneer [naam]" is the convention and does not match.
_TITLES = r"meneer|mevrouw|mevr|mw|dhr|de\s+heer|mr|drs|ir|juffrouw|juf|meester"
_PARTICLES = r"van|de|der|den|ter|ten|te|het"
PERSON_NAME = re.compile(rf"(?<![\w])(?i:{_TITLES})(?:\.\s*|\s+)(?:(?i:{_PARTICLES})\s+)*[A-ZÀ-Ý][\w'-]+")
HANDLE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_][A-Za-z0-9_.]{1,}")


def elfproef(digits: str) -> bool:
    """The BSN check: 9*d1 + 8*d2 + ... + 2*d8 - d9 is a multiple of 11 (and not all zeros)."""
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def names_a_person(text: str) -> bool:
    """Whether a free text names a person: a title and a capitalised word, or an @handle."""
    return bool(PERSON_NAME.search(text) or HANDLE.search(text))


def identifier_problems(header: list[str], columns: list[np.ndarray], id_position: int | None,
                        allowed: set[int], free_text: set[int] = frozenset()) -> list[str]:
    """Reasons to reject the table; empty when it carries no direct identifiers. Each distinct value of a column is
    tested once (a delivery repeats its categories and dates on every row).

    `columns` are the table's cells per header column; `allowed` the positions of contract columns whose header may
    look like an identifier header (a trajectory catalogue's 'naam' is the trajectory name); `free_text` the
    positions of free-text columns (a quote), also searched for persons named in them."""
    counted = [Counter(column.tolist()) for column in columns]
    for values in counted:
        values.pop("", None)
    problems = []
    for position in sorted(free_text):
        named = sum(n for v, n in counted[position].items() if names_a_person(v))
        if named:
            problems.append(f"column '{header[position]}' holds {named} value(s) that name a person (a title "
                            "followed by a name, or an @handle): write [naam] or [organisatie] instead")
    for position, text in enumerate(header):
        if position not in allowed and normalise(text) in IDENTIFIER_HEADERS:
            problems.append(f"column '{text}' holds a direct identifier by its name")
    for position, (text, values) in enumerate(zip(header, counted, strict=True)):
        emails = sum(n for v, n in values.items() if EMAIL.search(v))
        phones = sum(n for v, n in values.items() if PHONE.search(v))
        if position == id_position:
            bsns = sum(n for v, n in values.items() if v.isdigit() and len(v) == 9 and elfproef(v))
            looks_like_bsn = values and bsns / values.total() >= ID_COLUMN_BSN_SHARE
        else:
            bsns = sum(n for v, n in values.items() if any(elfproef(m) for m in NINE_DIGITS.findall(v)))
            looks_like_bsn = bsns > 0
        for count, what in ((emails, "e-mail address"), (phones, "phone number")):
            if count:
                problems.append(f"column '{text}' holds {count} value(s) that look like a {what}")
        if looks_like_bsn:
            problems.append(f"column '{text}' holds {bsns} value(s) that look like a BSN (nine digits "
                            "passing the elfproef)")
    return problems


def pseudonym(key: bytes, region: str, participant: str) -> str:
    """Keyed hash of a region's participant id: stable for a key, not reversible without it."""
    message = f"{region}\x1f{participant.strip()}".encode()
    return hmac.digest(key, message, "sha256").hex()[:32]  # the one-shot form of hmac.new(...).hexdigest()


def tombstone(key: bytes, pseudonymised: str) -> str:
    """What is kept of a withdrawn participant: a keyed hash of the pseudonym, under a purpose of its own, so the
    register of withdrawals cannot be joined to anything stored; a later delivery of the participant gives the
    same hash and is refused."""
    return hmac.new(key, f"ingetrokken\x1f{pseudonymised}".encode(), hashlib.sha256).hexdigest()[:32]

"""Email addresses, web domains and phone numbers: validation and normal forms.

Used by companies (duplicate detection by domain) and contact persons (their
addresses and numbers). Deliberately small: no DNS look-ups, no carrier data.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Pragmatic, not RFC 5322: one @, a dotted domain with a 2+ letter TLD, no spaces.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
                    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

# Mail providers shared by millions: two companies with @gmail.com addresses
# are not the same company, so these domains never count as a duplicate hint.
FREEMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "web.de", "t-online.de",
    "outlook.com", "hotmail.com", "live.com", "yahoo.com", "yahoo.de", "icloud.com", "me.com", "aol.com",
    "freenet.de", "posteo.de", "mailbox.org", "protonmail.com", "proton.me", "bluewin.ch",
})

# Country calling codes for numbers entered in national form ("030 123456").
# Only countries Kontor's customers commonly use; others stay un-normalised.
CALLING_CODES = {
    "DE": "49", "AT": "43", "CH": "41", "LI": "423", "LU": "352", "NL": "31", "BE": "32", "FR": "33",
    "IT": "39", "ES": "34", "PL": "48", "CZ": "420", "DK": "45", "GB": "44", "IE": "353", "SE": "46",
    "NO": "47", "FI": "358", "PT": "351", "US": "1", "CA": "1",
}
_PHONE_ALLOWED = re.compile(r"^[0-9+()./ \-]+$")
_TRUNK_ZERO = re.compile(r"\(0\)")


def normalise_email(value: str) -> str:
    """Lower-cased address; ValueError when it is not an address."""
    address = value.strip().lower()
    if len(address) > 254 or not _EMAIL.match(address):
        raise ValueError("is not a valid email address (name@example.com)")
    return address


def email_domain(address: str) -> str:
    """The domain of a valid address, or "" for free-mail providers (they identify nobody)."""
    domain = address.rpartition("@")[2].lower()
    return "" if domain in FREEMAIL_DOMAINS else domain


def website_domain(value: str) -> str:
    """"https://www.Muster.de/kontakt" -> "muster.de"; ValueError when there is no usable host."""
    text = value.strip()
    if not text:
        return ""
    parsed = urlsplit(text if "://" in text else f"http://{text}")
    try:
        host = (parsed.hostname or "").rstrip(".")
    except ValueError:
        host = ""
    host = host.removeprefix("www.")
    if not _DOMAIN.match(host):
        raise ValueError("is not a web address (e.g. https://www.example.com or example.com)")
    return host


def normalise_phone(number: str, country: str = "") -> str:
    """E.164-like form ("+4930123456") when it can be derived, else "".

    ValueError when the text is not a phone number at all (letters, no digits).
    ``country`` (ISO alpha-2) lets a national number ("030 123456") be completed.
    """
    text = number.strip()
    if not text or not _PHONE_ALLOWED.match(text) or not any(ch.isdigit() for ch in text):
        raise ValueError("is not a phone number: use digits, spaces, + ( ) / . -")
    text = _TRUNK_ZERO.sub("", text)  # "+49 (0)30 ..." : the bracketed trunk zero is not dialled internationally
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+"):
        full = digits
    elif digits.startswith("00"):
        full = digits[2:]
    elif digits.startswith("0") and country.upper() in CALLING_CODES:
        full = CALLING_CODES[country.upper()] + digits[1:]
    else:
        return ""
    # E.164 allows at most 15 digits; fewer than 7 is no reachable number.
    return f"+{full}" if 7 <= len(full) <= 15 and not full.startswith("0") else ""

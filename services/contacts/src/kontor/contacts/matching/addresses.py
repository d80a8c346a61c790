"""What one asked address is looked up by: the address itself and the domains a company may have for it."""

from __future__ import annotations

import re

from kontor.contacts.matching.provider_domains import is_provider_domain

MAX_ADDRESSES = 500
# Like contact_data's check of a stored domain: dotted labels, a 2+ letter ending.
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Second-level endings under a country code ("co.uk", "com.au"): no company's domain, never matched.
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "ne", "or", "ac", "gv", "gov", "edu"})


def lookup_form(asked: str) -> str | None:
    """The address as stored for persons (lower-case, no surrounding blanks); None when it is no address."""
    address = asked.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or len(address) > 254:
        return None
    return address


def domain_candidates(address: str) -> list[str]:
    """The address's domain and its parents, most specific first ("a@mail.example.com" -> ["mail.example.com",
    "example.com"]): the domains a company's e-mail or website may have to match it. Empty for provider domains
    (a gmail.com address says nothing about a company) and for what is no domain."""
    domain = address.rpartition("@")[2].rstrip(".")
    if not _DOMAIN.match(domain) or is_provider_domain(domain):
        return []
    labels = domain.split(".")
    candidates = []
    for start in range(len(labels) - 1):
        tail = labels[start:]
        if len(tail) == 2 and tail[0] in _SECOND_LEVEL and len(tail[1]) == 2:
            break  # "co.uk": an ending, not a company's domain
        candidates.append(".".join(tail))
    return candidates

"""Mail domains that say nothing about a company: free-mail services and the mail of internet providers.

Millions of unrelated people write from @gmail.com or @web.de, so a company whose e-mail address or website
has such a domain (a sole trader using firma@gmx.de, or a blogger's site on yahoo) must never be
matched to every mail from that domain. Address matching (``matching.service``) refuses domain matches for
these; persons are still matched by their exact address. The duplicate check of companies has its own,
older list (``contact_data.FREEMAIL_DOMAINS``); this one includes it, so both agree where they overlap.
"""

from __future__ import annotations

from kontor.contacts.contact_data import FREEMAIL_DOMAINS

PROVIDER_DOMAINS = FREEMAIL_DOMAINS | frozenset({
    # Google, Microsoft, Apple, Yahoo, AOL
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "passport.com",
    "icloud.com", "me.com", "mac.com", "yahoo.com", "ymail.com", "rocketmail.com", "aol.com", "aim.com",
    # German-speaking providers
    "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "gmx.com", "gmx.eu", "web.de", "email.de", "t-online.de",
    "magenta.de", "freenet.de", "arcor.de", "vodafone.de", "vodafonemail.de", "o2online.de", "1und1.de",
    "online.de", "kabelmail.de", "ewe.net", "htp-tel.de", "posteo.de", "posteo.net", "mailbox.org",
    "bluewin.ch", "hispeed.ch", "sunrise.ch", "aon.at", "chello.at", "a1.net", "tutanota.com", "tutanota.de",
    "tuta.io", "tuta.com",
    # Privacy and international services
    "protonmail.com", "protonmail.ch", "proton.me", "pm.me", "fastmail.com", "fastmail.fm", "hushmail.com",
    "zoho.com", "zohomail.eu", "mail.com", "gmx.us", "inbox.com", "mail.ru", "inbox.ru", "list.ru", "bk.ru",
    "rambler.ru", "qq.com", "163.com", "126.com", "sina.com", "naver.com",
    # Other European providers
    "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "laposte.net", "libero.it", "virgilio.it", "tiscali.it",
    "alice.it", "seznam.cz", "wp.pl", "o2.pl", "onet.pl", "interia.pl", "telenet.be", "skynet.be",
    "ziggo.nl", "kpnmail.nl", "planet.nl", "btinternet.com", "sky.com", "virginmedia.com", "talktalk.net",
    "telia.com", "online.no",
    # North American providers
    "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "bellsouth.net", "cox.net", "charter.net",
    "shaw.ca", "rogers.com", "sympatico.ca",
})

# Brands with a domain in (nearly) every country: "hotmail.*" stands for hotmail.de, hotmail.co.uk, ...
# Only under a country or generic ending ("yahoo.co.jp"), never as part of a longer name ("yahoo-shop.de").
PROVIDER_BRANDS = frozenset({"hotmail", "outlook", "live", "windowslive", "yahoo", "yandex", "gmx", "aol",
                             "gmail", "googlemail", "icloud", "protonmail"})
# Second-level endings under a country code ("co.uk", "com.br"): the brand sits one label further left.
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "ne", "or", "ac", "gv"})


def _is_brand_domain(labels: list[str]) -> bool:
    """["hotmail", "de"] or ["yahoo", "co", "uk"]: a provider brand directly under its ending."""
    if len(labels) == 2:
        return labels[0] in PROVIDER_BRANDS
    if len(labels) == 3:
        return labels[0] in PROVIDER_BRANDS and labels[1] in _SECOND_LEVEL and len(labels[2]) == 2
    return False


def is_provider_domain(domain: str) -> bool:
    """True for a provider's domain or any host below it ("mx.mail.yahoo.com"); ``domain`` lower-case."""
    labels = domain.split(".")
    for start in range(len(labels) - 1):
        tail = labels[start:]
        if ".".join(tail) in PROVIDER_DOMAINS or _is_brand_domain(tail):
            return True
    return False

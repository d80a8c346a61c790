"""Reading an import file into rows of raw field values: CSV (UTF-8 or Windows-1252, ';' or ',') or vCard 3/4.

Nothing here touches the database or validates values (schemas do that per
row); a file that cannot be read at all raises ``FileUnreadable`` and nothing
of it is imported.

CSV header mapping (case, accents, spaces, '-' and '_' are ignored, so
"E-Mail", "e_mail" and "EMAIL" are the same column):

    company      name, company, company_name, firma, firmenname, unternehmen   (required)
                 kind/type/art/typ, street/strasse/adresse, postal_code/zip/plz/postleitzahl,
                 city/ort/stadt, region/state/bundesland, country/land, industry/branche,
                 revenue_tier/umsatzklasse, website/web/url/homepage/webseite, email/e-mail/mail,
                 notes/notizen/bemerkung, access_level/sichtbarkeit
    person       first_name/vorname, last_name/nachname/surname, salutation/anrede, title/titel,
                 role/position/funktion, contact_email/person_email/kontakt_email,
                 phone/telefon/tel, mobile/mobil/handy

Unknown columns are ignored and listed on the job. A country may be an ISO
code (DE) or a common name (Deutschland, Germany, Österreich, Schweiz, ...).

vCard: one card = one row; ORG is the company (required), N/FN the person,
EMAIL/TEL the person's addresses and numbers, ADR the company's address,
TITLE the person's role, NOTE the person's notes.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import vobject

from kontor.contacts.search.normalise import fold

MAX_BYTES = 20 * 1024 * 1024
COMPANY_FIELDS = ("name", "kind", "street", "postal_code", "city", "region", "country", "industry",
                  "revenue_tier", "website", "email", "notes", "access_level")
PERSON_FIELDS = ("person_first_name", "person_last_name", "person_salutation", "person_title", "person_role",
                 "person_email", "person_phone", "person_mobile")
REQUIRED_COLUMNS = ("name",)

_ALIASES = {
    "name": ("name", "company", "companyname", "firma", "firmenname", "unternehmen"),
    "kind": ("kind", "type", "art", "typ"),
    "street": ("street", "strasse", "str", "address", "adresse", "anschrift"),
    "postal_code": ("postalcode", "postcode", "zip", "zipcode", "plz", "postleitzahl"),
    "city": ("city", "town", "ort", "stadt"),
    "region": ("region", "state", "bundesland", "kanton"),
    "country": ("country", "countrycode", "land"),
    "industry": ("industry", "branche"),
    "revenue_tier": ("revenuetier", "umsatzklasse"),
    "website": ("website", "web", "url", "homepage", "webseite", "internet"),
    "email": ("email", "mail", "companyemail", "firmenemail"),
    "notes": ("notes", "note", "notizen", "bemerkung", "bemerkungen"),
    "access_level": ("accesslevel", "sichtbarkeit"),
    "person_first_name": ("firstname", "vorname", "personfirstname", "contactfirstname"),
    "person_last_name": ("lastname", "surname", "nachname", "personlastname", "contactlastname"),
    "person_salutation": ("salutation", "anrede"),
    "person_title": ("title", "titel"),
    "person_role": ("role", "position", "funktion", "jobtitle"),
    "person_email": ("contactemail", "personemail", "kontaktemail", "ansprechpartneremail"),
    "person_phone": ("phone", "telephone", "telefon", "tel", "contactphone"),
    "person_mobile": ("mobile", "mobil", "handy", "cell"),
}
_COLUMN_OF = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}

COUNTRY_NAMES = {
    "deutschland": "DE", "germany": "DE", "osterreich": "AT", "austria": "AT", "schweiz": "CH",
    "switzerland": "CH", "suisse": "CH", "liechtenstein": "LI", "luxemburg": "LU", "luxembourg": "LU",
    "niederlande": "NL", "netherlands": "NL", "belgien": "BE", "belgium": "BE", "frankreich": "FR",
    "france": "FR", "italien": "IT", "italy": "IT", "spanien": "ES", "spain": "ES", "polen": "PL",
    "poland": "PL", "danemark": "DK", "denmark": "DK", "vereinigtes konigreich": "GB", "united kingdom": "GB",
}


class FileUnreadable(Exception):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass
class SourceRow:
    number: int  # 1-based data row (CSV) or card
    values: dict[str, str]  # canonical column -> raw text
    emails: list[str] = field(default_factory=list)  # vCard: every EMAIL of the card
    phones: list[tuple[str, str]] = field(default_factory=list)  # vCard: (number, label)


@dataclass
class SourceFile:
    format: str  # "csv" | "vcard"
    rows: list[SourceRow]
    ignored_columns: list[str] = field(default_factory=list)


def decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252; FileUnreadable when it is neither."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError:
        raise FileUnreadable("is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8 and try again") from None
    if "\x00" in text:
        raise FileUnreadable("is a binary file, not text; export CSV or vCard and try again")
    return text


def detect_delimiter(text: str) -> str:
    """';' or ',': whichever separates more fields in the header line (quoted text does not count)."""
    header = next(iter(text.splitlines()), "")
    unquoted = re.sub(r'"[^"]*"', "", header)
    return ";" if unquoted.count(";") > unquoted.count(",") else ","


def column_name(header: str) -> str | None:
    """The canonical column a header means, or None: "E-Mail" -> "email", "PLZ" -> "postal_code"."""
    key = re.sub(r"[^a-z0-9]", "", fold(header))
    return _COLUMN_OF.get(key)


def map_headers(headers: list[str]) -> tuple[dict[int, str], list[str]]:
    """(column index -> canonical column, ignored headers). FileUnreadable when a required column is missing."""
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        name = column_name(header)
        if name is None or name in mapping.values():
            if header.strip():
                ignored.append(header.strip())
            continue
        mapping[index] = name
    missing = [name for name in REQUIRED_COLUMNS if name not in mapping.values()]
    if missing:
        raise FileUnreadable(f"has no column for {', '.join(missing)} (e.g. 'Name' or 'Firma'); "
                             "add a header line that names the columns")
    return mapping, ignored


def country_code(value: str) -> str:
    """"Deutschland" -> "DE"; an ISO code or unknown text stays as it is (validation decides)."""
    return COUNTRY_NAMES.get(fold(value), value.strip())


def read_csv(text: str) -> SourceFile:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text), strict=True)
    try:
        headers = next(reader, None)
        if headers is None:
            raise FileUnreadable("is empty; a CSV file needs a header line and one line per company")
        mapping, ignored = map_headers(headers)
        rows = []
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are no rows (the numbering still counts them)
            values = {name: cells[index].strip() for index, name in mapping.items() if index < len(cells)}
            if "country" in values:
                values["country"] = country_code(values["country"])
            rows.append(SourceRow(number=number, values=values))
    except csv.Error as exc:
        raise FileUnreadable(f"is no valid CSV near line {reader.line_num}: {exc}; fix the quoting") from None
    return SourceFile(format="csv", rows=rows, ignored_columns=ignored)


def _card_row(number: int, card) -> SourceRow:
    contents = card.contents
    values: dict[str, str] = {}

    def first(key: str):
        return contents[key][0].value if key in contents else None

    org = first("org")
    values["name"] = (org[0] if isinstance(org, list) and org else org or "").strip()
    name = first("n")
    if name is not None:
        values["person_last_name"] = (name.family if isinstance(name.family, str) else " ".join(name.family)).strip()
        values["person_first_name"] = (name.given if isinstance(name.given, str) else " ".join(name.given)).strip()
        prefix = name.prefix if isinstance(name.prefix, str) else " ".join(name.prefix)
        values["person_title"] = prefix.strip()
    elif first("fn"):
        given, _, family = str(first("fn")).strip().rpartition(" ")
        values["person_first_name"], values["person_last_name"] = given, family
    if first("title"):
        values["person_role"] = str(first("title")).strip()
    if first("note"):
        values["notes"] = str(first("note")).strip()
    address = first("adr")
    if address is not None:
        values["street"] = " ".join(filter(None, [_text(address.street), _text(address.extended)]))
        values["postal_code"] = _text(address.code)
        values["city"] = _text(address.city)
        values["region"] = _text(address.region)
        values["country"] = country_code(_text(address.country))
    emails = [str(line.value).strip() for line in contents.get("email", []) if str(line.value).strip()]
    phones = [(str(line.value).strip(), ",".join(line.params.get("TYPE", [])).lower()[:40])
              for line in contents.get("tel", []) if str(line.value).strip()]
    return SourceRow(number=number, values=values, emails=emails, phones=phones)


def _text(value) -> str:
    return (" ".join(value) if isinstance(value, list) else str(value or "")).strip()


def read_vcards(text: str) -> SourceFile:
    rows = []
    try:
        for number, card in enumerate(vobject.readComponents(text, validate=False), start=1):
            if card.name.upper() != "VCARD":
                raise FileUnreadable(f"entry {number} is a {card.name}, not a VCARD")
            rows.append(_card_row(number, card))
    except FileUnreadable:
        raise
    except Exception as exc:  # vobject raises ParseError, but also ValueError/AttributeError on broken cards
        raise FileUnreadable(f"has a broken vCard after card {len(rows)}: {exc}; export the contacts again") from None
    if not rows:
        raise FileUnreadable("contains no vCard (BEGIN:VCARD ... END:VCARD)")
    return SourceFile(format="vcard", rows=rows)


def read_file(content: bytes) -> SourceFile:
    """CSV or vCard, told apart by the content (file names lie)."""
    if not content.strip():
        raise FileUnreadable("is empty; choose a CSV or vCard file with at least one company")
    if len(content) > MAX_BYTES:
        raise FileUnreadable("is larger than 20 MB; split it into smaller files")
    text = decode(content)
    if text.lstrip().upper().startswith("BEGIN:VCARD"):
        return read_vcards(text)
    return read_csv(text)

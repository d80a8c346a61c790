"""Reading import files: encodings, delimiters, header mapping, vCards (good and broken), row validation."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from kontor.contacts.imports import reading, rows
from kontor.contacts.imports.service import prepare
from kontor.platform.errors import InvalidArgument

HEADER = "Firma;Straße;PLZ;Ort;Land;Vorname;Nachname;Kontakt-E-Mail;Telefon"
ROW = "Müller & Söhne GmbH;Hauptstraße 1;10115;Berlin;Deutschland;Jörg;Schäfer;j.schaefer@mueller.de;030 123456"


def test_utf8_with_bom_and_windows_1252_read_the_same():
    text = f"{HEADER}\n{ROW}\n"
    from_utf8 = reading.read_file(b"\xef\xbb\xbf" + text.encode("utf-8"))
    from_cp1252 = reading.read_file(text.encode("cp1252"))
    assert from_utf8 == from_cp1252
    assert from_utf8.rows[0].values["name"] == "Müller & Söhne GmbH"
    assert from_utf8.rows[0].values["street"] == "Hauptstraße 1"


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused():
    with pytest.raises(reading.FileUnreadable, match="UTF-8"):
        reading.decode(b"name\n\x81\x8d\x90")


@pytest.mark.parametrize(("header", "delimiter"), [
    ("name;city", ";"), ("name,city", ","), ('"Firma, Zweig";Ort', ";"), ('"a;b",c,d', ","),
])
def test_delimiter_is_the_one_that_separates_the_header(header, delimiter):
    assert reading.detect_delimiter(f"{header}\nx") == delimiter


@pytest.mark.parametrize(("header", "column"), [
    ("E-Mail", "email"), ("PLZ", "postal_code"), ("Straße", "street"), ("  Firmenname ", "name"),
    ("zip_code", "postal_code"), ("Vorname", "person_first_name"), ("Kontakt E-Mail", "person_email"),
    ("Handy", "person_mobile"), ("Lieblingsfarbe", None),
])
def test_header_mapping(header, column):
    assert reading.column_name(header) == column


def test_unknown_columns_are_ignored_and_a_missing_name_column_is_fatal():
    mapping, ignored = reading.map_headers(["Firma", "Lieblingsfarbe", "Ort", "Ort"])
    assert mapping == {0: "name", 2: "city"} and ignored == ["Lieblingsfarbe", "Ort"]
    with pytest.raises(reading.FileUnreadable, match="no column for name"):
        reading.map_headers(["Ort", "PLZ"])


def test_country_names_become_iso_codes_and_blank_lines_are_no_rows():
    source = reading.read_file(f"{HEADER}\n\n{ROW}\n;;;;;;;;\n".encode())
    assert [row.number for row in source.rows] == [2]
    assert source.rows[0].values["country"] == "DE"


def test_broken_csv_quoting_is_fatal():
    with pytest.raises(reading.FileUnreadable, match="quoting"):
        reading.read_file(b'name,city\n"Muster GmbH,Berlin\nx"y",z\n')


VCARDS = """BEGIN:VCARD
VERSION:3.0
N:Schäfer;Jörg;;Dr.;
FN:Dr. Jörg Schäfer
ORG:Müller GmbH;Vertrieb
TITLE:Einkauf
EMAIL;TYPE=work:J.Schaefer@Mueller.de
TEL;TYPE=work,voice:030 123456
ADR;TYPE=work:;;Hauptstr. 1;Berlin;;10115;Deutschland
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Anna Beispiel
ORG:Beispiel AG
END:VCARD
"""


def test_vcards_3_and_4_become_rows():
    source = reading.read_file(VCARDS.encode())
    assert source.format == "vcard" and [row.number for row in source.rows] == [1, 2]
    first, second = source.rows
    expected = {"name": "Müller GmbH", "person_last_name": "Schäfer", "person_first_name": "Jörg",
                "person_role": "Einkauf", "city": "Berlin", "postal_code": "10115", "country": "DE"}
    assert {key: first.values.get(key) for key in expected} == expected
    assert first.emails == ["J.Schaefer@Mueller.de"] and first.phones == [("030 123456", "work,voice")]
    assert (second.values["person_first_name"], second.values["person_last_name"]) == ("Anna", "Beispiel")


@pytest.mark.parametrize("broken", [
    "BEGIN:VCARD\nVERSION:3.0\nFN:x\nORG:y\n",  # never closed
    "BEGIN:VCARD\nVERSION:3.0\nN;;;garbage\nEND:VCARD\n",  # a line without ':'
])
def test_a_malformed_vcard_makes_the_file_unreadable(broken):
    with pytest.raises(reading.FileUnreadable, match="broken vCard"):
        reading.read_file((VCARDS + broken).encode())


def test_rows_are_validated_with_the_api_schemas_and_name_the_field():
    text = (f"{HEADER}\n{ROW}\n;;;Hamburg;;;;;\nMuster AG;;1234567890123456789012;;;;;;\n"
            "Beispiel KG;;;;;Anna;;;\nBeispiel KG;;;;;Bob;Baum;kaputt;\n").encode()
    checked = prepare(text, filename="x.csv", confirm_duplicates=False).rows
    assert isinstance(checked[0], rows.ValidRow) and checked[0].person.emails[0].address == "j.schaefer@mueller.de"
    assert [(r.number, r.field) for r in checked[1:]] == [
        (2, "name"), (3, "postal_code"), (4, "person.last_name"), (5, "person.emails.0.address")]


def test_prepare_turns_an_unreadable_file_into_an_invalid_argument_naming_file():
    with pytest.raises(InvalidArgument) as raised:
        prepare(b"Ort;PLZ\nBerlin;10115\n", filename="x.csv", confirm_duplicates=False)
    assert raised.value.field == "file"


# Printable ASCII and Latin letters at or above 0xC0: in Windows-1252 these never form valid UTF-8 (no
# continuation bytes 0x80-0xBF), so detection cannot mistake the encoding. (Text such as "ß€" can be both.)
_LETTERS = [chr(c) for c in range(32, 127) if chr(c) not in '";,'] + list("äöüÄÖÜßéèàçñ")
_CELL = st.text(alphabet=st.sampled_from(_LETTERS), max_size=12)


@given(st.lists(_CELL, min_size=1, max_size=6),
       st.sampled_from([";", ","]), st.sampled_from(["utf-8", "cp1252"]))
def test_any_cell_values_round_trip_through_either_encoding_and_delimiter(cells, delimiter, encoding):
    cells = [cell.strip() for cell in cells]
    content = (delimiter.join(["name", *(f"x{i}" for i in range(1, len(cells)))]) + "\n"
               + delimiter.join(cells) + "\n").encode(encoding)
    source = reading.read_file(content)
    if any(cells):
        assert source.rows[0].values["name"] == cells[0]

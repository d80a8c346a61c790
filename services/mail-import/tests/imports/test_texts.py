"""Readable texts: the caller's language from gRPC metadata, both languages for every code."""

from __future__ import annotations

import pytest

from kontor.mail_import import texts


@pytest.mark.parametrize(("header", "lang"), [
    ("de-DE,de;q=0.9,en;q=0.8", "de"), ("en-GB, de;q=0.5", "en"), ("fr-FR, de;q=0.7, en;q=0.5", "de"),
    ("fr, es", "en"), ("", "en"), ("de;q=0, en;q=0.1", "en"), ("de;q=abc", "en"), ("DE", "de"),
])
def test_the_language_follows_accept_language(header, lang):
    assert texts.caller_language([("accept-language", header)]) == lang


def test_without_metadata_the_language_is_english():
    assert texts.caller_language() == "en"
    assert texts.caller_language([("authorization", "Bearer x")]) == "en"


def test_every_code_reads_in_both_languages_with_its_parameters():
    params = {"count": 3, "imported": 1, "referenced": 2, "quarantined": 3, "folder_count": 4, "imported_count": 5,
              "quarantined_count": 6, "remapped": 7, "fetched": 8, "retry_at": "later", "error": "X", "size": 9,
              "reason": "no_headers"}
    ours = {code: by_lang for code, by_lang in texts.TEXTS.items()
            if code.startswith(("state.", "import.", "quarantine."))}  # others register their own codes
    assert len(ours) > 20
    for code, by_lang in ours.items():
        for lang in ("de", "en"):
            rendered = texts.text(code, lang, **params)
            assert rendered and "{" not in rendered, (code, lang)
        assert by_lang["de"] != by_lang["en"] or code.startswith("quarantine."), code


def test_a_reason_code_reads_as_words_and_unknown_codes_answer_themselves():
    assert texts.text("import.quarantined", "de", reason="too_many_parts", size=10) == (
        "Eine Nachricht (10 Bytes) wurde in Quarantäne gelegt: zu viele Teile.")
    assert texts.text("import.somewhere.new", "de") == "import.somewhere.new"


def test_registering_other_wording_for_a_code_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        texts.register({"import.gap": {"en": "other", "de": "anders"}})
    with pytest.raises(ValueError, match="lacks"):
        texts.register({"x.new": {"en": "only English"}})

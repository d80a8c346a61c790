"""The search normal form: Python side (query words) agrees with the database side (migration 0006)."""

from __future__ import annotations

import importlib.util
import unicodedata
from pathlib import Path

from hypothesis import given, strategies as st

from kontor.contacts.search.normalise import MAX_WORDS, fold, query_words

_MIGRATION = Path(__file__).resolve().parents[1] / "migrations" / "versions" / "0006_search_import_gdpr.py"


def _migration():
    spec = importlib.util.spec_from_file_location("migration_0006", _MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MIGRATION = _migration()


def _sql_fold(text: str) -> str:
    """What kontor_search_text computes, in Python: ligatures, translate, lower, single spaces."""
    for letter, spelling in MIGRATION.LIGATURES:
        text = text.replace(letter, spelling)
    text = text.translate(str.maketrans(MIGRATION.FOLD_FROM, MIGRATION.FOLD_TO))
    return " ".join(text.lower().split())


def test_examples():
    assert fold("  Müller-Lüdenscheidt   GmbH ") == "muller-ludenscheidt gmbh"
    assert fold("STRASSE Straße Ærø Łódź") == "strasse strasse aero lodz"
    assert query_words("Mustr GmbH, Berlin 10115") == ["mustr", "gmbh", "berlin", "10115"]
    assert query_words("a b Köln") == ["koln"] and query_words("a") == ["a"]


_FOLDABLE = st.sampled_from(MIGRATION.FOLD_FROM + "".join(letter for letter, _ in MIGRATION.LIGATURES))
_TEXT = st.text(alphabet=st.one_of(_FOLDABLE, st.characters(min_codepoint=32, max_codepoint=126)), max_size=40)


@given(_TEXT)
def test_python_and_database_fold_latin_text_the_same_way(text):
    assert fold(text) == _sql_fold(text)


@given(st.text(max_size=60))
def test_fold_is_idempotent_lower_case_and_without_combining_marks(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert not any(unicodedata.combining(ch) for ch in folded)
    assert folded == folded.strip() and "  " not in folded


@given(st.text(max_size=80))
def test_query_words_are_distinct_folded_words(text):
    words = query_words(text)
    assert len(words) <= MAX_WORDS and len(set(words)) == len(words)
    assert all(word and word == fold(word) and word.isalnum() for word in words)

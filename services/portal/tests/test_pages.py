from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, strategies as st

from kontor.portal.pages.router import pick_language, router
from kontor.portal.pages.texts import TEXTS


def test_language_follows_accept_language_preferences():
    assert pick_language("de-DE,de;q=0.9,en;q=0.8") == "de"
    assert pick_language("fr-FR, en;q=0.5, de;q=0.7") == "de"
    assert pick_language("fr") == "en"
    assert pick_language(None) == "en"
    assert pick_language("de;q=bogus, en") == "en"


@given(st.text(max_size=80))
def test_any_header_picks_a_supported_language(header):
    assert pick_language(header) in TEXTS


def test_start_page_is_served_in_german_and_english():
    app = FastAPI()
    app.include_router(router())
    client = TestClient(app)
    german = client.get("/", headers={"Accept-Language": "de"})
    assert german.headers["content-language"] == "de"
    assert TEXTS["de"]["heading"] in german.text and '<html lang="de">' in german.text
    english = client.get("/", headers={"Accept-Language": "en-GB"})
    assert TEXTS["en"]["heading"] in english.text

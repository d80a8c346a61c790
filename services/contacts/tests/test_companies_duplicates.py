"""Duplicate matching: same domain (not free-mail), or same name in the same city, ignoring case and spacing."""

from hypothesis import given, strategies as st

from kontor.contacts.companies.duplicates import DuplicateKeys, text_key

words = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=1, max_size=8), min_size=1, max_size=4)
spacing = st.text(alphabet=" \t", min_size=1, max_size=3)


def _scramble(parts: list[str], gaps: st.DataObject) -> str:
    """The same words, differently cased and spaced."""
    pieces = [gaps.draw(st.sampled_from([p.upper(), p.lower(), p.capitalize()])) for p in parts]
    return gaps.draw(spacing) + "".join(piece + gaps.draw(spacing) for piece in pieces)


def keys(name="Muster GmbH", city="", website="", email=""):
    return DuplicateKeys.of(name=name, city=city, website=website, email=email)


@given(name=words, city=words, data=st.data())
def test_same_name_and_city_match_whatever_the_case_and_spacing(name, city, data):
    first = keys(name=" ".join(name), city=" ".join(city))
    second = keys(name=_scramble(name, data), city=_scramble(city, data))
    assert first.matches(second) and second.matches(first)


@given(name=words, city=words, other_city=words)
def test_same_name_in_another_city_is_no_duplicate(name, city, other_city):
    first, second = keys(name=" ".join(name), city=" ".join(city)), keys(name=" ".join(name), city=" ".join(other_city))
    assert first.matches(second) == (text_key(" ".join(city)) == text_key(" ".join(other_city)))


@given(name=words)
def test_a_name_without_city_matches_by_domain_only(name):
    assert not keys(name=" ".join(name)).matches(keys(name=" ".join(name)))


def test_website_and_email_domains_match_each_other():
    by_site = keys(name="A", website="https://www.Muster.de/kontakt")
    by_mail = keys(name="B", email="info@muster.de")
    assert by_site.domains == {"muster.de"} and by_site.matches(by_mail)
    assert not by_site.matches(keys(name="C", website="muster.com"))


@given(provider=st.sampled_from(["gmail.com", "gmx.de", "web.de", "t-online.de"]))
def test_free_mail_domains_never_match(provider):
    assert not keys(name="A", email=f"a@{provider}").matches(keys(name="B", email=f"b@{provider}"))


def test_text_key_folds_case_and_whitespace():
    assert text_key("  Muster \t GmbH ") == text_key("MUSTER GMBH") == "muster gmbh"

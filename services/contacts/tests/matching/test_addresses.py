import pytest

from kontor.contacts.matching.addresses import domain_candidates, lookup_form
from kontor.contacts.matching.provider_domains import is_provider_domain


@pytest.mark.parametrize(("asked", "form"), [
    ("Anna@Example.COM", "anna@example.com"),
    ("  anna@example.com ", "anna@example.com"),
    ("no address", None),
    ("@example.com", None),
    ("anna@", None),
    ("", None),
])
def test_lookup_form(asked, form):
    assert lookup_form(asked) == form


@pytest.mark.parametrize(("address", "domains"), [
    ("a@example.com", ["example.com"]),
    ("a@mail.example.com", ["mail.example.com", "example.com"]),
    ("a@www.example.com", ["www.example.com", "example.com"]),
    ("a@mail.example.co.uk", ["mail.example.co.uk", "example.co.uk"]),
    ("a@gmail.com", []),
    ("a@mx.mail.yahoo.com", []),
    ("a@hotmail.co.uk", []),
    ("a@yahoo.de", []),
    ("a@gmx.ch", []),
    ("a@localhost", []),
    ("a@exa mple.com", []),
])
def test_domain_candidates(address, domains):
    assert domain_candidates(address) == domains


@pytest.mark.parametrize(("domain", "provider"), [
    ("web.de", True), ("t-online.de", True), ("yandex.ru", True), ("hotmail.fr", True), ("live.com", True),
    ("proton.me", True), ("mail.ru", True), ("posteo.de", True),
    ("muster.de", False), ("yahoo-fans.de", False), ("webde.com", False), ("shop.hotmail-tools.com", False),
])
def test_provider_domains(domain, provider):
    assert is_provider_domain(domain) is provider

import base64

import pytest

from kontor.platform.errors import Unauthenticated
from kontor.platform.service_credentials import ServiceClients, authorization, new_secret, parse_clients


def test_a_service_authenticates_with_its_secret_and_nothing_else():
    secret, digest = new_secret()
    other_secret, other_digest = new_secret()
    clients = ServiceClients.parse(f"calendar-sync:{digest}, mail-import:{other_digest}")
    assert clients.authenticate(authorization("calendar-sync", secret)) == "calendar-sync"
    assert clients.authenticate(authorization("mail-import", other_secret)) == "mail-import"
    for header in (authorization("calendar-sync", other_secret), authorization("billing", secret),
                   authorization("calendar-sync", secret + "x")):
        with pytest.raises(Unauthenticated, match="unknown service or wrong secret"):
            clients.authenticate(header)


@pytest.mark.parametrize("header", [None, "", "Bearer abc", "Basic ", "Basic !!!",
                                    "Basic " + base64.b64encode(b"no-colon").decode(),
                                    "Basic " + base64.b64encode(b":secret").decode()])
def test_missing_or_malformed_credentials_are_unauthenticated(header):
    with pytest.raises(Unauthenticated):
        ServiceClients.parse("calendar-sync:" + "0" * 64).authenticate(header)


@pytest.mark.parametrize("value", ["calendar-sync", "calendar-sync:abc", "Calendar Sync:" + "0" * 64,
                                   f"a:{'0' * 64},a:{'1' * 64}"])
def test_bad_client_lists_are_refused_without_echoing_digests(value):
    with pytest.raises(ValueError) as caught:
        parse_clients(value)
    assert "0" * 64 not in str(caught.value)


def test_an_empty_list_allows_nobody():
    clients = ServiceClients.parse("")
    assert not clients
    secret, _ = new_secret()
    with pytest.raises(Unauthenticated):
        clients.authenticate(authorization("calendar-sync", secret))

import socket

import pytest

from kontor.devstack.ports import PortBusyError, ensure_port_free, free_port, is_port_free


def test_free_port_is_bindable() -> None:
    port = free_port()
    assert 0 < port < 65536
    assert is_port_free(port)
    ensure_port_free(port, "anything")


def test_busy_port_error_names_port_owner_and_remedy() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        with pytest.raises(PortBusyError) as caught:
            ensure_port_free(port, "PostgreSQL", "KONTOR_DEV_PG_PORT")

    message = str(caught.value)
    assert f"Port {port} (PostgreSQL) is already in use" in message
    assert f"sport = :{port}" in message
    assert "KONTOR_DEV_PG_PORT" in message
    assert caught.value.port == port
    assert caught.value.what == "PostgreSQL"

import uuid

import pytest
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from kontor.platform.secrets_box import (
    SecretBox, SecretKeys, SecretUnreadable, box_from_settings, generate_key, parse_keys,
)
from kontor.platform.settings import ServiceSettings, SettingsError, load_settings

TENANT, OTHER_TENANT = uuid.uuid4(), uuid.uuid4()
ROW, OTHER_ROW = uuid.uuid4(), uuid.uuid4()
PURPOSE = "groupware_server.client_secret"
SECRET = b"s3cr3t-client-secret~value"


def box(*keys: str) -> SecretBox:
    return SecretBox(parse_keys(",".join(keys)))


def context(**changes):
    return {"tenant_id": TENANT, "record_id": ROW, "purpose": PURPOSE, **changes}


def test_round_trip_and_the_plaintext_is_not_in_the_sealed_value():
    b = box(generate_key())
    sealed = b.seal(SECRET, **context())
    assert SECRET not in sealed
    assert b.open(sealed, **context()) == SECRET
    assert b.seal(SECRET, **context()) != sealed  # a fresh nonce every time


@pytest.mark.parametrize("wrong", [
    {"tenant_id": OTHER_TENANT}, {"record_id": OTHER_ROW}, {"purpose": "groupware_server.certificate"},
])
def test_a_value_copied_to_another_tenant_row_or_column_does_not_open(wrong):
    b = box(generate_key())
    sealed = b.seal(SECRET, **context())
    with pytest.raises(SecretUnreadable) as exc:
        b.open(sealed, **context(**wrong))
    assert SECRET.decode() not in str(exc.value)


def test_tampering_is_detected():
    b = box(generate_key())
    sealed = bytearray(b.seal(SECRET, **context()))
    sealed[-1] ^= 1
    with pytest.raises(SecretUnreadable):
        b.open(bytes(sealed), **context())
    with pytest.raises(SecretUnreadable):
        b.open(b"\x01short", **context())
    with pytest.raises(SecretUnreadable):
        b.open(b"\x02" + bytes(sealed[1:]), **context())


def test_rotation_new_key_first_old_values_still_open_and_rotate():
    old, new = generate_key(), generate_key()
    sealed_old = box(old).seal(SECRET, **context())
    rotated_box = box(new, old)
    assert rotated_box.open(sealed_old, **context()) == SECRET
    assert rotated_box.needs_rotation(sealed_old)
    resealed = rotated_box.rotate(sealed_old, **context())
    assert not rotated_box.needs_rotation(resealed)
    assert rotated_box.rotate(resealed, **context()) == resealed
    # Once the old key is dropped, only the re-sealed value opens.
    assert box(new).open(resealed, **context()) == SECRET
    with pytest.raises(SecretUnreadable, match="no longer configured"):
        box(new).open(sealed_old, **context())


@pytest.mark.parametrize("value", ["", " , ", "not base64 !!", "c2hvcnQ="])
def test_malformed_keys_are_refused_without_echoing_them(value):
    with pytest.raises(ValueError) as exc:
        parse_keys(value)
    assert "32 random bytes" in str(exc.value)
    if value.strip(" ,"):
        assert value not in str(exc.value)


def test_keys_with_or_without_padding_parse():
    key = generate_key()
    assert parse_keys(f" {key.rstrip('=')} ,{generate_key()}")[0] == parse_keys(key)[0]


class BoxSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_BOXDEMO_", extra="ignore", frozen=True)
    secret_keys: SecretKeys


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("KONTOR_BOXDEMO_DATABASE_URL", "postgresql+asyncpg://u:p@h/db")
    monkeypatch.setenv("KONTOR_BOXDEMO_NATS_URL", "nats://x:4222")
    monkeypatch.setenv("KONTOR_BOXDEMO_JWKS_URL", "http://gw/.well-known/jwks.json")
    monkeypatch.delenv("KONTOR_BOXDEMO_SECRET_KEYS", raising=False)
    return monkeypatch


def test_a_missing_key_stops_start_up_naming_the_variable(env):
    with pytest.raises(SettingsError, match="KONTOR_BOXDEMO_SECRET_KEYS is not set"):
        load_settings(BoxSettings)


def test_a_malformed_key_stops_start_up_naming_the_variable(env):
    env.setenv("KONTOR_BOXDEMO_SECRET_KEYS", "hunter2")
    with pytest.raises(SettingsError) as exc:
        load_settings(BoxSettings)
    assert "KONTOR_BOXDEMO_SECRET_KEYS" in str(exc.value)
    assert "hunter2" not in str(exc.value)


def test_box_from_settings(env):
    key = generate_key()
    env.setenv("KONTOR_BOXDEMO_SECRET_KEYS", key)
    settings = load_settings(BoxSettings)
    assert key not in repr(settings)
    b = box_from_settings(settings)
    assert b.open(b.seal(SECRET, **context()), **context()) == SECRET
    assert "KONTOR_BOXDEMO_SECRET_KEYS" in str(_raises(lambda: box_from_settings(
        BoxSettings.model_construct(secret_keys=SecretStr("x")))))


def _raises(fn):
    with pytest.raises(SettingsError) as exc:
        fn()
    return exc.value

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given, strategies as st

from kontor.platform import pagination
from kontor.platform.errors import InvalidArgument


@given(moment=st.datetimes(timezones=st.just(UTC)), row_id=st.uuids())
def test_page_token_round_trips(moment: datetime, row_id: uuid.UUID):
    assert pagination.decode_token(pagination.encode_token(moment, row_id)) == (moment, row_id)


@pytest.mark.parametrize("token", ["garbage", "bm90IGEgdG9rZW4=", "%%%"])
def test_foreign_tokens_are_rejected_naming_the_field(token):
    with pytest.raises(InvalidArgument) as exc:
        pagination.decode_token(token)
    assert exc.value.field == "page_token"


def test_page_size_defaults_and_bounds():
    assert pagination.page_size(0) == pagination.DEFAULT_PAGE_SIZE
    assert pagination.page_size(7) == 7
    for bad in (-1, pagination.MAX_PAGE_SIZE + 1):
        with pytest.raises(InvalidArgument, match="page_size"):
            pagination.page_size(bad)

import uuid

import pytest

from kontor.platform.errors import Conflict, InvalidArgument
from kontor.platform.versions import check_version

RECORD = uuid.UUID(int=7)


def test_the_version_read_passes():
    check_version(what="mail account", record_id=RECORD, current=3, expected=3)


def test_no_version_names_the_field_and_a_stale_one_conflicts():
    with pytest.raises(InvalidArgument) as missing:
        check_version(what="mail account", record_id=RECORD, current=3, expected=0)
    assert missing.value.field == "expected_version"
    with pytest.raises(Conflict, match=f"mail account {RECORD} is at version 3, not 2"):
        check_version(what="mail account", record_id=RECORD, current=3, expected=2)

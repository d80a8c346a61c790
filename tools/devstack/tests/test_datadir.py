from pathlib import Path

import pytest

from kontor.devstack.datadir import DataDirInUseError, DataDirLock, find_repo_root


def test_repo_root_is_nearest_parent_with_uv_lock(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text("")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_repo_root(nested) == tmp_path


def test_second_owner_of_a_data_dir_is_refused(tmp_path: Path) -> None:
    with DataDirLock(tmp_path), pytest.raises(DataDirInUseError, match="already running"):
        DataDirLock(tmp_path).acquire()
    with DataDirLock(tmp_path):  # released again
        pass

"""The history file's schema migrations, and the files hfmon must refuse without touching them."""

from __future__ import annotations

import os
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.history import PollRun, UsagePoint
from hfmon.store import HistoryError, HistoryStore, default_path
from hfmon.store.extract import encode_time
from hfmon.store.schema import CURRENT_SHAPE, MIGRATIONS, SCHEMA_VERSION, expected_shape, migrate
from tests.store.builders import PERIOD_START, T0, billing, endpoint, minutes, namespace, snapshot


def make_v1_file(path: Path) -> None:
    """A history file as the first released hfmon wrote it: only usage points."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    migrate(conn, 0, MIGRATIONS[:1])
    conn.executemany("INSERT INTO usage_points VALUES (?, ?, ?, ?, ?)", [
        ("alice", encode_time(minutes(0)), encode_time(PERIOD_START), "1.25", None),
        ("alice", encode_time(minutes(60)), encode_time(PERIOD_START), "2.5", "0.75"),
    ])
    conn.execute("COMMIT")
    conn.close()


def test_a_v1_file_is_upgraded_in_place_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    make_v1_file(path)
    with HistoryStore.open(path) as store:
        store.record(snapshot(minutes(61), namespace("alice", usage=billing("alice", "2.5", jobs="0.75"),
                                                     endpoints=[endpoint("alice", "a")])))
        history = store.load(T0)
    assert history.usage == (
        UsagePoint("alice", minutes(0), PERIOD_START, Decimal("1.25"), None),
        UsagePoint("alice", minutes(60), PERIOD_START, Decimal("2.5"), Decimal("0.75")),
    )  # the minute-61 point equals the v1 file's last one, so it was not added
    assert [(c.resource, c.at) for c in history.changes] == [("alice/a", minutes(61))]
    assert history.poll_runs == (PollRun(minutes(61), minutes(61), 0.0),)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 18
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_new_file_is_created_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HFMON_DATA_DIR", raising=False)
    with HistoryStore.open() as store:
        assert store.path == Path(os.environ["XDG_DATA_HOME"]) / "hfmon" / "history.sqlite3"
    assert store.path.is_file()


def test_hfmon_data_dir_overrides_the_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HFMON_DATA_DIR", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "history.sqlite3"
    with HistoryStore.open() as store:
        store.record(snapshot(minutes(0), namespace("alice", usage=billing("alice", "1"))))
    assert (tmp_path / "data" / "history.sqlite3").is_file()


def refused(path: Path) -> str:
    """Open `path`, expecting a HistoryError that names it and leaves it byte-for-byte as it was."""
    before = path.read_bytes()
    with pytest.raises(HistoryError) as caught:
        HistoryStore.open(path)
    assert path.read_bytes() == before
    assert caught.value.path == path
    assert str(path) in str(caught.value)
    return str(caught.value)


def test_a_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        store.record(snapshot(minutes(0), namespace("alice", usage=billing("alice", "1"))))
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    message = refused(path)
    assert "newer" in message and "run a newer hfmon" in message


def test_a_garbage_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database\n" * 300)
    message = refused(path)
    assert "move it aside" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3"]


def test_a_damaged_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        for i in range(300):
            store.record(snapshot(minutes(i), namespace("alice", usage=billing("alice", str(i)))))
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size:] = b"\xff" * (len(data) - page_size)  # keep the header, wreck every page after it
    path.write_bytes(bytes(data))
    assert "damaged" in refused(path)


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    assert "not an hfmon history file" in refused(path)


def test_the_current_shape_written_out_is_the_one_the_migrations_build() -> None:
    assert CURRENT_SHAPE == expected_shape(SCHEMA_VERSION)


def test_a_current_version_file_missing_a_column_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    HistoryStore.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE listing_runs DROP COLUMN max_gap")
    conn.commit()
    conn.close()
    assert "does not have its tables" in refused(path)  # and byte for byte as it was


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "history.sqlite3"
    with pytest.raises(HistoryError, match="does not exist") as caught:
        HistoryStore.open(path)
    assert str(path) in str(caught.value)
    assert not path.parent.exists()


def test_an_uncreatable_data_dir_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("HFMON_DATA_DIR", str(blocker / "data"))
    with pytest.raises(HistoryError, match="HFMON_DATA_DIR") as caught:
        HistoryStore.open()
    assert str(blocker / "data") in str(caught.value)


def read_only_dir(tmp_path: Path) -> Path:
    """A directory this process cannot create files in (root ignores permission bits; /proc refuses it)."""
    if os.geteuid() == 0:
        return Path("/proc")
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o555)
    return directory


def test_a_read_only_directory_is_a_clear_error(tmp_path: Path) -> None:
    path = read_only_dir(tmp_path) / "history.sqlite3"
    with pytest.raises(HistoryError, match="writable") as caught:
        HistoryStore.open(path)
    assert str(path) in str(caught.value)


def test_a_damaged_v1_file_is_refused_before_migrating(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    make_v1_file(path)
    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO usage_points VALUES ('bob', ?, 0, '1', NULL)", [(i,) for i in range(3000)])
    conn.commit()
    conn.close()
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[2 * page_size:] = b"\x00\x07" * ((len(data) - 2 * page_size) // 2)
    path.write_bytes(bytes(data))
    assert "damaged" in refused(path)

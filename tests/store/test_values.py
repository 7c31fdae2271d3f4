"""Stored values equal the source's: identifiers written in digits stay text."""

from __future__ import annotations

from datetime import datetime, timedelta

from journeylens.store.eventlog import read_events


def _import(tmp_path, header: str, rows: list[str]):
    path = tmp_path / "log.csv"
    lines = [f"case,activity,timestamp,{header}"]
    t0 = datetime(2024, 1, 1)
    lines += [f"c{i},a,{t0 + timedelta(minutes=i)},{v}" for i, v in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")
    log = read_events(path)
    assert log.report.rejected == 0
    return log.table.execute()[header].tolist()


def test_leading_zeros_keep_a_column_text(tmp_path):
    values = [f"{i:05d}" for i in range(1, 40)]  # 00001 ... 00039: postcodes, employee numbers
    assert _import(tmp_path, "zip", values) == values


def test_more_than_15_digits_keep_a_column_text(tmp_path):
    values = [str(12345678901234567890 + i) for i in range(10)]  # a double would make one value
    got = _import(tmp_path, "account", values)
    assert got == values and len(set(got)) == 10


def test_one_identifier_far_down_keeps_the_whole_column_text(tmp_path):
    values = [str(i) for i in range(1, 3000)] + ["007"]  # past the first rows' sample
    assert _import(tmp_path, "staff_no", values) == values


def test_plain_numbers_are_still_numbers(tmp_path):
    assert _import(tmp_path, "n", ["0", "-3", "12", "+4"]) == [0, -3, 12, 4]
    assert _import(tmp_path, "x", ["0.5", "0", "10.25", "-0.75"]) == [0.5, 0.0, 10.25, -0.75]

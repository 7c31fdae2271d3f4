"""Day-first or month-first is decided from the whole column, never from the first values."""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta

import pytest

from journeylens.store.eventlog import read_events


def _log(path, stamps: list[datetime], fmt: str) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "activity", "timestamp"])
        for i, t in enumerate(stamps):
            w.writerow([f"c{i // 3}", f"step {i % 3}", t.strftime(fmt)])


def _year(seed: int, n: int = 300) -> list[datetime]:
    rnd = random.Random(seed)
    return [
        datetime(2024, 1, 1) + timedelta(minutes=rnd.randrange(0, 365 * 24 * 60)) for _ in range(n)
    ]


@pytest.mark.parametrize(
    "fmt", ["%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d.%m.%Y", "%m/%d/%Y %H:%M", "%m-%d-%Y"]
)
def test_a_year_of_dates_loads_every_row_with_its_true_value(tmp_path, fmt):
    stamps = _year(seed=len(fmt))
    if "%H" not in fmt:
        stamps = [datetime(t.year, t.month, t.day) for t in stamps]
    _log(tmp_path / "log.csv", stamps, fmt)
    log = read_events(tmp_path / "log.csv")
    assert (log.report.loaded, log.report.rejected) == (300, 0)
    assert sorted(log.table.timestamp.execute().tolist()) == sorted(stamps)
    assert not any("ambiguous" in w for w in log.report.warnings)


def test_one_late_day_far_down_the_file_decides_day_first(tmp_path):
    # Every value but the last has day <= 12: the alphabetically first values of a sample
    # cannot see the one that decides.
    stamps = [datetime(2024, m, d, 9) for m in range(1, 13) for d in range(1, 13)]
    stamps += [datetime(2024, 3, 25, 9)]
    _log(tmp_path / "log.csv", stamps, "%d/%m/%Y %H:%M")
    log = read_events(tmp_path / "log.csv")
    assert log.report.rejected == 0
    assert sorted(log.table.timestamp.execute().tolist()) == sorted(stamps)


def test_a_column_that_cannot_tell_loads_month_first_and_says_so(tmp_path):
    stamps = [datetime(2024, m, d, 9) for m in range(1, 13) for d in range(1, 13)]
    _log(tmp_path / "log.csv", stamps, "%m/%d/%Y %H:%M")
    log = read_events(tmp_path / "log.csv")
    assert log.report.rejected == 0
    assert sorted(log.table.timestamp.execute().tolist()) == sorted(stamps)
    (warning,) = [w for w in log.report.warnings if "ambiguous" in w]
    assert "month-first" in warning and "--dayfirst" in warning
    # ... and the user's word reads them the other way.
    swapped = read_events(tmp_path / "log.csv", dayfirst=True)
    assert sorted(swapped.table.timestamp.execute().tolist()) == sorted(
        datetime(t.year, t.day, t.month, t.hour) for t in stamps
    )


def test_survey_dates_are_decided_from_the_whole_column_too(tmp_path, make_workspace):
    dates = [datetime(2024, 1, 1) + timedelta(days=i) for i in range(200)]
    with open(tmp_path / "csat.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "score", "response_date"])
        for i, d in enumerate(dates):
            w.writerow([f"cust{i}", 1 + i % 5, d.strftime("%d/%m/%Y")])
    ws = make_workspace()
    report = ws.import_responses(tmp_path / "csat.csv", metric="csat", scale=(1, 5))
    assert (report.loaded, report.rejected) == (200, 0)
    got = ws.con.execute("SELECT responded_at FROM responses ORDER BY customer_id").fetchall()
    want = sorted((f"cust{i}", d) for i, d in enumerate(dates))
    assert [g[0] for g in got] == [d for _, d in want]


# --------------------------------------------------------------------------- two-digit years


def _rows_of(ws, source_id: int) -> list[tuple]:
    return ws.con.execute(
        "SELECT reason, value FROM rejects WHERE source_id = ? ORDER BY row", [source_id]
    ).fetchall()


def _random_times(seed: int, n: int, lo: datetime, hi: datetime) -> list[datetime]:
    rnd = random.Random(seed)
    span = int((hi - lo).total_seconds() // 60)
    return [lo + timedelta(minutes=rnd.randrange(span)) for _ in range(n)]


@pytest.mark.parametrize("fmt", ["%d/%m/%y", "%m/%d/%y %H:%M", "%d.%m.%y %H:%M:%S", "%d-%m-%y"])
def test_two_digit_years_pivot_as_python_does(tmp_path, fmt):
    # 1969-2068 is what a two-digit year can mean; Python's strptime is the reference.
    stamps = _random_times(len(fmt), 300, datetime(1969, 1, 1), datetime(2068, 12, 31))
    stamps += [datetime(2068, 12, 31, 23, 59), datetime(1969, 1, 1), datetime(2000, 2, 29)]
    _log(tmp_path / "log.csv", stamps, fmt)
    want = [datetime.strptime(t.strftime(fmt), fmt) for t in stamps]
    log = read_events(tmp_path / "log.csv")
    assert log.report.loaded + log.report.rejected == len(stamps)
    assert log.report.rejected == 0
    got = log.table.timestamp.execute().tolist()
    assert sorted(got) == sorted(want)
    assert min(got).year >= 1969


def test_two_and_four_digit_years_in_one_column_are_both_right(tmp_path):
    stamps = _random_times(3, 200, datetime(2020, 1, 1), datetime(2030, 1, 1))
    texts = [
        t.strftime("%d/%m/%Y %H:%M" if i % 2 else "%d/%m/%y %H:%M") for i, t in enumerate(stamps)
    ]
    with open(tmp_path / "log.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "activity", "timestamp"])
        w.writerows([f"c{i}", "a", v] for i, v in enumerate(texts))
    log = read_events(tmp_path / "log.csv")
    assert (log.report.loaded, log.report.rejected) == (200, 0)
    assert sorted(log.table.timestamp.execute().tolist()) == sorted(stamps)


# --------------------------------------------------------------------------- numbers

_UNIX = datetime(1970, 1, 1)
_EXCEL_DAY0 = datetime(1899, 12, 30)


def _numbers(kind: str, stamps: list[datetime]) -> list[int | float]:
    """The numbers a system that writes ``kind`` would export for ``stamps``."""
    if kind == "epoch seconds":
        return [int((t - _UNIX).total_seconds()) for t in stamps]
    if kind == "epoch milliseconds":
        return [int((t - _UNIX).total_seconds()) * 1000 + t.microsecond // 1000 for t in stamps]
    return [(t - _EXCEL_DAY0) / timedelta(days=1) for t in stamps]


def _write(path, values: list, *, parquet: bool) -> None:
    if parquet:
        import pyarrow as pa
        import pyarrow.parquet as pq

        n = len(values)
        cases = [f"c{i // 3}" for i in range(n)]
        pq.write_table(
            pa.table(
                {"case": cases, "activity": [f"s{i % 3}" for i in range(n)], "timestamp": values}
            ),
            path,
        )
        return
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "activity", "timestamp"])
        w.writerows([f"c{i // 3}", f"s{i % 3}", v] for i, v in enumerate(values))


@pytest.mark.parametrize("parquet", [False, True], ids=["csv", "parquet"])
@pytest.mark.parametrize("kind", ["epoch seconds", "epoch milliseconds", "Excel serial date"])
def test_numbers_are_read_by_magnitude_and_the_reading_is_named(tmp_path, kind, parquet):
    stamps = _random_times(len(kind), 300, datetime(1995, 1, 1), datetime(2040, 1, 1))
    if kind == "epoch milliseconds":
        stamps = [t + timedelta(milliseconds=i * 7 % 1000) for i, t in enumerate(stamps)]
    if kind == "Excel serial date":
        stamps[:100] = [datetime(t.year, t.month, t.day) for t in stamps[:100]]
    path = tmp_path / ("log.parquet" if parquet else "log.csv")
    _write(path, _numbers(kind, stamps), parquet=parquet)
    log = read_events(path)
    assert (log.report.loaded, log.report.rejected) == (300, 0)
    got = sorted(log.table.timestamp.execute().tolist())
    if kind == "Excel serial date":
        # Excel keeps days as a double: its times are exact to well under a millisecond.
        worst = max(abs(g - w) for g, w in zip(got, sorted(stamps), strict=True))
        assert worst < timedelta(milliseconds=1)
    else:
        assert got == sorted(stamps)
    (warning,) = [w for w in log.report.warnings if "numbers" in w]
    assert _MEANS[kind] in warning and "between 1990 and 2100" in warning


_MEANS = {
    "epoch seconds": "seconds since 1970-01-01 UTC",
    "epoch milliseconds": "milliseconds since 1970-01-01 UTC",
    "Excel serial date": "Excel serial dates",
}


def test_a_number_outside_the_years_its_reading_accepts_is_rejected_with_its_value(
    tmp_path, make_workspace
):
    stamps = _random_times(5, 30, datetime(2020, 1, 1), datetime(2021, 1, 1))
    values = [str(n) for n in _numbers("epoch seconds", stamps)] + ["12345", "9999999999"]
    _write(tmp_path / "log.csv", values, parquet=False)
    ws = make_workspace()
    report = ws.import_events(tmp_path / "log.csv")
    assert (report.loaded, report.rejected) == (30, 2)
    assert report.reasons == {"timestamp out of range": 2}
    assert _rows_of(ws, report.source_id) == [
        ("timestamp out of range", "12345"),
        ("timestamp out of range", "9999999999"),
    ]
    got = ws.con.execute("SELECT timestamp FROM events ORDER BY timestamp").fetchall()
    assert [g[0] for g in got] == sorted(stamps)


def test_numbers_no_reading_explains_are_rejected_not_stored(tmp_path, make_workspace):
    _write(tmp_path / "log.parquet", list(range(1, 61)), parquet=True)
    ws = make_workspace()
    report = ws.import_events(tmp_path / "log.parquet")
    assert (report.loaded, report.rejected) == (0, 60)
    assert report.reasons == {"unparseable timestamp": 60}
    (detail,) = {r[0] for r in ws.con.execute("SELECT DISTINCT detail FROM rejects").fetchall()}
    assert "epoch seconds" in detail and "Excel serial date" in detail


# --------------------------------------------------------------------------- words and years


def _mixed_log(path, good: list[datetime], bad: list[str], *, start: bool = False) -> list[str]:
    """A log of ``good`` times with the ``bad`` texts spread among them; returns the texts."""
    texts = [t.strftime("%Y-%m-%d %H:%M:%S") for t in good]
    rnd = random.Random(len(bad))
    for b in bad:
        texts.insert(rnd.randrange(len(texts) + 1), b)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "activity", "timestamp"] + (["start"] if start else []))
        for i, v in enumerate(texts):
            w.writerow([f"c{i // 4}", f"s{i % 4}", v] + (["2023-06-01 08:00:00"] if start else []))
    return texts


@pytest.mark.parametrize(
    "words",
    [
        ["epoch", "infinity", "-infinity", "now", "today", "allballs"],
        [" Epoch ", "INFINITY", "inf", "-inf", "Now"],
    ],
)
def test_words_duckdb_reads_as_dates_are_rejected_not_stored(tmp_path, make_workspace, words):
    good = _random_times(1, 100, datetime(2024, 1, 1), datetime(2024, 6, 1))
    texts = _mixed_log(tmp_path / "log.csv", good, words)
    ws = make_workspace()
    report = ws.import_events(tmp_path / "log.csv")
    assert report.loaded + report.rejected == len(texts)
    assert (report.loaded, report.reasons) == (100, {"not a timestamp": len(words)})
    rejected = _rows_of(ws, report.source_id)
    assert sorted(v for _, v in rejected) == sorted(words)
    stored = ws.con.execute("SELECT timestamp FROM events ORDER BY timestamp").fetchall()
    assert [s[0] for s in stored] == sorted(good)
    assert not report.warnings  # no word was taken for a day-first or month-first date


def test_years_outside_1900_to_2200_are_rejected_with_their_value(tmp_path, make_workspace):
    good = _random_times(2, 100, datetime(2024, 1, 1), datetime(2024, 6, 1))
    good += [datetime(1900, 1, 1), datetime(2200, 12, 31, 23, 59, 59)]  # the edges are in
    bad = ["10000-01-01 00:00:00", "0000-01-01", "-0001-01-01 10:00:00", "1800-06-01 10:00"]
    bad += ["1899-12-31 23:59:59", "2201-01-01 00:00:00", "0026-02-01"]
    texts = _mixed_log(tmp_path / "log.csv", good, bad)
    ws = make_workspace()
    report = ws.import_events(tmp_path / "log.csv")
    assert report.loaded + report.rejected == len(texts)
    assert (report.loaded, report.reasons) == (102, {"timestamp out of range": len(bad)})
    assert sorted(v for _, v in _rows_of(ws, report.source_id)) == sorted(bad)
    detail = ws.con.execute("SELECT DISTINCT detail FROM rejects").fetchall()
    assert detail == [("expected a date-time from 1900 to 2200",)]
    stored = ws.con.execute("SELECT timestamp FROM events ORDER BY timestamp").fetchall()
    assert [s[0] for s in stored] == sorted(good)


def test_a_start_timestamp_out_of_range_rejects_its_row(tmp_path, make_workspace):
    with open(tmp_path / "log.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "activity", "start_timestamp", "timestamp"])
        w.writerow(["c1", "a", "2024-01-01 09:00", "2024-01-01 10:00"])
        w.writerow(["c1", "b", "10000-01-01 09:00", "2024-01-01 11:00"])
        w.writerow(["c1", "c", "epoch", "2024-01-01 12:00"])
    ws = make_workspace()
    report = ws.import_events(tmp_path / "log.csv")
    assert (report.loaded, report.rejected) == (1, 2)
    assert _rows_of(ws, report.source_id) == [
        ("start timestamp out of range", "10000-01-01 09:00"),
        ("not a start timestamp", "epoch"),
    ]


def test_typed_timestamps_out_of_range_are_rejected_and_every_command_still_works(
    tmp_path, make_workspace
):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from journeylens.cli.main import app

    good = _random_times(4, 60, datetime(2024, 1, 1), datetime(2024, 3, 1))
    micros = [int((t - _UNIX) / timedelta(microseconds=1)) for t in good]
    year_10000 = int((datetime(9999, 12, 31) - _UNIX) / timedelta(microseconds=1)) + 86_400 * 10**6
    year_1800 = int((datetime(1800, 5, 1) - _UNIX) / timedelta(microseconds=1))
    micros[10:10] = [year_10000, year_1800]
    n = len(micros)
    pq.write_table(
        pa.table(
            {
                "case": [f"c{i // 4}" for i in range(n)],
                "activity": [f"s{i % 4}" for i in range(n)],
                "timestamp": pa.array(micros, pa.int64()).cast(pa.timestamp("us")),
            }
        ),
        tmp_path / "log.parquet",
    )
    ws = make_workspace()
    report = ws.import_events(tmp_path / "log.parquet")
    assert report.loaded + report.rejected == n
    assert (report.loaded, report.reasons) == (60, {"timestamp out of range": 2})
    stored = ws.con.execute("SELECT timestamp FROM events ORDER BY timestamp").fetchall()
    assert [s[0] for s in stored] == sorted(good)
    path = str(ws.path)
    ws.close()
    runner = CliRunner()
    for command in (["info"], ["map"], ["variants"], ["rejects"]):
        result = runner.invoke(app, [*command, "-w", path])
        assert result.exit_code == 0, (command, result.output)


# --------------------------------------------------------------------------- surveys, outcomes


def _voice_file(path, dates: list[str], *, outcomes: bool = False) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "outcome" if outcomes else "score", "date"])
        for i, d in enumerate(dates):
            w.writerow([f"cust{i:03d}", "churn" if outcomes else 1 + i % 5, d])


def _stored_dates(ws, outcomes: bool) -> list[datetime | None]:
    table, col = ("outcomes", "date") if outcomes else ("responses", "responded_at")
    return [
        r[0] for r in ws.con.execute(f"SELECT {col} FROM {table} ORDER BY customer_id").fetchall()
    ]


@pytest.mark.parametrize("outcomes", [False, True], ids=["responses", "outcomes"])
def test_voice_import_prints_that_dates_which_cannot_tell_are_read_month_first(tmp_path, outcomes):
    from typer.testing import CliRunner

    from journeylens.cli.main import app
    from journeylens.workspace import Workspace

    days = [datetime(2024, m, d) for m in range(1, 13) for d in range(1, 13)]
    _voice_file(tmp_path / "v.csv", [d.strftime("%m/%d/%Y") for d in days], outcomes=outcomes)
    runner = CliRunner()
    flags = ["--outcomes"] if outcomes else ["--responded-at", "date"]
    for name, extra, want in (
        ("ws", [], days),
        ("ws2", ["--dayfirst"], [datetime(d.year, d.day, d.month) for d in days]),
    ):
        ws = str(tmp_path / name)
        assert runner.invoke(app, ["init", ws]).exit_code == 0
        result = runner.invoke(
            app, ["voice", "import", str(tmp_path / "v.csv"), "-w", ws, *flags, *extra]
        )
        assert result.exit_code == 0, result.output
        printed = " ".join(result.output.split())  # the console wraps long lines
        if extra:
            assert "ambiguous" not in printed
        else:
            assert printed.count("ambiguous") == 1
            assert "are ambiguous; read them month-first (pass --dayfirst" in printed
        with Workspace.open(ws) as opened:
            assert _stored_dates(opened, outcomes) == want


@pytest.mark.parametrize("outcomes", [False, True], ids=["responses", "outcomes"])
def test_voice_dates_follow_the_event_rules(tmp_path, make_workspace, outcomes):
    days = _random_times(9, 80, datetime(1990, 1, 1), datetime(2060, 1, 1))
    days = [datetime(t.year, t.month, t.day) for t in days]
    texts = [d.strftime("%d/%m/%y" if i % 2 else "%d/%m/%Y") for i, d in enumerate(days)]
    bad = {"epoch": "not a date", "infinity": "not a date", "31/12/1850": "date out of range"}
    dates = texts + list(bad)
    _voice_file(tmp_path / "v.csv", dates, outcomes=outcomes)
    ws = make_workspace()
    if outcomes:
        report = ws.import_outcomes(tmp_path / "v.csv", date="date")
    else:
        report = ws.import_responses(tmp_path / "v.csv", responded_at="date", metric="csat")
    assert report.loaded + report.rejected == len(dates)
    assert report.loaded == len(days)
    assert report.reasons == {"not a date": 2, "date out of range": 1}
    assert _stored_dates(ws, outcomes) == days
    got = ws.con.execute("SELECT reason, value FROM rejects ORDER BY row").fetchall()
    assert got == [(r, v) for v, r in bad.items()]


def test_survey_dates_in_epoch_milliseconds_are_read_and_named(tmp_path, make_workspace):
    days = _random_times(11, 50, datetime(2023, 1, 1), datetime(2024, 1, 1))
    _voice_file(tmp_path / "v.csv", [str(n) for n in _numbers("epoch milliseconds", days)])
    ws = make_workspace()
    report = ws.import_responses(tmp_path / "v.csv", responded_at="date", metric="csat")
    assert (report.loaded, report.rejected) == (50, 0)
    assert _stored_dates(ws, False) == days
    assert any("milliseconds since 1970-01-01 UTC" in w for w in report.warnings)

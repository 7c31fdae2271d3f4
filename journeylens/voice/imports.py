"""Import of survey responses and outcomes into a workspace (private; see :mod:`journeylens.voice.join`).

A source (CSV, Parquet, Excel, a database table: anything :mod:`journeylens.store.readers` lands) is
staged, its column roles detected from the names (or given), every row typed and judged, and
the good rows appended to ``responses`` or ``outcomes``; the others go to ``rejects`` with a
reason, column, value and the raw row — all in one transaction, the YAML swapped in after it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from journeylens._util.sql import ident, literal
from journeylens.errors import InputError, option_for
from journeylens.store import importer, ingest, readers, timestamps
from journeylens.store.ingest import _text
from journeylens.store.readers import STAGING

if TYPE_CHECKING:
    from journeylens.store.workspace import WorkspaceStore as Workspace

Metric = Literal["csat", "nps", "ces"]
METRICS: tuple[str, ...] = ("csat", "nps", "ces")

RESPONSES_DDL = """CREATE TABLE IF NOT EXISTS responses (response_id VARCHAR, source_id INTEGER,
    "row" BIGINT, customer_id VARCHAR, case_id VARCHAR, survey VARCHAR, metric VARCHAR,
    score DOUBLE, scale_min DOUBLE, scale_max DOUBLE, comment VARCHAR, responded_at TIMESTAMP)"""
OUTCOMES_DDL = """CREATE TABLE IF NOT EXISTS outcomes (source_id INTEGER, "row" BIGINT,
    customer_id VARCHAR, case_id VARCHAR, outcome VARCHAR, date TIMESTAMP)"""

# Candidate column names per role, best first; compared after _norm().
_RESPONSE_ROLES: dict[str, tuple[str, ...]] = {
    "response_id": ("response_id", "responseid", "response", "survey_response_id", "id"),
    "customer_id": ("customer_id", "customer", "client_id", "client", "account_id", "account"),
    "case_id": ("case_id", "case", "ticket_id", "ticket", "order_id", "journey_id", "instance_id"),
    "survey": ("survey", "survey_name", "survey_type", "questionnaire", "metric", "question"),
    "score": ("score", "rating", "answer", "value", "csat", "nps", "ces", "result"),
    "responded_at": (
        "responded_at",
        "response_date",
        "response_time",
        "submitted_at",
        "completed_at",
        "date",
        "timestamp",
        "created_at",
        "time",
    ),
    "comment": ("comment", "comments", "verbatim", "feedback", "free_text", "text", "remarks"),
}
_OUTCOME_ROLES: dict[str, tuple[str, ...]] = {
    "customer_id": _RESPONSE_ROLES["customer_id"],
    "case_id": _RESPONSE_ROLES["case_id"],
    "outcome": ("outcome", "outcome_type", "event", "type", "status"),
    "date": (
        "date",
        "outcome_date",
        "occurred_at",
        "timestamp",
        "churned_at",
        "churn_date",
        "time",
    ),
}
_OPTION = {"responded_at": "--responded-at", "customer_id": "--customer-id", "date": "--date"}


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def detect_roles(
    columns: list[str], candidates: Mapping[str, tuple[str, ...]], given: Mapping[str, str | None]
) -> dict[str, str]:
    """Role → source column: the given ones (checked), the others from the column names."""
    roles: dict[str, str] = {}
    for role, col in given.items():
        if col is None:
            continue
        if col not in columns:
            opt = _OPTION.get(role, option_for(role))
            raise InputError(
                f"column {col!r} for the {role.replace('_', ' ')} was not found; available "
                f"columns: {', '.join(repr(c) for c in columns)}. Pass {opt} with one of them."
            )
        roles[role] = col
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(_norm(c), c)
    for role, names in candidates.items():
        if role in roles:
            continue
        for name in names:
            col = by_norm.get(_norm(name))
            if col is not None and col not in roles.values():
                roles[role] = col
                break
    return roles


def infer_metric(survey: str) -> Metric:
    """The metric a survey name suggests: NPS, CES (effort), else CSAT."""
    s = survey.lower()
    if "nps" in s or "promot" in s or "recommend" in s:
        return "nps"
    if re.search(r"(^|[^a-z])ces([^a-z]|$)", s) or "effort" in s:
        return "ces"
    return "csat"


def infer_scale(metric: str, lo: float, hi: float) -> tuple[float, float]:
    """The scale of a metric from the smallest and largest score seen: 1-5, 1-7, 0/1-10, 0-100."""
    if metric == "nps":
        return (0.0, 10.0)
    start = 0.0 if lo < 1 else 1.0
    for top in (5.0, 7.0, 10.0, 100.0):
        if hi <= top:
            return (start, top)
    return (start, float(hi))


@dataclass
class VoiceImportReport:
    """What one import of responses or outcomes read, loaded and rejected.

    ``rows_read == loaded + rejected`` always holds.
    """

    source: str
    kind: str  # "responses" or "outcomes"
    source_id: int | None = None
    rows_read: int = 0
    loaded: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    #: responses: survey → {"metric", "scale", "responses"}; outcomes: outcome → count.
    surveys: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    already_imported: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        if self.already_imported:
            return f"{self.source}: already imported as {self.kind} (same content); nothing added"
        lines = [
            f"{self.source}: read {self.rows_read:,} rows, loaded {self.loaded:,} {self.kind}, "
            f"rejected {self.rejected:,}"
        ]
        lines += [f"  rejected {n:,}: {r}" for r, n in sorted(self.reasons.items())]
        for name, s in self.surveys.items():
            if isinstance(s, dict):
                lo, hi = s["scale"]
                lines.append(
                    f"  {name}: {s['responses']:,} responses, {s['metric'].upper()} {lo:g}-{hi:g}"
                )
            else:
                lines.append(f"  {name}: {s:,}")
        lines.append("  columns: " + ", ".join(f"{r}={c}" for r, c in self.mapping.items()))
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(self.summary()) + "</pre>"


def _date_expr(
    con, col: str | None, types: dict[str, str], dayfirst, warnings: list[str]
) -> tuple[str, list[str]]:
    """SQL of a date column's timestamp, and the formats it reads (see :func:`_date_problem`).

    Dates follow the event logs' rules (:func:`journeylens.store.timestamps.detect_timestamp_formats`):
    formats and day-first decided from the column, numbers read by magnitude with a warning,
    and ``epoch``, ``infinity`` or a year outside 1900-2200 rejected, never stored.
    """
    if col is None:
        return "CAST(NULL AS TIMESTAMP)", []
    formats: list[str] = []
    if types[col] == "VARCHAR" or timestamps.is_number_type(types[col]):
        formats, warns = timestamps.detect_timestamp_formats(con, col, dayfirst=dayfirst)
        warnings += warns
    return timestamps.timestamp_expr(col, types[col], formats, localize=False), formats


_DATE_REASONS = ("unparseable date", "not a date", "date out of range")


def _date_problem(value: str, formats: list[str]) -> str:
    """SQL: why the date column ``value`` of ``_jl_voice_new`` cannot be stored, else NULL."""
    return timestamps.timestamp_problem("__jl_date_raw", value, formats, what="date")


def _date_detail(reason: str, raw: str, formats: list[str]) -> str:
    """SQL: what a date rejected for ``reason`` (SQL) should have been."""
    return timestamps.timestamp_detail(reason, raw, "a date or date-time", formats)


def _reject(con, source_id: int, fmt: str, staged: readers.Staged, reasons: dict[str, str]):
    """Copy the judged-bad rows of ``_jl_voice_new`` to ``rejects`` and delete them."""
    column_of = ", ".join(f"({literal(r)}, {literal(c)})" for r, c in reasons.items())
    raw = ", ".join(f"{ident(c)} := s.{ident(c)}" for c in staged.columns)
    # File line of a CSV row: header + row, unless malformed lines shifted it.
    line = "n.__jl_row + 1" if fmt == "csv" and not staged.malformed else "NULL"
    con.execute(
        f"""INSERT INTO rejects SELECT {source_id}, n.__jl_row,
            {line}, n.__jl_reason, m.col,
            n.__jl_value, n.__jl_detail, CAST(to_json(struct_pack({raw})) AS VARCHAR)
        FROM _jl_voice_new n JOIN {STAGING} s USING (__jl_row)
        LEFT JOIN (VALUES {column_of}) m(reason, col) ON m.reason = n.__jl_reason
        WHERE n.__jl_reason IS NOT NULL ORDER BY n.__jl_row"""
    )
    if staged.malformed:
        con.executemany(
            "INSERT INTO rejects VALUES (?, NULL, ?, 'malformed line', NULL, NULL, ?, ?)",
            [(source_id, line, why, raw) for line, why, raw in staged.malformed],
        )
    con.execute("DELETE FROM _jl_voice_new WHERE __jl_reason IS NOT NULL")


def import_source(
    ws: Workspace,
    path: str | os.PathLike[str],
    *,
    kind: Literal["responses", "outcomes"],
    roles: Mapping[str, str | None],
    metric: Metric | Mapping[str, Metric] | None = None,
    scale: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None,
    survey_name: str | None = None,
    outcome_name: str | None = None,
    dayfirst: bool | None = None,
    format: readers.Format | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    table: str | None = None,
    query: str | None = None,
    missing: Sequence[str] | None = None,
) -> VoiceImportReport:
    """Import responses or outcomes atomically (see :func:`import_responses`)."""
    ws._require_writable()
    _check_options(kind, metric, scale)
    source = importer.resolve(ws.config, path, format=format, kind=kind, table=table, query=query)
    spath, fmt, source_id = source.path, source.format, source.id
    if source.imported_as is not None:
        return VoiceImportReport(
            source=spath, kind=kind, source_id=source.imported_as, already_imported=True
        )
    con = ws.con
    with ws._transaction() as config:
        con.execute(RESPONSES_DDL if kind == "responses" else OUTCOMES_DDL)
        con.execute(ingest.REJECTS_DDL)
        staged = readers.stage(
            con,
            spath,
            format=fmt,
            delimiter=delimiter,
            encoding=encoding,
            sheet=sheet,
            table=table,
            query=query,
            missing=missing,
        )
        report = VoiceImportReport(source=staged.source, kind=kind, source_id=source_id)
        report.rows_read = staged.rows
        if kind == "responses":
            found = detect_roles(staged.columns, _RESPONSE_ROLES, roles)
            _build_responses(con, staged, found, report, survey_name or Path(spath).stem, dayfirst)
            _judge_scores(con, report, metric, scale)
            _reject(con, source_id, staged.format, staged, _reason_columns(found))
            _store_responses(con, source_id, report)
        else:
            found = detect_roles(staged.columns, _OUTCOME_ROLES, roles)
            _build_outcomes(con, staged, found, report, outcome_name, dayfirst)
            _reject(con, source_id, staged.format, staged, _reason_columns(found))
            con.execute(
                f"""INSERT INTO outcomes SELECT {source_id}, __jl_row, customer_id, case_id,
                    outcome, date FROM _jl_voice_new ORDER BY __jl_row"""
            )
            report.surveys = dict(
                con.execute(
                    f"SELECT outcome, count(*) FROM outcomes WHERE source_id = {source_id} "
                    "GROUP BY outcome ORDER BY outcome"
                ).fetchall()
            )
        report.mapping = found
        reasons = con.execute(
            f"SELECT reason, count(*) FROM rejects WHERE source_id = {source_id} GROUP BY reason"
        ).fetchall()
        report.reasons = dict(reasons)
        report.rejected = sum(report.reasons.values())
        report.loaded = report.rows_read - report.rejected
        ingest.cleanup(con)
        readers.release(con)
        surveys = (
            {
                k: {"metric": v["metric"], "scale": list(v["scale"])}
                for k, v in report.surveys.items()
            }
            if kind == "responses"
            else None
        )
        importer.record(
            config,
            source,
            kind=kind,
            mapping=found,
            rows={"read": report.rows_read, "loaded": report.loaded, "rejected": report.rejected},
            table=table,
            query=query,
            **({"surveys": surveys} if surveys is not None else {}),
        )
    return report


def _check_options(kind: str, metric: Any, scale: Any) -> None:
    metrics = metric.values() if isinstance(metric, Mapping) else [metric]
    for m in metrics:
        if m is not None and m not in METRICS:
            raise InputError(f"unknown metric {m!r}; expected one of {', '.join(METRICS)}")
    scales = scale.values() if isinstance(scale, Mapping) else [scale]
    for s in scales:
        if s is not None and (len(s) != 2 or not float(s[0]) < float(s[1])):
            raise InputError(f"a scale is (lowest, highest) with lowest < highest, got {s!r}")
    if kind == "outcomes" and (metric is not None or scale is not None):
        raise InputError("metric and scale apply to survey responses, not to outcomes")


def _reason_columns(found: Mapping[str, str]) -> dict[str, str]:
    return {
        "missing score": found.get("score", ""),
        "unparseable score": found.get("score", ""),
        "score outside the scale": found.get("score", ""),
        "missing customer and case id": found.get("customer_id") or found.get("case_id", ""),
        **{r: found.get("responded_at") or found.get("date", "") for r in _DATE_REASONS},
        "missing outcome": found.get("outcome", ""),
    }


def _build_responses(con, staged, found, report, default_survey: str, dayfirst) -> None:
    if "score" not in found:
        raise InputError(
            f"{staged.source}: no score column found among {', '.join(staged.columns)}; "
            "pass --score COLUMN (score=... in Python)"
        )
    if "customer_id" not in found and "case_id" not in found:
        raise InputError(
            f"{staged.source}: no customer or case id column found among "
            f"{', '.join(staged.columns)}; pass --customer-id or --case"
        )
    types = ingest._column_types(con, STAGING)
    date, date_formats = _date_expr(
        con, found.get("responded_at"), types, dayfirst, report.warnings
    )
    score_raw = f"CAST({ident(found['score'])} AS VARCHAR)"
    score = f"try_cast(replace(trim({score_raw}), ',', '.') AS DOUBLE)"
    survey = _text(found.get("survey"))
    date_raw = (
        f"CAST({ident(found['responded_at'])} AS VARCHAR)"
        if "responded_at" in found
        else "CAST(NULL AS VARCHAR)"
    )
    rid = _text(found.get("response_id"))
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _jl_voice_new AS SELECT __jl_row,
            coalesce({rid}, 'R{report.source_id}-' || __jl_row) AS response_id,
            {_text(found.get("customer_id"))} AS customer_id, {_text(found.get("case_id"))} AS case_id,
            coalesce({survey}, {literal(default_survey)}) AS survey,
            CAST(NULL AS VARCHAR) AS metric, {score} AS score,
            CAST(NULL AS DOUBLE) AS scale_min, CAST(NULL AS DOUBLE) AS scale_max,
            {_text(found.get("comment"))} AS comment, {date} AS responded_at,
            {score_raw} AS __jl_score_raw, {date_raw} AS __jl_date_raw,
            CAST(NULL AS VARCHAR) AS __jl_reason, CAST(NULL AS VARCHAR) AS __jl_value,
            CAST(NULL AS VARCHAR) AS __jl_detail
        FROM {STAGING}"""
    )
    con.execute(
        f"""UPDATE _jl_voice_new SET
            __jl_reason = CASE
                WHEN __jl_score_raw IS NULL OR trim(__jl_score_raw) = '' THEN 'missing score'
                WHEN score IS NULL OR isnan(score) THEN 'unparseable score'
                WHEN customer_id IS NULL AND case_id IS NULL THEN 'missing customer and case id'
                ELSE {_date_problem("responded_at", date_formats)} END"""
    )
    dates = ", ".join(literal(r) for r in _DATE_REASONS)
    con.execute(
        f"""UPDATE _jl_voice_new SET
            __jl_value = CASE WHEN __jl_reason IN ({dates}) THEN __jl_date_raw
                              WHEN __jl_reason = 'missing customer and case id' THEN NULL
                              ELSE __jl_score_raw END,
            __jl_detail = CASE __jl_reason
                WHEN 'missing score' THEN 'expected a number'
                WHEN 'unparseable score' THEN 'expected a number such as 7 or 4.5'
                WHEN 'missing customer and case id' THEN
                    'expected a customer id or a case id to join the response to journeys'
                ELSE {_date_detail("__jl_reason", "__jl_date_raw", date_formats)} END
        WHERE __jl_reason IS NOT NULL"""
    )


def _judge_scores(con, report: VoiceImportReport, metric, scale) -> None:
    """Set each survey's metric and scale (declared or inferred); reject scores outside it."""
    ranges = con.execute(
        "SELECT survey, min(score), max(score), count(*) FROM _jl_voice_new "
        "WHERE __jl_reason IS NULL GROUP BY survey ORDER BY survey"
    ).fetchall()
    for name, lo, hi, _n in ranges:
        m = metric.get(name) if isinstance(metric, Mapping) else metric
        m = m or infer_metric(name)
        s = scale.get(name) if isinstance(scale, Mapping) else scale
        declared = s is not None or m == "nps"
        s = (float(s[0]), float(s[1])) if s is not None else infer_scale(m, lo, hi)
        if not declared and s[1] >= 100 and m != "csat":
            report.warnings.append(f"{name}: scores up to {hi:g}; is this really {m.upper()}?")
        con.execute(
            f"""UPDATE _jl_voice_new SET metric = ?, scale_min = ?, scale_max = ?,
                __jl_reason = CASE WHEN __jl_reason IS NULL AND (score < ? OR score > ?)
                    THEN 'score outside the scale' ELSE __jl_reason END,
                __jl_value = CASE WHEN __jl_reason IS NULL AND (score < ? OR score > ?)
                    THEN __jl_score_raw ELSE __jl_value END,
                __jl_detail = CASE WHEN __jl_reason IS NULL AND (score < ? OR score > ?)
                    THEN {literal(f"expected a {m.upper()} score from {s[0]:g} to {s[1]:g}")}
                    ELSE __jl_detail END
            WHERE survey = ?""",
            [m, s[0], s[1], *(s * 3), name],
        )
        report.surveys[name] = {"metric": m, "scale": s, "responses": 0}
    named = set(metric) if isinstance(metric, Mapping) else set()
    named |= set(scale) if isinstance(scale, Mapping) else set()
    if named:
        missing = sorted(named - {r[0] for r in ranges})
        if missing:
            report.warnings.append(
                f"no responses of survey(s) {', '.join(missing)}; surveys in the file: "
                f"{', '.join(r[0] for r in ranges) or 'none'}"
            )


def _store_responses(con, source_id: int, report: VoiceImportReport) -> None:
    con.execute(
        f"""INSERT INTO responses SELECT response_id, {source_id}, __jl_row, customer_id, case_id,
            survey, metric, score, scale_min, scale_max, comment, responded_at
        FROM _jl_voice_new ORDER BY __jl_row"""
    )
    for name, n in con.execute(
        f"SELECT survey, count(*) FROM responses WHERE source_id = {source_id} GROUP BY survey"
    ).fetchall():
        report.surveys[name]["responses"] = n


def _build_outcomes(con, staged, found, report, outcome_name: str | None, dayfirst) -> None:
    if "outcome" not in found and outcome_name is None:
        raise InputError(
            f"{staged.source}: no outcome column found among {', '.join(staged.columns)}; "
            "pass --outcome COLUMN, or --outcome-name churn when every row is the same outcome"
        )
    if "customer_id" not in found and "case_id" not in found:
        raise InputError(
            f"{staged.source}: no customer or case id column found among "
            f"{', '.join(staged.columns)}; pass --customer-id or --case"
        )
    types = ingest._column_types(con, STAGING)
    date, date_formats = _date_expr(con, found.get("date"), types, dayfirst, report.warnings)
    date_raw = (
        f"CAST({ident(found['date'])} AS VARCHAR)" if "date" in found else "CAST(NULL AS VARCHAR)"
    )
    outcome = _text(found.get("outcome"))
    if outcome_name is not None:
        outcome = f"coalesce({outcome}, {literal(outcome_name)})"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _jl_voice_new AS SELECT __jl_row,
            {_text(found.get("customer_id"))} AS customer_id, {_text(found.get("case_id"))} AS case_id,
            lower({outcome}) AS outcome, {date} AS date, {date_raw} AS __jl_date_raw,
            CAST(NULL AS VARCHAR) AS __jl_reason, CAST(NULL AS VARCHAR) AS __jl_value,
            CAST(NULL AS VARCHAR) AS __jl_detail
        FROM {STAGING}"""
    )
    con.execute(
        f"""UPDATE _jl_voice_new SET __jl_reason = CASE
                WHEN outcome IS NULL THEN 'missing outcome'
                WHEN customer_id IS NULL AND case_id IS NULL THEN 'missing customer and case id'
                ELSE {_date_problem("date", date_formats)} END"""
    )
    dates = ", ".join(literal(r) for r in _DATE_REASONS)
    con.execute(
        f"""UPDATE _jl_voice_new SET
            __jl_value = CASE WHEN __jl_reason IN ({dates}) THEN __jl_date_raw END,
            __jl_detail = CASE __jl_reason
                WHEN 'missing outcome' THEN 'expected an outcome such as churn or complaint'
                WHEN 'missing customer and case id' THEN
                    'expected a customer id or a case id to join the outcome to journeys'
                ELSE {_date_detail("__jl_reason", "__jl_date_raw", date_formats)} END
        WHERE __jl_reason IS NOT NULL"""
    )


# --------------------------------------------------------------------------- import


def import_responses(
    ws: Workspace,
    path: str | os.PathLike[str],
    *,
    score: str | None = None,
    survey: str | None = None,
    customer_id: str | None = None,
    case_id: str | None = None,
    responded_at: str | None = None,
    comment: str | None = None,
    response_id: str | None = None,
    metric: Metric | Mapping[str, Metric] | None = None,
    scale: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None,
    survey_name: str | None = None,
    dayfirst: bool | None = None,
    format: readers.Format | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    table: str | None = None,
    query: str | None = None,
    missing: Sequence[str] | None = None,
) -> VoiceImportReport:
    """Import survey responses into the workspace table ``responses``, atomically.

    Parameters
    ----------
    path
        A CSV/TSV, Parquet or Excel file, or a database URL (with ``table`` or ``query``).
    score, survey, customer_id, case_id, responded_at, comment, response_id
        Source column of each role; detected from the column names when omitted.  A score and a
        customer or case id are required; without a survey column every row belongs to
        ``survey_name`` (default: the file name without extension).
    metric
        ``"csat"``, ``"nps"`` or ``"ces"`` for every survey, or a mapping survey → metric;
        inferred from the survey name otherwise (``nps``/``recommend`` → NPS, ``ces``/``effort``
        → CES, else CSAT).
    scale
        ``(lowest, highest)`` score, for every survey or per survey.  NPS is always 0–10;
        other scales are inferred from the scores seen (1–5, 1–7, 0/1–10, 0–100).
    dayfirst
        Read ambiguous dates such as 01/02/2024 day-first.

    Returns
    -------
    VoiceImportReport
        Rows read, loaded and rejected (with reasons), the columns used, each survey's metric,
        scale and response count.

    Examples
    --------
    >>> ws = Workspace.create(tmp / "ws")  # doctest: +SKIP
    >>> report = ws.import_responses("surveys.csv")  # doctest: +SKIP
    >>> report.surveys["nps_journey"]["metric"]  # doctest: +SKIP
    'nps'
    """
    roles = {
        "score": score,
        "survey": survey,
        "customer_id": customer_id,
        "case_id": case_id,
        "responded_at": responded_at,
        "comment": comment,
        "response_id": response_id,
    }
    return import_source(
        ws,
        path,
        kind="responses",
        roles=roles,
        metric=metric,
        scale=scale,
        survey_name=survey_name,
        dayfirst=dayfirst,
        format=format,
        delimiter=delimiter,
        encoding=encoding,
        sheet=sheet,
        table=table,
        query=query,
        missing=missing,
    )


def import_outcomes(
    ws: Workspace,
    path: str | os.PathLike[str],
    *,
    outcome: str | None = None,
    date: str | None = None,
    customer_id: str | None = None,
    case_id: str | None = None,
    outcome_name: str | None = None,
    dayfirst: bool | None = None,
    format: readers.Format | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    table: str | None = None,
    query: str | None = None,
    missing: Sequence[str] | None = None,
) -> VoiceImportReport:
    """Import outcomes (churn, cancellation, complaint ...) into the table ``outcomes``.

    One row per outcome that happened: a customer or case id, the outcome's name (a column, or
    ``outcome_name`` for a file of one kind, e.g. ``"churn"``) and its date.  Names are stored in
    lower case.  Customers without a row did not have the outcome.

    Examples
    --------
    >>> report = ws.import_outcomes("outcomes.csv")  # doctest: +SKIP
    >>> report.surveys  # outcome → rows  # doctest: +SKIP
    {'churn': 975}
    """
    roles = {"outcome": outcome, "date": date, "customer_id": customer_id, "case_id": case_id}
    return import_source(
        ws,
        path,
        kind="outcomes",
        roles=roles,
        outcome_name=outcome_name,
        dayfirst=dayfirst,
        format=format,
        delimiter=delimiter,
        encoding=encoding,
        sheet=sheet,
        table=table,
        query=query,
        missing=missing,
    )

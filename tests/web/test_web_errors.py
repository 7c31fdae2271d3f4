"""One failure, one HTTP status and message, on the pages and in the API (journeylens.web.errors)."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest
from starlette.testclient import TestClient

from journeylens.errors import InputError, WorkspaceError
from journeylens.web import create_app
from journeylens.web.data import Busy, WorkspaceData
from journeylens.web.errors import INTERNAL, http_error

TOKEN = "test-token-0123456789"

FAILURES = [
    (InputError("top must be between 1 and 50, got 0"), 400),
    (Busy("an import is running; try again in a moment"), 503),
    (WorkspaceError("the workspace file is damaged"), 500),
    (duckdb.BinderException('Binder Error: column "secret_col" not found in SELECT x'), 500),
    (ZeroDivisionError("division by zero"), 500),
]


@pytest.fixture(scope="module")
def signed_in(web_workspace: Path) -> TestClient:
    app = create_app(web_workspace, token=TOKEN, allowed_hosts=["testserver"])
    c = TestClient(app, follow_redirects=False)
    assert c.get("/?token=" + TOKEN).status_code == 303
    return c


@pytest.mark.parametrize(("error", "status"), FAILURES)
def test_the_mapping(error, status, caplog):
    with caplog.at_level(logging.ERROR, logger="journeylens.web"):
        got, message = http_error(error, path="/x")
    assert got == status
    ours = isinstance(error, InputError | WorkspaceError)
    assert message == (str(error) if ours else INTERNAL)
    # Only a failure that is not ours is logged, with its traceback, for the operator.
    assert bool(caplog.records) is (not ours)


@pytest.mark.parametrize(("error", "status"), FAILURES)
def test_pages_and_api_answer_a_failure_alike(signed_in, monkeypatch, error, status):
    def fail(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(WorkspaceData, "cached", fail)
    page = signed_in.get("/variants")
    api = signed_in.get("/api/variants")
    message = http_error(error)[1]
    assert page.status_code == api.status_code == status
    assert api.json() == {"error": message}
    assert message.replace('"', "&#34;").replace("'", "&#39;") in page.text or message in page.text
    for leak in ("secret_col", "Binder Error", "Traceback", "ZeroDivisionError"):
        assert leak not in page.text and leak not in api.text


def test_api_answers_are_json_plain(signed_in, monkeypatch):
    import numpy as np
    import pandas as pd

    def answer(*_args, **_kwargs):
        return pd.DataFrame(
            {"n": [np.int64(3)], "share": [np.nan], "at": [pd.Timestamp("2024-01-02")]}
        )

    monkeypatch.setattr(WorkspaceData, "cached", answer)
    r = signed_in.get("/api/variants")
    assert r.status_code == 200
    assert r.json() == {"variants": [{"n": 3, "share": None, "at": "2024-01-02T00:00:00"}]}

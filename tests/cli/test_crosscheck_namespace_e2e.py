"""End to end: each `--once --json` cross-check row says whose figures it checks (`namespace`), the field the
dashboard's Cross-check filters on (audit 6 B8): a Job's item names no namespace, so its row said nobody's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import jsonschema
import pytest

from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e


def test_every_cross_check_row_names_the_namespace_it_checks(fake: Callable[..., Served]) -> None:
    served = fake()
    doc = served.run("--once", "--json", "--no-history", frozen_clock=True).doc()
    jsonschema.validate(doc, once_schema())
    rows = doc["crosscheck"]
    job_of = {j["id"]: j["namespace"] for j in doc["jobs"]}
    jobs = [r for r in rows if r["item"].startswith("job ")]
    assert jobs  # the demo's Jobs are checked against their statement lines
    for row in jobs:  # "job <id> <flavor>": the Job's own namespace, from its listing
        assert row["namespace"] == job_of[row["item"].split()[1]], row
    for row in rows:
        words = row["item"].split()
        if words[0] in ("endpoint", "space"):  # "endpoint <ns>/<name> ...": the owner in the item
            assert row["namespace"] == words[1].partition("/")[0], row
        elif words[0] == "total":  # "total <product> <ns>"
            assert row["namespace"] == words[-1], row
    # the demo runs no proxy: every row is one namespace's, and each of the account's has its rows
    namespaces = Counter(r["namespace"] for r in rows)
    assert None not in namespaces and set(namespaces) <= {"ada", "ada-labs", "northwind"}
    assert namespaces["ada"] > 0 and namespaces["ada-labs"] > 0

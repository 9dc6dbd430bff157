"""End to end: `hfmon --once` shows the current period's invoice of each namespace from its statement."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli.test_once_e2e import Served, fake  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e


def test_the_current_period_has_no_invoice_yet_and_says_so(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake()
    run = served.run("--once", "--json")
    assert run.code == 0, run.stderr
    readable = [served.hub.scenario.user.name] + [o.name for o in served.hub.scenario.orgs if o.billing_readable]
    # The fake, like HF, issues an invoice only once a period closes: mid-period it is `no-invoice`.
    assert run.doc()["invoices"] == [{"namespace": ns, "issued": False, "status": None, "amount_due_usd": None,
                                      "total_usd": None, "due_at": None} for ns in readable]
    text = served.run("--once").stdout
    assert f"Invoice   {readable[0]} none issued yet" in text

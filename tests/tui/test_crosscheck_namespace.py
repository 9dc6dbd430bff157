"""The Cross-check screen and the Flags panel under the namespace filter `n` (audit 6 B8). A Job's check item is
`job <id> <flavor>`: no namespace in it, so every Job check vanished under any namespace, while the summary line kept
counting the account's 33 checks. The demo (seed 7) at Nov 18 15:00: ada-labs has 14 checks (its h200 Job's among
them), ada 19 (four Jobs); 14 + 19 = 33."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from decimal import Decimal

from hfmon.fakehub import demo_scenario
from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo
from tests.tui.test_app import row_keys, settle, table, text_of


async def test_job_checks_follow_their_namespace_and_the_summary_counts_the_rows_shown() -> None:
    monitor, _ = frozen_demo(history=False, scenario=demo_scenario(seed=7))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(app, pilot)
            await pilot.press("6")
            await pilot.pause()
            report = app.report
            assert report is not None and len(report.crosscheck) == 33
            jobs = {j.job.id: j.job.namespace for j in report.jobs}
            shown: dict[str, list[str]] = {}
            while len(shown) < 2:
                await pilot.press("n")
                await pilot.pause()
                if app.namespace in ("ada", "ada-labs"):
                    keys = row_keys(table(app, "checks"))
                    shown[app.namespace] = keys
                    statuses = Counter(c.status.value for c in report.crosscheck if c.item in keys)
                    summary = text_of(app, "#check-summary")
                    assert summary.startswith(" · ".join(f"{statuses.get(s, 0)} {s}" for s in
                                                         ("drift", "unpriced", "pending", "ok"))), summary
            assert (len(shown["ada-labs"]), len(shown["ada"])) == (14, 19)  # were 13 and 15
            for ns, keys in shown.items():
                job_rows = {k.split()[1] for k in keys if k.startswith("job ")}
                assert job_rows == {i for i, n in jobs.items() if n == ns and any(
                    c.item.startswith(f"job {i}") for c in report.crosscheck)}, ns
                assert job_rows, ns
    finally:
        await monitor.aclose()


async def test_a_jobs_flag_stays_under_its_namespace() -> None:
    # the l4x1 Job of ada started 14:25: running 0.6 h at 15:00, past a 0.5 h limit; its flag's subject is its id
    monitor, _ = frozen_demo(history=False, scenario=demo_scenario(seed=7))
    monitor.config = replace(monitor.config, alerts=replace(monitor.config.alerts, long_job_hours=Decimal("0.5")))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    flag = "Job cc9cd021b4815cda4596be7c (l4x1) has been running for 0.6 h"
    try:
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(app, pilot)
            assert flag in text_of(app, "#flags")
            while app.namespace != "ada":
                await pilot.press("n")
                await pilot.pause()
            assert flag in text_of(app, "#flags")  # was gone under any namespace
            while app.namespace != "ada-labs":
                await pilot.press("n")
                await pilot.pause()
            assert flag not in text_of(app, "#flags")
    finally:
        await monitor.aclose()

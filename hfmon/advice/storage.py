"""Private storage above the plan: billed in whole TB a month; the largest private repos say where it went. Pure."""

from __future__ import annotations

from decimal import Decimal

from hfmon.advice.model import Confidence, Finding, HowToApply
from hfmon.format import money, shell_command, size
from hfmon.report import PriceSource, Storage

TB = 10**12


def storage_findings(storage: Storage, usd_per_tb_month: Decimal, as_of: str) -> list[Finding]:
    """One finding per namespace whose private storage is above its plan's private limit, priced from the bundled
    storage table (dated `as_of`: HF publishes no live storage price)."""
    out = []
    for ns in storage.by_namespace:
        excess = ns.over_bytes  # the storage module's one rule for "over the limit" (None: either side unknown)
        if not excess:
            continue
        whole_tb = -(-excess // TB)
        saving = usd_per_tb_month * whole_tb
        largest, freed = [], 0
        for repo in (r for r in storage.repos if r.namespace == ns.namespace and r.private):
            if freed >= excess:
                break
            largest.append(repo)
            freed += repo.bytes
        first = largest[0] if largest else None
        short = freed < excess  # the listing holds less than the excess: doing all this would not bring it under
        shortfall = (f"the private repos listed hold {size(freed)} of the {size(excess)} above the plan: the rest "
                     "is not in the repository listing",) if short else ()
        evidence = (f"{size(ns.private_bytes)} private against a plan of {size(ns.private_limit_bytes)}: "
                    f"{size(excess)} above, billed as {whole_tb} TB at {money(usd_per_tb_month)}/TB a month",
                    *(f"{r.type} {r.id}: {size(r.bytes)}" for r in largest), *shortfall)
        names = ", ".join(r.id for r in largest) or "its largest private repos"
        out.append(Finding(
            "storage_above_plan", ns.namespace, f"storage {ns.namespace}",
            f"bring private storage under the plan ({size(excess)} to free): delete, move or make public {names}",
            None if short else saving,
            "saving unknown: the repos hfmon can see do not free enough to bring it under the plan" if short else
            f"billed in whole TB: from {whole_tb} TB above the plan ({money(saving)}/month) to none "
            "(below the first volume tier)",
            Confidence.MEASURED, evidence,
            HowToApply(shell_command("hf", "repos", "delete", first.id, "--type", first.type) if first
                       else "hf repos ls",
                       "Settings › Storage (of the user or org): the repositories by size",
                       f"DELETE https://huggingface.co/api/repos/delete {{\"name\": \"{first.id}\", "
                       f"\"type\": \"{first.type}\"}}" if first else "GET https://huggingface.co/api/settings/repositories"),
            saving, price_source=PriceSource.BUNDLED, price_as_of=as_of))
    return out

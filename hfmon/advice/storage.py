"""Private storage above the plan: billed in whole TB a month; the largest private repos say where it went. Pure."""

from __future__ import annotations

from hfmon.advice.model import Confidence, Finding, HowToApply
from hfmon.format import money, shell_command, size
from hfmon.pricing.catalog import Bundled, StorageTier
from hfmon.report import PriceSource, Storage

TB = 10**12


def storage_findings(storage: Storage, bundled: Bundled) -> list[Finding]:
    """One finding per namespace whose private storage is above its plan's private limit, priced from the bundled
    storage table and its volume tiers (dated: HF publishes no live storage price)."""
    out = []
    for ns in storage.by_namespace:
        excess = ns.over_bytes  # the storage module's one rule for "over the limit" (None: either side unknown)
        if not excess:
            continue
        whole_tb = -(-excess // TB)
        tier = bundled.private_storage_tier(whole_tb)
        least, most = bundled.private_storage_usd(whole_tb)
        saving = least if least == most else None  # from the first volume tier on, only a range is known
        largest, freed = [], 0
        for repo in (r for r in storage.repos if r.namespace == ns.namespace and r.private):
            if freed >= excess:
                break
            if repo.bytes is None:  # unknown size: sorted last, nothing said of what deleting it frees
                continue
            largest.append(repo)
            freed += repo.bytes
        first = largest[0] if largest else None
        short = freed < excess  # the listing holds less than the excess: doing all this would not bring it under
        shortfall = (f"the private repos listed hold {size(freed)} of the {size(excess)} above the plan: the rest "
                     "is not in the repository listing",) if short else ()
        evidence = (f"{size(ns.private_bytes)} private against a plan of {size(ns.private_limit_bytes)}: "
                    f"{size(excess)} above, billed as {whole_tb} TB at {money(tier.usd_per_tb_month)}/TB a month (the "
                    f"{tier.name} tier)",
                    *(f"{r.type} {r.id}: {size(r.bytes)}" for r in largest), *shortfall)
        names = ", ".join(r.id for r in largest) or "its largest private repos"
        out.append(Finding(
            "storage_above_plan", ns.namespace, f"storage {ns.namespace}",
            f"bring private storage under the plan ({size(excess)} to free): delete, move or make public {names}",
            None if short else saving,
            "saving unknown: the repos hfmon can see do not free enough to bring it under the plan" if short else
            f"billed in whole TB: from {whole_tb} TB above the plan ({money(least)}/month) to none (the base "
            f"price{below_tiers(tier)})" if saving is not None else
            f"saving unknown: {whole_tb} TB above the plan is in the {tier.name} volume tier "
            f"({money(tier.usd_per_tb_month)}/TB a month); whether HF bills all of it at that price or only the TB "
            f"past {tier.from_tb} is not published: {money(least)} to {money(most)} a month",
            Confidence.MEASURED, evidence,
            HowToApply(shell_command("hf", "repos", "delete", first.id, "--type", first.type) if first
                       else "hf repos ls",
                       "Settings › Storage (of the user or org): the repositories by size",
                       f"DELETE https://huggingface.co/api/repos/delete {{\"name\": \"{first.id}\", "
                       f"\"type\": \"{first.type}\"}}" if first else "GET https://huggingface.co/api/settings/repositories"),
            saving, price_source=PriceSource.BUNDLED, price_as_of=bundled.storage_as_of, charged_for_month=True))
    return out


def below_tiers(tier: StorageTier) -> str:
    """Where the base price of private storage ends: ", below the first volume tier at 50 TB"."""
    return "" if tier.to_tb is None else f", below the first volume tier at {tier.to_tb} TB"

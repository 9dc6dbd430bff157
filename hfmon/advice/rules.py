"""Findings on Endpoints and Spaces: what keeps them billing when nobody needs them, and what that costs. Pure.

- `cannot_scale_to_zero` (judged): an Endpoint billed now with min replica >= 1 bills its min replicas every hour
  of the month; scaling to zero it would bill only `AdvisorSettings.needed_hours_month()`.
- `idle_timeout_tail` / `long_sleep_time` (measured): every time an Endpoint scaled to zero or a GPU Space fell
  asleep, it had billed its whole timeout idle first; a timeout of `idle_target_min` saves the difference each
  time. Counted in history over the last `window_days`, scaled to a month.
- `no_sleep_time` (judged): a GPU Space billed now that never sleeps, as for Endpoints above.
- `forgotten` (measured): billed now and unchanged (no state or replica change) for `forgotten_days` or more while
  history watched: pausing it saves all it costs, if nobody uses it (hfmon cannot see traffic).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.advice.idle import Window, idle_tails, unchanged_since, watched
from hfmon.advice.model import AdvisorSettings, Confidence, Finding, HowToApply, priced_by
from hfmon.format import counted, per_hour, shell_command
from hfmon.history import History, StateChange
from hfmon.report import EndpointRow, Price, ResourceCost, SpaceRow

MICRO = Decimal("0.000001")
ENDPOINTS_API = "https://api.endpoints.huggingface.cloud/v2/endpoint"
HUB_API = "https://huggingface.co/api"


def _usd(value: Decimal) -> Decimal:
    return value.quantize(MICRO)


SPACE_IDLE = frozenset({"PAUSED", "BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR", "NO_APP_FILE", "DELETING"})
ENDPOINT_IDLE = frozenset({"paused", "failed", "updateFailed"})
"""Stages in which a resource does not run again by itself: its timeouts cost nothing until someone restarts it."""


def _unpriced(what: str) -> str:
    return f"saving unknown: {what} has no price in any catalog layer"


def _endpoint_ref(row: EndpointRow) -> tuple[str, str]:
    e = row.endpoint
    hardware = f"{e.vendor}/{e.instance_type}/{e.instance_size}"
    return f"endpoint {e.id}", hardware


def _minutes(seconds: int) -> str:
    return f"{seconds // 3600} h" if seconds % 3600 == 0 else f"{seconds // 60} min"


def cannot_scale_to_zero(row: EndpointRow, settings: AdvisorSettings) -> Finding | None:
    """An Endpoint billed now whose min replica keeps it up around the clock."""
    e, cost = row.endpoint, row.cost
    low = e.min_replica or 0
    if low < 1 or not cost.replicas:
        return None
    name, hardware = _endpoint_ref(row)
    target = settings.idle_target_min
    saving = month = None
    assumption = _unpriced(hardware)
    if cost.price is not None:
        month = _usd(cost.price.usd_per_hour * low * settings.hours_per_month)
        saving = _usd(cost.price.usd_per_hour * low * (settings.hours_per_month - settings.needed_hours_month()))
        assumption = settings.busy_phrase() + " (hfmon cannot see its traffic)"
    return Finding(
        "cannot_scale_to_zero", e.namespace, name,
        f"let it scale to zero: min replica {e.min_replica} → 0, scale to zero after {target} min idle",
        saving, assumption, Confidence.JUDGED,
        (f"min replica {e.min_replica}: {e.min_replica} × {per_hour(_price(cost.price))} billed every hour",
         f"state {e.state}, {counted(cost.replicas, 'replicas')} billed now"),
        scale_to_zero_apply(e.namespace, e.name, target),
        month, so_far(cost), **priced_by(cost.price))


def so_far(cost: ResourceCost) -> Decimal | None:
    """What a resource cost this period so far: recomputed from the catalog, else as billed, else unknown."""
    return cost.recomputed_usd if cost.recomputed_usd is not None else cost.billed_usd


def scale_to_zero_apply(namespace: str, name: str, timeout_min: int) -> HowToApply:
    """How to let an Endpoint scale to zero after `timeout_min` idle minutes."""
    scaling = {"minReplica": 0, "scaleToZeroTimeout": timeout_min}
    return HowToApply(
        shell_command("hf", "endpoints", "update", name, "--namespace", namespace, "--min-replica", 0,
                      "--scale-to-zero-timeout", timeout_min),
        f"endpoint {namespace}/{name} › Settings › Autoscaling: min replicas 0, scale to zero after {timeout_min} min",
        f"PUT {ENDPOINTS_API}/{namespace}/{name} {{\"compute\": {{\"scaling\": {_json(scaling)}}}}}")


def _price(price: Price | None) -> Decimal | None:
    return None if price is None else price.usd_per_hour


def _json(values: dict[str, int]) -> str:
    return "{" + ", ".join(f'"{k}": {v}' for k, v in values.items()) + "}"


def _tail_saving(kind: str, price: Price | None, changes: Sequence[StateChange], window: Window | None,
                 timeout_s: int, settings: AdvisorSettings, what: str) -> tuple[Decimal | None, str, tuple[str, ...],
                                                                                 Confidence]:
    """(saving a month, assumption, evidence, confidence) of shortening an idle timeout to the target."""
    target_s = settings.idle_target_min * 60
    if window is None or window.hours < settings.min_history_hours:
        seen = "none" if window is None else f"{window.hours:.1f} h"
        return (None, f"saving unknown: needs {settings.min_history_hours} h of history to count its idle stretches "
                      f"(hfmon has {seen})", (), Confidence.JUDGED)
    tails = idle_tails(kind, changes, window)
    replica_tails = sum(tails)
    evidence = (f"went idle {len(tails)} times in the last {window.hours:.1f} h of history, each after "
                f"{_minutes(timeout_s)} with no traffic",)
    if price is None:
        return None, _unpriced(what), evidence, Confidence.MEASURED
    saved_h = Decimal(replica_tails) * Decimal(timeout_s - target_s) / 3600
    saving = _usd(price.usd_per_hour * saved_h * settings.hours_per_month / window.hours)
    assumption = (f"at the {len(tails)} idle stretches per {window.hours:.1f} h history shows, each "
                  f"{_minutes(timeout_s - target_s)} shorter, if traffic comes back no sooner than before")
    return saving, assumption, evidence, Confidence.MEASURED


def idle_timeout_tail(row: EndpointRow, history: History, changes: Sequence[StateChange],
                      settings: AdvisorSettings, now: datetime) -> Finding | None:
    """A scale-to-zero Endpoint whose timeout bills long idle stretches before each scale-down."""
    e = row.endpoint
    timeout = e.scale_to_zero_timeout_min
    target = settings.idle_target_min
    if (e.min_replica or 0) != 0 or timeout is None or timeout < 2 * target or e.state in ENDPOINT_IDLE:
        return None
    name, hardware = _endpoint_ref(row)
    window = watched(history, changes, now, settings.window_days, (e.namespace, "endpoint"))
    saving, assumption, evidence, confidence = _tail_saving("endpoint", row.cost.price, changes, window,
                                                            timeout * 60, settings, hardware)
    if saving is not None and saving <= 0:
        return None
    return Finding(
        "idle_timeout_tail", e.namespace, name, f"scale to zero after {target} min idle instead of {timeout} min",
        saving, assumption, confidence, (f"scale to zero after {timeout} min", *evidence),
        HowToApply(shell_command("hf", "endpoints", "update", e.name, "--namespace", e.namespace,
                                 "--scale-to-zero-timeout", target),
                   f"endpoint {e.id} › Settings › Autoscaling: scale to zero after {target} min",
                   f"PUT {ENDPOINTS_API}/{e.namespace}/{e.name} {{\"compute\": {{\"scaling\": "
                   f"{_json({'scaleToZeroTimeout': target})}}}}}"),
        so_far_usd=so_far(row.cost), **priced_by(row.cost.price))


def sleep_apply(space_id: str, seconds: int) -> HowToApply:
    """How to set a Space's sleep time."""
    return HowToApply(shell_command("hf", "spaces", "settings", space_id, "--sleep-time", seconds),
                      f"Space {space_id} › Settings › Sleep time: {_minutes(seconds)}",
                      f"POST {HUB_API}/spaces/{space_id}/sleeptime {{\"seconds\": {seconds}}}")


def no_sleep_time(row: SpaceRow, gpu: bool, settings: AdvisorSettings) -> Finding | None:
    """A GPU Space billed now that never sleeps."""
    s, cost = row.space, row.cost
    if not gpu or cost.granted or not cost.replicas or not s.never_sleeps:  # sleeps, or unknown (not judged)
        return None
    hardware = s.hardware or s.requested_hardware or "its hardware"
    saving = month = None
    assumption = _unpriced(hardware) if cost.granted is not None else MAYBE_GRANTED
    if cost.price is not None and cost.price.usd_per_hour <= 0:
        return None
    if cost.price is not None and cost.granted is not None:
        month = _usd(cost.price.usd_per_hour * cost.replicas * settings.hours_per_month)
        idle_hours = settings.hours_per_month - settings.needed_hours_month()
        saving = _usd(cost.price.usd_per_hour * cost.replicas * idle_hours)
        assumption = settings.busy_phrase() + " (hfmon cannot see its visitors)"
    target = settings.idle_target_min * 60
    return Finding("no_sleep_time", s.namespace, f"space {s.id}", f"set a sleep time of {_minutes(target)}",
                   saving, assumption, Confidence.JUDGED,
                   (f"no sleep time: {cost.replicas} × {hardware} at {per_hour(_price(cost.price))} "
                    "billed every hour", f"stage {s.stage}"),
                   sleep_apply(s.id, target), month, so_far(cost), **priced_by(cost.price))


def long_sleep_time(row: SpaceRow, gpu: bool, history: History, changes: Sequence[StateChange],
                    settings: AdvisorSettings, now: datetime) -> Finding | None:
    """A GPU Space whose sleep time bills long idle stretches before each sleep."""
    s, cost = row.space, row.cost
    target = settings.idle_target_min * 60
    if not gpu or cost.granted or s.sleep_time_s is None or s.sleep_time_s < 2 * target or s.stage in SPACE_IDLE:
        return None
    if cost.price is not None and cost.price.usd_per_hour <= 0:
        return None
    hardware = s.hardware or s.requested_hardware or "its hardware"
    window = watched(history, changes, now, settings.window_days, (s.namespace, "space"))
    price = None if cost.granted is None else cost.price  # maybe granted: saving unknown
    saving, assumption, evidence, confidence = _tail_saving("space", price, changes, window, s.sleep_time_s,
                                                            settings, hardware)
    if saving is not None and saving <= 0:
        return None
    return Finding("long_sleep_time", s.namespace, f"space {s.id}",
                   f"sleep after {_minutes(target)} instead of {_minutes(s.sleep_time_s)}",
                   saving, assumption, confidence, (f"sleep time {_minutes(s.sleep_time_s)} on {hardware}", *evidence),
                   sleep_apply(s.id, target), so_far_usd=so_far(cost), **priced_by(price))


MAYBE_GRANTED = "its hardware may be granted (no statement line for it)"
"""Why a Space's saving is unknown when no statement line says whether its hardware is granted."""


def forgotten(kind: str, resource_id: str, namespace: str, per_hour_now: Decimal | None, replicas: int | None,
              changes: Sequence[StateChange], history: History, settings: AdvisorSettings, now: datetime,
              updated_at: datetime | None = None, so_far_usd: Decimal | None = None,
              unknown_why: str | None = None, price: Price | None = None) -> Finding | None:
    """A resource billed now that nothing has changed for `forgotten_days` while history watched it (`unknown_why`:
    why its $/h is unknown, when it is not the lack of a price; `price`: what its $/h was priced at)."""
    if not replicas or (per_hour_now is not None and per_hour_now <= 0):
        return None
    last = unchanged_since(changes)
    days = timedelta(days=settings.forgotten_days)
    window = watched(history, changes, now, 10**5, (namespace, kind))
    if last is None or window is None or now - last < days or now - window.start < days:
        return None
    if updated_at is not None and now - updated_at < days:
        return None
    idle_days = (now - last) / timedelta(days=1)
    saving = None if per_hour_now is None else _usd(per_hour_now * settings.hours_per_month)
    assumption = ("if nobody uses it (hfmon cannot see traffic): pausing stops all of its bill"
                  if saving is not None else
                  f"saving unknown: {unknown_why or 'its hardware has no price in any catalog layer'}")
    if kind == "endpoint":
        ns, name = resource_id.split("/", 1)
        apply = HowToApply(shell_command("hf", "endpoints", "pause", name, "--namespace", ns),
                           f"endpoint {resource_id} › Pause",
                           f"POST {ENDPOINTS_API}/{ns}/{name}/pause")
    else:
        apply = HowToApply(shell_command("hf", "spaces", "pause", resource_id),
                           f"Space {resource_id} › Settings › Pause Space",
                           f"POST {HUB_API}/spaces/{resource_id}/pause")
    return Finding("forgotten", namespace, f"{kind} {resource_id}", "pause it if nobody uses it",
                   saving, assumption, Confidence.MEASURED,
                   (f"billed now ({per_hour(per_hour_now)}, {counted(replicas, 'replicas')}) and unchanged for "
                    f"{idle_days:.1f} days (since {last:%b %d %H:%M} UTC)",),
                   apply, saving, so_far_usd, **priced_by(price))




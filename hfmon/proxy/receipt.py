"""`hfmon receipt ID`: what one `hfmon run` cost, by model: requests, errors, tokens, estimated cost, and the
settled cost once Hugging Face has settled it (read back with hfmon's own token)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, TextIO

from hfmon.exitcodes import ExitCode

if TYPE_CHECKING:
    from hfmon.ledger import LedgerRow, SessionSettled
    from hfmon.models import SessionCost
    from hfmon.report import Total
    from hfmon.store import HistoryStore

DESCRIPTION = """\
Print the cost receipt of one `hfmon run`: its requests, errors and tokens by model, what they cost at the
router's prices (estimated), and what Hugging Face settled for them, read from usage-by-inference-session
with your token (HF_TOKEN or `hf auth login`, billing read). Settlement takes up to ~30 minutes.
"""

EPILOG = """\
examples:
  hfmon receipt 20261130T0730-3fa2c1     the receipt of the run `hfmon run` printed this id for

exit codes:
  0  printed (settled figures may still be pending)
  2  no run with that id in the history file, or the history file cannot be used
"""

@dataclass(frozen=True, slots=True)
class Unrecorded:
    """A run's requests the history file refused (`LedgerWriter`): `unsaved` are counted from memory but are not in
    the file (`journaled` of them are in the proxy's journal); `lost` were dropped for good (in no figure but their
    count); `why` the last write failed."""

    unsaved: int = 0
    lost: int = 0
    journaled: int = 0  # of `unsaved`, those kept in the proxy's journal (the next proxy writes them in)
    why: str | None = None


SETTLE_NOTE = "Hugging Face settles requests up to ~30 minutes after they are made"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the receipt's argument."""
    parser.add_argument("run_id", metavar="ID", help="the run id `hfmon run` printed")


def run(args: argparse.Namespace) -> int:
    """Print the receipt of a past run, refreshing its settled costs first."""
    from hfmon.proxy.history_file import open_history
    from hfmon.store import ledger as stored

    store = open_history("receipt")
    if store is None:
        return int(ExitCode.USAGE)
    with store:
        rows = stored.load_run(store, args.run_id)
        gaps = stored.run_gaps(store, args.run_id)  # its requests the history file refused past what was kept
        if not rows and not gaps:
            print(f"hfmon receipt: no run {args.run_id!r} in {store.path}; use the id `hfmon run` printed",
                  file=sys.stderr)
            return int(ExitCode.USAGE)
        note = refresh_settled(store, rows) if rows else None
        settled = stored.settled(store, {r.session_id for r in rows if r.session_id})
    lost = Unrecorded(lost=sum(g.requests for g in gaps), why=gaps[-1].why if gaps else None)
    print_receipt(args.run_id, rows, settled, note, sys.stdout, unrecorded=lost)
    return int(ExitCode.OK)


def refresh_settled(store: HistoryStore, rows: Sequence[LedgerRow], timeout_s: float = 20.0) -> str | None:
    """Read the settled costs of the rows' sessions with hfmon's own token and keep them; None, or why not."""
    from hfmon.api.session import open_client
    from hfmon.errors import HfmonError
    from hfmon.store import ledger as stored

    namespaces = sorted({r.namespace for r in rows}, key=lambda n: n or "")
    start = min(r.at for r in rows) - timedelta(minutes=1)

    async def read() -> tuple[list[SessionCost], datetime]:
        client, clock = open_client()
        found: list[SessionCost] = []
        async with client:
            now = clock.now()
            for ns in namespaces:  # None: the caller's own account
                found += await client.sessions(ns or "", user=ns is None, start=start, end=now)
        return found, now

    try:
        found, now = asyncio.run(asyncio.wait_for(read(), timeout_s))
    except HfmonError as exc:
        return f"settled costs not read: {exc.message}"
    except TimeoutError:
        return "settled costs not read: Hugging Face did not answer in time"
    stored.store_sessions(store, found, now)
    return None


def print_receipt(run_id: str, rows: Sequence[LedgerRow], settled: Mapping[str, SessionSettled], note: str | None,
                  out: TextIO, unpriced_why: Mapping[str, str] | None = None, free: Set[str] = frozenset(),
                  unrecorded: Unrecorded = Unrecorded()) -> None:
    """The receipt: one line per model, then the total and what any partial figure leaves out (`unpriced_why`:
    why requests priced as a key are unpriced, when this process knows: the router's prices could not be read;
    `free`: what the router marks `is_free`, a promo estimated at $0, as `LedgerRow.priced_as`; `unrecorded`: the
    run's requests the history file refused)."""
    from hfmon.costs import ledger as figures
    from hfmon.figures import Total
    from hfmon.format import money_total, token_count

    models = figures.breakdown(rows, figures.by_model, settled)
    total = figures.figures("total", rows, settled, figures.session_sizes(rows))
    width = max([len("model"), *(len(m.name) for m in models)])
    paid = {r.model for r in rows if r.priced_as not in free}
    plural = {True: "s", False: ""}
    lost, why = unrecorded.lost, f" ({unrecorded.why})" if unrecorded.why else ""
    head = f"{total.requests} request{plural[total.requests != 1]}"
    if lost:  # their count is known, nothing else: every total is a lower bound
        refused = f"unknown:{lost} request{plural[lost != 1]} the history file refused{why}"
        gone: Total[Decimal] = Total(None, (refused,))
        total = replace(total, tokens_unknown=total.tokens_unknown + lost,
                        estimated_usd=Total.sum((total.estimated_usd, gone), Decimal(0)),
                        settled_usd=Total.sum((total.settled_usd, gone), Decimal(0)))
    print(f"hfmon run {run_id}: {head}, {total.errors} error{plural[total.errors != 1]}"
          + (f", and {lost} more not recorded (figures at least)" if lost else ""), file=out)
    print(f"{'model':<{width}}  {'reqs':>5} {'errs':>5} {'tokens in':>10} {'out':>8}  {'estimated':>20}  settled",
          file=out)
    for m in (*models, total):
        pending = m.settled_usd.known is None and m.requests > m.errors
        shown = "pending" if pending else money_total(m.settled_usd, fine=True)
        tokens_in, tokens_out = (token_count(n, m.tokens_unknown) for n in (m.prompt_tokens, m.completion_tokens))
        promo = m is not total and m.name not in paid
        estimate = "free (promo)" if promo else money_total(m.estimated_usd, fine=True)
        print(f"{m.name:<{width}}  {m.requests:>5} {m.errors:>5} {tokens_in:>10} {tokens_out:>8}  "
              f"{estimate:>20}  {shown}", file=out)
    for offer in sorted({r.priced_as for r in rows} & set(free)):
        print(f"  free (promo): {offer}: the router marks this offer is_free, estimated at $0", file=out)
    for reason in reasons(total.estimated_usd, total.settled_usd, unpriced_why=unpriced_why or {}):
        print(f"  not in the figures: {reason}", file=out)
    if unsaved := unrecorded.unsaved - unrecorded.journaled:
        one = unsaved == 1
        print(f"  not in the history file: {unsaved} request{plural[not one]}{why}: counted here; "
              f"`hfmon receipt {run_id}` will not count {'it' if one else 'them'}", file=out)
    if unrecorded.journaled:
        one = unrecorded.journaled == 1
        print(f"  not in the history file yet: {unrecorded.journaled} request{plural[not one]}{why}: counted here; "
              f"kept in the proxy's journal until the next `hfmon proxy` or `hfmon run` writes "
              f"{'it' if one else 'them'} in", file=out)
    if not total.settled_usd.complete:
        print(f"{SETTLE_NOTE}: `hfmon receipt {run_id}` shows them when they land.", file=out)
    if note:
        print(note, file=out)


def reasons(*totals: Total[Decimal], unpriced_why: Mapping[str, str]) -> list[str]:
    """What partial totals leave out, in words (`unpriced:m via p` → `m via p (unpriced)`, or `m via p (unpriced:
    router prices could not be read: …)` when `unpriced_why` says why)."""
    out: dict[str, None] = {}
    for total in totals:
        for missing in total.missing:
            kind, _, what = missing.partition(":")
            why = unpriced_why.get(what) if kind == "unpriced" else None
            out[f"{what} ({kind}: {why})" if why else f"{what} ({kind})"] = None
    return list(out)

"""The history file's schema: an ordered list of migrations, applied in place up to `SCHEMA_VERSION`.

The version lives in `PRAGMA user_version`. Migration N takes a version N-1 file to version N; a new file
runs all of them. Never edit a released migration: append a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

# Times are integer microseconds since the Unix epoch (UTC), money is the Decimal's exact text.
V1 = (
    """
    CREATE TABLE usage_points (
        namespace TEXT NOT NULL,
        at INTEGER NOT NULL,
        period_start INTEGER NOT NULL,
        inference_used_usd TEXT NOT NULL,
        jobs_used_usd TEXT
    )
    """,
    "CREATE INDEX usage_points_namespace_at ON usage_points (namespace, at)",
)

# v2: resource state transitions. `resources` holds one row per known resource: its namespace and latest
# state (so record() compares with an index lookup and notices deletions), when it was last seen (so
# retention can forget deleted ones), and a small integer id that `state_changes` uses instead of repeating
# kind and name. `state_changes` is clustered on (resource_id, at): the table is its own index, which halves
# the bytes per change.
V2 = (
    """
    CREATE TABLE resources (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        resource TEXT NOT NULL,
        namespace TEXT NOT NULL,
        state TEXT NOT NULL,
        hardware TEXT,
        replicas INTEGER NOT NULL,
        changed_at INTEGER NOT NULL,
        seen_at INTEGER NOT NULL,
        UNIQUE (kind, resource)
    )
    """,
    """
    CREATE TABLE state_changes (
        resource_id INTEGER NOT NULL REFERENCES resources (id),
        at INTEGER NOT NULL,
        state TEXT NOT NULL,
        hardware TEXT,
        replicas INTEGER NOT NULL,
        PRIMARY KEY (resource_id, at)
    ) WITHOUT ROWID
    """,
)

# v3: when polls happened, as runs of polls no further apart than history.POLL_RUN_BREAK (one row per run,
# not per poll): the history cross-check allows for the gaps between polls, whichever process made them.
V3 = (
    """
    CREATE TABLE poll_runs (
        first_at INTEGER PRIMARY KEY,
        last_at INTEGER NOT NULL,
        max_gap INTEGER NOT NULL
    )
    """,
)

# v4: alert state shared by every hfmon process on this file (hfmon.store.alert_state). `alert_state` has one
# row per alert (rule:subject) that has fired, or per source seen failing (`failing_since`); `alert_events` is
# the alert history the dashboard lists, each event as its JSON document.
V4 = (
    """
    CREATE TABLE alert_state (
        key TEXT PRIMARY KEY,
        firing INTEGER NOT NULL,
        changed_at INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE alert_failing (
        source TEXT PRIMARY KEY,
        since INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE alert_events (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        document TEXT NOT NULL
    )
    """,
)

# v5: the proxy's ledger (hfmon.ledger): one row per request through `hfmon proxy` (never a prompt or a
# completion), and the settled cost HF reported per session id the proxy chose. Money is the Decimal's text,
# NULL when unknown or unpriced; durations are integer microseconds.
V5 = (
    """
    CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        run_id TEXT,
        namespace TEXT,
        route TEXT NOT NULL,
        model TEXT NOT NULL,
        policy TEXT,
        provider TEXT,
        streamed INTEGER NOT NULL,
        status INTEGER,
        outcome TEXT NOT NULL,
        ttfb_us INTEGER,
        latency_us INTEGER,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        request_id TEXT,
        session_id TEXT,
        estimated_usd TEXT
    )
    """,
    "CREATE INDEX ledger_at ON ledger (at)",
    "CREATE INDEX ledger_run ON ledger (run_id) WHERE run_id IS NOT NULL",
    """
    CREATE TABLE ledger_sessions (
        session_id TEXT PRIMARY KEY,
        requests INTEGER NOT NULL,
        settled_usd TEXT NOT NULL,
        read_at INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
)

# v6: Inference Providers spend per provider as each poll read it (`usage/live` providerDetails), period to
# date, per namespace: a namespace's whole set of providers is written at the polls where any of it changed
# (a set with no provider at all is one row with provider ''), so the set at any time is the last one before.
V6 = (
    """
    CREATE TABLE provider_points (
        namespace TEXT NOT NULL,
        at INTEGER NOT NULL,
        period_start INTEGER NOT NULL,
        provider TEXT NOT NULL,
        used_usd TEXT NOT NULL,
        requests INTEGER NOT NULL
    )
    """,
    "CREATE INDEX provider_points_namespace_at ON provider_points (namespace, at)",
)

# v7: running sums on the state changes, so a resource's time in a state within any window is two index seeks
# (`store.aggregates`), not a pass over every change of the period. `state_keys` names each (state, hardware,
# replicas) a resource was recorded in; each change has its key, the time of the next change (`until`, NULL for
# the latest), the microseconds the resource spent in the change's key before it (`spent`, over every earlier
# change) and its position among the resource's changes (`seq`). Deleting old changes (retention) leaves the
# differences between the remaining ones right, and only differences are read.
FILL_STATE_KEYS = """
    INSERT OR IGNORE INTO state_keys (resource_id, state, hardware, replicas)
    SELECT DISTINCT resource_id, state, hardware, replicas FROM state_changes
"""
FILL_KEY_IDS = """
    UPDATE state_changes SET key_id = (
        SELECT k.id FROM state_keys AS k WHERE k.resource_id = state_changes.resource_id
        AND k.state = state_changes.state AND k.hardware IS state_changes.hardware
        AND k.replicas = state_changes.replicas)
    WHERE key_id IS NULL
"""
FILL_RUNNING_SUMS = """
    WITH u AS (
        SELECT resource_id, at, key_id, LEAD(at) OVER (PARTITION BY resource_id ORDER BY at) AS until,
               ROW_NUMBER() OVER (PARTITION BY resource_id ORDER BY at) - 1 AS seq
        FROM state_changes
    ), d AS (
        SELECT resource_id, at, until, seq,
               COALESCE(SUM(until - at) OVER (PARTITION BY key_id ORDER BY at
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS spent
        FROM u
    )
    UPDATE state_changes SET until = d.until, spent = d.spent, seq = d.seq
    FROM d WHERE state_changes.resource_id = d.resource_id AND state_changes.at = d.at
"""
V7 = (
    """
    CREATE TABLE state_keys (
        id INTEGER PRIMARY KEY,
        resource_id INTEGER NOT NULL REFERENCES resources (id),
        state TEXT NOT NULL,
        hardware TEXT,
        replicas INTEGER NOT NULL
    )
    """,
    # NULL hardware is one key, not a new one each time (x'' is a blob: no text equals it)
    "CREATE UNIQUE INDEX state_keys_unique ON state_keys (resource_id, state, IFNULL(hardware, x''), replicas)",
    "ALTER TABLE state_changes ADD COLUMN key_id INTEGER",
    "ALTER TABLE state_changes ADD COLUMN until INTEGER",
    "ALTER TABLE state_changes ADD COLUMN spent INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE state_changes ADD COLUMN seq INTEGER NOT NULL DEFAULT 0",
    FILL_STATE_KEYS,
    FILL_KEY_IDS,
    "CREATE INDEX state_changes_key ON state_changes (key_id, at, until, spent)",  # covering: seeks only
    FILL_RUNNING_SUMS,
    # which billing periods a namespace's points carry over a stretch: one seek per period (`store.figures`)
    "CREATE INDEX usage_points_period ON usage_points (namespace, period_start, at)",
)

# v8: a namespace's usage points of a period by amount (as SQLite reads the text, a float), so the first point at or
# over an amount (when the included credits ran out) is found among the points over it, not by reading the period's
# points one by one (`store.figures`).
V8 = (
    "CREATE INDEX usage_points_amount ON usage_points (namespace, period_start, CAST(inference_used_usd AS REAL), at)",
)

# v9: runs of polls per listing, (namespace, kind) (`history.Listing`): a poll extends only the runs of what it listed
# fresh (a `--namespace` poll, or one whose listing of an org failed, watched nothing else), by the rule of
# `poll_runs` (which v9 keeps: the gaps any poll allows for). A v8 file's runs do not say what they listed; its rows
# do, where there are any: a namespace had a poll at each of its usage points and state changes. So each old run
# counts for a namespace from its first to its last row within the run, split where two of its usage points are more
# than 75 min apart (a namespace whose billing was read stores its total at least hourly, and polls within a run are
# at most 15 min apart: a longer silence is a stretch nothing polled it). Outside those stretches nothing says it was
# polled, and figures there are unknown. A namespace's stretch whose last usage point is within 75 min of the run's end
# runs to that end (an unchanged total is stored only hourly, but the run says polls went on). Only each resource's
# first and last change within a run are read (two index seeks each), not every change: the fill takes well under a
# second at 1,000 resources and 30 days, inside the opening transaction.
FILL_LISTING_RUNS = """
    INSERT OR IGNORE INTO listing_runs (namespace, kind, first_at, last_at, max_gap)
    WITH span(id, namespace, lo, hi) AS (
        SELECT r.id, r.namespace, (SELECT MIN(s.at) FROM state_changes AS s WHERE s.resource_id = r.id),
               (SELECT MAX(s.at) FROM state_changes AS s WHERE s.resource_id = r.id)
        FROM resources AS r
    ), ends(namespace, run, lo, hi) AS (
        SELECT span.namespace, p.first_at,
               (SELECT MIN(s.at) FROM state_changes AS s WHERE s.resource_id = span.id AND s.at >= p.first_at
                AND s.at <= p.last_at),
               (SELECT MAX(s.at) FROM state_changes AS s WHERE s.resource_id = span.id AND s.at >= p.first_at
                AND s.at <= p.last_at)
        FROM span JOIN poll_runs AS p ON p.first_at <= span.hi AND p.last_at >= span.lo
    ), seen(namespace, run, at, billed) AS (
        SELECT u.namespace, p.first_at, u.at, 1 FROM usage_points AS u JOIN poll_runs AS p
        ON p.first_at = (SELECT MAX(m.first_at) FROM poll_runs AS m WHERE m.first_at <= u.at) AND u.at <= p.last_at
        UNION ALL
        SELECT namespace, run, MIN(lo), 0 FROM ends WHERE lo IS NOT NULL GROUP BY namespace, run
        UNION ALL
        SELECT namespace, run, MAX(hi), 0 FROM ends WHERE hi IS NOT NULL GROUP BY namespace, run
    ), marked(namespace, run, at, billed, starts) AS (
        SELECT namespace, run, at, billed,
               LAG(run) OVER w IS NOT run OR (at - LAG(at) OVER w > 4500000000
                                              AND namespace IN (SELECT namespace FROM usage_points))
        FROM seen WINDOW w AS (PARTITION BY namespace ORDER BY at)
    ), parts(namespace, run, at, billed, part) AS (
        SELECT namespace, run, at, billed,
               SUM(starts) OVER (PARTITION BY namespace ORDER BY at ROWS UNBOUNDED PRECEDING)
        FROM marked
    ), stretches(namespace, first_at, last_at, billed_at, run) AS (
        SELECT namespace, MIN(at), MAX(at), MAX(CASE WHEN billed THEN at END), run FROM parts GROUP BY namespace, part
    )
    SELECT st.namespace, kinds.column1, st.first_at,
           CASE WHEN p.last_at - st.billed_at <= 4500000000 THEN p.last_at ELSE st.last_at END, p.max_gap
    FROM stretches AS st JOIN poll_runs AS p ON p.first_at = st.run
    CROSS JOIN (VALUES ('endpoint'), ('space'), ('job'), ('billing')) AS kinds
"""
V9 = (
    """
    CREATE TABLE listing_runs (
        namespace TEXT NOT NULL,
        kind TEXT NOT NULL,
        first_at INTEGER NOT NULL,
        last_at INTEGER NOT NULL,
        max_gap INTEGER NOT NULL,
        PRIMARY KEY (namespace, kind, first_at)
    ) WITHOUT ROWID
    """,
    FILL_LISTING_RUNS,
)

# v10: the account whose token made each proxy request (whoami's name), so that with several accounts (`[profiles]`)
# sharing this file a request billed to no org (no X-HF-Bill-To) is counted for the account that made it only. NULL:
# unknown (the proxy's whoami failed, or the row was recorded before v10: whose it is cannot be told).
V10 = (
    "ALTER TABLE ledger ADD COLUMN caller TEXT",
)

# v11: what a statement line still accruing said of a resource: billed without a break since `since`, as read at
# `read_at` (`costs.uptime.statement_bounds`). On the 1st the new period's line starts at 00:00; the bound read in
# the period before is kept, so a resource up without a break since keeps it (audit 7 C5).
V11 = (
    """
    CREATE TABLE statement_bounds (
        resource_id INTEGER PRIMARY KEY REFERENCES resources (id),
        since INTEGER NOT NULL,
        read_at INTEGER NOT NULL
    )
    """,
)

# v12: what of each alert event is still to deliver (audit 7 C9), so that a delivery a cron `hfmon once` or a killed
# process missed is made by the next poll of any process: `pending`, the targets it has still to reach
# (`alerts.engine.HOOK | WEBHOOK`; 0: delivered, or recorded before v12), and `taken_at`, when a process took it to
# deliver (NULL: none is delivering it).
V12 = (
    "ALTER TABLE alert_events ADD COLUMN pending INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE alert_events ADD COLUMN taken_at INTEGER",
    "CREATE INDEX alert_events_pending ON alert_events (at) WHERE pending != 0",
)

# v13: proxy requests the ledger lost for good (the history file refused them past what the proxy keeps to retry): how
# many, from when to when, and why, so that every figure of the ledger over that time is a lower bound.
V13 = (
    """
    CREATE TABLE ledger_gaps (
        first_at INTEGER NOT NULL,
        last_at INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        why TEXT NOT NULL
    )
    """,
)

# v14: the `hfmon run` whose requests a ledger gap counts (NULL: `hfmon proxy`'s, or recorded before v14), so that
# its receipt, read again later, says them.
V14 = (
    "ALTER TABLE ledger_gaps ADD COLUMN run_id TEXT",
)

# v15: whose bill the requests a ledger gap counts were on, as their rows said (`LedgerRow.owner`: X-HF-Bill-To and
# the caller's account), so that with several accounts (`[profiles]`) sharing this file only the account that lost
# them reads its figures as lower bounds. `owned` 0: recorded before v15, whose is unknown (every account may have).
V15 = (
    "ALTER TABLE ledger_gaps ADD COLUMN namespace TEXT",
    "ALTER TABLE ledger_gaps ADD COLUMN caller TEXT",
    "ALTER TABLE ledger_gaps ADD COLUMN owned INTEGER NOT NULL DEFAULT 0",
)

# v16: each ZeroGPU Space's overage billed so far in a period (its statement's overage lines summed) as runs of polls
# that read the same total (`store.zero_gpu_points`): a moment between two polls that read the same total is known to
# have had it, so a window's edge inside a multi-day overage line is known where two such polls bracket it.
V16 = (
    """
    CREATE TABLE zero_gpu_overage (
        namespace TEXT NOT NULL,
        space TEXT NOT NULL,
        period_start INTEGER NOT NULL,
        total_usd TEXT NOT NULL,
        first_at INTEGER NOT NULL,
        last_at INTEGER NOT NULL
    )
    """,
    "CREATE INDEX zero_gpu_overage_space ON zero_gpu_overage (namespace, space, period_start, last_at)",
)

# v17: each proxy request's key in the proxy's journal (`store.journal`; NULL: written before v17, or without a
# journal), unique, so that a killed proxy's journal replayed into this file (by the next proxy) never writes a
# request twice, whether or not the proxy had written it before it died.
V17 = (
    "ALTER TABLE ledger ADD COLUMN entry TEXT",
    "CREATE UNIQUE INDEX ledger_entry ON ledger (entry) WHERE entry IS NOT NULL",
)

# v18: each ledger gap's key in the proxy's journal (`store.journal`; NULL: recorded before v18, or without a
# journal), unique, so that the gaps a proxy kept beside its journal while the history file refused them are recorded
# once, by the proxy itself or, when it stopped first, by the next poll or proxy.
V18 = (
    "ALTER TABLE ledger_gaps ADD COLUMN entry TEXT",
    "CREATE UNIQUE INDEX ledger_gaps_entry ON ledger_gaps (entry) WHERE entry IS NOT NULL",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13, V14, V15, V16,
                                           V17, V18)
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the file (0 for a new, empty file)."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, start: int, migrations: Sequence[Sequence[str]] = MIGRATIONS) -> int:
    """Apply the migrations after version `start` inside the caller's transaction; return the new version."""
    for number, statements in enumerate(migrations[start:], start=start + 1):
        for statement in statements:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")  # PRAGMA takes no bound parameters
    return len(migrations)


def shape(conn: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
    """The tables of a database and their column names (SQLite's own tables left out)."""
    tables = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {t: tuple(row[1] for row in conn.execute(f'PRAGMA table_info("{t}")')) for t in tables}


def expected_shape(version: int) -> dict[str, tuple[str, ...]]:
    """The tables and columns a history file of schema `version` has (built in memory from the migrations)."""
    with sqlite3.connect(":memory:") as scratch:
        migrate(scratch, 0, MIGRATIONS[:version])
        return shape(scratch)


CURRENT_SHAPE: dict[str, tuple[str, ...]] = {
    "usage_points": ("namespace", "at", "period_start", "inference_used_usd", "jobs_used_usd"),
    "resources": ("id", "kind", "resource", "namespace", "state", "hardware", "replicas", "changed_at", "seen_at"),
    "state_changes": ("resource_id", "at", "state", "hardware", "replicas", "key_id", "until", "spent", "seq"),
    "poll_runs": ("first_at", "last_at", "max_gap"),
    "alert_state": ("key", "firing", "changed_at"),
    "alert_failing": ("source", "since"),
    "alert_events": ("id", "at", "key", "kind", "document", "pending", "taken_at"),
    "ledger": ("id", "at", "run_id", "namespace", "route", "model", "policy", "provider", "streamed", "status",
               "outcome", "ttfb_us", "latency_us", "prompt_tokens", "completion_tokens", "request_id", "session_id",
               "estimated_usd", "caller", "entry"),
    "ledger_sessions": ("session_id", "requests", "settled_usd", "read_at"),
    "provider_points": ("namespace", "at", "period_start", "provider", "used_usd", "requests"),
    "state_keys": ("id", "resource_id", "state", "hardware", "replicas"),
    "listing_runs": ("namespace", "kind", "first_at", "last_at", "max_gap"),
    "statement_bounds": ("resource_id", "since", "read_at"),
    "ledger_gaps": ("first_at", "last_at", "requests", "why", "run_id", "namespace", "caller", "owned", "entry"),
    "zero_gpu_overage": ("namespace", "space", "period_start", "total_usd", "first_at", "last_at"),
}
"""`expected_shape(SCHEMA_VERSION)` written out (a test checks it against the migrations): every open of a current
file compares with it, and building the schema in memory took 2.6 ms of each open (more than reading the file's)."""


def shape_of_version(version: int) -> dict[str, tuple[str, ...]]:
    """The tables and columns a history file of schema `version` has (`CURRENT_SHAPE` for the current one)."""
    return CURRENT_SHAPE if version == SCHEMA_VERSION else expected_shape(version)

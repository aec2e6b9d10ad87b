"""Claims on the real ledger (SQLite and PostgreSQL): one holder at a time; a finished claim is never
taken again; a lease that ran out, or a holder whose process is gone from this host, gives way; a
released claim is free at once."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from hub.ledger import Ledger
from hub.ledger.claims import holder_id

LEASE = timedelta(minutes=15)


def test_one_holder_at_a_time_and_a_finished_claim_is_never_taken_again(ledger_url: str) -> None:
    ledger = Ledger.open(ledger_url)
    try:
        me, other = holder_id("a"), holder_id("b")
        assert ledger.claim("item|x|1", me, LEASE)
        assert ledger.claim("item|x|1", me, LEASE)  # mine: renewed
        assert not ledger.claim("item|x|1", other, LEASE)  # live, and not the other's
        ledger.finish_claim("item|x|1", me)
        assert not ledger.claim("item|x|1", me, LEASE)  # finished: taken once, ever
        assert ledger.claim("item|x|2", other, LEASE)
        ledger.release_claim("item|x|2", other)
        assert ledger.claim("item|x|2", me, LEASE)  # released: free at once
    finally:
        ledger.close()


def test_a_lease_that_ran_out_or_a_dead_holder_gives_way(ledger_url: str) -> None:
    now = [datetime(2026, 12, 1, 3, tzinfo=UTC)]
    ledger = Ledger.open(ledger_url, clock=lambda: now[0])
    try:
        remote = "another-host:4242:zzzz"  # a node elsewhere: only its lease tells
        assert ledger.claim("content|x|aa", remote, LEASE)
        assert not ledger.claim("content|x|aa", holder_id("me"), LEASE)
        now[0] += LEASE + timedelta(seconds=1)
        assert ledger.claim("content|x|aa", holder_id("me"), LEASE)  # its lease ran out

        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
        )
        gone = f"{socket.gethostname()}:{dead.stdout.strip()}:dead"  # a process of this host, exited
        assert ledger.claim("content|x|bb", gone, LEASE)
        assert ledger.claim("content|x|bb", holder_id("me"), LEASE)  # at once, lease or not
        ledger.renew_claims(["content|x|bb"], holder_id("me"), LEASE)
        assert not ledger.claim("content|x|bb", remote, LEASE)  # renewed: still mine
    finally:
        ledger.close()

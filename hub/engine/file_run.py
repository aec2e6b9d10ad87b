"""One file's run: record its landed copy (or recognise it as a duplicate), then parse, validate,
map, deliver (inbound) or send (outbound), and record what happened, with the reply the kind sends
the partner about it. The ``Engine`` (``hub.engine.pipeline``) decides which files run and in which
run of an exchange; a ``FileRunner`` runs one.

File states: ``landed -> parsed -> validated -> mapped -> delivered`` or ``-> rejected`` (a rejected
file replaced by a corrected one becomes ``reprocessed``), or ``duplicate`` when the same content
already landed for the exchange. Every state is recorded before the next step begins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from hub.engine import landing, recording
from hub.engine.claims import content_key
from hub.engine.config_outbound import is_outbound
from hub.engine.file_map import Progress, map_landed
from hub.engine.mapping import Mapped
from hub.engine.outcome import Outcome, failure, rule_of
from hub.kernel.errors import HubError, KeyUnusable, MappingError, SecretMissing, StillChanging
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    from concurrent.futures import Future

    import polars as pl
    from sqlalchemy import Connection

    from hub.engine.claims import Holder
    from hub.engine.config import Exchange, Settings
    from hub.engine.delivery import DeliveryResult
    from hub.engine.landing import Landed
    from hub.engine.lookups import LedgerLookups
    from hub.ledger import FileRecord, Ledger

Policy = Literal["reject-file", "accept-valid-rows"]


@dataclass
class FileRunner:
    """Runs one file at a time on the engine's ledger, configuration, claims and clock."""

    ledger: Ledger
    settings: Settings
    claims: Holder
    clock: Callable[[], datetime]
    progress: Progress

    def take(
        self,
        landed: Landed,
        name: str,
        source: str,
        ex: Exchange,
        run_id: int,
        *,
        replaces: int | None = None,
        policy: Policy | None = None,
        mapped: Future[Mapped] | None = None,
    ) -> Outcome | None:
        """Record a landed copy (or note it as a duplicate), then run it; None when the same content
        is in another hub process's hands right now (nothing recorded: try again later)."""
        with self.claims.holding(content_key(ex.name, landed.sha256)) as taken:
            if not taken:
                return None
            arrival = landing.record_arrival(
                self.ledger,
                landed,
                exchange=ex.name,
                name=name,
                source=source,
                run_id=run_id,
                replaces=replaces,
                on_duplicate=self._duplicate_reply(ex, name, run_id),
            )
            if arrival.status == "duplicate":
                r = arrival.record
                same = Outcome(
                    r.id, ex.name, name, "duplicate", rows=r.rows or 0, duplicate_of=r.duplicate_of
                )
                return self._replied(r, ex, same)
            return self.run(
                arrival.record,
                ex,
                run_id,
                policy=policy,
                data=landed.take_data(),
                mapped=mapped,
                fresh=arrival.status == "new",
            )

    def run(
        self,
        record: FileRecord,
        ex: Exchange,
        run_id: int,
        *,
        policy: Policy | None,
        data: bytes | None = None,
        mapped: Future[Mapped] | None = None,
        fresh: bool = False,
    ) -> Outcome:
        """Parse, validate, map, deliver and record a recorded file. ``data`` is its landed content
        when landing kept it in memory, ``mapped`` its mapping when that started ahead; ``fresh``:
        the file was recorded just now by this run (nothing delivered of it, no error)."""
        from hub.engine import sending

        policy = policy or ex.config.row_policy
        if fresh:
            prior = recording.Before(0, 0)
        else:
            self.ledger.update_file(record.id, last_run_id=run_id, error=None)
            prior = recording.before(self.ledger, record)
        outbound = is_outbound(ex.kind)
        outcome = Outcome(record.id, ex.name, record.name, "rejected", outbound=outbound)
        if outbound and (unsent := sending.unsent(self.ledger, record.id)) is not None:
            return self._send_again(record, ex, run_id, outcome, unsent, prior)
        if record.size > ex.config.max_file_bytes:
            limit = ex.config.max_file_bytes
            message = f"the file is {record.size} bytes; the exchange accepts at most {limit}"
            problem = Problem.of("max_size", message, level="file")
            too_big = Mapped(problems=[problem], file_rejected=True)
            reply = self._rejection_reply(record, ex, run_id, too_big)
            done = recording.rejected(
                self.ledger, record, run_id, outcome, [problem], file_level=True, prior=prior, reply=reply
            )
            return self._replied(record, ex, done)
        if mapped is not None:
            result = mapped.result()
            if result.reached != "landed":
                self.ledger.update_file(record.id, state=result.reached, rows=result.rows)
        else:
            result = map_landed(
                Path(record.landed_path),
                data,
                record.name,
                ex,
                spill=not outbound,  # a file run in parts is delivered a part at a time
                now=self.clock(),
                received=record.landed_at,
                lookup=self.lookups(ex),
                reached=lambda state, **values: self.ledger.update_file(record.id, state=state, **values),
                progress=self.progress,
            )
        del data  # mapped: its bytes are not held while it is delivered
        outcome.rows, outcome.rejected, outcome.problems = result.rows, result.rejected, result.problems
        if result.file_rejected or (result.errors and policy == "reject-file"):
            whole = result.file_rejected
            reply = self._rejection_reply(record, ex, run_id, result)
            done = recording.rejected(
                self.ledger,
                record,
                run_id,
                outcome,
                result.problems,
                file_level=whole,
                prior=prior,
                reply=reply,
            )
            return self._replied(record, ex, done)
        try:
            problems, sent = (self._send if outbound else self._deliver)(record, ex, run_id, result)
        except (MappingError, KeyUnusable, SecretMissing) as exc:  # refused: nothing was sent
            rule = "partner_file" if isinstance(exc, MappingError) else "openpgp"
            refused = [*result.problems, Problem.of(rule, str(exc), level="file")]
            return recording.rejected(
                self.ledger, record, run_id, outcome, refused, file_level=True, prior=prior
            )
        except HubError as exc:  # could not deliver (disk full, destination down): the next run will
            self.ledger.update_file(record.id, error=f"{rule_of(exc)}: {exc}")
            return failure(record.id, ex.name, record.name, exc)
        done = recording.delivered(self.ledger, record, run_id, outcome, sent, problems, prior=prior)
        return self._replied(record, ex, done)

    def _replied(self, record: FileRecord, ex: Exchange, outcome: Outcome) -> Outcome:
        """The outcome, with the reply the kind sends the partner about this run of the file
        (``ExchangeKind.reply``; ``hub.engine.replies``), recorded with the outcome (the CIS
        batch, the rejection, the duplicate's arrival), now put in its folder."""
        if not ex.kind.replies:
            return outcome
        from hub.engine import replies

        try:
            outcome.replies.extend(replies.publish_recorded(self.ledger, self.settings, record.id))
        except HubError as exc:  # the file's outcome stands; the next hub command puts a recorded reply
            self.ledger.update_file(record.id, error=f"reply not sent: {rule_of(exc)}: {exc}")
            outcome.problems = [
                *outcome.problems,
                Problem.of("reply", f"reply not sent: {exc}", level="file"),
            ]
        return outcome

    def _deliver(
        self, record: FileRecord, ex: Exchange, run_id: int, mapped: Mapped
    ) -> tuple[list[Problem], DeliveryResult]:
        """Inbound: the transactions not delivered before, into a CIS batch (a part at a time, for
        a file run in parts)."""
        from hub.engine.delivery import deliver_parts

        self.progress(record.name, "delivering")
        try:
            result = deliver_parts(
                self.ledger,
                exchange=ex.name,
                folder=ex.destination_path,
                file_id=record.id,
                run_id=run_id,
                parts=mapped.parts(),
                models={m.txn_type: m for m in ex.kind.produces},
                key_date_at=ex.kind.key_date_at,
                meta={
                    "exchange": ex.name,
                    "source": {"file_id": record.id, "name": record.name, "sha256": record.sha256},
                },
                stamp=self.clock(),
                reply=self._reply_hook(record, ex, run_id, mapped),
            )
        finally:
            if mapped.spilled is not None:
                mapped.spilled.close()  # its space freed now (a rejected file's, with the Mapped)
        return mapped.problems, result

    def _reply_hook(
        self, record: FileRecord, ex: Exchange, run_id: int, mapped: Mapped
    ) -> Callable[[Connection, pl.Series], None] | None:
        """What records the kind's reply inside the delivery's transaction (given the keys it
        delivers now), for a kind that replies."""
        if not ex.kind.replies:
            return None
        from hub.engine import replies

        def record_reply(conn: Connection, delivered_now: pl.Series) -> None:
            reply = replies.compose(
                self.ledger,
                ex,
                record,
                mapped,
                mapped.problems,
                state="delivered",
                conn=conn,
                delivered_now=delivered_now,
            )
            replies.record_reply(self.ledger, conn, self.settings, ex, record.id, run_id, reply)

        return record_reply

    def _rejection_reply(
        self, record: FileRecord, ex: Exchange, run_id: int, mapped: Mapped
    ) -> Callable[[Connection], None] | None:
        """What records the kind's reply about a rejected run inside the rejection's transaction."""
        if not ex.kind.replies:
            return None
        from hub.engine import replies

        def record_reply(conn: Connection) -> None:
            reply = replies.compose(self.ledger, ex, record, mapped, mapped.problems, state="rejected")
            replies.record_reply(self.ledger, conn, self.settings, ex, record.id, run_id, reply)

        return record_reply

    def _duplicate_reply(
        self, ex: Exchange, name: str, run_id: int
    ) -> Callable[[Connection, int, FileRecord], None] | None:
        """What records the kind's reply about a file whose content arrived before, inside the
        transaction that records its arrival."""
        if not ex.kind.replies:
            return None
        from hub.engine import replies

        def record_reply(conn: Connection, file_id: int, earlier: FileRecord) -> None:
            reply = replies.compose_duplicate(self.settings, ex, name, earlier)
            replies.record_reply(self.ledger, conn, self.settings, ex, file_id, run_id, reply)

        return record_reply

    def _send(
        self, record: FileRecord, ex: Exchange, run_id: int, mapped: Mapped
    ) -> tuple[list[Problem], DeliveryResult]:
        """Outbound: the partner's file of the rows not sent before, recorded, then sent."""
        from hub.engine.sending import send_new

        self.progress(record.name, "writing")
        return send_new(
            self.ledger,
            ex,
            self.settings,
            mapped,
            file_id=record.id,
            run_id=run_id,
            created=self.clock(),
            lookups=self.lookups(ex),
            progress=lambda stage: self.progress(record.name, stage),
        )

    def _send_again(
        self,
        record: FileRecord,
        ex: Exchange,
        run_id: int,
        outcome: Outcome,
        batch: dict[str, Any],
        prior: recording.Before,
    ) -> Outcome:
        """An extract whose file was recorded but whose sending did not finish: the kept copy (the
        same bytes, the same entries) goes out now, never a second file."""
        from hub.engine.sending import send_kept

        outcome.rows = record.rows or batch["transactions"]
        self.progress(record.name, "sending")
        try:
            sent = send_kept(self.ledger, ex, self.settings, batch, file_id=record.id)
        except HubError as exc:
            return failure(record.id, ex.name, record.name, exc)
        # the file's entries were counted as its own batch; nothing was "already delivered" by others
        done = recording.Before(prior.delivered - batch["transactions"], 0)
        return recording.delivered(self.ledger, record, run_id, outcome, sent, [], prior=done)

    def lookups(self, ex: Exchange) -> LedgerLookups:
        from hub.engine.lookups import LedgerLookups

        kind = ex.kind
        return LedgerLookups(
            self.ledger, exchange=ex.name, kind=kind.name, declared=kind.lookups, timezone=ex.timezone
        )


def busy(ex: Exchange, name: str) -> Outcome:
    """The content is in another hub process's hands: nothing done here, try again later."""
    return failure(
        0, ex.name, name, StillChanging(f"{name}: another hub process is working on the same content")
    )

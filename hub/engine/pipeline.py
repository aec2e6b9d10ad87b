"""The pipeline: every file goes land -> parse -> validate -> map -> deliver -> record, each step a
function in its own module (``landing``, ``parsing``, ``validation``, ``mapping``, ``delivery`` or
``sending``, ``recording``). The ``Engine`` here decides which files run, in which run of an
exchange (a command's file, a source's items, files an interrupted command left, files held until
another delivery); ``hub.engine.file_run`` runs one file. The command line and the service call
the ``Engine``'s entry points; nothing below calls back into them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.base import check_name
from hub.engine import landing, recording
from hub.engine.claims import content_key, item_key
from hub.engine.config_outbound import is_outbound
from hub.engine.file_map import Progress, in_parts, map_file, map_landed, maps_ahead, quiet, utc_now
from hub.engine.file_run import FileRunner, Policy, busy
from hub.engine.intake import list_items, missing_source
from hub.engine.logs import log, tagged
from hub.engine.mapping import Mapped
from hub.engine.outcome import Outcome, failure, log_outcome, skipped
from hub.engine.read_ahead import MappedAhead, made_ahead, map_next
from hub.engine.suspense import summaries_added, suspense_summary
from hub.engine.winter_average import note_unchanged, scheduled_requests
from hub.kernel.background import in_background
from hub.kernel.errors import (
    ConnectorRetryable,
    HubError,
    Rejected,
    StillChanging,
    UsageError,
    os_reason,
)
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    from concurrent.futures import Future

    from connectors.base import Item, Source
    from hub.engine.config import Exchange, Settings
    from hub.engine.landing import Landed

SCHEDULED = frozenset({"schedule", "catch-up"})  # the triggers of a scheduled run


@dataclass(frozen=True)
class Ahead:
    """Work on one file started before the ledger was open (``hub.engine.process``): its landing,
    and its parsing, validation and mapping when its kind needs nothing from the ledger."""

    landing: Future[Landed]
    mapping: Future[Mapped] | None = None


class Engine:
    """The hub on one configuration and ledger, with one clock."""

    def __init__(
        self,
        settings: Settings,
        *,
        progress: Progress | None = None,
        clock: Callable[[], datetime] = utc_now,
        recover: bool = True,
    ) -> None:
        """``recover=False`` (a dry run): what a crash left part-way is left for the next command
        that delivers, so nothing on disk or in the ledger changes."""
        from hub.engine.claims import Holder
        from hub.engine.delivery import recover as finish_interrupted
        from hub.engine.replies import recover as put_recorded_replies
        from hub.ledger import Ledger

        self.settings = settings
        self._show = progress or quiet
        self.clock = clock
        self.ledger = Ledger.open(
            settings.ledger_url(), clock=clock, wait_seconds=settings.config.ledger.wait_seconds
        )
        self.claims = Holder(self.ledger, timedelta(seconds=settings.config.service.claim_lease_seconds))
        self.runner = FileRunner(self.ledger, settings, self.claims, clock, self.progress)
        self._ahead: MappedAhead | None = None  # the next item's mapping, started during a delivery
        exchanges = settings.exchanges.items()
        if recover:
            inbound = {name: ex.destination_path for name, ex in exchanges if not is_outbound(ex.kind)}
            finish_interrupted(self.ledger, inbound)
            put_recorded_replies(self.ledger, settings)

    def progress(self, name: str, stage: str) -> None:
        """Show the stage reached, and keep the claims on the work in hand alive."""
        self._show(name, stage)
        self.claims.renew()

    def close(self) -> None:
        self.ledger.close()

    # -- entry points ---------------------------------------------------------------------------

    def process_path(
        self,
        path: Path,
        exchange: str,
        *,
        trigger: str = "manual",
        policy: Policy | None = None,
        ahead: Ahead | None = None,
    ) -> Outcome:
        """Land a file and run it through the exchange, in a run of its own."""
        ex = self.settings.exchange(exchange)
        _require_file(path)
        check_name(path.name)  # a name no source would take is not taken from an operator either
        with self._running(ex.name, trigger) as (run_id, outcomes):
            try:
                self.progress(path.name, "landing")
                landed = (
                    ahead.landing.result() if ahead else landing.land_path(path, self.settings.landed_dir)
                )
                mapped = ahead.mapping if ahead else None
                where = str(path.resolve())
                taken = self.runner.take(landed, path.name, where, ex, run_id, policy=policy, mapped=mapped)
                outcome = taken or busy(ex, path.name)
            except HubError as exc:
                outcome = failure(0, ex.name, path.name, exc)
            log_outcome(outcome)
            outcomes.append(outcome)
        return _with_reruns(outcome, outcomes)

    def reprocess(
        self, file_id: int, *, corrected: Path | None = None, accept_valid_rows: bool = False
    ) -> Outcome:
        """Run a landed file again (after a config fix), or a corrected file in its place. Keys
        already delivered are skipped and counted, never delivered twice."""
        record = self.ledger.file(file_id)
        if record.state == "duplicate":
            raise UsageError(
                f"file {file_id} is a duplicate of file {record.duplicate_of}; reprocess that one"
            )
        if record.state == "refused":
            raise UsageError(f"file {file_id} was refused at its source ({record.error}); nothing was landed")
        ex = self.settings.exchange(record.exchange)
        policy: Policy | None = "accept-valid-rows" if accept_valid_rows else None
        if corrected is not None:
            _require_file(corrected)
            check_name(corrected.name)
        with self._running(ex.name, "reprocess") as (run_id, outcomes):
            try:
                if corrected is None:
                    with self.claims.holding(content_key(ex.name, record.sha256)) as mine:
                        ran = self.runner.run(record, ex, run_id, policy=policy) if mine else None
                    outcome = ran or busy(ex, record.name)
                else:
                    landed = landing.land_path(corrected, self.settings.landed_dir)
                    name, source = corrected.name, str(corrected.resolve())
                    ran = self.runner.take(landed, name, source, ex, run_id, replaces=file_id, policy=policy)
                    outcome = ran or busy(ex, name)
                    if outcome.state == "delivered" and outcome.file_id != file_id:
                        self.ledger.update_file(file_id, state="reprocessed")  # only once it is accepted
            except HubError as exc:
                outcome = failure(file_id, ex.name, record.name, exc)
            outcomes.append(outcome)
        return _with_reruns(outcome, outcomes)

    def request(self, exchange: str, name: str, data: bytes, *, trigger: str = "manual") -> Outcome:
        """Land a document the hub writes itself (a winter-average request) and run it through the
        exchange in a run of its own, exactly as a partner's file: recorded, reported, delivered."""
        ex = self.settings.exchange(exchange)
        with self._running(ex.name, trigger) as (run_id, outcomes):
            outcome = self._request(ex, name, data, run_id, trigger)
            outcomes.append(outcome)
        return _with_reruns(outcome, outcomes)

    def _request(self, ex: Exchange, name: str, data: bytes, run_id: int, trigger: str) -> Outcome:
        import io

        try:
            check_name(name)
            self.progress(name, "landing")
            landed = landing.land(io.BytesIO(data), self.settings.landed_dir, size=len(data), what=name)
            outcome = self.runner.take(landed, name, f"hub:{trigger}", ex, run_id) or busy(ex, name)
        except HubError as exc:
            outcome = failure(0, ex.name, name, exc)
        log_outcome(outcome)
        return outcome

    def dry_run(
        self, path: Path, exchange: str, *, name: str | None = None, accept_valid_rows: bool = False
    ) -> Outcome:
        """Parse, validate and map without landing or delivering; count the keys the ledger holds.
        ``name``: the file's name when ``path`` is a landed copy; ``accept_valid_rows``: as
        ``hub reprocess --accept-valid-rows`` would take it."""
        ex = self.settings.exchange(exchange)
        name = name or path.name
        try:
            data = None if in_parts(ex, path.stat().st_size) else path.read_bytes()
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {os_reason(exc)}") from None
        mapped = map_landed(
            path,
            data,
            name,
            ex,
            spill=not is_outbound(ex.kind),  # a file run in parts is counted a part at a time
            now=self.clock(),
            lookup=self.runner.lookups(ex),
            progress=self.progress,
        )
        outcome = Outcome(0, ex.name, name, "validated", mapped.rows, rejected=mapped.rejected)
        outcome.problems = mapped.problems
        rejects_file = ex.config.row_policy == "reject-file" and not accept_valid_rows
        if mapped.file_rejected or (mapped.errors and rejects_file):
            outcome.state = "rejected"  # what `hub process` would do: deliver nothing
            return outcome
        if mapped.tables or mapped.spilled is not None:
            from hub.engine.delivery import delivered_before

            for tables, _ in mapped.parts():
                held = delivered_before(
                    self.ledger, tables, exchange=ex.name, key_date_at=ex.kind.key_date_at
                )
                for txn_type, table in tables.items():
                    already = held[txn_type]
                    outcome.already_delivered += already
                    outcome.by_type[txn_type] = outcome.by_type.get(txn_type, 0) + table.height - already
                outcome.suspense = summaries_added(outcome.suspense, suspense_summary(tables))
                del tables  # before the next part is read
            if is_outbound(ex.kind) and (refused := self._dry_write(ex, mapped)) is not None:
                outcome.problems = [*outcome.problems, Problem.of("partner_file", refused, level="file")]
                outcome.state = "rejected"  # what `hub originate` would do: send nothing
                return outcome
        if outcome.rejected:
            outcome.state = "rejected"
        return outcome

    def _dry_write(self, ex: Exchange, mapped: Mapped) -> str | None:
        """Why the outbound kind would refuse to write its file of the mapped rows, or None."""
        from hub.engine.sending import refusal

        output = getattr(ex.kind, "output", "")
        rows = mapped.tables.get(output)
        if rows is None or rows.is_empty():
            return None
        try:
            return refusal(self.ledger, ex, rows, created=self.clock(), lookups=self.runner.lookups(ex))
        except Rejected as exc:
            return str(exc)

    def cycle(
        self,
        exchanges: list[str] | None = None,
        *,
        trigger: str = "cycle",
        should_stop: Callable[[], bool] = lambda: False,
    ) -> list[Outcome]:
        """Take everything complete waiting in each exchange's source once (the nightly cycle).
        ``should_stop`` is asked before each file: the service's shutdown finishes the file in hand
        and takes no new one."""
        from hub.engine.endpoints import open_source

        outcomes: list[Outcome] = []
        for name in exchanges or list(self.settings.exchanges):
            ex = self.settings.exchange(name)
            if should_stop():
                continue
            if not ex.config.enabled:
                outcomes.append(skipped(ex.name, "disabled", "disabled (enabled: false in hub.yaml)"))
                continue
            try:
                with self._running(ex.name, trigger) as (run_id, done):
                    missing = missing_source(ex)
                    if missing is not None:
                        log.error("%s", missing, extra={"event": "source_missing", "alert": True})
                        done.append(failure(0, ex.name, "(source)", ConnectorRetryable(missing)))
                    else:
                        source = open_source(ex, self.settings)
                        try:
                            self._take_all(ex, source, run_id, should_stop, done)
                        finally:
                            source.close()
                    self._finish_unfinished(ex, run_id, should_stop, done)
                    if trigger in SCHEDULED and not should_stop():
                        done += [
                            note_unchanged(self, ex, None, self._request(ex, n, d, run_id, trigger))
                            for n, d in scheduled_requests(ex, self)
                        ]
            except HubError as exc:  # the exchange could not run at all (ledger busy, ...): the others do
                log.error("%s: run failed: %s", ex.name, exc, extra={"event": "run_failed", "alert": True})
                done = [failure(0, ex.name, "(run)", exc)]
            outcomes += done
        return outcomes

    def last_scheduled_run(self, exchange: str) -> datetime | None:
        """When the exchange's last scheduled (or caught-up) run started."""
        run = self.ledger.last_run(exchange, ("schedule", "catch-up"))
        return None if run is None else run["started_at"]

    def usual_rows(self, exchange: str, days: int = 30) -> int | None:
        """The rows of the exchange's largest file of the last ``days`` days (None: it had none)."""
        return self.ledger.largest_rows(exchange, self.ledger.now() - timedelta(days=days))

    def status(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Every exchange's last run and file, next run, and whether its file is overdue."""
        from hub.engine.status import exchange_status

        return exchange_status(self.settings, self.ledger, now or self.clock())

    # -- the steps ------------------------------------------------------------------------------

    @contextmanager
    def _running(self, exchange: str, trigger: str) -> Iterator[tuple[int, list[Outcome]]]:
        """A run of the exchange: its outcomes are totalled when it ends. A run cut short by an
        error (ledger busy, destination down) is recorded as failed, with its end time, instead of
        staying 'running' forever; the error goes on to the caller."""
        run_id = self.ledger.start_run(exchange, trigger)
        outcomes: list[Outcome] = []
        with tagged(exchange=exchange, run_id=run_id):
            try:
                yield run_id, outcomes
            except BaseException:
                with suppress(HubError):
                    self.ledger.finish_run(
                        run_id, status="failed", files=1, rows=0, delivered=0, rejected=0, duplicates=0
                    )
                raise
        recording.finish_run(self.ledger, run_id, outcomes)
        if any(o.delivered for o in outcomes):
            try:
                outcomes += self._retry_pending(self.settings.exchange(exchange).kind.name)
            except HubError as exc:  # the run itself is done and recorded; the next delivery retries
                log.error("pending files not run again: %s", exc, extra={"event": "pending_failed"})

    def _retry_pending(self, delivered_kind: str) -> list[Outcome]:
        """Run again, each in a run of its own (trigger ``pending``), the files of exchanges whose
        kind held rows back until a delivery of ``delivered_kind`` (``ExchangeKind.retried_after``):
        the rows now complete post, those posted before post nothing twice. Their outcomes, marked
        with the trigger, for the command that delivered to show."""
        rerun: list[Outcome] = []
        for ex in self.settings.exchanges.values():
            rules = [rule for rule, kind in ex.kind.retried_after.items() if kind == delivered_kind]
            if not rules or not ex.config.enabled:
                continue
            for file_id in self.ledger.files_holding(ex.name, rules):
                record = self.ledger.file(file_id)
                with self._running(ex.name, "pending") as (run_id, outcomes):
                    with self.claims.holding(content_key(ex.name, record.sha256)) as mine:
                        try:
                            ran = self.runner.run(record, ex, run_id, policy=None) if mine else None
                        except HubError as exc:
                            ran = failure(record.id, ex.name, record.name, exc)
                    outcome = ran or busy(ex, record.name)
                    outcome.trigger = "pending"
                    log_outcome(outcome)
                    outcomes.append(outcome)
                rerun += outcomes  # itself, then what its own delivery ran again
        return rerun

    def _take_all(
        self, ex: Exchange, source: Source, run_id: int, should_stop: Callable[[], bool], done: list[Outcome]
    ) -> None:
        """Land and run every complete item of the source; only once an item's landed copy and its
        ledger row are committed may the source archive, delete or leave it."""

        items, refused = list_items(ex, source, self.ledger, run_id)
        done += refused
        self._ahead = None
        for n, item in enumerate(items):
            if should_stop():
                log.info("stopping: %s and later files are left for the next run", item.name)
                break
            where = source.describe(item)
            following = items[n + 1] if n + 1 < len(items) else None
            with self.claims.holding(item_key(ex.name, where, item), finish=True) as taken:
                if not taken:
                    continue  # another hub process has it in hand, or took it before
                outcome = self._take_item(ex, source, item, where, run_id, following)
            if outcome is not None:
                log_outcome(outcome)
                done.append(outcome)
        self._ahead = None  # a file read ahead but not taken (a stop): its bytes and mapping let go

    def _take_item(
        self, ex: Exchange, source: Source, item: Item, where: str, run_id: int, following: Item | None = None
    ) -> Outcome | None:
        """Land and run one claimed item, then let the source archive, delete or leave it; None when
        there is nothing to report (taken before; still changing; its content in another's hands).
        Once it has landed, the ``following`` item's mapping starts (``read_ahead``) while this one
        is recorded and delivered. A failure leaves the item where it is for the next cycle and
        raises nothing."""
        from connectors.base import with_retries

        try:
            if self.ledger.already_taken(ex.name, where, item.size, item.mtime):
                # taken before: left in place on purpose, or a crash kept its post-action from running
                if source.post_action != "leave":
                    source.done(item)
                return None
            self.progress(item.name, "landing")
            ahead: list[Future[Mapped]] = []  # parsing, validating, mapping while it lands
            landed = with_retries(where, source.retry, partial(self._land_item, source, item, ex, ahead))
            mapped = ahead[-1] if ahead else None
            if following is not None:
                self._ahead = map_next(ex, source, following, after=mapped, now=self.clock())
            outcome = self.runner.take(landed, item.name, where, ex, run_id, mapped=mapped)
            if outcome is None:
                raise StillChanging(f"{item.name}: its content is in another hub process's hands")
            if outcome.state != "failed":
                source.done(item)  # only now, with the landed copy and its ledger row committed
            return outcome
        except StillChanging as exc:
            log.info("%s", exc, extra={"event": "still_changing"})
            self.claims.release(item_key(ex.name, where, item))
            return None
        except HubError as exc:
            return failure(0, ex.name, item.name, exc)

    def _finish_unfinished(
        self, ex: Exchange, run_id: int, should_stop: Callable[[], bool], done: list[Outcome]
    ) -> None:
        """Finish the files an interrupted command left part-way (``hub process`` killed, a cycle
        whose source no longer offers the file), from their landed copies."""
        for record in self.ledger.unfinished_files(ex.name, landing.UNFINISHED):
            if should_stop() or record.last_run_id == run_id:
                continue  # this run tried it already
            with self.claims.holding(content_key(ex.name, record.sha256)) as taken:
                if not taken:
                    continue
                try:
                    outcome = self.runner.run(record, ex, run_id, policy=None)
                except HubError as exc:
                    outcome = failure(record.id, ex.name, record.name, exc)
            log_outcome(outcome)
            done.append(outcome)

    def _land_item(self, source: Source, item: Item, ex: Exchange, ahead: list[Future[Mapped]]) -> Landed:
        """Land one item; once its bytes are read (before they are written and synced), its
        mapping starts in ``ahead`` when the kind needs nothing from the ledger. Nothing of it is
        recorded or delivered before the landing is done (``FileRunner.take``)."""
        on_read = None
        if maps_ahead(ex, item.size):
            now = self.clock()

            def on_read(data: bytes) -> None:
                work = partial(map_file, data, item.name, ex, now=now, received=now)
                made = made_ahead(self._ahead, item, data)  # while the file before was delivered
                ahead.append(made or in_background(work, f"mapping {item.name}"))  # a retry's replaces it

        with source.open(item) as stream:
            what = source.describe(item)
            return landing.land(stream, self.settings.landed_dir, size=item.size, what=what, on_read=on_read)


def _with_reruns(outcome: Outcome, run: list[Outcome]) -> Outcome:
    """The outcome of a command's one file, with the files its delivery ran again (the rest of
    its run's outcomes: ``Engine._retry_pending``)."""
    outcome.reruns = [o for o in run if o is not outcome]
    return outcome


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise UsageError(f"{path}: no such file")

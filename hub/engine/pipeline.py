"""The pipeline of one exchange: land -> parse -> validate -> map -> deliver.

File states: ``landed -> parsed -> validated -> mapped -> delivered`` or ``-> rejected`` (a rejected
file replaced by a corrected one becomes ``reprocessed``), or ``duplicate`` when the same content
already landed for the exchange. Every step is recorded in the ledger before the next begins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from hub.engine.checking import Checked, check_bytes
from hub.engine.config import Exchange, Settings
from hub.engine.config_outbound import is_outbound
from hub.engine.delivery import DeliveryResult, deliver, recover
from hub.engine.intake import Intake
from hub.engine.landing import Landed, land_file
from hub.engine.logs import tagged
from hub.engine.origination import Origination
from hub.engine.outcome import Outcome, log_outcome
from hub.engine.report import write_reports
from hub.kernel.errors import HubError, UsageError
from hub.kernel.problems import Problem
from hub.ledger import FileRecord, Ledger
from mappings import get_mapping

if TYPE_CHECKING:
    from concurrent.futures import Future

UNFINISHED = ("landed", "parsed", "validated", "mapped")
Policy = Literal["reject-file", "accept-valid-rows"]
Progress = Callable[[str, str], None]  # (file name, stage)


class Hub(Intake, Origination):
    """The hub on one configuration and ledger."""

    def __init__(
        self,
        settings: Settings,
        *,
        progress: Progress | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = Ledger.open(settings.ledger_url())
        self.progress = progress or (lambda name, stage: None)
        self.now = now or (lambda: datetime.now(UTC))
        recover(self.ledger, sorted({ex.destination_path for ex in settings.exchanges.values()}))

    def close(self) -> None:
        self.ledger.close()

    # -- entry points -------------------------------------------------------------------------

    def process_path(
        self,
        path: Path,
        exchange: str,
        *,
        trigger: str = "manual",
        replaces: int | None = None,
        policy: Policy | None = None,
        landing: Future[Landed] | None = None,
        prepared: Future[Checked] | None = None,
    ) -> Outcome:
        """Land a file and run it through the exchange in a run of its own. ``landing`` is the
        landing of ``path`` already under way (``land_in_background``), ``prepared`` the checking of
        its bytes (``check_bytes``) already under way."""
        ex = self.settings.exchange(exchange)
        _require_file(path)
        run_id = self.ledger.start_run(ex.name, trigger)
        with tagged(exchange=ex.name, run_id=run_id), self._closing_run(run_id):
            outcome = self._land_and_run(
                path, ex, run_id, replaces=replaces, policy=policy, landing=landing, prepared=prepared
            )
            log_outcome(outcome)
        self._finish_run(run_id, [outcome])
        return outcome

    @contextmanager
    def _closing_run(self, run_id: int) -> Iterator[None]:
        """A run cut short by an error (ledger busy, destination down) is recorded as failed, with
        its end time, instead of staying 'running' forever; the error goes on to the caller."""
        try:
            yield
        except BaseException:
            with suppress(HubError):
                self.ledger.finish_run(
                    run_id, status="failed", files=1, rows=0, delivered=0, rejected=0, duplicates=0
                )
            raise

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
        ex = self.settings.exchange(record.exchange)
        policy: Policy | None = "accept-valid-rows" if accept_valid_rows else None
        if corrected is not None:
            _require_file(corrected)
        run_id = self.ledger.start_run(ex.name, "reprocess")
        with self._closing_run(run_id):
            if corrected is not None:
                outcome = self._land_and_run(corrected, ex, run_id, replaces=file_id, policy=policy)
                if outcome.state not in ("duplicate",) and outcome.file_id != file_id:
                    self.ledger.update_file(file_id, state="reprocessed")
            else:
                outcome = self._run(record, ex, run_id, policy=policy)
        self._finish_run(run_id, [outcome])
        return outcome

    def check_path(self, path: Path, exchange: str) -> Outcome:
        """Dry run: parse, validate and map without landing or delivering; count the keys the
        ledger already holds."""
        ex = self.settings.exchange(exchange)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
        checked = self._check(data, path.name, ex)
        outcome = Outcome(0, ex.name, path.name, "validated", problems=checked.problems)
        self._count(outcome, checked)
        if checked.tables:
            with self.ledger.tx() as conn:
                held = set(self.ledger.delivered_keys(conn, ex.name).get_column("key").to_list())
            for txn_type, table in checked.tables.items():
                keys = table.get_column("idempotency_key").to_list()
                outcome.already_delivered += sum(k in held for k in keys)
                outcome.by_type[txn_type] = table.height
        if checked.file_level or outcome.rejected:
            outcome.state = "rejected"
        return outcome

    # -- steps --------------------------------------------------------------------------------

    def _land_and_run(
        self,
        path: Path,
        ex: Exchange,
        run_id: int,
        *,
        replaces: int | None = None,
        policy: Policy | None = None,
        landing: Future[Landed] | None = None,
        prepared: Future[Checked] | None = None,
    ) -> Outcome:
        self.progress(path.name, "landing")
        landed = landing.result() if landing is not None else land_file(path, self.settings.landed_dir)
        return self._record_and_run(
            landed,
            path.name,
            str(path.resolve()),
            ex,
            run_id,
            replaces=replaces,
            policy=policy,
            prepared=prepared,
        )

    def _record_and_run(
        self,
        landed: Landed,
        name: str,
        source: str,
        ex: Exchange,
        run_id: int,
        *,
        replaces: int | None = None,
        policy: Policy | None = None,
        prepared: Future[Checked] | None = None,
    ) -> Outcome:
        """Record a landed copy in the ledger (or note it as a duplicate), then run it."""
        first = self.ledger.find_by_sha(ex.name, landed.sha256)
        if first is not None and first.state in UNFINISHED:
            # Landed before but interrupted mid-way (crash, kill): finish it now.
            return self._run(first, ex, run_id, policy=policy, prepared=prepared)
        common: dict[str, Any] = {
            "exchange": ex.name,
            "name": name,
            "sha256": landed.sha256,
            "size": landed.size,
            "source": source,
            "landed_path": str(landed.path),
            "replaces": replaces,
        }
        if first is not None:
            file_id = self.ledger.add_file(state="duplicate", duplicate_of=first.id, **common)
            self.ledger.update_file(file_id, last_run_id=run_id, rows=first.rows)
            return Outcome(file_id, ex.name, name, "duplicate", rows=first.rows or 0, duplicate_of=first.id)
        file_id = self.ledger.add_file(state="landed", **common)
        return self._run(
            self.ledger.file(file_id), ex, run_id, policy=policy, data=landed.data, prepared=prepared
        )

    def _run(
        self,
        record: FileRecord,
        ex: Exchange,
        run_id: int,
        *,
        policy: Policy | None,
        data: bytes | None = None,
        prepared: Future[Checked] | None = None,
    ) -> Outcome:
        """Run a recorded file; ``data`` is its landed content when landing kept it in memory,
        ``prepared`` its checking when that started before the file was recorded."""
        if is_outbound(ex.config.kind):  # a CIS extract that becomes a partner file (hub.engine.origination)
            return self._originate(record, ex, run_id, policy=policy, data=data, prepared=prepared)
        policy = policy or ex.config.row_policy
        self.ledger.update_file(record.id, last_run_id=run_id, error=None)
        outcome = Outcome(record.id, ex.name, record.name, "rejected")
        if record.size > ex.config.max_file_bytes:
            problem = Problem.of(
                "max_size",
                f"the file is {record.size} bytes; the exchange accepts at most {ex.config.max_file_bytes}",
                level="file",
            )
            return self._reject(record, run_id, outcome, [problem], file_level=True)
        if prepared is not None:
            checked = prepared.result()
            if checked.validated is not None:
                state = "validated" if checked.file_level else "mapped"
                self.ledger.update_file(record.id, state=state, rows=checked.validated.rows)
        else:
            if data is None:
                data = Path(record.landed_path).read_bytes()
            checked = self._check(data, record.name, ex, record=record)
        self._count(outcome, checked)
        if checked.file_level:
            return self._reject(record, run_id, outcome, checked.problems, file_level=True)
        if checked.errors and policy == "reject-file":
            return self._reject(record, run_id, outcome, checked.problems, file_level=False)
        self.progress(record.name, "delivering")
        mapping = get_mapping(ex.config.kind)(ex.mapping_options)  # type: ignore[arg-type]
        file_id = record.id
        result = deliver(
            self.ledger,
            exchange=ex.name,
            folder=ex.destination_path,
            file_id=file_id,
            run_id=run_id,
            tables=checked.tables,
            meta={
                "exchange": ex.name,
                "source": {"file_id": record.id, "name": record.name, "sha256": record.sha256},
            },
            record=lambda conn, fresh: mapping.record(
                self.ledger, conn, fresh, exchange=ex.name, file_id=file_id
            ),
        )
        return self._delivered(record, run_id, outcome, result, checked.problems)

    def _check(self, data: bytes, name: str, ex: Exchange, *, record: FileRecord | None = None) -> Checked:
        def mark(state: str, **values: Any) -> None:
            if record is not None:
                self.ledger.update_file(record.id, state=state, **values)

        if not get_mapping(ex.config.kind).needs_ledger:  # no look-ups, no queries (meter reads)
            return check_bytes(data, name, ex, now=self.now(), progress=self.progress, mark=mark)
        return check_bytes(
            data,
            name,
            ex,
            now=self.now(),
            progress=self.progress,
            mark=mark,
            originals=self.ledger.originated,
            # None when no accounts extract was ever loaded: "no reference data", not "unknown account"
            accounts=self.ledger.reference_accounts if self.ledger.reference_loaded("accounts") else None,
            lockbox_payments=self.ledger.lockbox_payments,
        )

    @staticmethod
    def _count(outcome: Outcome, checked: Checked) -> None:
        outcome.problems = checked.problems
        if checked.validated is not None:
            outcome.rows = checked.validated.rows
            outcome.rejected = checked.validated.rejected_lines

    def _reject(
        self, record: FileRecord, run_id: int, outcome: Outcome, problems: list[Problem], *, file_level: bool
    ) -> Outcome:
        outcome.state = "rejected"
        outcome.problems = problems
        first = next((p for p in problems if p.severity == "error"), problems[0])
        error = (
            f"{first.rule}: {first.message}"
            if file_level
            else f"{outcome.rejected} of {outcome.rows} rows failed validation"
        )
        self.ledger.add_problems(record.id, run_id, problems)
        outcome.reports = self._reports(record, run_id, outcome)
        self.ledger.update_file(
            record.id,
            state="rejected",
            rows=outcome.rows,
            delivered=0,
            rejected=outcome.rejected,
            already_delivered=0,
            error=error,
        )
        return outcome

    def _delivered(
        self,
        record: FileRecord,
        run_id: int,
        outcome: Outcome,
        result: DeliveryResult,
        problems: list[Problem],
    ) -> Outcome:
        outcome.state = "delivered"
        outcome.delivered = result.total
        outcome.already_delivered = result.already_delivered
        outcome.batch_id = result.batch_id
        outcome.by_type = result.delivered
        if problems:
            self.ledger.add_problems(record.id, run_id, problems)
            outcome.reports = self._reports(record, run_id, outcome)
        self.ledger.update_file(
            record.id,
            state="delivered",
            rows=outcome.rows,
            delivered=outcome.delivered,
            rejected=outcome.rejected,
            already_delivered=outcome.already_delivered,
            error=f"{outcome.rejected} rows rejected" if outcome.rejected else None,
        )
        return outcome

    def _reports(self, record: FileRecord, run_id: int, outcome: Outcome) -> list[str]:
        meta = {
            "file_id": record.id,
            "exchange": record.exchange,
            "name": record.name,
            "sha256": record.sha256,
            "run_id": run_id,
            "state": outcome.state,
            "rows": outcome.rows,
            "rejected": outcome.rejected,
        }
        return [str(p) for p in write_reports(Path(record.landed_path), run_id, meta, outcome.problems)]

    def _finish_run(self, run_id: int, outcomes: list[Outcome]) -> None:
        rejected_files = sum(o.state in ("rejected", "failed") for o in outcomes)
        self.ledger.finish_run(
            run_id,
            status="rejected" if rejected_files else "ok",
            files=len(outcomes),
            rows=sum(o.rows for o in outcomes if o.state != "duplicate"),
            delivered=sum(o.delivered for o in outcomes),
            rejected=sum(o.rejected for o in outcomes),
            duplicates=sum(o.state == "duplicate" for o in outcomes),
            totals={"by_type": _sum_types(outcomes), "rejected_files": rejected_files},
        )


def _sum_types(outcomes: list[Outcome]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for o in outcomes:
        for k, v in o.by_type.items():
            totals[k] = totals.get(k, 0) + v
    return totals


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise UsageError(f"{path}: no such file")

"""Taking files from an exchange's source: list what is complete, land each file, run it, and let
the source archive, delete or leave it only once its landed copy and ledger row are committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from connectors import open_source
from connectors.base import Source
from hub.engine.logs import log, tagged
from hub.engine.outcome import Outcome, log_outcome, refusal, rule_of
from hub.kernel.errors import HubError, StillChanging
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    from hub.engine.config import Exchange, Settings
    from hub.engine.landing import Landed
    from hub.ledger import Ledger


class Intake:
    """The cycle over the exchanges' sources; a part of ``hub.engine.pipeline.Hub``, which supplies the
    ledger, the settings and the steps that record and run a landed file."""

    if TYPE_CHECKING:
        settings: Settings
        ledger: Ledger
        progress: Callable[[str, str], None]

        def _record_and_run(
            self, landed: Landed, name: str, source: str, ex: Exchange, run_id: int
        ) -> Outcome: ...

        def _finish_run(self, run_id: int, outcomes: list[Outcome]) -> None: ...

    def source(self, ex: Exchange) -> Source:
        return open_source(ex, self.settings)

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
        outcomes: list[Outcome] = []
        for name in exchanges or list(self.settings.exchanges):
            ex = self.settings.exchange(name)
            if not ex.config.enabled or should_stop():
                continue
            run_id = self.ledger.start_run(ex.name, trigger)
            with tagged(exchange=ex.name, run_id=run_id):
                source = self.source(ex)
                try:
                    done = self._take_all(ex, source, run_id, should_stop)
                finally:
                    source.close()
            self._finish_run(run_id, done)
            outcomes += done
        return outcomes

    def _take_all(
        self, ex: Exchange, source: Source, run_id: int, should_stop: Callable[[], bool]
    ) -> list[Outcome]:
        try:
            listing = source.list()
        except HubError as exc:
            # Nothing could be listed (host key, authentication, server down after retries).
            error = Problem.of(rule_of(exc), str(exc), level="file")
            log.error("%s: nothing taken: %s", ex.name, exc, extra={"event": "source_failed", "alert": True})
            return [Outcome(0, ex.name, "(source)", "failed", problems=[error])]
        done = [Outcome(0, ex.name, r.name, "failed", problems=[refusal(r.reason)]) for r in listing.refused]
        for refused in listing.refused:
            log.warning("%s", refused.reason, extra={"event": "refused_name", "alert": True})
        for item in listing.items:
            if should_stop():
                log.info("stopping: %s and later files are left for the next run", item.name)
                break
            if source.post_action == "leave" and self.ledger.already_taken(
                ex.name, source.describe(item), item.size, item.mtime
            ):
                continue  # left in place on purpose, and taken before
            try:
                self.progress(item.name, "landing")
                landed = source.fetch(item, self.settings.landed_dir)
                outcome = self._record_and_run(landed, item.name, source.describe(item), ex, run_id)
                # only now, with the landed copy and its ledger row committed, may the source let go
                source.done(item)
            except StillChanging as exc:
                log.info("%s", exc, extra={"event": "still_changing"})
                continue
            except HubError as exc:
                # The file stays where it is for the next cycle; the run records the failure.
                error = Problem.of(rule_of(exc), str(exc), level="file")
                outcome = Outcome(0, ex.name, item.name, "failed", problems=[error])
            log_outcome(outcome)
            done.append(outcome)
        return done

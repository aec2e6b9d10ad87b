"""Progress on long work, for people at a terminal: on stderr, and only when stderr is a terminal
and the command was not asked for ``--json`` (scripts and logs never see it).

The work reports stages (``stage``) and, where it reads in chunks, bytes done (``advance``): a
call per chunk or part, never per row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from hub.cli.output import err
from hub.kernel.files import CHUNK

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class Steps:
    """Where a command is: its stage and, when it knows them, bytes done of a total."""

    def __init__(self, progress: Progress | None = None) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    @property
    def shown(self) -> bool:
        return self._progress is not None

    def stage(self, text: str, total: int | None = None, unit: str = "bytes") -> None:
        """A new stage: ``total`` bytes (or other ``unit``) to go, a bar; or None: a spinner and
        the time spent."""
        if self._progress is None:
            return
        from hub.cli.render import shown

        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(shown(text), total=total, unit=unit)

    def advance(self, done: int) -> None:
        """``done`` more of the stage's total."""
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, done)

    def pipeline(self, name: str, stage: str) -> None:
        """The engine's ``Progress`` callback: ``stage`` reached on file ``name``."""
        self.stage(f"{stage} {name}")


@contextmanager
def steps(json_out: bool) -> Iterator[Steps]:
    """A progress display on stderr for people at a terminal, gone when the work is done."""
    if json_out or not err.is_terminal:
        yield Steps()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        SpinnerColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class Done(DownloadColumn):
        """Bytes or rows done of the total, for a stage that counts them (blank for the others)."""

        def render(self, task: Task) -> Text:
            if task.total is None:
                return Text("")
            if task.fields.get("unit") == "bytes":
                return super().render(task)
            done = f"{int(task.completed):,}/{int(task.total):,} {task.fields.get('unit', '')}"
            return Text(done, style="progress.download")

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), Done())
    console = Console(stderr=True)  # its own: a live display takes its console as a context manager
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as progress:
        yield Steps(progress)


def read_bytes(path: Path, progress: Steps) -> bytes:
    """A file's bytes, read by chunks with the bytes done shown (at once when nothing is shown)."""
    if not progress.shown:
        return path.read_bytes()
    size = path.stat().st_size
    progress.stage(f"reading {path.name}", total=size)
    data = bytearray(size)
    view = memoryview(data)
    got = 0
    with path.open("rb") as fh:
        while got < size and (n := fh.readinto(view[got : got + CHUNK])):
            got += n
            progress.advance(n)
        rest = fh.read()  # the file grew while read
    return bytes(view[:got]) + rest

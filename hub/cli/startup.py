"""The hub's process-level start-up and exit settings, all of them, with what each was measured at.

Measured on the 2-core development machine (shared, so CPU time and peak RSS, not wall time),
``hub process`` of a 1,000,000-row meter-read upload (``hub sample --rows 1000000``, 73 MB),
``/usr/bin/time``, two to three runs each:

- **Allocator decay for one-shot commands** (``ONE_SHOT_ALLOCATOR``). polars' allocator (jemalloc)
  returns the pages it freed to the system after a delay. Never returning them
  (``dirty_decay_ms:-1``, the setting before) peaked at 1,040-1,110 MB (over the 1 GB target);
  returning them at once (``0``) at 730-765 MB but cost ~0.3 s more system time (2.6 -> 2.9-3.2 s
  CPU); 100 ms peaks at 770-860 MB at the CPU time of ``-1``. Only for commands that exit when
  done; ``hub run`` keeps jemalloc's default. Read when polars loads, so set before it is imported.
- **Allocator decay for the service** (``service_allocator``). ``hub run`` takes one file after
  another; with jemalloc's default decay the pages one file freed were mostly returned by the time
  the next came, and faulted in again: 0.55-0.69 s of system time per 1,000,000-row upload
  (in process, ``Engine.cycle`` of 3 uploads 3 s apart after a first; peak 1,098 MB). Keeping
  freed pages 30 s: 0.28-0.44 s, but a peak of 1,373 MB (pages kept in one thread's arena do not
  serve another's); with as many arenas as CPUs (8 per CPU by default): 0.25-0.30 s, peak
  1,151 MB, user time unchanged. Kept 600 s since: polars' allocator returns pages only while it
  allocates (it has no thread of its own), so an idle service holds them whatever the delay, and a
  file arriving more than 30 s after the one before found them due and faulted them all in again.
  ``bench/service.py --gap 40`` (uploads ~45 s apart), quiet machine: 30 s: 167,000-175,000 page
  faults, 1.53-1.69 s CPU, latency 1.49-1.86 s an upload, peak 955 MB; 600 s: 37,000-42,000,
  1.19-1.43 s, 1.22-1.35 s, peak 1,181 MB (with ``--gap 3``: 1,255 MB at 300 s, 1,115 at 30 s).
  One arena for every two CPUs since (one on the 2-core machine; at most one per CPU, as each
  arena holds its own freed pages apart): ``bench/service.py`` (3 uploads, after the CIS files
  went straight to the disk), 3 runs each interleaved, quiet machine, 2026-12-07: one arena
  peaked at 1,077, 1,094 and 1,078 MB, two at 1,206, 1,329 and 1,096 MB, latencies the same
  (0.77-0.87 s an upload either way).
- **One heap of the C allocator for the service** (``one_c_heap``). glibc gives each thread that
  allocates its own heap (up to 8 per CPU), which keeps the pages it freed apart; the service's
  threads (the mapping thread, the delivery's worker, the watcher) are bound by the interpreter's
  lock anyway, so one heap costs them no waiting. ``bench/service.py`` (3 uploads), quiet machine,
  2026-12-07, interleaved: the peak 995 MB with one heap (``MALLOC_ARENA_MAX=1``), 1,043-1,067 MB
  without; latencies the same (0.77-1.02 s an upload either way). ``hub process`` gains nothing
  from it (776-789 MB either way, 3 runs each): only the service sets it. An explicit
  ``MALLOC_ARENA_MAX`` in the environment wins.
- **Leaving without the interpreter's teardown** (``leave``): ``os._exit`` once everything is
  committed, fsynced and closed skips freeing the large tables one by one: 2.5-2.6 s CPU with it,
  2.8-2.9 s without (~10%).
- **The garbage collector's pace for one-shot commands** (``ONE_SHOT_GC``). With Python's default
  thresholds (700, 10, 10) the objects of the imports (SQLAlchemy, pydantic, polars) are scanned
  again and again: ``hub process`` of a 200,000-entry NACHA return file (``bench/nacha.py``, 26,667
  warnings built as Python objects) spent 225 ms CPU in 399 collections, three of them full ones of
  27-69 ms; with (50,000, 50, 50) 55-62 ms in 71, no full one (``gc.callbacks``), at the same peak
  RSS. Reference counting still frees everything that is not in a cycle at once; ``hub run`` keeps
  the defaults.

- **numpy's BLAS threads for one-shot commands** (``ONE_SHOT_BLAS_THREADS``). Loading numpy
  starts OpenBLAS, which makes a thread and buffers per CPU at once; the hub never calls BLAS
  (its numpy work is integer: casts, sorts, joins, and integer ``@`` products, which numpy computes
  without BLAS). ``import numpy`` alone: 0.09-0.12 s CPU,
  0.06-0.07 s with one BLAS thread; ``hub process`` of a 10-row meter-read file 0.67-0.71 s,
  0.64-0.66 s. An explicit ``OPENBLAS_NUM_THREADS`` in the environment wins.

Measured again on 2026-12-07 (``hub process`` of the 200,000-entry NACHA return file, each setting
undone alone, 6 interleaved runs each, user CPU, load 6: system time too noisy to read): all three
still pay. As set 0.97 s; the default GC thresholds 1.10 s; two BLAS threads (one a CPU) 1.01 s;
leaving through the interpreter's teardown (``sys.exit``) 1.21 s.

Tried and left: jemalloc's transparent huge pages (``thp:always`` added to ``ONE_SHOT_ALLOCATOR``;
the machine's THP mode is ``madvise``). A third of the page faults (1,000,000-row upload: 73,000
instead of 227,000), but more system time, not less (1.4-1.8 s against 0.6-1.2 s: every fault
zeroes and may compact 2 MB), and a higher peak (777-841 MB against 724-801 MB).

Dropped: a ``sys.modules["hypothesis"] = None`` stub that kept pandera from importing hypothesis
(installed in development and CI virtualenvs only): ``import pandera.polars`` took 0.232-0.235 s
CPU with the stub, 0.244-0.253 s without, under 1% of ``hub process``; not worth a stub module.
Measured again: pandera imports hypothesis not with ``pandera.polars`` but at the first
validation, when it registers its polars backends (``register_polars_backends``): 0.059-0.070 s
CPU with hypothesis installed, 0.002 s without, in every meter-read ``hub process`` of such a
virtualenv (the benchmarks'). An installed hub (no ``[test]`` extra) does not pay it; still no stub.

Not start-up tweaks but the engine's design, and CPU-neutral (they overlap work, they do not
remove it): landing and mapping while the ledger opens (``hub.engine.process``), importing pandera
while polars reads (``formats.base.preload``).
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Collection

ONE_SHOT_ALLOCATOR = "dirty_decay_ms:100,muzzy_decay_ms:0"
ONE_SHOT_BLAS_THREADS = "1"
ONE_SHOT_GC = (50_000, 50, 50)  # gc.set_threshold: generation 0's allocations, then collections of 0 and 1
SERVICE = "run"
M_ARENA_MAX = -8  # glibc's ``mallopt`` parameter: how many heaps (arenas) its threads may use


def service_allocator() -> str:
    """The service's allocator setting: freed pages kept 600 s, one arena for every two CPUs."""
    return f"dirty_decay_ms:600000,muzzy_decay_ms:0,narenas:{max(1, (os.cpu_count() or 1) // 2)}"


def one_c_heap() -> bool:
    """The C allocator (glibc's) serves every thread from one heap; True when set. Not where the
    environment already chose (``MALLOC_ARENA_MAX``, or ``arena_max`` in ``GLIBC_TUNABLES``), nor
    on another C library. Must come before the process starts threads."""
    from hub.kernel.libc import glibc, libc  # ctypes only for the service

    if "MALLOC_ARENA_MAX" in os.environ or "arena_max" in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    c = libc() if glibc() else None
    return c is not None and bool(c.mallopt(M_ARENA_MAX, 1))


def prepare(argv: list[str], one_shot: Collection[str]) -> None:
    """Settings that must be in place before polars and numpy load: the allocator's decay for a
    one-shot command or the service (an explicit ``_RJEM_MALLOC_CONF`` in the environment wins), the
    service's one C heap, and a one-shot command's BLAS threads and garbage collector's pace."""
    if len(argv) > 1 and argv[1] in one_shot:
        os.environ.setdefault("_RJEM_MALLOC_CONF", ONE_SHOT_ALLOCATOR)
        os.environ.setdefault("OPENBLAS_NUM_THREADS", ONE_SHOT_BLAS_THREADS)
        gc.set_threshold(*ONE_SHOT_GC)
    elif len(argv) > 1 and argv[1] == SERVICE:
        os.environ.setdefault("_RJEM_MALLOC_CONF", service_allocator())
        one_c_heap()


def leave(code: int) -> None:
    """Flush the output and logs, then exit at once with ``code``, skipping the teardown of large
    tables (everything is committed, fsynced and closed by the time a command returns)."""
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)

"""Landing: copy an arriving file into ``var/landed/<sha256>`` (read-only) before anything else.

The copy streams (constant memory) and is fsynced and renamed into place, so a landed copy is
either complete or absent. Identical content lands once; the ledger records every arrival.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hub.errors import ConnectorFatal, ConnectorRetryable

CHUNK = 1024 * 1024
LANDED_MODE = 0o400


@dataclass(frozen=True)
class Landed:
    path: Path
    sha256: str
    size: int


def land_file(source: Path, landed_dir: Path) -> Landed:
    """Copy ``source`` into ``landed_dir`` named by its sha256; return where it is."""
    landed_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=landed_dir, prefix=".landing-")
    tmp = Path(tmp_name)
    try:
        with source.open("rb") as src, os.fdopen(fd, "wb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        final = landed_dir / digest.hexdigest()
        if final.exists():
            tmp.unlink()
        else:
            os.chmod(tmp, LANDED_MODE)
            os.replace(tmp, final)
    except FileNotFoundError as exc:
        tmp.unlink(missing_ok=True)
        raise ConnectorFatal(f"{source}: no such file") from exc
    except PermissionError as exc:
        tmp.unlink(missing_ok=True)
        raise ConnectorFatal(f"{source}: permission denied") from exc
    except IsADirectoryError as exc:
        tmp.unlink(missing_ok=True)
        raise ConnectorFatal(f"{source}: is a folder, not a file") from exc
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConnectorRetryable(f"{source}: cannot land: {exc.strerror}") from exc
    return Landed(final, digest.hexdigest(), size)

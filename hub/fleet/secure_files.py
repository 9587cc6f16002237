"""Writing secrets and broker files so that a reader never sees half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Final

from hub.fleet.errors import FleetError

# Owner read/write only: these files hold hashes, keys or the list of who may connect.
PRIVATE: Final = 0o600
# Certificates and CRLs are public.
PUBLIC: Final = 0o644


def write_atomically(path: Path, data: bytes, mode: int = PRIVATE) -> None:
    """Replace ``path`` with ``data`` in one rename, the file created with ``mode``.

    A broker re-reading the file on SIGHUP sees the old or the new contents, never a mix."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise FleetError(f"cannot write {path}: {exc.strerror or exc}") from exc

"""One writer at a time: the project lock that ingest, index, withdraw, publish and the
other writing commands hold while they run.

An OS file lock (``flock`` on ``.kura.lock`` in the project folder) that the kernel releases
when its holder dies, however it dies, so it never goes stale the way a PID file does. The
file also says who holds it (command, process id, start time), so a second run can name the
running one in its one-line message. Temporary files a killed run left behind may be swept by
whoever holds the lock: their writer is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from archive.errors import KuraError

LOCK_NAME = ".kura.lock"


class ProjectBusy(KuraError):
    """Another Kura command is writing this project."""


def _holder(path: Path) -> str:
    try:
        data = json.loads(path.read_text("utf-8"))
        return f"kura {data['command']} (PID {data['pid']}, {data['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another kura command"


@contextlib.contextmanager
def project_lock(root: Path, command: str, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the project's write lock while the block runs. With ``wait`` seconds, wait for a
    running command to finish; otherwise (or when the wait runs out) raise ProjectBusy
    naming it."""
    import fcntl

    path = Path(root) / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ProjectBusy(
                        f"{root}: {_holder(path)} が実行中です。終わってからもう一度実行してください"
                        f" / {_holder(path)} is running on this project; run again when it ends"
                    ) from None
                time.sleep(0.2)
        since = datetime.now(UTC).isoformat(timespec="seconds")
        note = json.dumps({"command": command, "pid": os.getpid(), "since": since})
        os.ftruncate(fd, 0)
        os.pwrite(fd, note.encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def is_locked(root: Path) -> bool:
    """True while a command holds the project's lock (for readers that may skip work)."""
    import fcntl

    path = Path(root) / LOCK_NAME
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False

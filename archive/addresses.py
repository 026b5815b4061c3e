"""Where each output of the archive has been served or published: the address history that
the change feed's ``Move`` activities are rendered from (moving house, issue 14).

An output is one place the archive's documents are read from, each with its own feed:

- ``VIEWER``: the viewer (``kura serve``), at kura.toml's ``base_url`` (IIIF ids under
  ``public_url`` when that is set). Noted by the commands that write what it serves (``kura
  ingest``, ``kura index``, ``kura withdraw``) and by ``kura serve`` when it starts, each under
  the project lock; the viewer itself only reads the history.
- ``publish_output(target)``: a ``kura publish`` target (a bucket and prefix, or a folder), at
  its public address. Noted by every publish, before it renders what it sends.
- ``build_output(folder)``: a static site written by ``kura build -o DIR``, at its address.

Each output's history lists its addresses, oldest first: the address (``base_url`` and
``files_url``, the two of ``manifests.urls.Urls``), ``since`` (when the output began at it),
``after`` (how many change-log events there were then: its moves come after them) and, for an
output written in runs (a publish, a build), ``through`` (how many events its last run at the
address had sent: what was public there). The viewer serves the log as it grows, so its
``through`` stays None: it served every event until the next address began.

Kept in ``state/addresses.json`` (never published, sealed like the change log). It is the one
stored file that names addresses: records, the change log and every document hold none, and
the ``Move`` activities are rendered from it for the output whose feed is asked for
(``archive.moves``), never stored.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from archive import events, keys
from archive.errors import StoreError
from archive.fixity import seal
from archive.record import to_json

KEY = keys.address_history()
VIEWER = "viewer"


def publish_output(target: str) -> str:
    """The output name of a ``kura publish`` target (as its publish manifest names it)."""
    return f"publish {target}"


def build_output(folder: str) -> str:
    """The output name of a static build into ``folder`` (an absolute path)."""
    return f"build {folder}"


@dataclass(frozen=True)
class Address:
    """One address of an output, and when the output began at it."""

    base_url: str
    files_url: str  # where its IIIF ids are (``public_url``, or ``base_url``)
    since: str  # UTC, like the change log's endTime
    after: int  # change-log events before it began
    through: int | None = None  # events its last run here sent (None: served as logged)

    @classmethod
    def of(cls, base_url: str, files_url: str = "", **rest: Any) -> Address:
        base = base_url.rstrip("/")
        return cls(base, files_url.rstrip("/") or base, **rest)

    def at_same_place(self, other: Address) -> bool:
        return (self.base_url, self.files_url) == (other.base_url, other.files_url)

    @classmethod
    def from_json(cls, data: Any) -> Address | None:
        if not isinstance(data, dict):
            return None
        try:
            through = data.get("through")
            return cls.of(
                str(data["base_url"]),
                str(data.get("files_url") or ""),
                since=str(data["since"]),
                after=max(0, int(data["after"])),
                through=None if through is None else max(0, int(through)),
            )
        except (KeyError, TypeError, ValueError):
            return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _load(store: Any) -> dict[str, list]:
    try:
        data = json.loads(store.get(KEY))
    except (StoreError, OSError, ValueError):
        return {}
    outputs = data.get("outputs") if isinstance(data, dict) else None
    return {str(k): v for k, v in outputs.items() if isinstance(v, list)} if outputs else {}


def address_history(store: Any, output: str) -> list[Address]:
    """The addresses ``output`` has had, oldest first (empty before it was first noted)."""
    entries = (Address.from_json(e) for e in _load(store).get(output, []))
    return [e for e in entries if e is not None]


def planned_history(
    store: Any,
    output: str,
    base_url: str,
    files_url: str = "",
    *,
    at: str | None = None,
    sent: bool = False,
) -> list[Address]:
    """The history of ``output`` once it is at ``base_url`` (``files_url``) now, without
    writing it (what a dry run renders). ``sent``: the output now holds everything logged so
    far (a publish or a build); for the viewer, False."""
    history = address_history(store, output)
    total = events.log_state(store)["total"]
    new = Address.of(base_url, files_url, since=at or _now(), after=total)
    if history and history[-1].at_same_place(new):
        if sent and history[-1].through != total:
            history[-1] = Address(**{**asdict(history[-1]), "through": total})
        return history
    return [*history, Address(**{**asdict(new), "through": total if sent else None})]


def note_address(
    store: Any,
    output: str,
    base_url: str,
    files_url: str = "",
    *,
    at: str | None = None,
    sent: bool = False,
) -> list[Address]:
    """Record that ``output`` is at ``base_url`` (``files_url``) now, and return its
    history. Nothing is written when the address is the one last noted (and, with ``sent``,
    the run sent nothing new). The caller holds the project lock."""
    history = planned_history(store, output, base_url, files_url, at=at, sent=sent)
    if history != address_history(store, output):
        outputs = _load(store)
        outputs[output] = [asdict(a) for a in history]
        store.put(KEY, to_json(seal({"outputs": outputs})), durable=True)
    return history


def note_viewer(store: Any, config: Any) -> list[Address]:
    """Record the viewer's address from kura.toml (``base_url``, ``public_url``)."""
    return note_address(store, VIEWER, config.base_url, config.public_url)

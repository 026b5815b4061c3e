"""The activities of one output's change feed in order: the logged events (``archive.events``)
and, where the output's address changed (``archive.addresses``), one ``Move`` per resource
that was public there then (moving house, issue 14).

IIIF Change Discovery 1.0 defines ``Move`` as "the re-publishing of the resource at a new
URI, with the same content": its ``object`` is the resource at the old address and its
``target`` the same resource at the new one. A harvester walking the feed back from its end
finds them where the address changed, after the events logged before the change and before
those logged after it, so it drops the old ids and fetches the new ones.

Which resources move: the item manifests, lesson manifests and curated collections that were
public at the old address (the events up to its last run there, for a publish target or a
build; up to the change, for the viewer) and still are at the change, and the top collection
with them. An item withdrawn before the change has its ``Delete`` and no ``Move``; one
published after it was never at the old address. No ``Move`` comes from an address on this
machine (``localhost``, ``127.0.0.1``, ``::1``): nobody outside could have harvested it, and
every archive starts at ``http://127.0.0.1:8000``. Nor when only the pages' address changed
and the IIIF ids did not (a site with ``public_url``).

The moves are rendered whenever the feed is: they name addresses and the store holds none,
so nothing here is written. Their places in the feed never change once there: an address is
noted at the end of the log, which only grows, so closed pages stay as they were.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from archive import events
from archive.addresses import Address

TOP = "collection:top"


def on_this_machine(address: Address) -> bool:
    """True for IIIF ids on a loopback host (no one else could have read them)."""
    host = (urlsplit(address.files_url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Hop:
    """The move of an output from ``old`` to ``new``: after the first ``at`` events, one
    ``Move`` per resource (``"kind:id"``) in ``moved``."""

    at: int
    end_time: str
    old: Address
    new: Address
    moved: tuple[str, ...]


def _order(ref: str) -> tuple[int, str]:
    kind, _, name = ref.partition(":")
    return events.KINDS.index(kind) if kind in events.KINDS else len(events.KINDS), name


def _replay(store: Any, stops: set[int]) -> tuple[dict[int, frozenset[str]], dict[int, str]]:
    """What was public after the first ``n`` events, for each ``n`` in ``stops``, and the
    time of the ``n``-th event (the last one before it)."""
    public: set[str] = set()
    found: dict[int, frozenset[str]] = {0: frozenset()}
    times = {0: ""}
    pos, last = 0, max(stops, default=0)
    time = ""
    while pos < last:
        chunk = events.read_events(store, pos, min(last, pos + events.PAGE_SIZE))
        if not chunk:
            break
        for event in chunk:
            kind, name = next(iter(event["object"].items()))
            ref = f"{kind}:{name}"
            if event["type"] == "Delete":
                public.discard(ref)
            else:
                public.add(ref)
            time = str(event.get("endTime", ""))
            pos += 1
            if pos in stops:
                found[pos], times[pos] = frozenset(public), time
    for stop in stops - found.keys():  # past what could be read
        found[stop], times[stop] = frozenset(public), time
    return found, times


def hops(store: Any, history: Sequence[Address], total: int) -> list[Hop]:
    """The moves of an output with this address history, over a log of ``total`` events."""
    pairs = []
    at = 0
    previous: tuple[Address, int] | None = None  # the last address others could read, and
    for i, address in enumerate(history):  # how many events it had served or been sent
        at = max(at, min(address.after, total))
        here = on_this_machine(address)
        if previous and not here and previous[0].files_url != address.files_url:
            pairs.append((previous[0], address, min(previous[1], at), at))
        if here:
            continue  # public → this machine → public: one move, from the first to the last
        until = history[i + 1].after if i + 1 < len(history) else total
        seen = address.through if address.through is not None else until
        previous = (address, min(seen, total))
    if not pairs:
        return []
    public, times = _replay(store, {p for pair in pairs for p in pair[2:]})
    found = []
    end = ""
    for old, new, seen, at in pairs:
        moved = public[seen] & public[at]
        if moved:
            moved |= {TOP}
        end = max(new.since, times[at], end)  # in time order with what comes before
        found.append(Hop(at, end, old, new, tuple(sorted(moved, key=_order))))
    return [hop for hop in found if hop.moved]


class Timeline:
    """The activities of an output's feed, oldest first: the events of the log with each
    hop's moves after the events logged before it, in pages of ``events.PAGE_SIZE``."""

    def __init__(self, store: Any, history: Sequence[Address] = ()) -> None:
        self.store = store
        self.logged = events.log_state(store)["total"]
        self.hops = hops(store, history, self.logged) if len(history) > 1 else []
        self.total = self.logged + sum(len(hop.moved) for hop in self.hops)
        self.pages = max(1, -(-self.total // events.PAGE_SIZE))

    def state(self) -> dict:
        """``{"total": n, "pages": p}``, as ``events.log_state`` gives for the log alone."""
        return {"total": self.total, "pages": self.pages}

    def page(self, n: int) -> dict | None:
        """``{"start": i, "events": [...]}`` of page ``n`` (None past the end); a move is
        ``{"type": "Move", "object": {kind: id}, "endTime", "from": Address, "to": Address}``."""
        if not 0 <= n < self.pages:
            return None
        start = n * events.PAGE_SIZE
        return {"start": start, "events": self.activities(start, start + events.PAGE_SIZE)}

    def activities(self, start: int, stop: int) -> list[dict]:
        """Activities ``start`` to ``stop`` (not included) of the whole feed."""
        out: list[dict] = []
        pos = logged = 0  # place in the feed, and in the log
        for hop in [*self.hops, None]:
            at = self.logged if hop is None else hop.at
            lo, hi = max(start, pos), min(stop, pos + at - logged)
            if lo < hi:
                out.extend(events.read_events(self.store, logged + lo - pos, logged + hi - pos))
            pos, logged = pos + at - logged, at
            if hop is None:
                break
            lo, hi = max(start, pos), min(stop, pos + len(hop.moved))
            for ref in hop.moved[lo - pos : max(lo, hi) - pos]:
                kind, _, name = ref.partition(":")
                out.append(
                    {
                        "type": "Move",
                        "object": {kind: name},
                        "endTime": hop.end_time,
                        "from": hop.old,
                        "to": hop.new,
                    }
                )
            pos += len(hop.moved)
        return out

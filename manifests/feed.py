"""The IIIF Change Discovery API 1.0 feed, rendered for an address from the event log
(``archive.events``): ``activity/all-changes.json`` (an ``OrderedCollection``) and its pages
``activity/page-{n}.json`` (``OrderedCollectionPage`` s of ``Create``/``Update``/``Delete``
activities on item manifests, lesson manifests and curated collections, oldest first), so
harvesters such as Japan Search fetch only what changed since their last visit. Where the
output's address changed, ``Move`` activities (``archive.moves``) take each resource from its
id at the old address (``object``) to its id at the new one (``target``)."""

from __future__ import annotations

from typing import Any

from archive.addresses import Address
from manifests.urls import Urls

CONTEXT = "http://iiif.io/api/discovery/1/context.json"


def changed_object(obj: dict, urls: Urls) -> dict:
    """The IIIF reference of an event's object (``{"item": id}`` and the like)."""
    kind, ident = next(iter(obj.items()))
    if kind == "lesson":
        return {"id": urls.lesson(ident), "type": "Manifest"}
    if kind == "collection":
        return {"id": urls.collection(ident), "type": "Collection"}
    return {"id": urls.manifest(ident), "type": "Manifest"}


def urls_of(address: Address) -> Urls:
    """The URLs of an output at one of its addresses."""
    return Urls(address.base_url, address.files_url)


def activity(event: dict, urls: Urls) -> dict:
    """One activity of the feed: an event of the log (its object rendered for ``urls``) or
    a move (its object at the old address, its target at the new one)."""
    if event["type"] == "Move":
        return {
            "type": "Move",
            "object": changed_object(event["object"], urls_of(event["from"])),
            "target": changed_object(event["object"], urls_of(event["to"])),
            "endTime": event["endTime"],
        }
    return {
        "type": event["type"],
        "object": changed_object(event["object"], urls),
        "endTime": event["endTime"],
    }


def feed_collection(log: dict, urls: Urls) -> dict:
    """The OrderedCollection of a feed ``{"total": n, "pages": p}``."""
    last = log["pages"] - 1
    return {
        "@context": CONTEXT,
        "id": urls.activity(),
        "type": "OrderedCollection",
        "totalItems": log["total"],
        "first": {"id": urls.activity("page-0"), "type": "OrderedCollectionPage"},
        "last": {"id": urls.activity(f"page-{last}"), "type": "OrderedCollectionPage"},
    }


def feed_page(n: int, page: dict, log: dict, urls: Urls) -> dict:
    """Page ``n`` of the feed from its activities ``{"start": i, "events": [...]}``."""
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "id": urls.activity(f"page-{n}"),
        "type": "OrderedCollectionPage",
        "startIndex": int(page.get("start", 0)),
        "partOf": {"id": urls.activity(), "type": "OrderedCollection"},
    }
    if n > 0:
        data["prev"] = {"id": urls.activity(f"page-{n - 1}"), "type": "OrderedCollectionPage"}
    if n < log["pages"] - 1:
        data["next"] = {"id": urls.activity(f"page-{n + 1}"), "type": "OrderedCollectionPage"}
    data["orderedItems"] = [activity(event, urls) for event in page.get("events", [])]
    return data

"""The IIIF Change Discovery API 1.0 feed, rendered for an address from the event log
(``archive.events``): ``activity/all-changes.json`` (an ``OrderedCollection``) and its pages
``activity/page-{n}.json`` (``OrderedCollectionPage`` s of ``Create``/``Update``/``Delete``
activities on item manifests, lesson manifests and curated collections, oldest first), so
harvesters such as Japan Search fetch only what changed since their last visit."""

from __future__ import annotations

from typing import Any

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


def feed_collection(log: dict, urls: Urls) -> dict:
    """The OrderedCollection of a log ``{"total": n, "pages": p}``."""
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
    """Page ``n`` of the feed from the log's page ``{"start": i, "events": [...]}``."""
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
    data["orderedItems"] = [
        {
            "type": event["type"],
            "object": changed_object(event["object"], urls),
            "endTime": event["endTime"],
        }
        for event in page.get("events", [])
    ]
    return data

"""The one place that builds URLs, IIIF ids and store keys.

Ids are absolute URLs under ``base_url``; the store key of a document is its URL path
without the leading ``/``, so moving the archive to a new base URL rewrites ids only.
The viewer builds its page links with the same object.

``files_url`` (kura.toml's ``public_url``) is where the published files live when they are
served apart from the viewer (a CDN, an S3 bucket): every stored file and every id inside
them (manifests, canvases, image services, records, the feed, the CSV) is then built under
it, while viewer pages stay under ``base_url``. Empty means both are ``base_url``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Urls:
    base_url: str
    files_url: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        object.__setattr__(self, "files_url", self.files_url.rstrip("/") or self.base_url)

    def absolute(self, key: str) -> str:
        """The URL of a stored file (under ``files_url``)."""
        return f"{self.files_url}/{quote(key, safe='/,:')}"

    # --- store keys -----------------------------------------------------------------
    @staticmethod
    def manifest_key(item_id: str) -> str:
        return f"iiif/{item_id}/manifest.json"

    @staticmethod
    def image_key(item_id: str, image: str) -> str:
        """The folder of one page's level-0 image service (``info.json`` and tiles); ``image``
        is the digest-based tree name the ingest gave the page."""
        return f"iiif/{item_id}/{image}"

    @staticmethod
    def record_key(item_id: str) -> str:
        return f"records/{item_id}.json"

    @staticmethod
    def master_key(item_id: str, sha256: str, name: str) -> str:
        """Masters are kept by content: a changed scan never overwrites the kept original."""
        return f"masters/{item_id}/{sha256[:16]}/{name}"

    @staticmethod
    def collection_key(name: str = "top") -> str:
        return f"iiif/collection/{name}.json"

    @staticmethod
    def lesson_key(lesson_id: str) -> str:
        """The IIIF manifest of a lesson."""
        return f"iiif/lesson/{lesson_id}.json"

    @staticmethod
    def lesson_data_key(lesson_id: str) -> str:
        """The compiled lesson (steps, sanitised HTML) that the viewer's player reads."""
        return f"lessons/{lesson_id}.json"

    @staticmethod
    def activity_key(name: str = "all-changes") -> str:
        """The IIIF Change Discovery feed: ``all-changes`` (the OrderedCollection) and its
        pages ``page-{n}``."""
        return f"activity/{name}.json"

    @staticmethod
    def opendata_key(code: str = "") -> str:
        """The 文化財一覧 open-data CSV, named by the municipality code like the portals'."""
        return (
            f"opendata/{code}_cultural_property.csv" if code else "opendata/cultural_property.csv"
        )

    # --- IIIF ids -------------------------------------------------------------------
    def manifest(self, item_id: str) -> str:
        return self.absolute(self.manifest_key(item_id))

    def image_service(self, item_id: str, image: str) -> str:
        return self.absolute(self.image_key(item_id, image))

    def image(self, item_id: str, image: str, size: str = "max") -> str:
        """A whole-page image at ``size`` (``max`` or ``w,h`` from info.json's sizes)."""
        return f"{self.image_service(item_id, image)}/full/{size}/0/default.jpg"

    def canvas(self, item_id: str, page: int) -> str:
        return f"{self.files_url}/iiif/{item_id}/canvas/{page}"

    def annotation_page(self, item_id: str, page: int) -> str:
        return f"{self.canvas(item_id, page)}/page"

    def annotation(self, item_id: str, page: int) -> str:
        return f"{self.canvas(item_id, page)}/image"

    def collection(self, name: str = "top") -> str:
        return self.absolute(self.collection_key(name))

    def lesson(self, lesson_id: str) -> str:
        return self.absolute(self.lesson_key(lesson_id))

    def lesson_canvas(self, lesson_id: str, step: int) -> str:
        return f"{self.files_url}/iiif/lesson/{lesson_id}/canvas/{step}"

    def record(self, item_id: str) -> str:
        return self.absolute(self.record_key(item_id))

    def activity(self, name: str = "all-changes") -> str:
        return self.absolute(self.activity_key(name))

    def opendata(self, code: str = "") -> str:
        return self.absolute(self.opendata_key(code))

    # --- viewer pages ----------------------------------------------------------------
    def item_page(self, item_id: str) -> str:
        return f"{self.base_url}/items/{item_id}"

    def lesson_page(self, lesson_id: str, step: int | None = None) -> str:
        page = f"{self.base_url}/lessons/{lesson_id}"
        return f"{page}/{step}" if step else page

    def collection_page(self, name: str) -> str:
        return f"{self.base_url}/collections/{name}"

    def home(self) -> str:
        return f"{self.base_url}/"

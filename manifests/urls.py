"""The one place that builds URLs, IIIF ids and store keys.

Ids are absolute URLs under ``base_url``; the path of a published file's URL is its store
key (``archive.keys``), so the store holds no addresses and documents are rendered for the
address they are served from. The viewer builds its page links with the same object.

``files_url`` (kura.toml's ``public_url``) is where the published files live when they are
served apart from the viewer (a CDN, an S3 bucket): every stored file and every id inside
them (manifests, canvases, image services, records, the feed, the CSV) is then built under
it, while viewer pages stay under ``base_url``. Empty means both are ``base_url``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from archive import keys


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

    # --- IIIF ids -------------------------------------------------------------------
    def manifest(self, item_id: str) -> str:
        return self.absolute(keys.manifest(item_id))

    def image_service(self, item_id: str, image: str) -> str:
        return self.absolute(keys.image(item_id, image))

    def info(self, item_id: str, image: str) -> str:
        """A page's ``info.json`` (by the Image API, ``{service id}/info.json``)."""
        return self.absolute(keys.info(item_id, image))

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
        return self.absolute(keys.collection(name))

    def lesson(self, lesson_id: str) -> str:
        return self.absolute(keys.lesson(lesson_id))

    def lesson_canvas(self, lesson_id: str, step: int) -> str:
        return f"{self.files_url}/iiif/lesson/{lesson_id}/canvas/{step}"

    def record(self, item_id: str) -> str:
        return self.absolute(keys.record(item_id))

    def activity(self, name: str = "all-changes") -> str:
        return self.absolute(keys.activity(name))

    def opendata(self, code: str = "") -> str:
        return self.absolute(keys.opendata(code))

    # --- viewer pages ----------------------------------------------------------------
    @property
    def pages(self) -> Pages:
        """Links between the site's pages, as paths (``/items/ID``, or ``/kura/items/ID``
        when ``base_url`` has a path): what templates use."""
        return Pages(urlsplit(self.base_url).path.rstrip("/"))

    def page_url(self, path: str) -> str:
        """The absolute URL of a page path from ``pages`` (for manifests, sitemaps, APIs)."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}{path}"

    def item_page(self, item_id: str) -> str:
        return self.page_url(self.pages.item(item_id))

    def lesson_page(self, lesson_id: str, step: int | None = None) -> str:
        return self.page_url(self.pages.lesson(lesson_id, step))

    def collection_page(self, name: str) -> str:
        return self.page_url(self.pages.collection(name))

    def home(self) -> str:
        return self.page_url(self.pages.home())

    def api_item(self, item_id: str) -> str:
        """An item's public record and links as JSON (``/api/items/{id}``)."""
        return self.page_url(self.pages.api_item(item_id))


@dataclass(frozen=True)
class Pages:
    """The viewer's pages as paths under the site's root path (``""`` or ``/kura``)."""

    root: str = ""

    def home(self) -> str:
        return f"{self.root}/"

    def search(self) -> str:
        return f"{self.root}/search"

    def item(self, item_id: str) -> str:
        return f"{self.root}/items/{quote(item_id)}"

    def lessons(self) -> str:
        return f"{self.root}/lessons/"

    def lesson(self, lesson_id: str, step: int | None = None) -> str:
        page = f"{self.root}/lessons/{quote(lesson_id)}"
        return f"{page}/{step}" if step else page

    def lesson_summary(self, lesson_id: str) -> str:
        return f"{self.lesson(lesson_id)}/summary"

    def worksheet(self, lesson_id: str) -> str:
        return f"{self.lesson(lesson_id)}/worksheet"

    def collections(self) -> str:
        return f"{self.root}/collections/"

    def collection(self, name: str) -> str:
        return f"{self.root}/collections/{quote(name)}"

    def static(self, filename: str) -> str:
        return f"{self.root}/static/{quote(filename)}"

    def api_search(self) -> str:
        return f"{self.root}/api/search"

    def api_item(self, item_id: str) -> str:
        return f"{self.root}/api/items/{quote(item_id)}"

    def sitemap(self) -> str:
        return f"{self.root}/sitemap.xml"

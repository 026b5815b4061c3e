"""IIIF Presentation 3 documents of curated lessons and collections.

A lesson is a manifest whose canvases are its steps, in order: each canvas is painted with
the page of the item the step shows (the item's own level-0 image service, nothing copied),
and carries the step's text (and question and hint) as ``commenting`` annotations targeting
the step's region (``#xywh=``). ``start`` is the first step. Any IIIF viewer can so show a
lesson as a guided tour; Kura's own player reads the compiled lesson beside it.

A curated collection is a IIIF collection of its items' manifests, in the curator's order,
with the curator's note as each reference's ``summary``.
"""

from __future__ import annotations

from typing import Any

from archive.curated import CuratedCollection
from archive.lesson_markdown import plain_text
from archive.lessons import Lesson, Step
from archive.model import Page, Record
from manifests.collection import CONTEXT, manifest_reference
from manifests.item import lang_map, provider_agent, thumbnail
from manifests.urls import Urls

AUDIENCE_LABELS = {
    "kids": ("子ども・学校向け", "For children and schools"),
    "seniors": ("シニア向け", "For seniors"),
    "all": ("どなたでも", "For everyone"),
}


def _page(record: Record, number: int) -> Page:
    page = record.page_number(number)
    if page is None:  # check_lesson lets no such step through
        raise LookupError(f"{record.id}: no page {number}")
    return page


def _target(canvas: str, box: tuple[int, int, int, int] | None) -> str:
    return f"{canvas}#xywh={','.join(map(str, box))}" if box else canvas


def _comment(anno_id: str, text: str, target: str, fmt: str = "text/plain") -> dict:
    return {
        "id": anno_id,
        "type": "Annotation",
        "motivation": "commenting",
        "body": {"type": "TextualBody", "value": text, "format": fmt, "language": "ja"},
        "target": target,
    }


def step_annotations(lesson: Lesson, n: int, step: Step, canvas: str) -> list[dict]:
    """The step's text, question and hint as commenting annotations."""
    target = _target(canvas, step.region)
    out = []
    if step.html:
        out.append(_comment(f"{canvas}/comment/text", step.html, target, "text/html"))
    if q := step.question:
        lines = [q.text, *(f"{'ABCDEFGH'[i]}. {c}" for i, c in enumerate(q.choices[:8]))]
        out.append(_comment(f"{canvas}/comment/question", "\n".join(lines), target))
    if step.hint:
        closer = _target(canvas, step.closer or step.region)
        out.append(_comment(f"{canvas}/comment/hint", step.hint, closer))
    return out


def build_lesson_manifest(
    lesson: Lesson, records: dict[str, Record], config: Any, urls: Urls
) -> dict:
    """The lesson as a IIIF manifest (the lesson must have passed ``check_lesson``)."""
    lid = lesson.id
    canvases = []
    for n, step in enumerate(lesson.steps, start=1):
        record = records[step.item]
        page = _page(record, step.page)
        canvas_id = urls.lesson_canvas(lid, n)
        service = [
            {
                "id": urls.image_service(step.item, page.image),
                "type": "ImageService3",
                "profile": "level0",
            }
        ]
        canvas = {
            "id": canvas_id,
            "type": "Canvas",
            "label": lang_map(f"{n}. {step.title}" if step.title else str(n)),
            "width": page.width,
            "height": page.height,
            "items": [
                {
                    "id": f"{canvas_id}/page",
                    "type": "AnnotationPage",
                    "items": [
                        {
                            "id": f"{canvas_id}/image",
                            "type": "Annotation",
                            "motivation": "painting",
                            "body": {
                                "id": urls.image(step.item, page.image),
                                "type": "Image",
                                "format": "image/jpeg",
                                "width": page.width,
                                "height": page.height,
                                "service": service,
                            },
                            "target": canvas_id,
                        }
                    ],
                }
            ],
            "homepage": [
                {
                    "id": urls.lesson_page(lid, n),
                    "type": "Text",
                    "label": lang_map(step.title or f"{n}"),
                    "format": "text/html",
                }
            ],
            "seeAlso": [
                {
                    "id": urls.manifest(step.item),
                    "type": "Manifest",
                    "label": lang_map(record.title),
                }
            ],
        }
        if annotations := step_annotations(lesson, n, step, canvas_id):
            canvas["annotations"] = [
                {"id": f"{canvas_id}/comments", "type": "AnnotationPage", "items": annotations}
            ]
        canvases.append(canvas)

    audience_ja, audience_en = AUDIENCE_LABELS[lesson.audience]
    metadata = [({"ja": ["対象"], "en": ["Audience"]}, lang_map(audience_ja, audience_en))]
    if lesson.grade:
        metadata.append(
            (
                {"ja": ["学年"], "en": ["Grade"]},
                lang_map(f"小学{lesson.grade}年", f"Grade {lesson.grade}"),
            )
        )
    if lesson.subject:
        metadata.append(({"ja": ["教科"], "en": ["Subject"]}, lang_map(lesson.subject)))
    if lesson.title_reading:
        metadata.append(({"ja": ["よみ"], "en": ["Reading"]}, lang_map(lesson.title_reading)))
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "id": urls.lesson(lid),
        "type": "Manifest",
        "label": lang_map(lesson.title, lesson.title_en),
        "metadata": [{"label": k, "value": v} for k, v in metadata],
        "items": canvases,
        "start": {"id": canvases[0]["id"], "type": "Canvas"},
        "homepage": [
            {
                "id": urls.lesson_page(lid),
                "type": "Text",
                "label": lang_map(lesson.title, lesson.title_en),
                "format": "text/html",
                "language": ["ja", "en"],
            }
        ],
    }
    if lesson.summary or lesson.summary_en:
        data["summary"] = lang_map(plain_text(lesson.summary), lesson.summary_en)
    if (cover := records.get(lesson.cover)) and (thumb := thumbnail(cover, urls)):
        data["thumbnail"] = [thumb]
    rights = {records[s.item].rights for s in lesson.steps} - {""}
    if len(rights) == 1:
        data["rights"] = rights.pop()
    if provider := provider_agent(config, urls):
        data["provider"] = [provider]
    return data


def build_curated_collection(
    collection: CuratedCollection, records: dict[str, Record], config: Any, urls: Urls
) -> dict:
    """A curated collection as a IIIF collection (items without images are left out)."""
    items = []
    for item_id, note in collection.items:
        record = records.get(item_id)
        if not record or not record.pages:
            continue
        ref = manifest_reference(record, urls)
        if note:
            ref["summary"] = lang_map(note)
        items.append(ref)
    audience_ja, audience_en = AUDIENCE_LABELS[collection.audience]
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "id": urls.collection(collection.id),
        "type": "Collection",
        "label": lang_map(collection.title, collection.title_en),
        "metadata": [
            {
                "label": {"ja": ["対象"], "en": ["Audience"]},
                "value": lang_map(audience_ja, audience_en),
            }
        ],
        "items": items,
        "homepage": [
            {
                "id": urls.collection_page(collection.id),
                "type": "Text",
                "label": lang_map(collection.title, collection.title_en),
                "format": "text/html",
            }
        ],
    }
    if collection.description or collection.description_en:
        data["summary"] = lang_map(plain_text(collection.description), collection.description_en)
    if collection.title_reading:
        data["metadata"].append(
            {
                "label": {"ja": ["よみ"], "en": ["Reading"]},
                "value": lang_map(collection.title_reading),
            }
        )
    first = records.get(collection.items[0][0])
    if first and (thumb := thumbnail(first, urls)):
        data["thumbnail"] = [thumb]
    if provider := provider_agent(config, urls):
        data["provider"] = [provider]
    return data

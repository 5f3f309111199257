"""The manifest of a build: every file's SHA-256 and size, the version, channel and expiry, build metadata.

It is written next to the executable as ``autolytiq-manifest.json`` and signed (``signing.py``). Paths are
relative, with ``/`` on every platform. Symbolic links (macOS frameworks, versioned ``.so`` names) are
recorded by their target instead of being followed, so a link cannot be redirected outside the build
unnoticed.
"""

from __future__ import annotations

import hashlib
import mmap
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from app.release.errors import ReleaseError
from app.release.versions import ReleaseVersion

MANIFEST_NAME = "autolytiq-manifest.json"
APP_NAME = "autolytiq"


@dataclass(frozen=True, slots=True)
class FileEntry:
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class LinkEntry:
    target: str


Entry = FileEntry | LinkEntry


@dataclass(frozen=True, slots=True)
class Manifest:
    version: str
    channel: str
    created: datetime
    expires: datetime
    files: Mapping[str, Entry]
    build: Mapping[str, str] = field(default_factory=dict)
    app: str = APP_NAME

    def expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) >= self.expires

    @property
    def total_size(self) -> int:
        return sum(entry.size for entry in self.files.values() if isinstance(entry, FileEntry))

    def to_payload(self) -> dict[str, Any]:
        files: dict[str, dict[str, Any]] = {}
        for path in sorted(self.files):
            entry = self.files[path]
            if isinstance(entry, FileEntry):
                files[path] = {"sha256": entry.sha256, "size": entry.size}
            else:
                files[path] = {"symlink": entry.target}
        return {
            "app": self.app,
            "version": self.version,
            "channel": self.channel,
            "created": format_time(self.created),
            "expires": format_time(self.expires),
            "build": dict(sorted(self.build.items())),
            "files": files,
        }

    @classmethod
    def from_payload(cls, payload: object) -> Manifest:
        data = _mapping(payload, "manifest")
        version = _text(data, "version")
        ReleaseVersion.parse(version, field="manifest.version")
        build = _mapping(data.get("build", {}), "manifest.build")
        raw_files = _mapping(data.get("files"), "manifest.files")
        return cls(
            app=_text(data, "app"),
            version=version,
            channel=_text(data, "channel"),
            created=parse_time(_text(data, "created"), "manifest.created"),
            expires=parse_time(_text(data, "expires"), "manifest.expires"),
            build={str(k): _plain(v, f"manifest.build.{k}") for k, v in build.items()},
            files={_safe_path(path): _entry(path, value) for path, value in raw_files.items()},
        )


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ReleaseError("time", "must carry a time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str, field_name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ReleaseError(field_name, f"{text!r} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        raise ReleaseError(field_name, f"{text!r} has no time zone")
    return moment.astimezone(UTC)


def _mapping(value: object, name: str) -> Mapping[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ReleaseError(name, "must be a JSON object")
    return value


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ReleaseError(f"manifest.{key}", "missing or not a string")
    return value


def _plain(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise ReleaseError(name, "must be a string")
    return value


def _safe_path(path: str) -> str:
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or "\\" in path or str(pure) != path:
        raise ReleaseError(f"manifest.files[{path!r}]", "must be a normalised relative path inside the build")
    return path


def _entry(path: str, value: object) -> Entry:
    data = _mapping(value, f"manifest.files[{path!r}]")
    if "symlink" in data:
        return LinkEntry(_plain(data["symlink"], f"manifest.files[{path!r}].symlink"))
    digest, size = data.get("sha256"), data.get("size")
    if not isinstance(digest, str) or len(digest) != 64:
        raise ReleaseError(f"manifest.files[{path!r}].sha256", "must be 64 hex digits")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ReleaseError(f"manifest.files[{path!r}].size", "must be a non-negative integer")
    return FileEntry(digest.lower(), size)


def walk_build(root: Path) -> Iterator[tuple[str, Path]]:
    """Every file and link under ``root`` as (relative posix path, path), the manifest itself left out."""
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(directory)
        linked_dirs = [name for name in dirnames if (base / name).is_symlink()]
        for name in sorted(filenames + linked_dirs):
            path = base / name
            relative = path.relative_to(root).as_posix()
            if relative != MANIFEST_NAME:
                yield relative, path
        dirnames[:] = sorted(name for name in dirnames if name not in linked_dirs)


# Below this size a plain read is cheaper than setting up a memory map.
_MAP_FROM_BYTES = 1 << 20


def hash_file(path: Path) -> FileEntry:
    """SHA-256 and size. Large files are hashed from a memory map in one call, which releases the GIL
    once per file instead of twice per chunk, so hashing threads rarely wait for each other."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < _MAP_FROM_BYTES:
            data = handle.read()
            return FileEntry(hashlib.sha256(data).hexdigest(), len(data))
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return FileEntry(hashlib.sha256(mapped).hexdigest(), len(mapped))


def describe(path: Path) -> Entry:
    if path.is_symlink():
        return LinkEntry(os.readlink(path))
    return hash_file(path)


def listing(root: Path) -> dict[str, Path]:
    """Every file and link of the build by its manifest path (cheap: no file is read)."""
    return dict(walk_build(root))


def sizes(files: Mapping[str, Path]) -> dict[str, int | LinkEntry]:
    """Each file's size, or the link it is; a stat per file, no reading."""
    return {
        relative: LinkEntry(os.readlink(path)) if path.is_symlink() else path.stat().st_size
        for relative, path in files.items()
    }


def hash_files(files: Mapping[str, Path], *, workers: int | None = None) -> dict[str, Entry]:
    """``describe`` every file; ``workers`` threads (default: up to 4, one per core)."""
    count = workers or max(1, min(4, os.cpu_count() or 1))
    items = sorted(files.items())
    if count == 1:
        return {relative: describe(path) for relative, path in items}
    with ThreadPoolExecutor(max_workers=count) as pool:
        entries = list(pool.map(lambda item: describe(item[1]), items))
    return {relative: entry for (relative, _), entry in zip(items, entries, strict=True)}


def scan(root: Path) -> dict[str, Entry]:
    """What is on disk now: every file hashed, every link read."""
    return hash_files(listing(root))


def build_manifest(
    root: Path,
    *,
    version: str,
    channel: str,
    expires: datetime,
    build: Mapping[str, str] | None = None,
    created: datetime | None = None,
) -> Manifest:
    ReleaseVersion.parse(version)
    if not root.is_dir():
        raise ReleaseError(str(root), "the build directory does not exist")
    created = created or datetime.now(UTC)
    if expires <= created:
        raise ReleaseError("expires", "must be after the build time")
    return Manifest(
        version=version,
        channel=channel,
        created=created,
        expires=expires,
        files=scan(root),
        build=dict(build or {}),
    )

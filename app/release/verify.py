"""Checking an installed copy against its signed manifest: what IT runs, and what a build runs on start.

A build passes only when the manifest's signature verifies against the given (pinned) public key and
the files on disk are exactly the files it lists: none altered, none missing, none added. An added file
counts because Python and Qt load code and plugins from the install directory by name.
Expiry is not checked here: it limits how long a manifest is offered as an update, not how long an
installed copy keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.release.errors import ReleaseError
from app.release.keys import public_key_id
from app.release.manifest import MANIFEST_NAME, LinkEntry, Manifest, format_time, hash_files, listing, sizes
from app.release.signing import read_signed_manifest


@dataclass(frozen=True, slots=True)
class VerifyReport:
    root: Path
    key_id: str
    signature_valid: bool = False
    manifest: Manifest | None = None
    tampered: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return (
            self.signature_valid
            and self.manifest is not None
            and not (self.tampered or self.missing or self.extra or self.errors)
        )

    def lines(self, limit: int = 20) -> list[str]:
        """A human-readable account, for the console and the refusal message."""
        head = f"Autolytiq build at {self.root}"
        if self.manifest is not None:
            head += f": version {self.manifest.version}, channel {self.manifest.channel}"
        out = [head, *(f"  error: {error}" for error in self.errors)]
        groups = (("altered", self.tampered), ("missing", self.missing), ("unexpected", self.extra))
        for label, paths in groups:
            out += [f"  {label}: {path}" for path in paths[:limit]]
            if len(paths) > limit:
                out.append(f"  ... and {len(paths) - limit} more {label} files")
        if self.ok and self.manifest is not None:
            out.append(
                f"  OK: {len(self.manifest.files)} files match the manifest signed with key {self.key_id}"
            )
        else:
            out.append("  FAILED: this installation does not match its signed manifest")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "root": str(self.root),
            "key_id": self.key_id,
            "signature_valid": self.signature_valid,
            "version": self.manifest.version if self.manifest else None,
            "channel": self.manifest.channel if self.manifest else None,
            "created": format_time(self.manifest.created) if self.manifest else None,
            "files": len(self.manifest.files) if self.manifest else None,
            "tampered": list(self.tampered),
            "missing": list(self.missing),
            "extra": list(self.extra),
            "errors": list(self.errors),
        }


def verify_listing(root: Path, public_key: Ed25519PublicKey) -> tuple[VerifyReport, dict[str, Path]]:
    """The cheap part: the signature, then every name, link target and size, without reading a file.

    Returns the report so far and the files whose contents are still to be hashed (those listed with
    the right size). A report that is already not ``ok`` stays that way whatever the hashes say.
    """
    root = Path(root)
    key_id = public_key_id(public_key)
    manifest_path = root / MANIFEST_NAME
    if not manifest_path.is_file():
        return VerifyReport(root, key_id, errors=(f"no signed manifest ({MANIFEST_NAME}) in {root}",)), {}
    try:
        manifest = read_signed_manifest(manifest_path).verified(public_key, source=MANIFEST_NAME)
    except ReleaseError as exc:
        # An unverified manifest says nothing trustworthy about the files, so they are not compared.
        return VerifyReport(root, key_id, errors=(str(exc),)), {}
    on_disk = listing(root)
    expected = manifest.files
    present = expected.keys() & on_disk.keys()
    found = sizes({path: on_disk[path] for path in present})
    altered, to_hash = [], {}
    for path in present:
        entry, seen = expected[path], found[path]
        if isinstance(entry, LinkEntry) or isinstance(seen, LinkEntry):
            if entry != seen:
                altered.append(path)
        elif entry.size != seen:
            altered.append(path)
        else:
            to_hash[path] = on_disk[path]
    report = VerifyReport(
        root,
        key_id,
        signature_valid=True,
        manifest=manifest,
        tampered=tuple(sorted(altered)),
        missing=tuple(sorted(expected.keys() - on_disk.keys())),
        extra=tuple(sorted(on_disk.keys() - expected.keys())),
    )
    return report, to_hash


def verify_contents(
    listed: VerifyReport, to_hash: dict[str, Path], *, workers: int | None = None
) -> VerifyReport:
    """The listing's report completed with every remaining file's SHA-256 compared to the manifest."""
    if listed.manifest is None:
        return listed
    expected = listed.manifest.files
    hashed = hash_files(to_hash, workers=workers)
    altered = [path for path, entry in hashed.items() if entry != expected[path]]
    return replace(listed, tampered=tuple(sorted([*listed.tampered, *altered])))


def verify_install(root: Path, public_key: Ed25519PublicKey, *, workers: int | None = None) -> VerifyReport:
    """The whole check, as IT's ``autolytiq verify`` runs it: every file accounted for and hashed."""
    listed, to_hash = verify_listing(root, public_key)
    return verify_contents(listed, to_hash, workers=workers)

"""The archive file: a gzip-compressed tar whose first member is manifest.json, which gives the
SHA-256 and size of every other member. Reading checks every member against it before anything
is restored; a member the manifest does not name, a missing one or a path that would leave the
extraction folder makes the whole archive unusable."""

import hashlib
import io
import json
import os
import posixpath
import tarfile

FORMAT = "hamaynk-municipality-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """The archive cannot be used: damaged, altered, or not one of ours."""


class Writer:
    """Adds members to a tar.gz while hashing them; `close(manifest)` writes the manifest first.

    The members go to a temporary tar first, so the manifest (which needs every checksum) can
    lead the final file and a reader can check members as they stream past."""

    def __init__(self, folder):
        self.folder = folder
        self.members = {}
        self._body_path = os.path.join(folder, "body.tar")
        self._body = tarfile.open(self._body_path, "w", format=tarfile.PAX_FORMAT)

    def add_file(self, name, path):
        with open(path, "rb") as handle:
            self.add_stream(name, handle, os.path.getsize(path))

    def add_bytes(self, name, data):
        self.add_stream(name, io.BytesIO(data), len(data))

    def add_stream(self, name, handle, size):
        _check_name(name)
        digest = hashlib.sha256()

        class Hashing:
            def read(self, n=-1):
                chunk = handle.read(n)
                digest.update(chunk)
                return chunk

        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o600
        self._body.addfile(info, Hashing())
        self.members[name] = {"sha256": digest.hexdigest(), "size": size}

    def close(self, manifest, output):
        """Writes manifest.json then every member, gzip-compressed, to the binary file `output`."""
        self._body.close()
        manifest = {**manifest, "format": FORMAT, "format_version": FORMAT_VERSION, "members": self.members}
        data = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode()
        with tarfile.open(fileobj=output, mode="w|gz", format=tarfile.PAX_FORMAT) as out:
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mode = 0o600
            out.addfile(info, io.BytesIO(data))
            with tarfile.open(self._body_path, "r") as body:
                for member in body:
                    out.addfile(member, body.extractfile(member))
        os.unlink(self._body_path)
        return manifest


def _check_name(name):
    normal = posixpath.normpath(name)
    if name != normal or name.startswith(("/", "../")) or name == ".." or "\\" in name or "\x00" in name:
        raise ArchiveError(f"The archive holds a member with an unsafe name: {name!r}.")


def extract_verified(source, folder):
    """Reads the archive at `source` (a path, or a binary file) into `folder`, checking every
    member's SHA-256 and size against the manifest. Returns the manifest; raises ArchiveError
    (and leaves only the scratch folder, which the caller removes) when anything disagrees."""
    try:
        if isinstance(source, str | os.PathLike):
            archive = tarfile.open(source, mode="r|gz")
        else:
            archive = tarfile.open(fileobj=source, mode="r|gz")
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise ArchiveError(f"This is not a readable municipality archive ({exc}).") from None
    try:
        with archive:
            manifest = None
            seen = set()
            for member in archive:
                if manifest is None:
                    if member.name != MANIFEST or not member.isfile() or member.size > 64 * 1024 * 1024:
                        raise ArchiveError("The archive does not start with its manifest.")
                    manifest = _read_manifest(archive.extractfile(member).read())
                    continue
                _check_name(member.name)
                expected = manifest["members"].get(member.name)
                if expected is None or not member.isfile():
                    raise ArchiveError(f"The archive holds {member.name}, which its manifest does not list.")
                if member.name in seen:
                    raise ArchiveError(f"The archive holds {member.name} twice.")
                seen.add(member.name)
                target = os.path.join(folder, "members", *member.name.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                digest, size = hashlib.sha256(), 0
                reader = archive.extractfile(member)
                with open(target, "wb") as out:
                    while chunk := reader.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                if digest.hexdigest() != expected["sha256"] or size != expected["size"]:
                    raise ArchiveError(
                        f"The archive is damaged or was altered: {member.name} does not match its checksum. "
                        "Nothing was restored."
                    )
    except (OSError, tarfile.TarError, EOFError, ValueError) as exc:
        raise ArchiveError(f"The archive is damaged ({type(exc).__name__}: {exc}). Nothing was restored.") from None
    if manifest is None:
        raise ArchiveError("The archive is empty.")
    missing = sorted(set(manifest["members"]) - seen)
    if missing:
        raise ArchiveError(f"The archive is incomplete: {', '.join(missing[:5])} missing. Nothing was restored.")
    return manifest


def _read_manifest(data):
    try:
        manifest = json.loads(data)
    except ValueError:
        raise ArchiveError("The archive's manifest is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError("This is not a Hamaynk municipality archive.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"The archive's format version {manifest.get('format_version')} is not one this Hamaynk reads "
            f"({FORMAT_VERSION})."
        )
    if not isinstance(manifest.get("members"), dict):
        raise ArchiveError("The archive's manifest lists no members.")
    return manifest


def member_path(folder, name):
    return os.path.join(folder, "members", *name.split("/"))

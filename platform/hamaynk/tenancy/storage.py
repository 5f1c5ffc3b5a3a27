"""File storage under municipalities/<uuid>/: the prefix is computed on every call.

A storage object is created once per process and shared by every request, so it must never
remember a municipality: `location` is a property that reads the connection's tenant each time.
Names stored in the database stay relative to the municipality's folder, so a file name copied
from one municipality resolves inside another's folder, never into the first one's.
"""

import posixpath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from .current import municipality_identity


def municipality_prefix():
    identity = municipality_identity()
    return "platform" if identity is None else f"municipalities/{identity[0]}"


class MunicipalFileSystemStorage(FileSystemStorage):
    @property
    def base_location(self):
        return str(settings.MEDIA_ROOT / municipality_prefix())

    @property
    def location(self):
        return posixpath.abspath(self.base_location)

    @property
    def base_url(self):
        return f"{settings.MEDIA_URL}{municipality_prefix()}/"


class MunicipalS3Storage(S3Storage):
    """S3 (MinIO, any S3) with private objects and short-lived signed URLs."""

    default_acl = None
    file_overwrite = False

    @property
    def location(self):
        base = getattr(self, "_base_location", "") or ""
        return posixpath.join(base, municipality_prefix()) if base else municipality_prefix()

    @location.setter
    def location(self, value):
        self._base_location = value

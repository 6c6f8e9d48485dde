"""Domain errors, protocol-neutral.

The edges translate them: ``registry/errors.py`` renders OCI error bodies and
``ecr/errors.py`` renders ECR exception types. Each error carries a stable
``code`` that both catalogues key on, a message and optional detail.

    SeawallError
    ├── InvalidInput            (bad names, digests, tags, manifests, ranges)
    │   ├── NameInvalid, TagInvalid, DigestInvalid, ManifestInvalid,
    │   │   SizeInvalid, RangeInvalid, UploadInvalid, Unsupported
    ├── NotFound
    │   ├── NameUnknown, BlobUnknown, ManifestUnknown, UploadUnknown,
    │   │   ManifestBlobUnknown
    ├── Conflict                (immutable tags, concurrent changes)
    ├── AccessDenied, Unauthenticated, TooManyRequests
    └── Unavailable             (a key disabled, storage failing)
"""

from __future__ import annotations

from typing import Any


class SeawallError(Exception):
    """Base of every error Seawall raises on purpose."""

    code = "UNKNOWN"

    def __init__(self, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class InvalidInput(SeawallError):
    code = "INVALID"


class NameInvalid(InvalidInput):
    code = "NAME_INVALID"


class TagInvalid(InvalidInput):
    code = "TAG_INVALID"


class DigestInvalid(InvalidInput):
    code = "DIGEST_INVALID"


class ManifestInvalid(InvalidInput):
    code = "MANIFEST_INVALID"


class SizeInvalid(InvalidInput):
    code = "SIZE_INVALID"


class RangeInvalid(InvalidInput):
    code = "RANGE_INVALID"


class UploadInvalid(InvalidInput):
    code = "BLOB_UPLOAD_INVALID"


class Unsupported(InvalidInput):
    code = "UNSUPPORTED"


class TooLarge(InvalidInput):
    code = "SIZE_INVALID"


class NotFound(SeawallError):
    code = "NOT_FOUND"


class NameUnknown(NotFound):
    code = "NAME_UNKNOWN"


class BlobUnknown(NotFound):
    code = "BLOB_UNKNOWN"


class ManifestUnknown(NotFound):
    code = "MANIFEST_UNKNOWN"


class ManifestBlobUnknown(InvalidInput):
    code = "MANIFEST_BLOB_UNKNOWN"


class UploadUnknown(NotFound):
    code = "BLOB_UPLOAD_UNKNOWN"


class Conflict(SeawallError):
    code = "CONFLICT"


class TagImmutable(Conflict):
    code = "TAG_INVALID"


class Unauthenticated(SeawallError):
    code = "UNAUTHORIZED"


class AccessDenied(SeawallError):
    code = "DENIED"


class TooManyRequests(SeawallError):
    code = "TOOMANYREQUESTS"


class Unavailable(SeawallError):
    code = "UNAVAILABLE"


class IntegrityError(SeawallError):
    """Stored content failed verification (tampered or corrupted)."""

    code = "INTEGRITY"

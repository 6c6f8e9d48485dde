"""The ECR error catalogue: every error the ECR API answers, in one place.

An error is rendered as ``{"__type": <code>, "message": <text>}`` with an
HTTP status botocore expects. botocore keys ``client.exceptions.<Name>`` on
the code, so codes are the model's exception shape names byte for byte.
Modeled exceptions answer 400 except ``ServerException`` (500). The
authentication codes are not in the model; they follow what AWS JSON
services send and what botocore's retry and error parsing understand.

Domain errors (:mod:`seawall.errors`) are translated by :func:`from_domain`;
handlers pass per-operation overrides where ECR names a more specific type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seawall import errors as domain

# Codes outside the model, with their HTTP status.
_UNMODELED_STATUS: Mapping[str, int] = {
    "MissingAuthenticationTokenException": 403,
    "IncompleteSignatureException": 400,
    "InvalidSignatureException": 400,
    "UnrecognizedClientException": 400,
    "ExpiredTokenException": 400,
    "AccessDeniedException": 400,
    "UnknownOperationException": 400,
    "SerializationException": 400,
    "ThrottlingException": 400,
    "RequestEntityTooLargeException": 413,
    "InternalFailure": 500,
}


class EcrError(Exception):
    """An ECR API error: a wire code, a message and optional extra fields."""

    def __init__(
        self, code: str, message: str, *, fields: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = dict(fields or {})

    @property
    def status(self) -> int:
        if self.code == "ServerException":
            return 500
        return _UNMODELED_STATUS.get(self.code, 400)

    def body(self) -> dict[str, Any]:
        """The JSON body botocore parses into ``Error.Code``/``Error.Message``."""
        return {"__type": self.code, "message": self.message, **self.fields}


def invalid_parameter(field: str, constraint: str) -> EcrError:
    """InvalidParameterException naming ``field``, in ECR's own wording."""
    return EcrError(
        "InvalidParameterException",
        f"Invalid parameter at '{field}' failed to satisfy constraint: '{constraint}'",
    )


def repository_not_found(name: str, registry_id: str) -> EcrError:
    return EcrError(
        "RepositoryNotFoundException",
        f"The repository with name '{name}' does not exist in the registry "
        f"with id '{registry_id}'",
    )


def access_denied(principal: str, action: str, resource: str) -> EcrError:
    return EcrError(
        "AccessDeniedException",
        f"User: {principal} is not authorized to perform: {action} on "
        f"resource: {resource}",
    )


# Domain class -> ECR code, most specific first.
_DOMAIN_CODES: tuple[tuple[type[domain.SeawallError], str], ...] = (
    (domain.TagImmutable, "ImageTagAlreadyExistsException"),
    (domain.NameUnknown, "RepositoryNotFoundException"),
    (domain.ManifestUnknown, "ImageNotFoundException"),
    (domain.UploadUnknown, "UploadNotFoundException"),
    (domain.BlobUnknown, "LayersNotFoundException"),
    (domain.ManifestBlobUnknown, "LayersNotFoundException"),
    (domain.UploadInvalid, "InvalidLayerPartException"),
    (domain.DigestInvalid, "InvalidParameterException"),
    (domain.InvalidInput, "InvalidParameterException"),
    (domain.NotFound, "InvalidParameterException"),
    (domain.AccessDenied, "AccessDeniedException"),
    (domain.Unauthenticated, "UnrecognizedClientException"),
    (domain.TooManyRequests, "ThrottlingException"),
    (domain.Unavailable, "KmsException"),
    (domain.Conflict, "InvalidParameterException"),
)


def from_domain(
    exc: domain.SeawallError, overrides: Mapping[type[Exception], str] | None = None
) -> EcrError:
    """The ECR error for a domain error; ``overrides`` win (most specific first).

    Anything unknown (an integrity failure, a bug surfacing as a domain
    error) becomes ServerException, never a traceback on the wire.
    """
    for cls, code in (*(overrides or {}).items(), *_DOMAIN_CODES):
        if isinstance(exc, cls):
            return EcrError(code, exc.message)
    return EcrError("ServerException", "failed to process the request")

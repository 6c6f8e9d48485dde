"""What an ECR operation handler is given: the request and the services.

Handlers are plain synchronous functions ``(ctx: EcrContext) -> dict``; the
protocol layer has already verified the signature, validated the input
against the model and authorized the caller for the operation's action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from seawall.auth.arn import repository_arn
from seawall.auth.principals import Principal
from seawall.ecr.errors import access_denied, invalid_parameter, repository_not_found
from seawall.events import EventSink
from seawall.settings import Settings


class Authorizer(Protocol):
    def authorize(
        self,
        principal: Principal,
        action: str,
        resource: str,
        context: dict[str, Any],
    ) -> bool:
        """True when ``principal`` may do ``action`` on ``resource``.

        Writes a denial to the audit trail.
        """

    def permits(
        self,
        principal: Principal,
        action: str,
        resource: str,
        context: dict[str, Any],
    ) -> bool:
        """The same decision without an audit record (to filter listings)."""


@dataclass
class EcrServices:
    """The long-lived collaborators of the ECR API (built by the app)."""

    settings: Settings
    clock: Callable[[], datetime]
    events: EventSink
    authorizer: Authorizer
    # Typed loosely here; each operations module documents what it calls.
    registry: Any = None
    ecr_store: Any = None
    keys: Any = None
    tokens: Any = None
    policies: Any = None
    downloads: Any = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EcrContext:
    """One request, as a handler sees it."""

    services: EcrServices
    operation: str
    params: dict[str, Any]
    principal: Principal
    request_id: str
    host: str
    scheme: str
    source_ip: str
    condition_context: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def registry_id(self) -> str:
        return self.settings.account_id

    def now(self) -> datetime:
        return self.services.clock()

    def check_registry(self) -> None:
        """InvalidParameterException when ``registryId`` names another registry."""
        registry = self.params.get("registryId", self.registry_id)
        if registry != self.registry_id:
            raise invalid_parameter(
                "registryId", f"this registry's id is {self.registry_id}"
            )

    def repository_name(self) -> str:
        """The ``repositoryName`` of a repository-scoped request, checked.

        A ``registryId`` naming another registry cannot hold the repository:
        RepositoryNotFoundException, as ECR answers for a registry one
        cannot see.
        """
        name = str(self.params["repositoryName"])
        registry = self.params.get("registryId", self.registry_id)
        if registry != self.registry_id:
            raise repository_not_found(name, registry)
        return name

    def visible(self, action: str, resource: str) -> bool:
        """Whether a listing may show ``resource`` (not audited: a filter)."""
        return self.services.authorizer.permits(
            self.principal, action, resource, dict(self.condition_context)
        )

    def require(self, action: str, resource: str) -> None:
        """AccessDeniedException (audited) unless the caller may do ``action``."""
        allowed = self.services.authorizer.authorize(
            self.principal, action, resource, dict(self.condition_context)
        )
        if not allowed:
            raise access_denied(self.principal.arn, action, resource)

    def repository_arn(self, name: str) -> str:
        return repository_arn(self.settings.region, self.registry_id, name)

    def public_host(self) -> str:
        """Host (and port) clients reach the registry on: public_url or Host."""
        if self.settings.public_url:
            return urlsplit(self.settings.public_url).netloc
        return self.host

    def repository_uri(self, name: str) -> str:
        return f"{self.public_host()}/{name}"

    def proxy_endpoint(self) -> str:
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
        return f"{self.scheme}://{self.host}"

"""Access control as the ECR API sees it: ARNs in, a yes or no out.

The ECR API (``seawall.ecr``) verifies SigV4 with
:meth:`AccessKeyStore.get_secret` and :meth:`EcrAuthorizer.principal_for_key`,
then asks :meth:`EcrAuthorizer.authorize` for each operation. Every denial
is written to the audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from seawall.auth.authenticate import Authenticator
from seawall.auth.keys import AccessKeyStore
from seawall.auth.principals import Principal
from seawall.auth.service import AccessControl, RequestInfo
from seawall.errors import Unauthenticated


class EcrAuthorizer:
    """``authorize(principal, action, resource, context) -> bool``."""

    def __init__(
        self, access: AccessControl, keys: AccessKeyStore, authenticator: Authenticator
    ) -> None:
        self._access = access
        self._keys = keys
        self._authenticator = authenticator

    def authorize(
        self,
        principal: Principal,
        action: str,
        resource: str,
        context: Mapping[str, Any],
    ) -> bool:
        """True when allowed; a denial is audited with the deciding statement."""
        info = RequestInfo(
            source_ip=str(context.get("aws:SourceIp", "")),
            secure=str(context.get("aws:SecureTransport", "")).lower() == "true",
        )
        extra = {k: v for k, v in context.items() if isinstance(v, str | list)}
        decision = self._access.decide_arn(principal, action, resource, info, extra)
        if not decision.allowed:
            self._access.record(
                action.split(":", 1)[-1],
                principal,
                info,
                repository=self._access.repository_of(resource),
                error_code="AccessDenied",
                error_message=decision.describe(),
            )
        return decision.allowed

    def principal_for_key(self, access_key_id: str) -> Principal | None:
        """The owner of an Active access key (for SigV4), or None."""
        owner = self._keys.owner(access_key_id)
        if owner is None:
            return None
        try:
            principal = self._authenticator.principal(owner)
        except Unauthenticated:
            return None
        return replace(principal, via="access-key", credential_id=access_key_id)

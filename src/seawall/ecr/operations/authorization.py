"""GetAuthorizationToken: the password behind ``aws ecr get-login-password``.

Calls ``services.tokens`` (:class:`seawall.auth.tokens.TokenSigner`). The
token is ``base64("AWS:" + password)``; the password is a signed login
token for the calling principal (base64url and dots, never a colon, since
the aws CLI splits the decoded token on ``:``), valid for 12 hours, which
the /v2/ API accepts as the Basic password of user ``AWS``.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from seawall.ecr.context import EcrContext
from seawall.ecr.errors import invalid_parameter
from seawall.ecr.operations import operation


@operation("GetAuthorizationToken", scope="registry")
def get_authorization_token(ctx: EcrContext) -> dict[str, Any]:
    registry_ids = list(dict.fromkeys(ctx.params.get("registryIds", [ctx.registry_id])))
    for registry_id in registry_ids:
        if registry_id != ctx.registry_id:
            raise invalid_parameter(
                "registryIds", f"this registry's id is {ctx.registry_id}"
            )
    password, expires_at = ctx.services.tokens.issue_login_token(
        ctx.principal, ctx.principal.credential_id
    )
    if ":" in password:
        raise RuntimeError("failed to issue a login token: it contains a colon")
    token = base64.b64encode(f"AWS:{password}".encode()).decode()
    return {
        "authorizationData": [
            {
                "authorizationToken": token,
                "expiresAt": datetime.fromtimestamp(expires_at, tz=UTC),
                "proxyEndpoint": ctx.proxy_endpoint(),
            }
        ]
    }

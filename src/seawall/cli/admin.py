"""``seawall admin``: identities, keys, policies and the policy simulator.

Commands work on the registry's database directly (a running server sees a
change within a second) and record each change in the audit trail as done by
the local operator. Secrets are printed once, when a key is created, and
never logged.

    seawall admin user create alice --password-stdin --tag team=web
    seawall admin key create ci-bot
    seawall admin policy create pull-team-a policy.json
    seawall admin policy attach pull-team-a --user alice
    seawall admin repo-policy set team-a/web policy.json
    seawall admin simulate alice ecr:PutImage team-a/web
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from seawall.auth.factory import AuthServices

EXIT_DENIED = 3


@dataclass
class _Ctx:
    config_file: Path | None
    data_dir: Path | None
    output: str
    services: AuthServices | None = None

    @property
    def auth(self) -> AuthServices:
        if self.services is None:
            self.services = _open(self.config_file, self.data_dir)
        return self.services


def _open(config_file: Path | None, data_dir: Path | None) -> AuthServices:
    from pydantic import ValidationError

    from seawall import logging as seawall_logging
    from seawall.auth.factory import from_settings
    from seawall.settings import load_settings
    from seawall.storage.metadata.db import make_engine, migrate

    try:
        settings = load_settings(config_file, data_dir=data_dir)
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings: {exc}") from exc
    # Log lines go to stderr, so stdout stays clean for -o json.
    seawall_logging.configure(settings.log_level, settings.log_format)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    return from_settings(settings, engine, announce=_announce)


def _announce(text: str) -> None:
    click.echo(text, err=True)


def _run(action: Callable[[], Any]) -> Any:
    from seawall.errors import SeawallError

    try:
        return action()
    except SeawallError as exc:
        raise click.ClickException(exc.message) from exc


def _when(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _show(rows: list[dict[str, Any]], columns: tuple[str, ...], output: str) -> None:
    if output == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    Console().print(table)


def _record(ctx: _Ctx, event: str, **params: Any) -> None:
    """Audit a change made from the command line (never with a secret)."""
    from seawall.events.audit import AuditRecord, UserIdentity

    operator = getpass.getuser()
    ctx.auth.audit.append(
        AuditRecord(
            event_name=event,
            event_source="iam.amazonaws.com",
            user_identity=UserIdentity(type="LocalOperator", user_name=operator),
            source_ip="localhost",
            repository=params.get("repositoryName"),
            request_parameters=params,
            user_agent="seawall-cli",
        )
    )


def _read_document(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"failed to read {source}: {exc}") from exc


def _tags(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        key, sep, tag = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint="--tag")
        out[key] = tag
    return out


@click.group()
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    default=None,
    help="TOML settings file (a [seawall] table).",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="All local state (SEAWALL_DATA_DIR).",
)
@click.option("--output", "-o", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def admin(
    ctx: click.Context, config_file: Path | None, data_dir: Path | None, output: str
) -> None:
    """Manage users, groups, access keys and policies."""
    ctx.obj = _Ctx(config_file, data_dir, output)


pass_ctx = click.make_pass_decorator(_Ctx)


# -- users and service identities ------------------------------------------


@admin.group()
def user() -> None:
    """Users (people) and service identities (pipelines, clusters)."""


@user.command("create")
@click.argument("name")
@click.option("--service", is_flag=True, help="A service identity (keys only).")
@click.option("--password-stdin", is_flag=True, help="Read a password from stdin.")
@click.option("--tag", "tags", multiple=True, help="KEY=VALUE (repeatable).")
@pass_ctx
def user_create(
    ctx: _Ctx, name: str, service: bool, password_stdin: bool, tags: tuple[str, ...]
) -> None:
    """Create a user (or, with --service, a service identity)."""
    from seawall.auth.principals import PrincipalKind

    kind = PrincipalKind.SERVICE if service else PrincipalKind.USER
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    principal = _run(
        lambda: ctx.auth.identities.create_principal(
            name, kind, password=password, tags=_tags(tags)
        )
    )
    _record(ctx, "CreateUser", userName=name, kind=kind.value)
    _show(
        [{"Name": name, "Arn": principal.arn, "Id": principal.principal_id}],
        ("Name", "Arn", "Id"),
        ctx.output,
    )


@user.command("delete")
@click.argument("name")
@pass_ctx
def user_delete(ctx: _Ctx, name: str) -> None:
    """Delete a principal with its keys, tags, memberships and attachments."""
    _run(lambda: ctx.auth.identities.delete_principal(name))
    _record(ctx, "DeleteUser", userName=name)
    click.echo(f"deleted {name}")


@user.command("list")
@pass_ctx
def user_list(ctx: _Ctx) -> None:
    """Every user and service identity."""
    rows = [
        {
            "Name": p.name,
            "Kind": p.kind.value,
            "Arn": p.arn,
            "Groups": ",".join(p.groups),
            "Tags": ",".join(f"{k}={v}" for k, v in p.tags),
        }
        for p in _run(ctx.auth.identities.list_principals)
    ]
    _show(rows, ("Name", "Kind", "Arn", "Groups", "Tags"), ctx.output)


@user.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@click.option("--remove", is_flag=True, help="Remove the password.")
@pass_ctx
def user_password(ctx: _Ctx, name: str, password_stdin: bool, remove: bool) -> None:
    """Set (prompting, or from stdin) or remove a user's password."""
    if remove:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _run(lambda: ctx.auth.identities.set_password(name, password))
    _record(ctx, "UpdateLoginProfile", userName=name, removed=remove)
    click.echo(f"password {'removed' if remove else 'set'} for {name}")


@user.command("tag")
@click.argument("name")
@click.argument("tags", nargs=-1, required=True)
@pass_ctx
def user_tag(ctx: _Ctx, name: str, tags: tuple[str, ...]) -> None:
    """Add or overwrite tags: ``seawall admin user tag alice team=web``."""
    parsed = _tags(tags)
    _run(lambda: ctx.auth.identities.set_tags(name, parsed))
    _record(ctx, "TagUser", userName=name, tags=parsed)
    click.echo(f"tagged {name}")


@user.command("untag")
@click.argument("name")
@click.argument("keys", nargs=-1, required=True)
@pass_ctx
def user_untag(ctx: _Ctx, name: str, keys: tuple[str, ...]) -> None:
    """Remove tags by key."""
    _run(lambda: ctx.auth.identities.remove_tags(name, list(keys)))
    _record(ctx, "UntagUser", userName=name, tagKeys=list(keys))
    click.echo(f"untagged {name}")


# -- groups -----------------------------------------------------------------


@admin.group()
def group() -> None:
    """Groups of principals; policies attached to a group apply to members."""


@group.command("create")
@click.argument("name")
@pass_ctx
def group_create(ctx: _Ctx, name: str) -> None:
    _run(lambda: ctx.auth.identities.create_group(name))
    _record(ctx, "CreateGroup", groupName=name)
    click.echo(f"created group {name}")


@group.command("delete")
@click.argument("name")
@pass_ctx
def group_delete(ctx: _Ctx, name: str) -> None:
    _run(lambda: ctx.auth.identities.delete_group(name))
    _record(ctx, "DeleteGroup", groupName=name)
    click.echo(f"deleted group {name}")


@group.command("list")
@pass_ctx
def group_list(ctx: _Ctx) -> None:
    rows = [
        {"Name": g.name, "Members": ",".join(g.members)}
        for g in _run(ctx.auth.identities.list_groups)
    ]
    _show(rows, ("Name", "Members"), ctx.output)


@group.command("add")
@click.argument("group_name")
@click.argument("principal")
@pass_ctx
def group_add(ctx: _Ctx, group_name: str, principal: str) -> None:
    """Add PRINCIPAL to GROUP_NAME."""
    _run(lambda: ctx.auth.identities.add_member(group_name, principal))
    _record(ctx, "AddUserToGroup", groupName=group_name, userName=principal)
    click.echo(f"added {principal} to {group_name}")


@group.command("remove")
@click.argument("group_name")
@click.argument("principal")
@pass_ctx
def group_remove(ctx: _Ctx, group_name: str, principal: str) -> None:
    """Remove PRINCIPAL from GROUP_NAME."""
    _run(lambda: ctx.auth.identities.remove_member(group_name, principal))
    _record(ctx, "RemoveUserFromGroup", groupName=group_name, userName=principal)
    click.echo(f"removed {principal} from {group_name}")


# -- access keys ------------------------------------------------------------


@admin.group()
def key() -> None:
    """Access keys: the secret is shown once, at creation."""


@key.command("create")
@click.argument("principal")
@pass_ctx
def key_create(ctx: _Ctx, principal: str) -> None:
    """Create an access key for PRINCIPAL and print its secret once."""
    new = _run(lambda: ctx.auth.keys.create(principal))
    _record(ctx, "CreateAccessKey", userName=principal, accessKeyId=new.access_key_id)
    if ctx.output == "json":
        click.echo(
            json.dumps(
                {
                    "AccessKeyId": new.access_key_id,
                    "SecretAccessKey": new.secret_access_key,
                    "UserName": principal,
                },
                indent=2,
            )
        )
        return
    click.echo(f"access key id:     {new.access_key_id}")
    click.echo(f"secret access key: {new.secret_access_key}")
    click.echo("The secret is not shown again.", err=True)


@key.command("list")
@click.argument("principal", required=False)
@pass_ctx
def key_list(ctx: _Ctx, principal: str | None) -> None:
    rows = [
        {
            "AccessKeyId": k.access_key_id,
            "UserName": k.principal_name,
            "Status": k.status,
            "CreateDate": _when(k.created_at),
            "LastUsedDate": _when(k.last_used_at),
        }
        for k in _run(lambda: ctx.auth.keys.list(principal))
    ]
    _show(rows, ("AccessKeyId", "UserName", "Status", "CreateDate"), ctx.output)


@key.command("delete")
@click.argument("access_key_id")
@pass_ctx
def key_delete(ctx: _Ctx, access_key_id: str) -> None:
    _run(lambda: ctx.auth.keys.delete(access_key_id))
    _record(ctx, "DeleteAccessKey", accessKeyId=access_key_id)
    click.echo(f"deleted {access_key_id}")


@key.command("disable")
@click.argument("access_key_id")
@pass_ctx
def key_disable(ctx: _Ctx, access_key_id: str) -> None:
    _run(lambda: ctx.auth.keys.set_status(access_key_id, "Inactive"))
    _record(ctx, "UpdateAccessKey", accessKeyId=access_key_id, status="Inactive")
    click.echo(f"disabled {access_key_id}")


@key.command("enable")
@click.argument("access_key_id")
@pass_ctx
def key_enable(ctx: _Ctx, access_key_id: str) -> None:
    _run(lambda: ctx.auth.keys.set_status(access_key_id, "Active"))
    _record(ctx, "UpdateAccessKey", accessKeyId=access_key_id, status="Active")
    click.echo(f"enabled {access_key_id}")


# -- identity policies ------------------------------------------------------


@admin.group()
def policy() -> None:
    """Named identity policies, attached to users and groups."""


@policy.command("create")
@click.argument("name")
@click.argument("document")
@click.option("--description", default="")
@pass_ctx
def policy_create(ctx: _Ctx, name: str, document: str, description: str) -> None:
    """Create or replace policy NAME from DOCUMENT (a file, or - for stdin)."""
    text = _read_document(document)
    _run(lambda: ctx.auth.policies.put_policy(name, text, description))
    _record(ctx, "CreatePolicy", policyName=name)
    click.echo(f"stored policy {name}")


@policy.command("delete")
@click.argument("name")
@pass_ctx
def policy_delete(ctx: _Ctx, name: str) -> None:
    _run(lambda: ctx.auth.policies.delete_policy(name))
    _record(ctx, "DeletePolicy", policyName=name)
    click.echo(f"deleted policy {name}")


@policy.command("list")
@pass_ctx
def policy_list(ctx: _Ctx) -> None:
    rows = [
        {
            "Name": p.name,
            "Builtin": p.builtin,
            "AttachedTo": ",".join(p.attached_to),
            "Description": p.description,
        }
        for p in _run(ctx.auth.policies.list_policies)
    ]
    _show(rows, ("Name", "Builtin", "AttachedTo", "Description"), ctx.output)


@policy.command("show")
@click.argument("name")
@pass_ctx
def policy_show(ctx: _Ctx, name: str) -> None:
    click.echo(
        json.dumps(
            json.loads(_run(lambda: ctx.auth.policies.get_policy(name))), indent=2
        )
    )


def _target(
    ctx: _Ctx, user_name: str | None, group_name: str | None
) -> tuple[str, str]:
    if (user_name is None) == (group_name is None):
        raise click.UsageError("give exactly one of --user and --group")
    if user_name is not None:
        found = _run(lambda: ctx.auth.identities.get_principal(user_name))
        return "principal", found.principal_id
    assert group_name is not None
    return "group", _run(lambda: ctx.auth.identities.group_id(group_name))


@policy.command("attach")
@click.argument("name")
@click.option("--user", "user_name", default=None, help="A user or service name.")
@click.option("--group", "group_name", default=None)
@pass_ctx
def policy_attach(
    ctx: _Ctx, name: str, user_name: str | None, group_name: str | None
) -> None:
    """Attach policy NAME to a user or a group."""
    kind, target = _target(ctx, user_name, group_name)
    _run(lambda: ctx.auth.policies.attach(name, kind, target))
    _record(
        ctx, "AttachPolicy", policyName=name, userName=user_name, groupName=group_name
    )
    click.echo(f"attached {name} to {user_name or group_name}")


@policy.command("detach")
@click.argument("name")
@click.option("--user", "user_name", default=None)
@click.option("--group", "group_name", default=None)
@pass_ctx
def policy_detach(
    ctx: _Ctx, name: str, user_name: str | None, group_name: str | None
) -> None:
    """Detach policy NAME from a user or a group."""
    kind, target = _target(ctx, user_name, group_name)
    _run(lambda: ctx.auth.policies.detach(name, kind, target))
    _record(
        ctx, "DetachPolicy", policyName=name, userName=user_name, groupName=group_name
    )
    click.echo(f"detached {name} from {user_name or group_name}")


# -- resource policies ------------------------------------------------------


@admin.group("repo-policy")
def repo_policy() -> None:
    """Repository policies (resource policies naming principals)."""


@repo_policy.command("set")
@click.argument("repository")
@click.argument("document")
@pass_ctx
def repo_policy_set(ctx: _Ctx, repository: str, document: str) -> None:
    """Set REPOSITORY's policy from DOCUMENT (a file, or - for stdin)."""
    from seawall.oci.reference import validate_name

    text = _read_document(document)
    _run(lambda: validate_name(repository))
    _run(lambda: ctx.auth.policies.set_repository_policy(repository, text))
    _record(ctx, "SetRepositoryPolicy", repositoryName=repository)
    click.echo(f"set the policy of {repository}")


@repo_policy.command("get")
@click.argument("repository")
@pass_ctx
def repo_policy_get(ctx: _Ctx, repository: str) -> None:
    text = _run(lambda: ctx.auth.policies.get_repository_policy(repository))
    if text is None:
        raise click.ClickException(f"failed to find a policy for {repository}")
    click.echo(json.dumps(json.loads(text), indent=2))


@repo_policy.command("delete")
@click.argument("repository")
@pass_ctx
def repo_policy_delete(ctx: _Ctx, repository: str) -> None:
    if not _run(lambda: ctx.auth.policies.delete_repository_policy(repository)):
        raise click.ClickException(f"failed to find a policy for {repository}")
    _record(ctx, "DeleteRepositoryPolicy", repositoryName=repository)
    click.echo(f"deleted the policy of {repository}")


@admin.group("registry-policy")
def registry_policy() -> None:
    """The registry policy (applies to every repository)."""


@registry_policy.command("set")
@click.argument("document")
@pass_ctx
def registry_policy_set(ctx: _Ctx, document: str) -> None:
    text = _read_document(document)
    _run(lambda: ctx.auth.policies.set_registry_policy(text))
    _record(ctx, "PutRegistryPolicy")
    click.echo("set the registry policy")


@registry_policy.command("get")
@pass_ctx
def registry_policy_get(ctx: _Ctx) -> None:
    text = _run(ctx.auth.policies.get_registry_policy)
    if text is None:
        raise click.ClickException("failed to find a registry policy")
    click.echo(json.dumps(json.loads(text), indent=2))


@registry_policy.command("delete")
@pass_ctx
def registry_policy_delete(ctx: _Ctx) -> None:
    if not _run(ctx.auth.policies.delete_registry_policy):
        raise click.ClickException("failed to find a registry policy")
    _record(ctx, "DeleteRegistryPolicy")
    click.echo("deleted the registry policy")


# -- the simulator ------------------------------------------------------------


@admin.command()
@click.argument("principal")
@click.argument("action")
@click.argument("resource")
@click.option("--source-ip", default="127.0.0.1", help="aws:SourceIp to assume.")
@click.option("--insecure", is_flag=True, help="aws:SecureTransport = false.")
@pass_ctx
def simulate(  # noqa: PLR0917 (click passes options positionally)
    ctx: _Ctx,
    principal: str,
    action: str,
    resource: str,
    source_ip: str,
    insecure: bool,
) -> None:
    """Decide ACTION on RESOURCE for PRINCIPAL and print what decided it.

    PRINCIPAL is a user or service name (or ``anonymous``); RESOURCE a
    repository name, a repository ARN or ``*``. Exit status 0 means
    allowed, 3 denied.
    """
    from seawall.auth.principals import anonymous
    from seawall.auth.service import RequestInfo

    access = ctx.auth.access
    who = (
        anonymous(access.account)
        if principal == "anonymous"
        else _run(lambda: ctx.auth.identities.get_principal(principal))
    )
    arn = (
        resource
        if resource == "*" or resource.startswith("arn:")
        else access.resource(resource)
    )
    info = RequestInfo(source_ip=source_ip, secure=not insecure)
    decision = _run(lambda: access.decide_arn(who, action, arn, info))
    if ctx.output == "json":
        statement = decision.statement
        click.echo(
            json.dumps(
                {
                    "EvalActionName": action,
                    "EvalResourceName": arn,
                    "EvalDecision": "allowed"
                    if decision.allowed
                    else (
                        "explicitDeny"
                        if decision.reason == "explicit deny"
                        else "implicitDeny"
                    ),
                    "MatchedStatement": None
                    if statement is None
                    else {
                        "SourcePolicyId": decision.source,
                        "Sid": statement.sid,
                        "Index": statement.index,
                    },
                },
                indent=2,
            )
        )
    else:
        click.echo(f"{action} on {arn}: {decision.describe()}")
    if not decision.allowed:
        sys.exit(EXIT_DENIED)

"""``seawall admin`` and ``seawall audit`` on a real data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from seawall.cli.main import cli


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for name in (
        "SEAWALL_ADMIN_ACCESS_KEY_ID",
        "SEAWALL_ADMIN_SECRET_ACCESS_KEY",
        "SEAWALL_DATABASE_URL",
        "SEAWALL_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)
    env = {"SEAWALL_DATA_DIR": str(tmp_path / "data")}

    def invoke(*args: str, stdin: str = "", code: int = 0) -> Result:
        result = CliRunner().invoke(cli, list(args), input=stdin, env=env)
        assert result.exit_code == code, (result.stdout, result.stderr)
        return result

    return invoke


def _policy(tmp_path: Path, document: dict[str, object]) -> str:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(document))
    return str(path)


PUSH_TEAM_A = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PushTeamA",
            "Effect": "Allow",
            "Action": ["ecr:PutImage"],
            "Resource": "arn:aws:ecr:us-east-1:000000000000:repository/team-a/*",
        }
    ],
}


def test_first_use_creates_and_announces_the_administrator(run, tmp_path: Path) -> None:
    result = run("admin", "-o", "json", "user", "list")
    assert "secret access key" in result.stderr
    assert (tmp_path / "data" / "admin-credentials").exists()
    assert [u["Name"] for u in json.loads(result.stdout)] == ["admin"]
    again = run("admin", "user", "list")
    assert "secret access key" not in again.stderr


def test_users_groups_keys_and_policies(run, tmp_path: Path) -> None:
    run(
        "admin",
        "user",
        "create",
        "alice",
        "--password-stdin",
        "--tag",
        "team=a",
        stdin="a long password\n",
    )
    run("admin", "user", "create", "ci", "--service")
    run("admin", "group", "create", "devs")
    run("admin", "group", "add", "devs", "alice")
    run("admin", "policy", "create", "push-a", _policy(tmp_path, PUSH_TEAM_A))
    run("admin", "policy", "attach", "push-a", "--group", "devs")

    users = {
        u["Name"]: u
        for u in json.loads(run("admin", "-o", "json", "user", "list").stdout)
    }
    assert users["alice"]["Groups"] == "devs"
    assert users["alice"]["Tags"] == "team=a"
    assert users["ci"]["Arn"].endswith(":role/ci")

    key = json.loads(run("admin", "-o", "json", "key", "create", "ci").stdout)
    listed = json.loads(run("admin", "-o", "json", "key", "list", "ci").stdout)
    assert listed[0]["AccessKeyId"] == key["AccessKeyId"]
    assert key["SecretAccessKey"] not in json.dumps(listed)
    run("admin", "key", "disable", key["AccessKeyId"])
    listed = json.loads(run("admin", "-o", "json", "key", "list", "ci").stdout)
    assert listed[0]["Status"] == "Inactive"

    policies = {
        p["Name"]: p
        for p in json.loads(run("admin", "-o", "json", "policy", "list").stdout)
    }
    assert policies["push-a"]["AttachedTo"] == "group/devs"
    assert policies["AdministratorAccess"]["AttachedTo"] == "user/admin"
    run("admin", "policy", "delete", "push-a", code=1)  # still attached
    run("admin", "policy", "detach", "push-a", "--group", "devs")
    run("admin", "policy", "delete", "push-a")


def test_simulate_names_the_deciding_statement(run, tmp_path: Path) -> None:
    run("admin", "user", "create", "alice")
    run("admin", "policy", "create", "push-a", _policy(tmp_path, PUSH_TEAM_A))
    run("admin", "policy", "attach", "push-a", "--user", "alice")
    allowed = run(
        "admin", "-o", "json", "simulate", "alice", "ecr:PutImage", "team-a/web"
    )
    body = json.loads(allowed.stdout)
    assert body["EvalDecision"] == "allowed"
    assert body["MatchedStatement"]["Sid"] == "PushTeamA"
    denied = run("admin", "simulate", "alice", "ecr:PutImage", "team-b/web", code=3)
    assert "DENY (implicit deny)" in denied.stdout
    run(
        "admin",
        "repo-policy",
        "set",
        "team-a/web",
        _policy(
            tmp_path,
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "Frozen",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "ecr:PutImage",
                    }
                ],
            },
        ),
    )
    frozen = run("admin", "simulate", "alice", "ecr:PutImage", "team-a/web", code=3)
    assert (
        'DENY (explicit deny) by repository policy statement 1 ("Frozen")'
        in frozen.stdout
    )
    anonymous = run(
        "admin", "simulate", "anonymous", "ecr:BatchGetImage", "team-a/web", code=3
    )
    assert "implicit deny" in anonymous.stdout


def test_bad_input_gets_clear_errors(run, tmp_path: Path) -> None:
    bad = run(
        "admin",
        "policy",
        "create",
        "x",
        _policy(
            tmp_path,
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "ecr:*"}],
            },
        ),
        code=1,
    )
    assert "statement 1: Resource or NotResource is required" in bad.stderr
    missing = run("admin", "user", "delete", "nobody", code=1)
    assert "failed to find principal" in missing.stderr
    run(
        "admin",
        "repo-policy",
        "set",
        "Bad..Name",
        _policy(tmp_path, PUSH_TEAM_A),
        code=1,
    )
    run("admin", "policy", "attach", "AdministratorAccess", code=2)


def test_registry_policy_round_trip(run, tmp_path: Path) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "ecr:BatchDeleteImage",
                "Resource": "arn:aws:ecr:*:*:repository/prod/*",
            }
        ],
    }
    run("admin", "registry-policy", "set", _policy(tmp_path, document))
    shown = json.loads(run("admin", "registry-policy", "get").stdout)
    assert shown["Statement"][0]["Effect"] == "Deny"
    denied = run(
        "admin", "simulate", "admin", "ecr:BatchDeleteImage", "prod/db", code=3
    )
    assert "registry policy" in denied.stdout
    run("admin", "registry-policy", "delete")
    run("admin", "simulate", "admin", "ecr:BatchDeleteImage", "prod/db")


def test_audit_records_changes_and_verifies(run, tmp_path: Path) -> None:
    run("admin", "user", "create", "alice")
    key = json.loads(run("admin", "-o", "json", "key", "create", "alice").stdout)
    events = json.loads(run("audit", "query", "-o", "json").stdout)
    names = [e["eventName"] for e in events]
    assert names[:2] == ["CreateAccessKey", "CreateUser"]
    assert key["SecretAccessKey"] not in json.dumps(events)
    assert run("audit", "verify").stdout.startswith("ok: ")
    table = run("audit", "query", "--event-name", "CreateUser")
    assert "CreateUser" in table.stdout
    run("audit", "query", "--start", "yesterday", code=2)

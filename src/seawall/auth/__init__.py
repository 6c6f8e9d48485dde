"""Access control: identities, credentials, IAM-style policies, tokens.

The modules, by role:

- ``principals``, ``identities``, ``keys``, ``passwords``, ``secretbox``:
  who can call (users, service identities, groups, tags) and their
  credentials (access keys sealed at rest, argon2id password hashes);
- ``policy``, ``conditions``, ``evaluate``, ``policystore``, ``builtin``: the
  IAM policy language, validated at write time and evaluated as explicit
  deny > allow > implicit deny;
- ``credentials``, ``authenticate``, ``tokens``, ``scope``, ``throttle``:
  turning an Authorization header into a principal (Basic keys, passwords,
  ECR-style login tokens, Docker bearer tokens), with brute-force limits;
- ``service``: :class:`~seawall.auth.service.AccessControl`, decisions with
  their caches and their audit events; ``inline`` lets warm decisions run on
  the event loop;
- ``web``: the /v2/ guard and the token endpoints; ``adapters``: the ECR
  API's view; ``bootstrap``, ``factory``: the first administrator and the
  wiring the composition root calls.
"""

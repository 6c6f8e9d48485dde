"""Scanning inside the registry: on push, on demand and continuously.

- :mod:`config` the registry scanning configuration (ECR's model);
- :mod:`service` triggers, the scan job and reads of status and findings;
- :mod:`continuous` re-matching after advisory changes;
- :mod:`notify` events and webhooks for new and resolved findings;
- :mod:`store` / :mod:`tables` persistence; :mod:`source` the registry as
  an image source; :mod:`runtime` composition and in-process workers.
"""

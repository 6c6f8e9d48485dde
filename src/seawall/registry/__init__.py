"""The /v2/ OCI Distribution API."""

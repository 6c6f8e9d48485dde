"""Seawall: a self-hosted, secure container registry."""

__version__ = "0.1.0"

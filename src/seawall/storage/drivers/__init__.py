"""Blob storage drivers, chosen by name from settings."""

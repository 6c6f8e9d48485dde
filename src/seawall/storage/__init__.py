"""Storage: blobs, upload sessions and the metadata of repositories,
manifests and tags. Edges call :class:`seawall.storage.registry.RegistryStore`
(written in parts: repositories.py, blobs.py, manifests.py, with the records
it hands out in records.py); nothing outside this package reaches into a
driver."""

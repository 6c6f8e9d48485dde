"""Storage: blobs, upload sessions and the metadata of repositories,
manifests and tags. Edges call :class:`seawall.storage.registry.RegistryStore`;
nothing outside this package reaches into a driver."""

"""Encryption at rest: the root key, a KMS-like key manager, envelope sealing.

    rootkey.py    the 32-byte root key (a 0600 file, a given file, or a value)
    keys.py       KeyManager: KMS-style keys, aliases, rotation, deletion
    errors.py     KeyNotFound, KeyUnavailable (names the key and its state)
    tables.py     the crypto tables (migrations: crypto_* in storage/metadata)
    envelope.py   the on-disk sealed format (header, chunked AES-256-GCM)
    objects.py    the catalogue: (key domain, digest) -> sealed object, data key
    blobstore.py  EncryptedBlobStore, a decorator over any BlobStore driver
    uploads.py    EncryptedUploadStore, sealed bytes for sessions in progress
    domains.py    KeyDomains: a repository's key domain and its blob store
    rewrap.py     re-wrapping data keys after a rotation
    service.py    building all of it from Settings (for the composition root)

Nothing here reads the environment: the composition root passes values in.
See docs/encryption.md for the format and for backing up the root key.
"""

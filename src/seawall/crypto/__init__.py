"""Encryption at rest: the root key, a KMS-like key manager, envelope sealing.

    rootkey.py    the 32-byte root key (a 0600 file, a given file, or a value)
    keys.py       KeyManager: KMS-style keys, aliases, rotation, deletion
    envelope.py   the on-disk sealed format (header, chunked AES-256-GCM)
    blobstore.py  EncryptedBlobStore, a decorator over any BlobStore driver
    uploads.py    EncryptedUploadStore, sealed bytes for sessions in progress

Nothing here reads the environment: the composition root passes values in.
"""

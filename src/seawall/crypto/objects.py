"""The sealed-object catalogue: (key domain, plaintext digest) -> stored object.

The inner driver stores each sealed object under the digest of its sealed
bytes; a row here says which one holds a blob's content in a key domain, its
plaintext size, and its data key wrapped under the domain's key. The wrapping
binds every field of the row (:func:`data_key_context`), so an edited or
swapped row fails to unwrap instead of serving another object's bytes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError as DBIntegrityError

from seawall.crypto.keys import WrappedKey
from seawall.crypto.tables import crypto_keys, crypto_objects
from seawall.oci.digest import Digest


@dataclass(frozen=True, slots=True)
class SealedObject:
    """One blob's content in one key domain."""

    domain: str
    digest: Digest
    sealed_digest: Digest
    size: int
    chunk_size: int
    object_id: bytes
    wrapped: WrappedKey

    @property
    def context(self) -> bytes:
        return data_key_context(self)


def data_key_context(obj: SealedObject) -> bytes:
    """What a blob's wrapped data key is bound to: its whole identity."""
    return "|".join(
        (
            "seawall/data-key/v1",
            obj.domain,
            str(obj.digest),
            str(obj.sealed_digest),
            str(obj.size),
            str(obj.chunk_size),
            obj.object_id.hex(),
        )
    ).encode()


class SealedObjects:
    """Queries over the crypto_objects table."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time):
        self._engine = engine
        self._clock = clock

    def get(self, domain: str, digest: Digest) -> SealedObject | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(crypto_objects).where(
                    crypto_objects.c.domain == domain,
                    crypto_objects.c.digest == str(digest),
                )
            ).first()
        return None if row is None else _object(row._mapping)

    def put(self, obj: SealedObject) -> bool:
        """Record ``obj``; False (and no change) when the blob is already there."""
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    crypto_objects.insert().values(
                        domain=obj.domain,
                        digest=str(obj.digest),
                        sealed_digest=str(obj.sealed_digest),
                        size=obj.size,
                        chunk_size=obj.chunk_size,
                        object_id=obj.object_id,
                        key_id=obj.wrapped.key_id,
                        key_version=obj.wrapped.version,
                        wrapped_key=obj.wrapped.blob,
                        created_at=self._clock(),
                    )
                )
        except DBIntegrityError:
            return False
        return True

    def remove(self, domain: str, digest: Digest) -> SealedObject | None:
        """Forget the blob, returning what it was (None when absent)."""
        with self._engine.begin() as conn:
            row = conn.execute(
                sa.select(crypto_objects).where(
                    crypto_objects.c.domain == domain,
                    crypto_objects.c.digest == str(digest),
                )
            ).first()
            if row is None:
                return None
            conn.execute(
                crypto_objects.delete().where(
                    crypto_objects.c.domain == domain,
                    crypto_objects.c.digest == str(digest),
                )
            )
        return _object(row._mapping)

    def digests(self, domain: str) -> Iterator[Digest]:
        with self._engine.connect() as conn:
            values = (
                conn.execute(
                    sa.select(crypto_objects.c.digest)
                    .where(crypto_objects.c.domain == domain)
                    .order_by(crypto_objects.c.digest)
                )
                .scalars()
                .all()
            )
        for value in values:
            yield Digest.parse(value)

    def domains(self) -> set[str]:
        """Every key domain that holds at least one object."""
        with self._engine.connect() as conn:
            return set(
                conn.execute(sa.select(crypto_objects.c.domain).distinct()).scalars()
            )

    def sealed_digests(self, domain: str) -> set[str]:
        with self._engine.connect() as conn:
            return set(
                conn.execute(
                    sa.select(crypto_objects.c.sealed_digest).where(
                        crypto_objects.c.domain == domain
                    )
                ).scalars()
            )

    def stale(self, limit: int) -> list[SealedObject]:
        """Objects whose data key is wrapped under an older key version."""
        query = (
            sa.select(crypto_objects)
            .join(crypto_keys, crypto_keys.c.key_id == crypto_objects.c.key_id)
            .where(
                crypto_objects.c.key_version < crypto_keys.c.current_version,
                crypto_keys.c.state == "Enabled",
            )
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_object(row._mapping) for row in conn.execute(query)]

    def count_stale(self, key_id: str) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(
                crypto_objects.join(
                    crypto_keys, crypto_keys.c.key_id == crypto_objects.c.key_id
                )
            )
            .where(
                crypto_objects.c.key_id == key_id,
                crypto_objects.c.key_version < crypto_keys.c.current_version,
            )
        )
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def replace_wrap(self, obj: SealedObject, wrapped: WrappedKey) -> SealedObject:
        """Store a re-wrapped data key unless the row changed meanwhile."""
        with self._engine.begin() as conn:
            conn.execute(
                crypto_objects.update()
                .where(
                    crypto_objects.c.domain == obj.domain,
                    crypto_objects.c.digest == str(obj.digest),
                    crypto_objects.c.key_version == obj.wrapped.version,
                )
                .values(key_version=wrapped.version, wrapped_key=wrapped.blob)
            )
        return replace(obj, wrapped=wrapped)


def _object(m: sa.RowMapping) -> SealedObject:
    return SealedObject(
        domain=m["domain"],
        digest=Digest.parse(m["digest"]),
        sealed_digest=Digest.parse(m["sealed_digest"]),
        size=int(m["size"]),
        chunk_size=int(m["chunk_size"]),
        object_id=bytes(m["object_id"]),
        wrapped=WrappedKey(m["key_id"], int(m["key_version"]), bytes(m["wrapped_key"])),
    )

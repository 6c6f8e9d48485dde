"""Persistence of in-registry scanning (one transaction per method)."""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Engine,
    delete,
    insert,
    select,
    update,
)

from seawall.scan.inventory import Inventory, Package
from seawall.scanning import tables as st
from seawall.scanning.config import ScanningConfiguration
from seawall.scanning.findingstore import FindingStore
from seawall.scanning.records import (
    StoredFinding,
    locations_json,
    package_doc,
    package_identity,
    package_json,
)
from seawall.storage.metadata.sql import upsert

Clock = Callable[[], float]
PackageKey = tuple[str, str]
KeysOf = Callable[[Package], list[PackageKey]]
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ImageScan:
    """The scan state of one image (repository, digest)."""

    repository_id: int
    digest: str
    status: str
    description: str
    scan_type: str
    requested_at: float
    completed_at: float | None
    source_updated_at: float | None
    last_manual_at: float | None


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image holding a platform image, with its activity times."""

    repository_id: int
    repository: str
    digest: str
    platform_digest: str
    pushed_at: float
    pulled_at: float | None


def _marks(conn: Any, count: int) -> str:
    """``count`` driver placeholders (qmark on SQLite, format on psycopg)."""
    return ", ".join(["?" if conn.dialect.name == "sqlite" else "%s"] * count)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ScanStore:
    """Configuration, image scans, stored inventories and findings.

    TODO(seawall): rows of deleted images (scan states, platform links) and
    inventories no image holds any more are kept; GC should sweep them.
    """

    def __init__(self, engine: Engine, clock: Clock = time.time) -> None:
        self.engine = engine
        self._clock = clock
        self.results = FindingStore(engine, clock)

    # -- configuration ------------------------------------------------------

    def configuration(self) -> ScanningConfiguration:
        with self.engine.connect() as conn:
            row = conn.execute(select(st.scan_configuration)).first()
        if row is None:
            return ScanningConfiguration()
        doc = {"scanType": row.scan_type, "rules": json.loads(row.rules)}
        return ScanningConfiguration.from_json(doc)

    def put_configuration(self, config: ScanningConfiguration) -> None:
        doc = config.to_json()
        with self.engine.begin() as conn:
            upsert(
                conn,
                st.scan_configuration,
                {
                    "id": 1,
                    "scan_type": config.scan_type,
                    "rules": json.dumps(doc["rules"]),
                    "updated_at": self._clock(),
                },
                ["id"],
                ["scan_type", "rules", "updated_at"],
            )

    # -- image scans --------------------------------------------------------

    def image_scan(self, repository_id: int, digest: str) -> ImageScan | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(st.scan_images).where(
                    st.scan_images.c.repository_id == repository_id,
                    st.scan_images.c.digest == digest,
                )
            ).first()
        return None if row is None else _image_scan(row)

    def image_scans(self, repository_id: int) -> dict[str, ImageScan]:
        """Every scan state of a repository, by image digest."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(st.scan_images).where(
                    st.scan_images.c.repository_id == repository_id
                )
            ).all()
        return {row.digest: _image_scan(row) for row in rows}

    def evaluated_images(self, repository_ids: Iterable[int]) -> set[tuple[int, str]]:
        """(repository id, digest) of images whose scan produced findings."""
        s = st.scan_images
        ids = sorted(set(repository_ids))
        out: set[tuple[int, str]] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks(ids):
                query = select(s.c.repository_id, s.c.digest).where(
                    s.c.repository_id.in_(chunk), s.c.status.in_(("ACTIVE", "COMPLETE"))
                )
                out.update((r[0], r[1]) for r in conn.execute(query))
        return out

    def request_scan(
        self,
        repository_id: int,
        digest: str,
        *,
        status: str,
        description: str,
        scan_type: str,
        manual: bool,
    ) -> None:
        """Record that a scan was queued (keeps findings of earlier scans)."""
        now = self._clock()
        values: dict[str, Any] = {
            "repository_id": repository_id,
            "digest": digest,
            "status": status,
            "description": description,
            "scan_type": scan_type,
            "requested_at": now,
        }
        columns = ["status", "description", "scan_type", "requested_at"]
        if manual:
            values["last_manual_at"] = now
            columns.append("last_manual_at")
        with self.engine.begin() as conn:
            upsert(conn, st.scan_images, values, ["repository_id", "digest"], columns)

    def set_status(
        self,
        repository_id: int,
        digest: str,
        status: str,
        description: str,
        *,
        completed: bool = False,
        source_updated_at: float | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "description": description}
        if completed:
            values["completed_at"] = self._clock()
            values["source_updated_at"] = source_updated_at
        with self.engine.begin() as conn:
            conn.execute(
                update(st.scan_images)
                .where(
                    st.scan_images.c.repository_id == repository_id,
                    st.scan_images.c.digest == digest,
                )
                .values(**values)
            )

    def touch_completed(
        self, images: Iterable[tuple[int, str]], source_updated_at: float | None
    ) -> None:
        """Mark images (repository id, digest) as re-evaluated now."""
        now = self._clock()
        rows = [(now, source_updated_at, r, d) for r, d in sorted(set(images))]
        if not rows:
            return
        with self.engine.begin() as conn:
            mark = _marks(conn, 1)
            conn.exec_driver_sql(
                f"UPDATE scan_images SET completed_at = {mark},"  # noqa: S608 - placeholders only
                f" source_updated_at = {mark}"
                f" WHERE repository_id = {mark} AND digest = {mark}",
                rows,
            )

    def link_platforms(
        self, repository_id: int, digest: str, platforms: Sequence[tuple[str, str]]
    ) -> None:
        """Record the platform images of an image (replacing earlier links)."""
        table = st.scan_image_platforms
        with self.engine.begin() as conn:
            conn.execute(
                delete(table).where(
                    table.c.repository_id == repository_id, table.c.digest == digest
                )
            )
            for platform_digest, platform in dict(platforms).items():
                conn.execute(
                    insert(table).values(
                        repository_id=repository_id,
                        digest=digest,
                        platform_digest=platform_digest,
                        platform=platform,
                    )
                )

    def platforms(self, repository_id: int, digest: str) -> list[str]:
        table = st.scan_image_platforms
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(table.c.platform_digest)
                    .where(
                        table.c.repository_id == repository_id,
                        table.c.digest == digest,
                    )
                    .order_by(table.c.platform)
                ).scalars()
            )

    def images_holding(self, platform_digests: Iterable[str]) -> list[ImageRef]:
        """Every stored image (with a live manifest) holding these platforms."""
        digests = sorted(set(platform_digests))
        out: list[ImageRef] = []
        with self.engine.connect() as conn:
            for chunk in _chunks(digests):
                # Driver-level: a re-match reads thousands of these rows.
                sql = (
                    # Only placeholders are formatted into this statement.
                    "SELECT p.repository_id, r.name, p.digest, p.platform_digest,"  # noqa: S608
                    " m.created_at, m.last_pulled_at"
                    " FROM scan_image_platforms p"
                    " JOIN repositories r ON r.id = p.repository_id"
                    " JOIN manifests m ON m.repository_id = p.repository_id"
                    " AND m.digest = p.digest"
                    f" WHERE p.platform_digest IN ({_marks(conn, len(chunk))})"
                )
                out += [
                    ImageRef(*row) for row in conn.exec_driver_sql(sql, tuple(chunk))
                ]
        return out

    # -- inventories --------------------------------------------------------

    def has_inventory(self, platform_digest: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(
                select(st.scan_inventories.c.platform_digest).where(
                    st.scan_inventories.c.platform_digest == platform_digest
                )
            ).first()
        return found is not None

    def inventory(self, platform_digest: str) -> Inventory | None:
        with self.engine.connect() as conn:
            blob = conn.execute(
                select(st.scan_inventories.c.inventory).where(
                    st.scan_inventories.c.platform_digest == platform_digest
                )
            ).scalar()
        if blob is None:
            return None
        return Inventory.from_json(json.loads(zlib.decompress(blob)))

    def save_inventories(
        self, inventories: Sequence[Inventory], keys_of: KeysOf
    ) -> None:
        """Store inventories once each, with their packages and match keys.

        An inventory already stored is left as it is (the same digest names
        the same content).
        """
        with self.engine.begin() as conn:
            stored = set(_existing(conn, [i.manifest_digest for i in inventories]))
            fresh = {
                i.manifest_digest: i
                for i in inventories
                if i.manifest_digest not in stored
            }
            if not fresh:
                return
            ids = _package_ids(
                conn, [p for i in fresh.values() for p in i.packages], keys_of
            )
            _insert_inventories(conn, list(fresh.values()), ids, self._clock())

    def packages_for_keys(self, keys: Iterable[PackageKey]) -> dict[int, Package]:
        """Stored packages matched under any of ``keys``, by package id."""
        k, pk = st.scan_package_keys, st.scan_packages
        by_ecosystem: dict[str, list[str]] = {}
        for ecosystem, name in set(keys):
            by_ecosystem.setdefault(ecosystem, []).append(name)
        out: dict[int, Package] = {}
        with self.engine.connect() as conn:
            for ecosystem, names in by_ecosystem.items():
                for chunk in _chunks(sorted(names)):
                    query = (
                        select(pk.c.id, pk.c.package)
                        .join(k, k.c.package_id == pk.c.id)
                        .where(k.c.ecosystem == ecosystem, k.c.name.in_(chunk))
                    )
                    for row in conn.execute(query):
                        out[row.id] = Package.from_json(json.loads(row.package))
        return out

    def holders(self, package_ids: Iterable[int]) -> dict[str, list[int]]:
        """Platform images holding any of ``package_ids``: digest -> ids."""
        out: dict[str, list[int]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(package_ids))):
                sql = (
                    # Only placeholders are formatted into this statement.
                    "SELECT platform_digest, package_id"  # noqa: S608
                    " FROM scan_inventory_packages"
                    f" WHERE package_id IN ({_marks(conn, len(chunk))})"
                )
                for digest, package_id in conn.exec_driver_sql(sql, tuple(chunk)):
                    out.setdefault(digest, []).append(package_id)
        return out

    def inventory_package_ids(self, platform_digest: str) -> dict[int, Package]:
        """The packages of one stored inventory (with this image's locations)."""
        ip, pk = st.scan_inventory_packages, st.scan_packages
        query = (
            select(pk.c.id, pk.c.package, ip.c.locations)
            .join(ip, ip.c.package_id == pk.c.id)
            .where(ip.c.platform_digest == platform_digest)
        )
        with self.engine.connect() as conn:
            return {
                row.id: _with_locations(row.package, row.locations)
                for row in conn.execute(query)
            }

    # -- findings -----------------------------------------------------------

    def findings(
        self, platform_digests: Sequence[str], *, include_closed: bool = False
    ) -> list[StoredFinding]:
        """The findings of these platform images, highest priority first."""
        return self.results.findings(platform_digests, include_closed=include_closed)


# -- helpers -----------------------------------------------------------------


def _image_scan(row: Any) -> ImageScan:
    return ImageScan(
        row.repository_id,
        row.digest,
        row.status,
        row.description,
        row.scan_type,
        row.requested_at,
        row.completed_at,
        row.source_updated_at,
        row.last_manual_at,
    )


def _existing(conn: Any, digests: list[str]) -> list[str]:
    inv = st.scan_inventories
    out: list[str] = []
    for chunk in _chunks(digests):
        out += (
            conn.execute(
                select(inv.c.platform_digest).where(inv.c.platform_digest.in_(chunk))
            )
            .scalars()
            .all()
        )
    return out


def _package_ids(conn: Any, packages: list[Package], keys_of: KeysOf) -> dict[str, int]:
    """Ids of the packages' identities, inserting the unknown ones."""
    by_identity = {package_identity(p): p for p in packages}
    ids = _known_ids(conn, list(by_identity))
    missing = [i for i in by_identity if i not in ids]
    if missing:
        conn.execute(
            insert(st.scan_packages),
            [{"identity": i, "package": package_json(by_identity[i])} for i in missing],
        )
        fresh = _known_ids(conn, missing)
        keys = [
            {"package_id": fresh[i], "ecosystem": eco, "name": name}
            for i in missing
            for eco, name in dict.fromkeys(keys_of(by_identity[i]))
        ]
        if keys:
            conn.execute(insert(st.scan_package_keys), keys)
        ids.update(fresh)
    return ids


def _known_ids(conn: Any, identities: list[str]) -> dict[str, int]:
    pk = st.scan_packages
    out: dict[str, int] = {}
    for chunk in _chunks(identities):
        query = select(pk.c.identity, pk.c.id).where(pk.c.identity.in_(chunk))
        out.update({row[0]: row[1] for row in conn.execute(query)})
    return out


def _insert_inventories(
    conn: Any, inventories: list[Inventory], ids: dict[str, int], now: float
) -> None:
    rows, refs = [], []
    for inv in inventories:
        distro = f"{inv.distro.id} {inv.distro.version_id}" if inv.distro else ""
        rows.append(
            {
                "platform_digest": inv.manifest_digest,
                "platform": inv.platform,
                "distro": distro,
                "inventory": zlib.compress(_inventory_json(inv).encode(), 6),
                "created_at": now,
            }
        )
        held: dict[int, str] = {}
        for package in inv.packages:
            held.setdefault(
                ids[package_identity(package)], locations_json(package.locations)
            )
        refs += [
            {
                "platform_digest": inv.manifest_digest,
                "package_id": pid,
                "locations": loc,
            }
            for pid, loc in held.items()
        ]
    conn.execute(insert(st.scan_inventories), rows)
    if refs:
        conn.execute(insert(st.scan_inventory_packages), refs)


def _inventory_json(inventory: Inventory) -> str:
    """``Inventory.to_json`` text, without ``asdict``'s deep copies."""
    doc = {
        "schemaVersion": inventory.schema_version,
        "image": inventory.image,
        "manifestDigest": inventory.manifest_digest,
        "platform": inventory.platform,
        "distro": None,
        "layers": list(inventory.layers),
        "packages": [package_doc(p) for p in inventory.packages],
        "skipped": [
            {"layer_digest": s.layer_digest, "path": s.path, "reason": s.reason}
            for s in inventory.skipped
        ],
    }
    if inventory.distro is not None:
        d = inventory.distro
        doc["distro"] = {
            "id": d.id,
            "version_id": d.version_id,
            "pretty_name": d.pretty_name,
            "codename": d.codename,
        }
    return json.dumps(doc, separators=(",", ":"))


def _with_locations(package_text: str, locations: str) -> Package:
    doc = json.loads(package_text)
    doc["locations"] = [
        {"layer_digest": layer, "path": path} for layer, path in json.loads(locations)
    ]
    return Package.from_json(doc)

"""The composition root: builds every service from Settings and wires the app.

Nothing else reads the environment or constructs services; tests build an
app from their own Settings the same way ``seawall serve`` does.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from seawall import logging as seawall_logging
from seawall.auth.factory import AuthServices
from seawall.auth.factory import from_settings as build_access_control
from seawall.auth.web import PolicyGuard, token_routes
from seawall.crypto.service import Encryption, build_encryption
from seawall.errors import SeawallError
from seawall.events import EventSink
from seawall.registry import errors as oci_errors
from seawall.registry.context import RegistryContext
from seawall.registry.guard import Guard, OpenGuard
from seawall.registry.middleware import RequestContextMiddleware
from seawall.registry.routes import routes as registry_routes
from seawall.settings import Settings
from seawall.storage.drivers.filesystem import (
    FilesystemBlobStore,
    FilesystemUploadStore,
)
from seawall.storage.interfaces import UploadStore
from seawall.storage.metadata.db import make_engine, migrate
from seawall.storage.registry import BlobStores, RegistryStore, SingleDomain

log = seawall_logging.get_logger(__name__)

# How often expired upload sessions and stray temporary files are swept.
_SWEEP_INTERVAL = 300.0


@dataclass
class Services:
    """Every long-lived service of one process."""

    settings: Settings
    store: RegistryStore
    guard: Guard
    events: EventSink
    extra_routes: list[Any] = field(default_factory=list)
    blob_root: Any = None
    encryption: Encryption | None = None
    auth: AuthServices | None = None
    scanning: Any = None  # seawall.scanning.service.ScanningService


def build_services(settings: Settings) -> Services:
    """Create the data directory, migrate the database, build the services."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    storage_root = settings.data_dir / "storage"
    plain = FilesystemBlobStore(storage_root)
    blob_stores: BlobStores = SingleDomain(plain)
    driver = FilesystemUploadStore(storage_root)
    uploads: UploadStore = driver
    encryption = None
    if settings.encryption:
        # Each key domain gets its own directory; everything stored is sealed.
        encryption = build_encryption(
            settings,
            engine,
            lambda domain: FilesystemBlobStore(storage_root, domain),
            driver,
        )
        blob_stores, uploads = encryption.domains, encryption.uploads
    store = RegistryStore(
        engine, blob_stores, uploads, max_manifest_bytes=settings.max_manifest_bytes
    )
    # Access control: identities, policies, tokens; the audit trail is the sink.
    auth = build_access_control(settings, engine)
    guard: Guard = OpenGuard()
    extra_routes: list[Any] = []
    if settings.auth_enabled:
        policy_guard = PolicyGuard(auth, settings.public_url)
        guard, extra_routes = policy_guard, token_routes(auth, policy_guard)
    # Scanning: a manifest push a rule covers queues a scan (see scanning/).
    from seawall.scanning.runtime import ScanOnPush, build_scanning

    events = ScanOnPush(auth.audit)
    scanning = build_scanning(settings, store, events)
    events.service = scanning
    return Services(
        settings=settings,
        store=store,
        guard=guard,
        events=events,
        scanning=scanning,
        extra_routes=extra_routes,
        blob_root=plain,
        encryption=encryption,
        auth=auth,
    )


async def _seawall_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SeawallError)
    response = oci_errors.render(exc, head=request.method == "HEAD")
    for key, value in (getattr(exc, "headers", None) or {}).items():
        response.headers[key] = value
    return response


async def _client_gone(request: Request, exc: Exception) -> Response:
    # The client closed the connection before its body ended: nothing to
    # answer and nothing wrong here. Whatever storage had taken stays
    # consistent (an upload session keeps what it stored and can resume).
    log.info("client gone before the request body ended")
    return oci_errors.error_response(
        "SIZE_INVALID",
        "invalid size: the connection closed before the request body ended",
        status=400,
        head=request.method == "HEAD",
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", error=type(exc).__name__)
    return oci_errors.error_response(
        "UNKNOWN", "internal error", status=500, head=request.method == "HEAD"
    )


def create_app_from_environment() -> Starlette:
    """The app of one ``seawall serve`` worker process (settings from SEAWALL_*)."""
    from seawall.settings import load_settings

    settings = load_settings()
    seawall_logging.configure(settings.log_level, settings.log_format)
    return create_app(settings)


def create_app(settings: Settings, services: Services | None = None) -> Starlette:
    """The ASGI application serving /v2/ (and the other APIs as they mount)."""
    services = services or build_services(settings)
    context = RegistryContext(
        store=services.store,
        guard=services.guard,
        events=services.events,
        catalog_max_entries=settings.catalog_max_entries,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_sweep_forever, services)
            if services.encryption is not None:
                tasks.start_soon(services.encryption.run_forever)
            workers = _start_workers(services)
            yield
            if workers is not None:
                await anyio.to_thread.run_sync(workers.stop)
            tasks.cancel_scope.cancel()

    app = Starlette(
        routes=[*services.extra_routes, *_ecr_routes(services), *registry_routes()],
        exception_handlers={
            SeawallError: _seawall_error,
            ClientDisconnect: _client_gone,
            Exception: _unexpected,
        },
        lifespan=lifespan,
    )
    app.state.registry = context
    app.state.services = services
    app.add_middleware(RequestContextMiddleware, access_log=settings.access_log)
    return app


def _ecr_routes(services: Services) -> list[Any]:
    """The ECR API on the same port (it needs access control for SigV4 keys)."""
    from seawall.ecr.wiring import ecr_routes

    return ecr_routes(services) if services.auth is not None else []


def _start_workers(services: Services) -> Any:
    """In-process job workers (scans, re-matches, webhooks), if configured."""
    from seawall.scanning.runtime import worker_pool

    pool = worker_pool(services)
    if pool is not None:
        pool.start()
    return pool


async def _sweep_forever(services: Services) -> None:
    expiry = float(services.settings.upload_expiry_seconds)
    while True:
        try:
            removed = await anyio.to_thread.run_sync(
                services.store.expire_uploads, expiry
            )
            if services.blob_root is not None:
                removed += await anyio.to_thread.run_sync(
                    services.blob_root.sweep_tmp, expiry
                )
            if removed:
                log.info("swept expired uploads", removed=removed)
        except Exception:
            log.exception("failed to sweep expired uploads")
        await anyio.sleep(_SWEEP_INTERVAL)

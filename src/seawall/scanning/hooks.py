"""Hooks other commands call to keep in-registry scanning current.

``seawall db import`` and ``seawall db update`` call
:func:`advisories_changed` with the changed (ecosystem, name) pairs: when
this host has a registry (its metadata database exists), re-match jobs are
queued there and the registry's workers re-evaluate the affected images.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from seawall.logging import get_logger
from seawall.scan.advisories.store import PackageKey

log = get_logger(__name__)


def advisories_changed(keys: Iterable[PackageKey]) -> int:
    """Queue re-matching of ``keys`` in the configured registry.

    Returns the number of jobs queued (0 when there is no registry here or
    nothing changed). Never raises: the import itself already succeeded.
    """
    wanted = list(keys)
    if not wanted:
        return 0
    try:
        return _enqueue(wanted)
    except Exception as exc:  # the import must not fail because of this
        log.warning("failed to queue continuous re-match", error=str(exc))
        return 0


def _enqueue(keys: list[PackageKey]) -> int:
    from seawall.scanning.continuous import enqueue_rematch
    from seawall.settings import load_settings
    from seawall.storage.metadata.db import make_engine
    from seawall.tasks.queue import JobQueue

    settings = load_settings()
    if (
        not settings.database_url
        and not Path(settings.data_dir / "seawall.db").exists()
    ):
        return 0
    engine = make_engine(settings.effective_database_url)
    try:
        return len(enqueue_rematch(JobQueue(engine), keys))
    finally:
        engine.dispose()

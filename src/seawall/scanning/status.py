"""``imageScanStatus`` values and the reasons Seawall gives for them.

BASIC scans go IN_PROGRESS -> COMPLETE or FAILED. ENHANCED scans go PENDING
-> ACTIVE (monitored; re-evaluated on every advisory change when the
repository is continuously scanned) and to SCAN_ELIGIBILITY_EXPIRED when the
image was neither pushed nor pulled for the configured time. Either may end
UNSUPPORTED_IMAGE (not a container image) or FINDINGS_UNAVAILABLE (no
advisory data to match against).
"""

from __future__ import annotations

IN_PROGRESS = "IN_PROGRESS"
COMPLETE = "COMPLETE"
FAILED = "FAILED"
UNSUPPORTED_IMAGE = "UNSUPPORTED_IMAGE"
ACTIVE = "ACTIVE"
PENDING = "PENDING"
SCAN_ELIGIBILITY_EXPIRED = "SCAN_ELIGIBILITY_EXPIRED"
FINDINGS_UNAVAILABLE = "FINDINGS_UNAVAILABLE"

# Statuses after which findings can be read.
WITH_FINDINGS = frozenset({COMPLETE, ACTIVE, SCAN_ELIGIBILITY_EXPIRED})

QUEUED_BASIC = "The scan is queued and will start shortly."
QUEUED_ENHANCED = "The image is waiting for its initial scan."
DONE_BASIC = "The scan was completed successfully."
DONE_CONTINUOUS = "Continuous scanning is selected for the image; its findings "
DONE_CONTINUOUS += "are re-evaluated whenever advisories change."
DONE_ON_PUSH = "The image was scanned on push; findings reflect that scan."
NO_ADVISORIES = "failed to match: the advisory database is empty; run "
NO_ADVISORIES += "'seawall db update' or 'seawall db import'"


def expired_reason(days: float) -> str:
    return (
        f"The image was neither pushed nor pulled for {days:g} days; continuous "
        "scanning stopped for it. Pull or push it to resume."
    )

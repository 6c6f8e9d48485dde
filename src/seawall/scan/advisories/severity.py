"""CVSS vectors scored with the ``cvss`` library (RedHatProductSecurity/cvss).

The library implements the FIRST specifications for v2, v3.0/3.1 and v4.0,
including v4's MacroVector lookup tables, which are error-prone to
hand-write; a vector it rejects is reported as unscored, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

from seawall.scan.advisories.model import Severity


@dataclass(frozen=True, slots=True)
class CvssScore:
    """One scored vector."""

    version: str  # "2.0" | "3.0" | "3.1" | "4.0"
    vector: str
    base_score: float
    severity: str  # normalized (CRITICAL, HIGH, ...)


def score_vector(vector: str) -> CvssScore | None:
    """The base score of a CVSS vector, None when it is not a valid vector."""
    vector = vector.strip()
    try:
        if vector.startswith("CVSS:4"):
            v4 = CVSS4(vector)
            return CvssScore(
                "4.0", vector, float(v4.base_score), _rating(v4.base_score)
            )
        if vector.startswith("CVSS:3"):
            score = float(CVSS3(vector).scores()[0])
            return CvssScore(vector[5:8], vector, score, _rating(score))
        score = float(CVSS2(vector).scores()[0])
        return CvssScore("2.0", vector, score, _rating(score))
    except (CVSSError, ValueError, KeyError, IndexError):
        return None


def severity_of_score(score: float) -> str:
    """The CVSS v3 qualitative rating of a base score."""
    return _rating(score)


def _rating(score: float) -> str:
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.NEGLIGIBLE

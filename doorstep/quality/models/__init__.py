"""The quality loop's rows (docs/standard.md §8–10)."""

from doorstep.quality.models.feedback import (
    SCORE_FIELDS,
    SCORE_LABELS,
    CallbackAttempt,
    Complaint,
    Survey,
)
from doorstep.quality.models.insights import EarlyWarning, FaultRecord, Insight
from doorstep.quality.models.kpi import KpiDaily, KpiFact, KpiSettled
from doorstep.quality.models.language import LanguageFlag, LanguageRule, Source
from doorstep.quality.models.people import ContactAccess

__all__ = [
    "SCORE_FIELDS",
    "SCORE_LABELS",
    "CallbackAttempt",
    "Complaint",
    "ContactAccess",
    "EarlyWarning",
    "FaultRecord",
    "Insight",
    "KpiDaily",
    "KpiFact",
    "KpiSettled",
    "LanguageFlag",
    "LanguageRule",
    "Source",
    "Survey",
]

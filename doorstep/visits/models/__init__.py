"""Models of the visit: the evidence the lifecycle's guards check, and the technician app's records."""

from doorstep.visits.models.evidence import (
    DEVICE_MAX,
    ChargeLine,
    Consent,
    Payment,
    PaymentIntent,
    PaymentNotice,
    Signature,
    Source,
    StatementDiff,
)
from doorstep.visits.models.visit import (
    Checklist,
    Diagnosis,
    EscalationTask,
    OutboundSms,
    ProcessedAction,
    Quote,
    ServiceReport,
    SignCode,
    TakeBack,
    VisitPhoto,
)

__all__ = [
    "DEVICE_MAX",
    "ChargeLine",
    "Checklist",
    "Consent",
    "Diagnosis",
    "EscalationTask",
    "OutboundSms",
    "Payment",
    "PaymentIntent",
    "PaymentNotice",
    "ProcessedAction",
    "Quote",
    "ServiceReport",
    "SignCode",
    "Signature",
    "Source",
    "StatementDiff",
    "TakeBack",
    "VisitPhoto",
]

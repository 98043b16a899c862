"""Models of the visit: the evidence the lifecycle's guards check, and the technician app's records."""

from doorstep.visits.models.evidence import ChargeLine, Consent, Payment, PaymentIntent, Signature
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
    "ChargeLine",
    "Checklist",
    "Consent",
    "Diagnosis",
    "EscalationTask",
    "OutboundSms",
    "Payment",
    "PaymentIntent",
    "ProcessedAction",
    "Quote",
    "ServiceReport",
    "SignCode",
    "Signature",
    "TakeBack",
    "VisitPhoto",
]

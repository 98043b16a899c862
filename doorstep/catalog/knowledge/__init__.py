"""Fault knowledge base per product line (R-AN-1) with phone-consultation scripts (R-AN-2).

Pure Python, no Django: the Django models that store knowledge-base entries build on it.
"""

from .cases import (
    PRODUCT_LINES,
    FaultCase,
    case_from_closure,
    load_cases_json,
    product_line_key,
    seed_cases,
)
from .matcher import CaseMatch, SymptomMatcher, TfidfSymptomMatcher, preprocess, suggest_cases

__all__ = [
    "PRODUCT_LINES",
    "CaseMatch",
    "FaultCase",
    "SymptomMatcher",
    "TfidfSymptomMatcher",
    "case_from_closure",
    "load_cases_json",
    "preprocess",
    "product_line_key",
    "seed_cases",
    "suggest_cases",
]

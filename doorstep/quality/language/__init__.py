"""Service-language checker (R-LG-1 standard phrases, R-LG-2 forbidden phrases, R-LG-3 conduct).

Pure Python, no Django: the Django models that store phrases, flags and dismissals build on it.
"""

from .context import ContextRule, rules_from_dicts, rules_from_json, rules_to_json
from .library import (
    ConductItem,
    ForbiddenPhrase,
    PhraseLibrary,
    StandardPhrase,
    default_library,
    standard_phrases,
)
from .matcher import (
    Hit,
    LanguageMatcher,
    PatternIndex,
    check_text,
    default_matcher,
    learn_rule,
    typing_hints,
)
from .normalize import Normalized, normalize

__all__ = [
    "ConductItem",
    "ContextRule",
    "ForbiddenPhrase",
    "Hit",
    "LanguageMatcher",
    "Normalized",
    "PatternIndex",
    "PhraseLibrary",
    "StandardPhrase",
    "check_text",
    "default_library",
    "default_matcher",
    "learn_rule",
    "normalize",
    "rules_from_dicts",
    "rules_from_json",
    "rules_to_json",
    "standard_phrases",
    "typing_hints",
]

"""Completion (R-SV-8, R-SV-9, R-SV-2, R-CO-6): what completion still needs before the customer signs."""

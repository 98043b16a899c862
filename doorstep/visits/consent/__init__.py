"""What the customer agrees to and signs (R-AN-3, R-AN-6, R-SV-4, R-CO-1): consents, the signature in
customer mode or on the customer's own phone."""

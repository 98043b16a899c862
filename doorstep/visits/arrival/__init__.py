"""Arrival at the customer's door (docs/standard.md §5): the knock protocol, lateness and its apology,
who opened the door, the supervision card, and the escalation tasks the visit opens for others."""

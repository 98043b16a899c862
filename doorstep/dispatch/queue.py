"""Work dispatch does later, in one place.

``later(name, pk, when)`` is the public form of the old private ``services._enqueue``: the risk re-checks
(``check_visit_risk`` for an order, ``scan_technician`` for a technician, R-DI-9) become ``risk_check``
deadline rows — call it inside the move's transaction and the row commits with the move — and any other
name enqueues that task of ``dispatch.tasks``. ``services`` imports neither this module nor ``tasks``;
both sit above it, which breaks the old services ↔ tasks cycle.
"""

from __future__ import annotations

from datetime import datetime

from doorstep.dispatch import services, tasks


def later(name: str, pk: int, when: datetime) -> None:
    """Do dispatch's ``name`` for ``pk`` at ``when``."""
    if not services.risk_check_named(name, pk, when):
        getattr(tasks, name).using(run_after=when).enqueue(pk)

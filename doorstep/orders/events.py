"""The vocabulary of the order's one record (一票到底, R-CO-4): every event kind, its label, and the writer.

``EventKind`` lists every kind an ``OrderEvent`` can carry: the lifecycle moves (same values and
labels as ``lifecycle.Action``, so a move's event is named after the move) and the events the
capabilities write outside a move. Nothing else may be written: ``OrderEvent.save`` refuses an
unknown kind. Write with ``EventKind.X.record(order=…, actor=…, …)``; read with
``order.events.filter(kind=EventKind.X)``.

The kinds and the writer are defined beside ``OrderEvent`` in ``doorstep.orders.models`` (the model's
``kind`` field takes its choices from them, and the writer needs the model: one module keeps the order
package free of import cycles); this module is where the rest of the code imports them from.
"""

from doorstep.orders.models import EventKind, event_record

__all__ = ["EventKind", "event_record"]

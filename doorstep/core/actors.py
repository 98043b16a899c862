"""Moved: the acting person is ``doorstep.network.actors.Actor`` (staff, roles and outlets are network's).

Kept only for the modules that still import it from here; import ``doorstep.network.actors`` instead.
"""

from doorstep.network.actors import Actor

__all__ = ["Actor"]

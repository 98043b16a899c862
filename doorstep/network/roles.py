"""Who may act: the one role vocabulary (docs/architecture.md, "Roles").

``Role`` is a staff member's job, stored on ``Staff.role``. ``Party`` is an acting party that is not a staff
member: the customer (through a signed link), the system (timers, automatic steps) and a partner system (its
API key). ``Actor.role`` holds a value of one or the other. Two enums rather than one so that a staff member
can only ever be given a staff role: ``Staff.role`` keeps exactly the choices (and migrations) it has.

Every set of roles that code checks is named here, once. Code compares ``actor.role`` with a member
(``actor.role == Role.TECHNICIAN``) or tests membership in a named set (``actor.role in QUALITY_TEAM``);
``network/tests/test_roles.py`` fails on a role written as a string anywhere else.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A staff member's role. Centre roles have no outlet; outlet roles (manager, technician) have one."""

    AGENT = "agent", _("客服")
    SUPERVISOR = "supervisor", _("客服主管")
    DISPATCHER = "dispatcher", _("调度")
    OUTLET_MANAGER = "outlet_manager", _("网点经理")
    TECHNICIAN = "technician", _("工程师")
    QUALITY = "quality", _("质量经理")
    ADMIN = "admin", _("管理员")


class Party(models.TextChoices):
    """An acting party that is not a staff member (``Actor.customer``, ``Actor.system``, a partner's key)."""

    CUSTOMER = "customer", _("客户")
    SYSTEM = "system", _("系统")
    PARTNER = "partner", _("合作方系统")


# --- staff roles, by what they may do -----------------------------------------------------------------------
# The first-contact desk: intake and owning orders (R-IN-5), imports, the desk moves of the lifecycle.
DESK = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
# The desk and the centre's dispatcher: dispatch, transfer, cancel at the centre (the lifecycle's CENTRE).
DESK_AND_DISPATCH = DESK | {Role.DISPATCHER}
# Every centre role (no outlet): sees all the orders of its centre (R-PV-1). DESK_AND_DISPATCH plus QUALITY.
CENTRE_STAFF = DESK_AND_DISPATCH | {Role.QUALITY}
# The dispatch board: assigning technicians (R-DI-2) and handling the outlet's orders.
OUTLET = frozenset({Role.DISPATCHER, Role.OUTLET_MANAGER, Role.ADMIN})
# The dispatchers of the whole centre (not held to one outlet): the centre's board and queues.
CENTRE_DISPATCH = frozenset({Role.DISPATCHER, Role.ADMIN})
# The visit: on-site moves, the van stock, fault coding.
FIELD = frozenset({Role.TECHNICIAN, Role.OUTLET_MANAGER, Role.ADMIN})
# Roles held to one outlet's orders (their outlet; a technician, their own visits).
OUTLET_BOUND = frozenset({Role.OUTLET_MANAGER, Role.TECHNICIAN})
# The centre's quality team: complaints, warnings, insight routing, language review.
QUALITY_TEAM = frozenset({Role.QUALITY, Role.ADMIN})
# Who an escalation task may go to (OWNER_ROLES of visits/arrival/escalation.py, in order per kind).
TASK_OWNERS = DESK | QUALITY_TEAM
# Who makes and reads callbacks (R-QA-1).
CALLERS = QUALITY_TEAM | {Role.AGENT}
# Staff who may open a complaint for a customer (R-QA-3).
COMPLAINT_TAKERS = CALLERS | {Role.OUTLET_MANAGER}
# The KPI dashboard and the people pages: the quality team, and an outlet manager for their outlet.
DASHBOARD_VIEWERS = QUALITY_TEAM | {Role.OUTLET_MANAGER}
# Who may correct an order's information (R-IN-2, R-DI-4): the desk per its scope, the technician sent to it.
CORRECTORS = DESK | {Role.TECHNICIAN}
# Who may give an order another owner (R-IN-5).
OWNER_CHANGERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
# The desk roles that need the customer's contact on every open order (R-PV-1); admin is not among them.
CONTACT_DESK = frozenset({Role.AGENT, Role.SUPERVISOR})
# Roles whose words to customers count in the language KPI (R-QA-4), in the order they are listed.
LANGUAGE_KPI_ROLES = (Role.TECHNICIAN, Role.AGENT)

# --- with the parties ---------------------------------------------------------------------------------------
# Who may open a complaint at all: the staff above, the customer, and the system (e.g. lateness, R-AR-5).
COMPLAINT_OPENERS = COMPLAINT_TAKERS | {Party.CUSTOMER, Party.SYSTEM}
# Not held to staff visibility: the customer reaches its order by a signed link; the system acts on any.
UNSCOPED = frozenset({Party.CUSTOMER, Party.SYSTEM})
# Who may act on another centre's escalation task.
ANY_CENTRE = frozenset({Party.SYSTEM, Role.ADMIN})

"""Who is acting: a staff member (with role and outlet), the customer via a signed link, or the system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from doorstep.core.errors import ErrorCode, Forbidden
from doorstep.network.roles import Party, Role

if TYPE_CHECKING:
    from doorstep.network.models import Staff


@dataclass(frozen=True)
class Actor:
    role: str
    name: str
    user: Any = None
    staff: Staff | None = None

    @property
    def outlet_id(self) -> int | None:
        return self.staff.outlet_id if self.staff else None

    @property
    def centre_id(self) -> int | None:
        return self.staff.centre_id if self.staff else None

    @property
    def technician_id(self) -> int | None:
        if self.staff is None or self.role != Role.TECHNICIAN:
            return None
        tech = getattr(self.staff, "technician", None)
        return tech.pk if tech else None

    @property
    def is_staff_member(self) -> bool:
        return self.staff is not None

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        staff = getattr(user, "staff", None) if user is not None and user.is_authenticated else None
        if staff is None:
            raise Forbidden(ErrorCode.NOT_STAFF)
        return cls(role=staff.role, name=staff.name, user=user, staff=staff)

    @classmethod
    def customer(cls, name: str) -> Actor:
        return cls(role=Party.CUSTOMER, name=name)

    @classmethod
    def system(cls) -> Actor:
        return cls(role=Party.SYSTEM, name="系统")

"""What the register routers share: the register and scope dependencies, the permissions
each kind of route needs, and the handling of base64 bodies and all-or-none refusals.
"""

import base64
import binascii
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.responses import JSONResponse

from kordon.accounts.roles import Permission, Role
from kordon.api.deps import ContextDep, CurrentUser, require
from kordon.api.responses import responses
from kordon.register.context import RegisterContext
from kordon.register.errors import ImportRefusedError
from kordon.register.scope import RegisterScope


def refused(exc: ImportRefusedError) -> JSONResponse:
    """422 with every row error of an all-or-none refusal (capped at 1,000)."""
    return JSONResponse(
        {
            "detail": str(exc)[:2000],
            "errors": [
                {"file": e.file, "row": e.row, "column": e.column, "reason": e.reason}
                for e in exc.errors[:1000]
            ],
        },
        status_code=422,
    )


def decode_base64(text: str, what: str) -> bytes:
    """The bytes of a base64 body field; 422 naming ``what`` when it is not base64."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(status_code=422, detail=f"{what} is not valid base64") from None


# -- dependencies ------------------------------------------------------------------------------


def get_register(context: ContextDep) -> RegisterContext:
    """The node's register; 503 when it is not enabled."""
    if context.register is None:
        raise HTTPException(status_code=503, detail="the equipment register is not enabled")
    return context.register


RegisterDep = Annotated[RegisterContext, Depends(get_register)]


def get_register_scope(register: RegisterDep, user: CurrentUser) -> RegisterScope:
    """What of the register ``user`` may read (a donor auditor: his donors' projects)."""
    donors: frozenset[str] = frozenset()
    projects: list[str] | None = None
    if user.role is Role.DONOR_AUDITOR:
        donors = register.service.donors_of(user.username)
        projects = [p.id for p in register.service.projects() if p.donor in donors]
    return RegisterScope.of_user(
        role=user.role, sectors=user.sectors, donors=donors, donor_projects=projects
    )


ScopeDep = Annotated[RegisterScope, Depends(get_register_scope)]

READ = [Depends(require(Permission.REGISTER_READ))]
EDIT = [Depends(require(Permission.REGISTER_EDIT))]
CHECK = [Depends(require(Permission.REGISTER_CHECK))]
CHANGE = responses(403, 404, 409, 413)

"""``RegisterService``: every change to the register.

Each change runs in one database transaction: it updates the asset's current row, appends
to its history (never updated, never deleted: a correction is a new entry naming the one it
corrects) and records an audit entry through ``audit`` (the evidence ledger). The audit
entry is written just before the commit, so a failing ledger rolls the change back; a
commit that fails after it leaves an audit entry of an attempt, never a change without one.
Times are arguments: ``time`` is when it happened, ``recorded_at`` (default ``time``) when
it was entered.
"""

from kordon.register.service_checks import CheckService
from kordon.register.service_custody import CustodyService
from kordon.register.service_documents import DocumentService
from kordon.register.service_funding import FundingService
from kordon.register.service_intake import IntakeService
from kordon.register.service_lifecycle import LifecycleService


class RegisterService(
    FundingService,
    IntakeService,
    LifecycleService,
    CustodyService,
    CheckService,
    DocumentService,
):
    """Every change to the register: funding (projects, lines, donor access), intake
    (registering and importing serials), lifecycle (deploy, status, correction), custody
    (people and transfers), end-use checks and delivery documents, each defined in its own
    ``service_*`` module over :class:`~kordon.register.service_base.RegisterServiceBase`."""

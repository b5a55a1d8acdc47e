"""The first admin of a demo site: created only when no user exists, password shown once."""

from __future__ import annotations

from datetime import datetime

from kordon.accounts.passwords import PasswordHasherService, generate_password
from kordon.accounts.roles import Role
from kordon.accounts.service import AccountService
from kordon.store.store import Store

DEMO_ADMIN = "admin"


def ensure_demo_admin(
    store: Store, *, time: datetime, hasher: PasswordHasherService | None = None
) -> str | None:
    """Create ``admin`` with a generated password when the store has no user at all.

    Returns the password (print it once; only its hash is stored), or ``None`` when any
    user exists already. There is never a default account with a known password.
    """
    accounts = AccountService(store.sessions, hasher=hasher)
    if accounts.users.count() > 0:
        return None
    password = generate_password()
    accounts.create_user(username=DEMO_ADMIN, password=password, role=Role.ADMIN, time=time)
    return password

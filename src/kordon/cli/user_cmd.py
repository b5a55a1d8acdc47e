"""``kordon user``: create, list, disable and reset operator accounts.

There is no default account: the first admin is created here (or printed once by the
demo). A generated password is printed once and never stored in clear.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kordon.accounts.errors import AccountError
from kordon.accounts.passwords import generate_password
from kordon.accounts.service import AccountService
from kordon.accounts.users import parse_role
from kordon.cli.common import SiteArg, err_console, load_site_or_exit
from kordon.config.models import SiteConfig
from kordon.domain.errors import KordonError
from kordon.store import Store

app = typer.Typer(help="Operator accounts.", no_args_is_help=True)
console = Console()

UsernameOpt = Annotated[str, typer.Option("--username", "-u", help="Account name.")]
StdinOpt = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


@contextmanager
def _accounts(site: SiteArg | SiteConfig) -> Iterator[AccountService]:
    config = site if isinstance(site, SiteConfig) else load_site_or_exit(site)
    store = Store(config.database_url())
    try:
        store.open()
        yield AccountService(store.sessions)
    except (AccountError, KordonError) as exc:
        err_console.print(f"kordon: {exc}", markup=False)
        raise typer.Exit(code=1) from None
    finally:
        store.close()


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password to set, and whether it was generated (then it must be shown)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    return generate_password(), True


def _now() -> datetime:
    return datetime.now(UTC)


def _sectors(option: str, config: SiteConfig) -> list[str]:
    """The sector ids of ``--sectors``; exits (2) naming the unknown ones and the valid ones."""
    wanted = [s.strip() for s in option.split(",") if s.strip()]
    known = [sector.id for sector in config.sectors]
    unknown = [s for s in wanted if s not in known]
    if unknown:
        listed = ", ".join(known) if known else "(the site defines no sectors)"
        err_console.print(
            f"kordon: unknown sector(s) {', '.join(repr(s) for s in unknown)} in --sectors; "
            f"the sectors of site {config.site.id!r} are: {listed}",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(code=2)
    return wanted


@app.command("create")
def create(
    site: SiteArg,
    username: UsernameOpt,
    role: Annotated[str, typer.Option(help="operator, supervisor, admin or auditor.")],
    sectors: Annotated[
        str, typer.Option(help="Comma-separated sector ids the user may see (default: all).")
    ] = "",
    password_stdin: StdinOpt = False,
) -> None:
    """Create an account; prints a generated password once unless --password-stdin.

    ``--sectors`` must name sectors of the site (an unknown one is refused, nothing created).
    """
    config = load_site_or_exit(site)
    scope = _sectors(sectors, config)
    password, generated = _password(password_stdin)
    with _accounts(config) as accounts:
        user = accounts.create_user(
            username=username,
            password=password,
            role=parse_role(role),
            sectors=scope,
            time=_now(),
        )
    console.print(f"created {user.username} ({user.role})")
    if generated:
        typer.echo(f"password: {password}")
        console.print("(shown once; only its hash is stored)")


@app.command("list")
def list_users(site: SiteArg) -> None:
    """List accounts."""
    with _accounts(site) as accounts:
        users = accounts.users.list_all()
    table = Table("username", "role", "sectors", "disabled", "created")
    for u in users:
        table.add_row(
            u.username,
            str(u.role),
            ",".join(u.sectors) or "(all)",
            "yes" if u.disabled else "",
            u.created_at.isoformat(),
        )
    console.print(table)


@app.command("disable")
def disable(
    site: SiteArg,
    username: UsernameOpt,
    enable: Annotated[bool, typer.Option("--enable", help="Enable again instead.")] = False,
) -> None:
    """Disable an account (its sessions end at once), or enable it with --enable."""
    with _accounts(site) as accounts:
        accounts.set_disabled(username, disabled=not enable, time=_now())
    console.print(f"{username} {'enabled' if enable else 'disabled'}")


@app.command("reset-password")
def reset_password(site: SiteArg, username: UsernameOpt, password_stdin: StdinOpt = False) -> None:
    """Set a new password (generated and printed once unless --password-stdin)."""
    password, generated = _password(password_stdin)
    with _accounts(site) as accounts:
        accounts.reset_password(username, password=password, time=_now())
    console.print(f"password of {username} reset; its sessions are logged out")
    if generated:
        typer.echo(f"password: {password}")

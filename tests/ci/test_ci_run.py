"""``.ci/run`` refuses to run the suite without the PostgreSQL the tests need."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.support.requirements import require_or_skip

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/test"


def _check_services(repo_root: Path, postgres_url: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("psql") is None:
        require_or_skip("needs psql (Debian package postgresql-client)")
    env = {**os.environ, "KORDON_TEST_POSTGRES_URL": postgres_url, "KORDON_CI_PG_WAIT_S": "1"}
    return subprocess.run(
        [str(repo_root / ".ci" / "run"), "--check-services"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_ci_run_fails_when_postgresql_is_unreachable(repo_root: Path) -> None:
    result = _check_services(repo_root, UNREACHABLE)
    assert result.returncode == 1
    assert "[ci] FAILED: PostgreSQL is unreachable at 127.0.0.1:1 as postgres" in result.stderr
    assert "Connection refused" in result.stderr


def test_ci_run_accepts_a_reachable_postgresql(repo_root: Path, postgres_server: str) -> None:
    result = _check_services(repo_root, postgres_server)
    assert result.returncode == 0, result.stderr
    assert "[ci] PostgreSQL ready at" in result.stdout

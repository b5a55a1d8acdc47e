"""The web UI's API types are generated from ``web/scripts/dump_api_docs.py``'s documents;
these must be exactly what a running node serves at ``/api/openapi.json`` and
``/api/asyncapi.json``. (That the generated files match the documents is checked by
``web/tests/api_types.test.mjs``, run by ``npm test``.)
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from tests.api.real_node import running_node

DUMP_SCRIPT = Path(__file__).resolve().parents[2] / "web" / "scripts" / "dump_api_docs.py"


def _dump_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kordon_web_dump_api_docs", DUMP_SCRIPT)
    assert spec is not None, DUMP_SCRIPT
    assert spec.loader is not None, DUMP_SCRIPT
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_dumped_documents_are_what_a_running_node_serves(tmp_path: Path) -> None:
    dumped = _dump_module().documents()
    with running_node(tmp_path) as node:
        served = {
            "openapi": httpx.get(f"{node.url}/api/openapi.json", timeout=30).json(),
            "asyncapi": httpx.get(f"{node.url}/api/asyncapi.json", timeout=30).json(),
        }
    assert sorted(dumped["openapi"]["paths"]) == sorted(served["openapi"]["paths"])
    assert sorted(dumped["openapi"]["components"]["schemas"]) == sorted(
        served["openapi"]["components"]["schemas"]
    )
    assert dumped == served


def test_an_inert_collaborator_refuses_every_use() -> None:
    module = _dump_module()
    inert = module._inert("clips")
    with pytest.raises(module.InertCollaboratorError, match=r"clips\.clip_info used"):
        _ = inert.clip_info
    with pytest.raises(module.InertCollaboratorError, match=r"clips\(\) called"):
        inert("x")


def test_the_dump_is_stable_text() -> None:
    module = _dump_module()
    first = module.render(module.documents())
    assert first == module.render(module.documents())
    assert first.endswith("}\n")
    assert '"openapi": {' in first
    assert '"asyncapi": {' in first

"""The ``protocol`` of a ``cot`` entry: negotiate by default, the three choices named when
another is given, and each reaching the transport's settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kordon.config.integrations import CotNotifier
from kordon.tak.build import settings_of
from kordon.tak.settings import TakProtocol


def _entry(**extra: object) -> CotNotifier:
    return CotNotifier.model_validate(
        {"kind": "cot", "id": "tak", "url": "tcp://tak:8087", **extra}
    )


def test_default_is_negotiate() -> None:
    entry = _entry()
    assert entry.protocol == "negotiate"
    assert settings_of(entry, site_id="volyn").protocol is TakProtocol.NEGOTIATE


@pytest.mark.parametrize("value", ["negotiate", "xml", "proto"])
def test_each_choice_reaches_the_settings(value: str) -> None:
    assert settings_of(_entry(protocol=value), site_id="volyn").protocol is TakProtocol(value)


def test_an_unknown_protocol_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValidationError, match="'negotiate', 'xml' or 'proto'"):
        _entry(protocol="protobuf")

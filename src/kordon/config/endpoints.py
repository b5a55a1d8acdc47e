"""Field types of where an integration connects and what it reads.

Ports, URLs, IPv4 addresses, MQTT topics, names of environment variables holding
secrets, and file paths, each checked with an error that says what is expected.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

Port = Annotated[int, Field(ge=1, le=65_535)]


def url_checker(schemes: tuple[str, ...]) -> AfterValidator:
    def check(url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in schemes:
            raise ValueError(
                f"url scheme must be one of {', '.join(schemes)}; got {parts.scheme or 'none'!r}"
            )
        if not parts.hostname:
            raise ValueError("url has no host")
        return url

    return AfterValidator(check)


HttpUrl = Annotated[str, Field(min_length=8, max_length=2000), url_checker(("http", "https"))]


ENV_NAME_PATTERN = r"^[A-Z_][A-Z0-9_]{0,127}$"


def _check_env_name(name: str) -> str:
    if not re.match(ENV_NAME_PATTERN, name):
        raise ValueError(
            f"{name!r} is not an environment variable name: use A-Z, 0-9 and '_', not starting "
            "with a digit, e.g. KORDON_UGS_SECRET (the secret itself never goes in the site file)"
        )
    return name


EnvName = Annotated[
    str,
    AfterValidator(_check_env_name),
    Field(min_length=1, max_length=128, json_schema_extra={"pattern": ENV_NAME_PATTERN}),
]


def _check_topic_filter(topic: str) -> str:
    levels = topic.split("/")
    for i, level in enumerate(levels):
        if "\x00" in level:
            raise ValueError("MQTT topic filter must not contain NUL characters")
        if ("+" in level and level != "+") or ("#" in level and level != "#"):
            raise ValueError(
                f"MQTT topic filter {topic!r}: '+' and '#' must fill a whole level "
                "(e.g. 'ugs/+/msg' or 'ugs/#')"
            )
        if level == "#" and i != len(levels) - 1:
            raise ValueError(f"MQTT topic filter {topic!r}: '#' must be the last level")
    return topic


TopicFilter = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(_check_topic_filter)
]


def _check_ipv4(value: str) -> str:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 address (e.g. 0.0.0.0 or 10.0.0.5)") from None
    return value


def _check_multicast(value: str) -> str:
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 address (e.g. 239.1.2.3)") from None
    if not address.is_multicast:
        raise ValueError(f"{value} is not a multicast group: use 224.0.0.0 to 239.255.255.255")
    return value


Ipv4Address = Annotated[str, Field(min_length=7, max_length=15), AfterValidator(_check_ipv4)]
MulticastGroup = Annotated[
    str, Field(min_length=7, max_length=15), AfterValidator(_check_multicast)
]


def _check_topic_prefix(prefix: str) -> str:
    if any(c in prefix for c in "+#\x00"):
        raise ValueError(
            f"MQTT topic prefix {prefix!r} must not contain '+', '#' or NUL (it names topics "
            "to publish on, not a filter)"
        )
    if prefix.startswith("/") or prefix.endswith("/") or "//" in prefix:
        raise ValueError(
            f"MQTT topic prefix {prefix!r}: no leading, trailing or doubled '/' (e.g. 'kordon' "
            "or 'site/volyn')"
        )
    return prefix


TopicPrefix = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(_check_topic_prefix)
]
FilePath = Annotated[str, Field(min_length=1, max_length=500)]

"""TAK protocol negotiation messages: the server's offer and answer read, the request built."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kordon.interop.cot.encode import to_xml
from kordon.interop.cot.takcontrol import (
    ProtocolAnswer,
    ProtocolOffer,
    read_control,
    request_event,
)
from kordon.interop.cot.xml import parse_xml_element
from tests.interop.cot_samples import event

T = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
HEAD = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>"
    "<event version='2.0' uid='{uid}' type='{type}' time='2026-05-04T12:00:00Z' "
    "start='2026-05-04T12:00:00Z' stale='2026-05-04T12:01:00Z' how='m-g'>"
    "<point lat='0.0' lon='0.0' hae='0.0' ce='999999' le='999999'/>"
)


def control(type_: str, inner: str, uid: str = "neg-7f3a") -> bytes:
    body = f"<detail>{inner}</detail>" if inner else ""
    return (HEAD.format(uid=uid, type=type_) + body + "</event>").encode()


OFFER_TAK_SERVER = control(
    "t-x-takp-v",
    "<TakControl><TakProtocolSupport version='1'/>"
    "<TakServerVersionInfo serverVersion='5.2-RELEASE-43' apiVersion='3'/></TakControl>",
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (OFFER_TAK_SERVER, ProtocolOffer("neg-7f3a", frozenset({1}))),
        (
            control(
                "t-x-takp-v",
                "<TakControl><TakProtocolSupport version='0'/>"
                "<TakProtocolSupport version=' 2 '/></TakControl>",
            ),
            ProtocolOffer("neg-7f3a", frozenset({0, 2})),
        ),
        (
            control("t-x-takp-r", "<TakControl><TakResponse status='true'/></TakControl>"),
            ProtocolAnswer("neg-7f3a", True),
        ),
        (
            control("t-x-takp-r", "<TakControl><TakResponse status='False'/></TakControl>"),
            ProtocolAnswer("neg-7f3a", False),
        ),
        (event(), None),  # not a control message at all
        (control("t-x-takp-q", "<TakControl><TakRequest version='1'/></TakControl>"), None),
    ],
)
def test_read_control(data: bytes, expected: object) -> None:
    assert read_control(data) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (control("t-x-takp-v", ""), "t-x-takp-v without <detail><TakControl>"),
        (control("t-x-takp-v", "<TakControl/>"), "t-x-takp-v without <TakProtocolSupport>"),
        (
            control("t-x-takp-v", "<TakControl><TakProtocolSupport version='v1'/></TakControl>"),
            "TakProtocolSupport version 'v1' is not a number",
        ),
        (
            control(
                "t-x-takp-v",
                "<TakControl>" + "<TakProtocolSupport version='1'/>" * 17 + "</TakControl>",
            ),
            "t-x-takp-v with 17 versions, at most 16",
        ),
        (control("t-x-takp-r", "<TakControl/>"), "t-x-takp-r without <TakResponse>"),
        (
            control("t-x-takp-r", "<TakControl><TakResponse status='maybe'/></TakControl>"),
            "TakResponse status 'maybe', expected true or false",
        ),
        (
            control("t-x-takp-r", "<TakControl><TakResponse status='true'/></TakControl>", uid=""),
            "uid: missing",
        ),
        (
            b'<!DOCTYPE e [<!ENTITY x "t-x-takp-v">]>' + OFFER_TAK_SERVER[55:],
            "refused XML",
        ),
    ],
)
def test_unreadable_control_messages_are_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_control(data)


def test_the_request_reuses_the_offer_uid_and_asks_for_version_1() -> None:
    root = parse_xml_element(to_xml(request_event(ProtocolOffer("neg-7f3a", frozenset({1})), T)))
    assert (root.get("type"), root.get("uid"), root.get("how")) == ("t-x-takp-q", "neg-7f3a", "m-g")
    assert root.get("stale") == "2026-05-04T12:01:00.000Z"
    request = root.find("detail/TakControl/TakRequest")
    assert request is not None
    assert request.get("version") == "1"

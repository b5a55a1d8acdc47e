"""A network namespace joined to this host by a veth pair, and the faults put on that link.

:func:`veth_namespace` makes a namespace of its own name, a veth pair (host end here,
edge end in the namespace) with a ``/30`` of ``10.201.0.0/16`` free on this host, and
removes all of it afterwards, whatever happened (killing whatever still runs inside).
:class:`VethLink` cuts the link (``ip link set <host end> down``) and impairs it: packet
loss and delay with ``tc netem`` where the kernel has ``sch_netem``; where it does not (a
kernel built without it), loss with a classic-BPF classifier that sends a random share of
the packets to an HTB class whose queue holds nothing (so the kernel drops them), and the
delay is then the caller's (see :mod:`tests.link.delay_relay`).

Everything runs ``ip`` and ``tc`` from iproute2 as root, each call with a timeout.
"""

from __future__ import annotations

import ipaddress
import os
import random
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass

SUBNET = ipaddress.IPv4Network("10.201.0.0/16")
COMMAND_TIMEOUT_S = 15.0

_SKF_AD_RANDOM = 0xFFFFF000 + 56
"""Classic BPF's ancillary load of a random 32-bit number (``ld rand``)."""


class NetnsError(RuntimeError):
    """An ``ip`` or ``tc`` command failed."""


def run_command(args: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``args`` (timeout :data:`COMMAND_TIMEOUT_S`); with ``check``, fail with stderr."""
    try:
        done = subprocess.run(
            list(args), capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NetnsError(f"{' '.join(args)}: {exc}") from exc
    if check and done.returncode != 0:
        raise NetnsError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done


def unavailable_reason() -> str | None:
    """Why network namespaces cannot be made here, or ``None`` when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    for tool in ("ip", "tc"):
        if shutil.which(tool) is None:
            return f"needs {tool} from iproute2 (Debian package iproute2)"
    probe = f"kprobe-{uuid.uuid4().hex[:8]}"
    try:
        run_command(["ip", "netns", "add", probe])
    except NetnsError as exc:
        return f"cannot create a network namespace: {exc}"
    try:
        run_command(["ip", "netns", "del", probe])
    except NetnsError as exc:
        return f"cannot delete a network namespace: {exc}"
    return None


@dataclass(frozen=True, slots=True)
class VethLink:
    """The namespace ``ns`` and its veth pair: ``host_if``/``host_ip`` here, ``edge_if``/
    ``edge_ip`` inside."""

    ns: str
    host_if: str
    edge_if: str
    host_ip: str
    edge_ip: str

    def netns_exec(self, args: Sequence[str]) -> list[str]:
        """``args`` as a command line that runs inside the namespace."""
        return ["ip", "netns", "exec", self.ns, *args]

    def cut(self) -> None:
        """Take the link down (the edge end loses its carrier; nothing crosses)."""
        run_command(["ip", "link", "set", self.host_if, "down"])

    def restore(self) -> None:
        run_command(["ip", "link", "set", self.host_if, "up"])

    def netem_supported(self) -> bool:
        """Whether this kernel has ``tc netem`` (tried on the host end, then removed)."""
        tried = run_command(
            ["tc", "qdisc", "add", "dev", self.host_if, "root", "netem", "delay", "1ms"],
            check=False,
        )
        if tried.returncode != 0:
            return False
        run_command(["tc", "qdisc", "del", "dev", self.host_if, "root"])
        return True

    def netem(self, *, loss_percent: float, delay_ms: int) -> None:
        """``netem loss … delay …`` on the host end (towards the edge), loss only on the
        edge end (towards the host)."""
        loss = f"loss {loss_percent:g}%"
        run_command(f"tc qdisc add dev {self.host_if} root netem {loss} delay {delay_ms}ms".split())
        run_command(f"tc -n {self.ns} qdisc add dev {self.edge_if} root netem {loss}".split())

    def drop_randomly(self, loss_percent: float) -> None:
        """Drop ``loss_percent`` of the packets leaving either end, without ``netem``."""
        if not 0 < loss_percent < 100:
            raise ValueError(f"loss_percent must be in (0, 100), got {loss_percent}")
        keep = min(round((1 - loss_percent / 100) * 2**32), 2**32 - 1)
        # A = random; A >= keep ? return -1 (the filter's class: 1:2, a queue of 0) : 0 (no
        # match: HTB's default class 1:1, unlimited).
        program = f"4,32 0 0 {_SKF_AD_RANDOM},53 0 1 {keep},6 0 0 4294967295,6 0 0 0"
        for tc, dev in (("tc", self.host_if), (f"tc -n {self.ns}", self.edge_if)):
            run_command(f"{tc} qdisc add dev {dev} root handle 1: htb default 1 r2q 100000".split())
            for cls in ("1:1", "1:2"):
                run_command(
                    f"{tc} class add dev {dev} parent 1: classid {cls} htb rate 10gbit".split()
                )
            run_command(f"{tc} qdisc add dev {dev} parent 1:2 handle 20: pfifo limit 0".split())
            filter_ = f"{tc} filter add dev {dev} parent 1: protocol all prio 1 bpf bytecode"
            run_command([*filter_.split(), program, "flowid", "1:2"])

    def packet_counts(self) -> tuple[int, int]:
        """Packets (sent, dropped) by the qdiscs of both ends together (``tc -s``)."""
        sent = dropped = 0
        for tc, dev in ((["tc"], self.host_if), (["tc", "-n", self.ns], self.edge_if)):
            shown = run_command([*tc, "-s", "qdisc", "show", "dev", dev]).stdout
            lines = [line for line in shown.splitlines() if line.strip().startswith("Sent ")]
            if lines:  # the root qdisc's line comes first: what left the device
                sent += int(lines[0].split(" pkt", 1)[0].rsplit(" ", 1)[1])
            for line in lines:
                dropped += int(line.split("(dropped ", 1)[1].split(",", 1)[0])
        return sent, dropped

    def clear_impairments(self) -> None:
        """Remove every qdisc put on either end (none there is fine)."""
        run_command(["tc", "qdisc", "del", "dev", self.host_if, "root"], check=False)
        run_command(["tc", "-n", self.ns, "qdisc", "del", "dev", self.edge_if, "root"], check=False)


def _free_subnet() -> ipaddress.IPv4Network:
    used = run_command(["ip", "-o", "-4", "addr", "show"]).stdout
    subnets = list(SUBNET.subnets(new_prefix=30))
    for subnet in random.Random(uuid.uuid4().int).sample(subnets, 64):
        hosts = list(subnet.hosts())
        if f" {hosts[0]}/" not in used and f" {hosts[1]}/" not in used:
            return subnet
    raise NetnsError(f"no free /30 in {SUBNET} after 64 tries")


def _kill_inside(ns: str) -> None:
    pids = run_command(["ip", "netns", "pids", ns], check=False).stdout.split()
    for pid in pids:
        with suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


@contextmanager
def veth_namespace() -> Iterator[VethLink]:
    """A fresh namespace linked to the host by a veth pair; all of it removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    subnet = _free_subnet()
    host_ip, edge_ip = (str(h) for h in subnet.hosts())
    link = VethLink(
        ns=f"kordon-{tag}", host_if=f"kh{tag}", edge_if=f"ke{tag}", host_ip=host_ip, edge_ip=edge_ip
    )
    prefix = subnet.prefixlen
    try:
        run_command(["ip", "netns", "add", link.ns])
        peer = f"peer name {link.edge_if} netns {link.ns}"
        run_command(f"ip link add {link.host_if} type veth {peer}".split())
        run_command(["ip", "addr", "add", f"{host_ip}/{prefix}", "dev", link.host_if])
        run_command(["ip", "link", "set", link.host_if, "up"])
        run_command(
            ["ip", "-n", link.ns, "addr", "add", f"{edge_ip}/{prefix}", "dev", link.edge_if]
        )
        run_command(["ip", "-n", link.ns, "link", "set", link.edge_if, "up"])
        run_command(["ip", "-n", link.ns, "link", "set", "lo", "up"])
        yield link
    finally:
        _kill_inside(link.ns)
        run_command(["ip", "netns", "del", link.ns], check=False)
        run_command(["ip", "link", "del", link.host_if], check=False)

"""Live-feed clients for the API benchmark, in a process of their own (as browsers are).

``python -m benchmarks.live_clients WS_URL ORIGIN COOKIE N``: opens ``N`` WebSockets on
``/api/live`` with the session cookie, prints ``READY`` once all are open, reads every
message until its standard input closes, then closes them and prints ``RECEIVED <count>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

import websockets
from websockets.typing import Origin


async def _run(url: str, origin: str, cookie: str, count: int) -> int:
    sockets = [
        await websockets.connect(url, origin=Origin(origin), additional_headers={"Cookie": cookie})
        for _ in range(count)
    ]
    received = 0

    async def drain(ws: websockets.ClientConnection) -> None:
        nonlocal received
        with contextlib.suppress(websockets.ConnectionClosed):
            async for _ in ws:
                received += 1

    drains = [asyncio.create_task(drain(ws)) for ws in sockets]
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for ws in sockets:
        await ws.close()
    await asyncio.gather(*drains)
    return received


def main() -> None:
    url, origin, cookie, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    received = asyncio.run(_run(url, origin, cookie, count))
    print(f"RECEIVED {received}", flush=True)


if __name__ == "__main__":
    main()

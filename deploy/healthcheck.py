"""The container's health check: GET /healthz on the bot's own port, exit 0 on 200.

The port is WEBHOOK_PORT in webhook mode (WEBHOOK_URL set), else METRICS_PORT, which the
image sets to 8080 (Dockerfile), so polling has a /healthz too unless METRICS_PORT=0 turns
it off. Only the standard library, so a check costs an interpreter start and nothing else.
"""

from __future__ import annotations

import os
import sys
import urllib.request

TIMEOUT_SECONDS = 4.0


def health_port(environ: dict[str, str]) -> int:
    if environ.get("WEBHOOK_URL"):
        return int(environ.get("WEBHOOK_PORT") or 8080)
    return int(environ.get("METRICS_PORT") or 0)


def main() -> int:
    port = health_port(dict(os.environ))
    if not port:
        print("no /healthz: polling with METRICS_PORT=0 (the image's is 8080)", file=sys.stderr)
        return 1
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/healthz", timeout=TIMEOUT_SECONDS
        ) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:  # refused, timed out, or an HTTP error status
        print(f"/healthz on port {port}: {type(error).__name__}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Container health check: exits 0 when the URL answers 200 (Odoo's /web/health)."""
import sys
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=4) as response:  # noqa: S310 (local URL)
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # noqa: BLE001 (any failure means unhealthy)
    print(exc, file=sys.stderr)
    sys.exit(1)

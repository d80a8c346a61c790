"""``kontor-emulator-graph``: run the emulator until SIGINT / SIGTERM.

    kontor-emulator-graph --port 8443 --ca-path .kontor/graph-ca.pem --seed demo.json

Prints one JSON line ``{"base_url", "ca_path", "seeded"}`` once it listens, so
a supervisor (the dev stack) can read where it is.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from kontor.emulators.graph.server import GraphEmulator, seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kontor-emulator-graph", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--ca-path", help="where to write the CA certificate (PEM)")
    parser.add_argument("--seed", help="JSON file with tenants, apps (secret, certificates: [PEM]), mailboxes and events")
    parser.add_argument("--receiver-ca-path", help="CA bundle (PEM) that change-notification receivers' HTTPS "
                        "certificates are verified against (default: the system's; http only to loopback hosts)")
    args = parser.parse_args(argv)

    emulator = GraphEmulator(host=args.host, port=args.port, ca_path=args.ca_path,
                             receiver_ca_path=args.receiver_ca_path).start()
    seeded = None
    if args.seed:
        with open(args.seed, encoding="utf-8") as fh:
            seeded = seed(emulator.store, json.load(fh))
    print(json.dumps({"base_url": emulator.base_url, "ca_path": emulator.ca_path, "seeded": seeded}), flush=True)

    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    emulator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

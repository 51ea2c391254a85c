"""`bscsim dashboard [--port 8765] [--host 127.0.0.1] [--configs DIR ...] [--open]`

Serves the interactive dashboard (Mesa's SolaraViz) in the browser: move the
levers, step or play the collaborative week by week, pick a scenario from
configs/arms/ and configs/scenarios/, compare with a reference on the same seeds.
Needs the optional extra: pip install "bscsim[dashboard]". Stop it with Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import socket
import warnings
from pathlib import Path

APP = "bscsim.dashboard.app"


def add_parser(sub) -> None:
    p = sub.add_parser("dashboard", help="serve the interactive dashboard in the browser",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--configs", action="append", default=[], metavar="DIR",
                   help="folder whose arms/ and scenarios/ hold the scenario files "
                        "(repeatable; default: the shipped configs/)")
    p.add_argument("--open", action="store_true", help="open the page in a browser")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..cli import UsageError
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: expected a number from 0 to 65535")
    for folder in args.configs:
        if not Path(folder).is_dir():
            raise UsageError(f"--configs {folder}: no such folder")
    check_host(args.host)
    if args.port:
        check_free(args.host, args.port)
    # no usage statistics sent to Solara's telemetry service (read at import)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    from .. import dashboard  # noqa: F401  (quiets a harmless warning of Mesa's)
    try:
        import mesa.visualization  # noqa: F401
        import solara  # noqa: F401
    except ImportError as e:
        raise UsageError(f"the dashboard needs the optional extra ({e.name} is missing): "
                         "pip install 'bscsim[dashboard]'") from None
    if args.configs:
        os.environ["BSCSIM_DASHBOARD_CONFIGS"] = os.pathsep.join(
            str(Path(f).resolve()) for f in args.configs)
    # plain http on this machine: Solara's advice about https cookies does not apply
    warnings.filterwarnings("ignore", message="Cookies with samesite=none")
    from solara.__main__ import run as solara_run
    argv = [APP, "--host", args.host, "--port", str(args.port), "--production",
            "--no-check-version", "--log-level-uvicorn", "warning",
            "--open" if args.open else "--no-open"]
    solara_run.main(args=argv, prog_name="bscsim dashboard", standalone_mode=False)
    return 0


LOOPBACK = ("localhost", "ip6-localhost")


def check_host(host: str) -> None:
    """UsageError for an address this machine does not have; a warning on stderr
    for one that is not loopback (the dashboard has no login: anyone who can reach
    the address can use it)."""
    import ipaddress
    import sys

    from ..cli import UsageError
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as e:
        raise UsageError(f"--host {host!r}: not a known address "
                         f"({getattr(e, 'strerror', None) or e}); the default is "
                         "127.0.0.1") from None
    loopback = host in LOOPBACK or all(
        ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)
    if not loopback:
        print(f"bscsim dashboard: warning: --host {host} serves the dashboard beyond this "
              "machine, without a login; anyone who can reach it can use it (the "
              "default 127.0.0.1 keeps it on this machine)", file=sys.stderr)


def check_free(host: str, port: int) -> None:
    """UsageError unless `host:port` can be listened on."""
    import errno

    from ..cli import UsageError
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, errno.EACCES):
            raise UsageError(f"cannot listen on {host}:{port} ({e.strerror or e}); "
                             "is the dashboard already running? Pick another "
                             "--port") from None
        raise UsageError(f"--host {host}: cannot listen on this address "
                         f"({e.strerror or e}); the default is 127.0.0.1") from None

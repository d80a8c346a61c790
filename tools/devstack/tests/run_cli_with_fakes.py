"""Run `kontor-dev` with the service executables taken from a directory of fakes.

Usage: run_cli_with_fakes.py FAKE_BIN_DIR [kontor-dev arguments...]
"""

import sys
from pathlib import Path

from kontor.devstack import launch
from kontor.devstack.cli import main

fake_bin = Path(sys.argv[1])
launch.ServiceLauncher.executable = lambda self, service: str(fake_bin / service.executable)
sys.exit(main(sys.argv[2:]))

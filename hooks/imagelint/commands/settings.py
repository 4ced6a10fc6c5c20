"""``imagelint config``: print the resolved settings, so users can see what applies and why."""
from __future__ import annotations

import argparse
import sys

from imagelint.commands.common import add_common_options, load_context
from imagelint.config import config_as_toml


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "config", help="print the resolved settings",
        description="Print the settings in force for this repository (defaults, preset, "
        "[tool.imagelint] or .imagelint.toml, overrides) as a TOML table.",
    )
    add_common_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    _, config = load_context(args)
    sys.stdout.write(config_as_toml(config))
    return 0

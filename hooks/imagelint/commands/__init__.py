"""Sub-commands of ``imagelint``: each module has ``register(subparsers)`` and a ``run(args) -> int``."""

"""Settings from ``[tool.imagelint]`` in pyproject.toml or from ``.imagelint.toml``: the values
(``values``), the keys that set them (``keys``) and the files they are read from (``files``)."""
from imagelint.config.files import config_as_toml, load_config
from imagelint.config.keys import ALL_KEYS, build_config, parse_size
from imagelint.config.values import DEFAULT_SPLITS, Config, ConfigError, Limits, Override, glob_match

__all__ = ["ALL_KEYS", "DEFAULT_SPLITS", "Config", "ConfigError", "Limits", "Override", "build_config",
           "config_as_toml", "glob_match", "load_config", "parse_size"]

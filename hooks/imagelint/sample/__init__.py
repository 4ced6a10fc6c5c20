"""The sample dataset repository that ``imagelint demo`` builds, shipped inside the package so
the demo runs from a plain ``pip install``: ``generate`` draws its pictures, the other files
are its settings and hooks (``pre-commit-hooks.yaml`` is the hook manifest of this project)."""

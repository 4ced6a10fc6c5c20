"""Where images come from: git, DVC pointers and manifests, the DVC remote."""

"""``imagelint demo``: the sample dataset as a real repository, its commits narrated (``story``)
by a runner of real commands (``runner``)."""

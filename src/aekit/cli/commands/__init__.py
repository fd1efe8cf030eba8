"""One module per ``aekit`` command, found at start-up (see :mod:`aekit.cli`).

To add a command, add a module here with ``NAME``, ``ORDER``, ``HELP``,
``DESCRIPTION``, ``add_arguments(parser)`` and ``run(args)``; import heavy
packages inside ``run`` only.
"""

"""Command line: one module per subcommand (``register`` adds its parser, ``run`` runs it)."""

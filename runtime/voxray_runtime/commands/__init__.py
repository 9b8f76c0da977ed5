"""The built-in ``voxray`` subcommands (``voxray_runtime.cli`` assembles the parser)."""

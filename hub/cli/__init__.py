"""The ``hub`` command: parses arguments, calls the engine and prints (``hub.cli.main``)."""

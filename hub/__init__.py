"""Utility Exchange Hub: the core. ``hub.kernel`` is what plug-ins (formats, mappings, connectors)
may import; ``hub.engine`` drives them and owns all state (configuration, pipeline, delivery);
``hub.ledger`` is the engine's database; ``hub.cli`` is the command. The layering is checked by
import-linter (``pyproject.toml``)."""

"""Connectors: how bytes arrive and leave. One module per transport behind ``connectors.base``
(``local``: folders; ``sftp``: a partner's SFTP server); the engine builds an exchange's source and
destination from its configuration (``hub.engine.intake``)."""

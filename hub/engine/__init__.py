"""The engine: the configuration, the pipeline and its steps, and every use of the ledger.

Plug-ins (``formats``, ``mappings``, ``connectors``) declare; the engine drives them and owns all
state. It imports plug-ins, never the other way round; the command line and the service call it.
"""

"""The domain: documents, metadata validation, rules and registers.

Nothing in this package imports MkDocs, so the plugin, the command line and any port to another
site generator call the same code.
"""

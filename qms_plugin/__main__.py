"""``python -m qms_plugin`` runs the ``qms`` command (useful where scripts are not on PATH)."""

from .cli import main

main()

"""Lobby ticket kiosk for government service halls.

Kept free of imports so ``python3 -m kiosk.bootstrap`` runs on a bare Python before any
dependency is installed.
"""

__version__ = "0.1.0"
APP_NAME = "lobby-kiosk"

"""The green-channel roster as a library: file format, validation, keyed hashing.

Shared by the kiosk and the hall server; knows no Qt, no database and no network.
"""

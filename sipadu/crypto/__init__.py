"""Cryptographic core of SIPADU: envelopes, key wrapping, case keys and streams.

See docs/crypto.md for the protocol, the key hierarchy and the binary formats.
"""

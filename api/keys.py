"""Comparing a presented key with the configured ones, in constant time."""

import secrets


def key_matches(given: str, keys: list[str]) -> bool:
    return any(secrets.compare_digest(given.encode(), k.encode()) for k in keys)

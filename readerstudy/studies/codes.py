"""Opaque codes: random, carrying no site, arm, order or identity."""

from __future__ import annotations

import secrets

# Crockford-style alphabet: no I, L, O or U, so codes read aloud or copied by hand survive.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def opaque_code(prefix: str, length: int = 10) -> str:
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_case_code() -> str:
    return opaque_code("C", 8)


def new_assignment_code() -> str:
    return opaque_code("A", 12)

"""Errors raised while importing DICOM files."""

from __future__ import annotations


class RejectedFile(Exception):
    """A file or archive that must not be imported.

    Parameters
    ----------
    code : str
        Stable machine-readable reason, e.g. ``"not_dicom"`` or
        ``"derived_image"``. Callers switch on it and tests assert it, so
        codes never change once published.
    message : str
        One human sentence naming the problem, shown to the coordinator.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"RejectedFile({self.code!r}, {self.message!r})"

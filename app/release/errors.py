"""The one error type of the release package: it names the file or field that is wrong."""

from __future__ import annotations


class ReleaseError(ValueError):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where

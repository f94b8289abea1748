"""Write beside the target, then rename: a failed export leaves nothing behind.

The staging file or folder is hidden (a leading dot) in the target's own folder, so the final
rename stays on one file system and is atomic for a file. A folder that replaces an existing one
is swapped with two renames, and the old one is removed afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from bot.errors import EngageError


class ExportError(EngageError):
    """An export that cannot be made as asked; the message says what to change."""


class Staging:
    """A hidden file or folder that becomes `target` on `commit`."""

    def __init__(self, target: Path, *, folder: bool, overwrite: bool) -> None:
        self.target = target
        self.folder = folder
        self._overwrite = overwrite
        self.path = target.with_name(f".{target.name}.partial-{secrets.token_hex(4)}")

    def check(self) -> None:
        """Refuse a target that exists (unless overwriting) or whose folder is missing."""
        parent = self.target.parent
        if not parent.is_dir():
            problem = "is not a folder" if parent.exists() else "does not exist"
            raise ExportError(
                f"cannot write {self.target}: {parent} {problem} "
                "(create the folder, or choose another -o path)"
            )
        if self.target.exists() or self.target.is_symlink():
            if not self._overwrite:
                raise ExportError(f"{self.target} exists already: add --overwrite to replace it")
            if self.target.is_dir() != self.folder:
                kind = "a folder" if self.target.is_dir() else "a file"
                raise ExportError(f"{self.target} is {kind}: choose another -o path")

    def create(self) -> None:
        """Create the staging file or folder (an unwritable place fails here, early)."""
        try:
            if self.folder:
                self.path.mkdir()
            else:
                self.path.touch(exist_ok=False)
        except OSError as error:
            raise ExportError(
                f"cannot write beside {self.target}: {error.strerror or error}; "
                "choose a folder you can write to"
            ) from None

    def commit(self) -> None:
        """Put the finished export in place of the target."""
        if not self.folder:
            os.replace(self.path, self.target)
            return
        old = None
        if self.target.exists():
            old = self.target.with_name(f".{self.target.name}.old-{secrets.token_hex(4)}")
            os.replace(self.target, old)
        os.replace(self.path, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        """Remove whatever was staged."""
        if self.folder:
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            self.path.unlink(missing_ok=True)

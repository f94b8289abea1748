"""Compiled templates shared by every web sub-application in the process.

Each `build_app` makes its own Jinja environment (its globals point at its own app), and
compiling the templates costs a noticeable fraction of a second; Jinja's bytecode-cache hook
lets environments share the compiled code. Keys include a checksum of the template source, so
an edited template is compiled again.
"""

from __future__ import annotations

import jinja2
from jinja2.bccache import Bucket


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """Jinja's bytecode cache, in this process's memory."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


SHARED = MemoryBytecodeCache()

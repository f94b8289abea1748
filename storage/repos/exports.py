"""Exports, reports, erasure and retention."""

from __future__ import annotations

from storage.repos.base import Repo


class ExportRepo(Repo):
    """Repository operations for exports and privacy."""

"""Domain errors. Each carries a one-line, user-facing message (what, where, how to fix)."""

from __future__ import annotations


class KuraError(Exception):
    """Base class: an error the user can act on. ``str(err)`` is the one-line message."""


class ConfigError(KuraError):
    """kura.toml is missing, unreadable or has a bad value."""


class SheetError(KuraError):
    """The metadata sheet as a whole cannot be read (encoding, format, headers)."""


class ImageError(KuraError):
    """A scan cannot be decoded or is outside the limits (pixel count, format)."""


class StoreError(KuraError):
    """The store refused an operation (bad key, missing key, I/O error)."""


class PublishError(KuraError):
    """Publishing cannot start or finish (no local archive, a refused upload …)."""

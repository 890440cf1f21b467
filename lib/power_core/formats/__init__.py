"""Codecs of the files and messages exchanged with partners: one module per
format, each reading (with an error that names the line or element and why)
and writing it, so a partner-specific layout can replace one module.

Layouts: docs/formats/."""
from power_core.errors import ValidationError


class FormatError(ValidationError):
    """A file or message that does not follow its layout: `where` names the
    line, record or element, `reason` says what is wrong."""

    def __init__(self, reason, where=None, value=None):
        self.where = where
        message = f"{where}: {reason}" if where else reason
        super().__init__(message, value)

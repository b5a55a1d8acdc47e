"""TAK integration: the site picture to a TAK server or multicast group as Cursor-on-Target,
field units' positions back (docs/tak.md)."""

from kordon.tak.service import TakService
from kordon.tak.settings import TakLayer, TakProtocol, TakSettings, TakSettingsError, TlsFiles

__all__ = ["TakLayer", "TakProtocol", "TakService", "TakSettings", "TakSettingsError", "TlsFiles"]

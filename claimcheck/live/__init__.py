"""Live audit during a broadcast: speech-recognition segments in, findings out (docs/LIVE.md).

:mod:`messages` parses the JSON messages every live path shares; :class:`~claimcheck.live.session.LiveSession`
screens a sliding window of the latest final segments and records the whole broadcast as one audit.
"""

from claimcheck.live.messages import ErrorMessage, Message, parse_message
from claimcheck.live.session import LiveSession, LiveUpdate

__all__ = ["ErrorMessage", "LiveSession", "LiveUpdate", "Message", "parse_message"]

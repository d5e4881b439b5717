"""Tell an automatic reply (out of office, vacation, list or robot answer)
from a person's reply, by the headers RFC 3834 and the common mail servers
set: only a person's reply stops the dunning of a customer."""

# Headers whose mere presence marks an automatic answer. Not Outlook's
# X-Auto-Response-Suppress: it asks others not to answer automatically and
# is also found on mail written by people.
AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")
AUTO_PRECEDENCE = ("auto_reply", "bulk", "junk", "list")


def is_automatic_reply(message):
    """Whether the ``email.message.Message`` was sent by a program, not a
    person: ``Auto-Submitted`` other than ``no`` (RFC 3834), one of the
    autoreply headers, or a bulk/auto_reply/junk/list ``Precedence``."""
    auto_submitted = (message.get("Auto-Submitted") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if any(message.get(header) is not None for header in AUTO_REPLY_HEADERS):
        return True
    precedence = (message.get("Precedence") or "").strip().lower()
    return precedence in AUTO_PRECEDENCE

"""An SMTP sink for the benchmark's SMTP scenario (``aiosmtpd``, see
bench/requirements.txt): accepts every message on a loopback port and
appends one JSON line per message to a log file (subject, Message-Id,
recipients) before answering 250, so that a SIGKILL loses no count.

    python3 bench/smtp_sink.py --port PORT --log FILE [--die-after N]

Prints ``ready`` once it listens; runs until killed. ``--die-after N``: the
sink SIGKILLs itself once it has stored its Nth message, before answering
it: the worst moment for the client, which cannot know the message got
through."""

import argparse
import json
import os
import signal
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class LogHandler:
    def __init__(self, log, die_after=0):
        self.log = log
        self.die_after = die_after
        self.received = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd)
        message = message_from_bytes(envelope.content, policy=policy.default)
        record = {
            "subject": str(message["Subject"] or ""),
            "message_id": str(message["Message-Id"] or ""),
            "to": envelope.rcpt_tos,
        }
        self.log.write(json.dumps(record) + "\n")
        self.log.flush()  # in the kernel before the reply: a kill keeps it
        self.received += 1
        if self.received == self.die_after:
            os.kill(os.getpid(), signal.SIGKILL)
        return "250 OK"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--die-after", type=int, default=0)
    args = parser.parse_args()
    with open(args.log, "a", encoding="utf-8") as log:
        controller = Controller(
            LogHandler(log, args.die_after), hostname="127.0.0.1", port=args.port
        )
        controller.start()
        print("ready", flush=True)
        signal.pause()  # until killed


if __name__ == "__main__":
    main()

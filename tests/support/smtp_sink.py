"""An aiosmtpd handler for tests/mail.rs: each message a file in a directory.

python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Sink DIR [refuse]

Each message is written to DIR/NNN.eml with its envelope recipients on a
first `X-Envelope-To:` line. With `refuse`, every message is refused with 554.
"""

import os


class Sink:
    def __init__(self, directory, mode="accept"):
        self.directory = directory
        self.refuse = mode == "refuse"
        os.makedirs(directory, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if not args:
            parser.error("smtp_sink.Sink needs a directory")
        return cls(*args)

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "554 5.7.1 refused by the test server"
        n = len([f for f in os.listdir(self.directory) if f.endswith(".eml")])
        path = os.path.join(self.directory, "%03d.eml" % n)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            data = envelope.original_content or envelope.content
            f.write(data if isinstance(data, bytes) else data.encode())
        os.rename(tmp, path)
        return "250 OK"

"""A real SMTP server for postbode's tests: aiosmtpd, with a handler that
stores every accepted message as a file and can be told to refuse some.

Usage: smtp_server.py DIR [--fail ADDRESS=CODE ...] [--fail-first ADDRESS=CODE ...]

Prints "PORT <n>" once listening on 127.0.0.1 (port chosen by the system).
Each accepted message is written to DIR/<n>.eml, preceded by one line
"X-Test-Rcpt: <addresses>" so the test knows the envelope recipients; its
envelope sender (MAIL FROM, empty for <>) goes to DIR/<n>.from, written first.
--fail answers CODE to RCPT TO for ADDRESS every time; --fail-first only the
first time (then accepts), which is how a greylisting server behaves.
Every attempt is appended to DIR/attempts.log as "<address> <code>".
"""
import argparse
import asyncio
import os
import signal
import socket
import sys
import threading

from aiosmtpd.controller import Controller

REPLIES = {
    "421": "421 4.3.2 Service shutting down, try again later",
    "450": "450 4.2.1 Mailbox temporarily unavailable",
    "451": "451 4.3.0 Temporary local problem, try again",
    "452": "452 4.2.2 Mailbox full",
    "550": "550 5.1.1 User unknown",
    "552": "552 5.2.2 Mailbox full, message rejected",
    "554": "554 5.7.1 Rejected by policy",
}


class Handler:
    def __init__(self, directory, fail, fail_first):
        self.dir = directory
        self.fail = fail
        self.fail_first = dict(fail_first)
        self.count = 0
        self.lock = threading.Lock()

    def log(self, address, code):
        with self.lock, open(os.path.join(self.dir, "attempts.log"), "a") as f:
            f.write(f"{address} {code}\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        key = address.lower()
        if key in self.fail:
            self.log(key, self.fail[key])
            return REPLIES[self.fail[key]]
        if key in self.fail_first:
            code = self.fail_first.pop(key)
            self.log(key, code)
            return REPLIES[code]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        for r in envelope.rcpt_tos:
            self.log(r.lower(), "250")
        path = os.path.join(self.dir, f"{n:06d}.eml")
        with open(os.path.join(self.dir, f"{n:06d}.from"), "w") as f:
            f.write(envelope.mail_from or "")
        tmp = path + ".part"
        with open(tmp, "wb") as f:
            f.write(b"X-Test-Rcpt: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, path)
        return "250 2.0.0 Message accepted"


def pairs(values):
    out = {}
    for v in values or []:
        address, code = v.rsplit("=", 1)
        out[address.lower()] = code
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--fail", action="append")
    p.add_argument("--fail-first", action="append")
    a = p.parse_args()
    handler = Handler(a.dir, pairs(a.fail), pairs(a.fail_first))
    # aiosmtpd checks readiness by connecting to the configured port, so port 0
    # cannot be passed through: ask the system for a free port first.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    ctl = Controller(handler, hostname="127.0.0.1", port=port, decode_data=False)
    ctl.start()
    print(f"PORT {port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # Stop too when the test process that started us goes away.
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    ctl.stop()


if __name__ == "__main__":
    main()

"""A real SMTP server for postbode's tests: aiosmtpd, with a handler that
stores every accepted message as a file and can be told to refuse some.

Usage: smtp_server.py DIR [--fail ADDRESS=CODE ...] [--fail-first ADDRESS=CODE ...]
                        [--chaos SEED [--stall SECONDS]] [--no-pipelining]

Prints "PORT <n>" once listening on 127.0.0.1 (port chosen by the system).
Each accepted message is written to DIR/<n>.eml, preceded by one line
"X-Test-Rcpt: <addresses>" so the test knows the envelope recipients; its
envelope sender (MAIL FROM, empty for <>) goes to DIR/<n>.from, written first.
--fail answers CODE to RCPT TO for ADDRESS every time; --fail-first only the
first time (then accepts), which is how a greylisting server behaves. CODE is
a key of REPLIES, or a whole reply such as "550 5.2.1 Mailbox disabled".
Every attempt is appended to DIR/attempts.log as "<address> <code>".

--chaos SEED misbehaves for some recipients, chosen deterministically from the
seed and the address (see CHAOS), and writes each address's choice once to
DIR/chaos.log as "<address> <mode>". A stall sleeps --stall seconds (default 5).

The server offers PIPELINING (RFC 2920), as Postfix does, so clients may send
MAIL, RCPT and DATA together (aiosmtpd answers them one by one in order);
--no-pipelining leaves it out, for clients that must then wait for each reply.
"""
import argparse
import asyncio
import hashlib
import os
import signal
import socket
import sys
import threading

from aiosmtpd.controller import Controller

REPLIES = {
    "421": "421 4.3.2 Service shutting down, try again later",
    "421-rate": "421 4.7.28 Too many messages from your IP, slow down",
    "450": "450 4.2.1 Mailbox temporarily unavailable",
    "451": "451 4.3.0 Temporary local problem, try again",
    "452": "452 4.2.2 Mailbox full",
    "550": "550 5.1.1 User unknown",
    "552": "552 5.2.2 Mailbox full, message rejected",
    "554": "554 5.7.1 Rejected by policy",
}

# --chaos: (mode, share of the addresses in permille). Everything else is "ok".
# 550 and 554 are answered every time, "-twice" for two attempts, the others for
# the first attempt only. "stored" means the message was written (the server has
# it) before the client was left without an answer, which the client cannot
# tell apart from "lost".
CHAOS = [
    ("rcpt-451-twice", 40),  # 451 at RCPT for two attempts, then accepted
    ("rcpt-421", 30),        # 421 at RCPT and the connection closed
    ("rcpt-550", 30),        # always 550 at RCPT: a permanent failure
    ("rcpt-drop", 20),       # the connection closed at RCPT without an answer
    ("rcpt-stall", 5),       # no answer to RCPT for longer than the client waits
    ("data-451", 40),        # 451 after the message, not stored
    ("data-421", 20),        # 421 after the message, not stored, connection closed
    ("data-554", 20),        # always 554 after the message: a permanent failure
    ("data-drop-stored", 15),   # stored, then the connection closed without an answer
    ("data-drop-lost", 15),     # not stored, the connection closed without an answer
    ("data-stall-stored", 5),   # stored, then no answer for longer than the client waits
]


def chaos_mode(seed, address):
    digest = hashlib.sha256(f"{seed}:{address}".encode()).digest()
    pick = int.from_bytes(digest[:4], "big") % 1000
    for mode, share in CHAOS:
        if pick < share:
            return mode
        pick -= share
    return "ok"


class Handler:
    def __init__(self, directory, fail, fail_first, chaos=None, stall=5.0, pipelining=True):
        self.dir = directory
        self.pipelining = pipelining
        self.fail = fail
        self.fail_first = dict(fail_first)
        self.count = 0
        self.lock = threading.Lock()
        # Opened once and line-buffered: every line is on disk when written.
        self.attempts = open(os.path.join(directory, "attempts.log"), "a", buffering=1)
        self.chaos = chaos
        self.stall = stall
        self.modes = {}
        self.tries = {}
        self.chaos_log = None
        if chaos is not None:
            self.chaos_log = open(os.path.join(directory, "chaos.log"), "a", buffering=1)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    def log(self, address, code):
        with self.lock:
            self.attempts.write(f"{address} {code}\n")

    def mode(self, key):
        if self.chaos is None:
            return "ok"
        if key not in self.modes:
            self.modes[key] = chaos_mode(self.chaos, key)
            self.chaos_log.write(f"{key} {self.modes[key]}\n")
        return self.modes[key]

    def misbehaves(self, key, stage):
        """The chaos mode for this attempt at `stage` (rcpt/data), or None."""
        mode = self.mode(key)
        if not mode.startswith(stage + "-"):
            return None
        n = self.tries.get((key, stage), 0)
        self.tries[(key, stage)] = n + 1
        if mode in ("rcpt-550", "data-554"):
            return mode
        limit = 2 if mode.endswith("-twice") else 1
        return mode if n < limit else None

    async def hang_up(self, server):
        """Closes the connection without an answer; aiosmtpd then cancels us."""
        server.transport.close()
        await asyncio.sleep(3600)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        key = address.lower()
        chaos = self.misbehaves(key, "rcpt")
        if chaos in ("rcpt-451-twice", "rcpt-421", "rcpt-550"):
            code = chaos.split("-")[1]
            self.log(key, code)
            if code.startswith("421"):
                asyncio.get_running_loop().call_soon(server.transport.close)
            return REPLIES[code]
        if chaos == "rcpt-drop":
            self.log(key, "drop")
            await self.hang_up(server)
        if chaos == "rcpt-stall":
            self.log(key, "stall")
            await asyncio.sleep(self.stall)
            return "451 4.4.2 Timed out"
        if key in self.fail:
            self.log(key, self.fail[key])
            return REPLIES.get(self.fail[key], self.fail[key])
        if key in self.fail_first:
            code = self.fail_first.pop(key)
            self.log(key, code)
            return REPLIES.get(code, code)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        chaos = None
        for r in envelope.rcpt_tos:
            chaos = self.misbehaves(r.lower(), "data") or chaos
        if chaos in ("data-451", "data-421", "data-554"):
            code = chaos.split("-")[1]
            for r in envelope.rcpt_tos:
                self.log(r.lower(), code)
            if code.startswith("421"):
                asyncio.get_running_loop().call_soon(server.transport.close)
            return REPLIES[code]
        if chaos == "data-drop-lost":
            for r in envelope.rcpt_tos:
                self.log(r.lower(), "drop")
            await self.hang_up(server)
        # Stored, then maybe no answer: "250-drop" and "250-stall" in the log.
        code = {"data-drop-stored": "250-drop", "data-stall-stored": "250-stall"}
        for r in envelope.rcpt_tos:
            self.log(r.lower(), code.get(chaos, "250"))
        self.store(envelope)
        if chaos == "data-drop-stored":
            await self.hang_up(server)
        if chaos == "data-stall-stored":
            await asyncio.sleep(self.stall)
        return "250 2.0.0 Message accepted"

    def store(self, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        path = os.path.join(self.dir, f"{n:06d}.eml")
        with open(os.path.join(self.dir, f"{n:06d}.from"), "w") as f:
            f.write(envelope.mail_from or "")
        tmp = path + ".part"
        with open(tmp, "wb") as f:
            f.write(b"X-Test-Rcpt: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, path)


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
    p.add_argument("--chaos", metavar="SEED")
    p.add_argument("--stall", type=float, default=5.0)
    p.add_argument("--no-pipelining", action="store_true")
    a = p.parse_args()
    handler = Handler(a.dir, pairs(a.fail), pairs(a.fail_first), a.chaos, a.stall,
                      pipelining=not a.no_pipelining)
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

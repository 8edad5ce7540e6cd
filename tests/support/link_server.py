"""A real web server for the link check tests (Python's http.server).

Usage: link_server.py LOG

Prints "PORT <n>" once listening on 127.0.0.1 (port chosen by the system).
Every request is appended to LOG as "<METHOD> <path> <active>", where
<active> is how many requests were waiting for their answer when it came in
(itself included), so a test can see that a host never gets two at once.
Each answer takes a little while, so that overlapping requests would show.

  /ok, /image.png, /agenda  200
  /moved                   301 to /ok
  /missing                 404
  /error                   500
  /no-head                 405 to HEAD, 200 to GET
  /reset-head              the connection is reset on HEAD, 200 to GET
  /wide.png                a real PNG of 1200 x 600 px (small in bytes)
  /heavy.png               a real PNG of 400 x 300 px of noise (about 360 KB)
  anything else            404
"""
import os
import socket
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[1]
LOCK = threading.Lock()
ACTIVE = 0
# Long enough that a second request to this host, were it sent at once,
# would arrive while the first is still being answered.
ANSWER_DELAY = 0.15


def png(width, height, pixels):
    """A PNG of `pixels` (RGB bytes, row by row), built by hand with zlib."""

    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = width * 3
    raw = b"".join(b"\x00" + pixels[y * row:(y + 1) * row] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 0 if width < 1000 else 9)) + chunk(b"IEND", b""))


IMAGES = {
    "/wide.png": png(1200, 600, b"\x99\xaa\xbb" * 1200 * 600),
    "/heavy.png": png(400, 300, os.urandom(400 * 300 * 3)),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def handle_one(self, method):
        global ACTIVE
        with LOCK:
            ACTIVE += 1
            with open(LOG, "a") as f:
                f.write(f"{method} {self.path} {ACTIVE}\n")
        time.sleep(ANSWER_DELAY)
        # Counted until the answer starts: once the client has it, it may
        # rightly send the next request while this thread is still finishing.
        with LOCK:
            ACTIVE -= 1
        self.answer(method)

    def answer(self, method):
        path = self.path.split("?")[0]
        if path == "/reset-head" and method == "HEAD":
            # SO_LINGER 0: close sends a reset instead of a polite FIN.
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            self.connection.close()
            self.close_connection = True
            return
        if path == "/no-head" and method == "HEAD":
            return self.reply(405)
        if path in IMAGES:
            return self.reply(200, IMAGES[path], content_type="image/png")
        if path in ("/ok", "/image.png", "/agenda", "/no-head", "/reset-head"):
            return self.reply(200, b"fine\n")
        if path == "/moved":
            return self.reply(301, location="/ok")
        if path == "/error":
            return self.reply(500)
        return self.reply(404)

    def reply(self, status, body=b"", location=None, content_type=None):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.handle_one("HEAD")

    def do_GET(self):
        self.handle_one("GET")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()

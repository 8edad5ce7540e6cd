"""A webhook receiver for the tests: verifies Postbode-Signature the way the
operating guide tells a receiver to (HMAC-SHA256 over "<t>.<body>" with the
shared secret, t within five minutes) and appends one JSON line per request
to OUT: delivery id, event, whether the signature held, the status it
answered, the raw body and signature (so a test can replay them altered).

Usage: webhook_receiver.py SECRET OUT [PORT [STATUS]]
Prints "PORT n" once it listens (on PORT when given, to come back on the
same address after being stopped), answering STATUS (default 200). Commands on stdin, one per line:
  status N   answer every later request with HTTP N (200 by default)
  hang N     wait N seconds before answering (noting each arrival in
             OUT.arrivals at once)
"""

import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = sys.argv[1].encode()
OUT = sys.argv[2]
PORT = int(sys.argv[3]) if len(sys.argv) > 3 else 0
TOLERANCE = 300
state = {"status": int(sys.argv[4]) if len(sys.argv) > 4 else 200, "hang": 0.0}
lock = threading.Lock()


def verify(header, body):
    """(True, "") when the signature holds, else (False, why)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False, "malformed signature header"
    if abs(time.time() - t) > TOLERANCE:
        return False, "timestamp too old"
    expected = hmac.new(SECRET, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        return False, "signature mismatch"
    return True, ""


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            status, hang = state["status"], state["hang"]
        if hang:
            with lock, open(OUT + ".arrivals", "a", encoding="utf-8") as f:
                f.write(self.headers.get("Postbode-Delivery", "") + "\n")
            time.sleep(hang)
        valid, why = verify(self.headers.get("Postbode-Signature", ""), body)
        if not valid and status == 200:
            status = 401
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        record = {
            "delivery": self.headers.get("Postbode-Delivery"),
            "event": self.headers.get("Postbode-Event"),
            "content_type": self.headers.get("Content-Type"),
            "signature": self.headers.get("Postbode-Signature"),
            "valid": valid,
            "why": why,
            "answered": status,
            "raw": body.decode("utf-8", "replace"),
            "payload": payload,
        }
        with lock, open(OUT, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def commands():
    for line in sys.stdin:
        word, _, arg = line.strip().partition(" ")
        with lock:
            if word == "status":
                state["status"] = int(arg)
            elif word == "hang":
                state["hang"] = float(arg)


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.daemon_threads = True
threading.Thread(target=commands, daemon=True).start()
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()

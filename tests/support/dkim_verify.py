"""Checks DKIM signatures with dkimpy, a verifier independent of postbode's
signer, against a public key given on the command line instead of DNS.

Usage: dkim_verify.py NAME VALUE MESSAGE...

NAME is the DNS name the record is published at (selector._domainkey.domain)
and VALUE its TXT value ("v=DKIM1; k=rsa; p=…"), as `postbode dkim-keygen`
prints them. A lookup of any other name finds nothing, so a signature whose
d= or s= does not match the printed record fails.

Prints one line per message: "pass FILE" or "fail FILE: the last of what
dkimpy logged".
Exits 0 when every message passes, 1 otherwise.
"""
import logging
import sys

import dkim


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def main():
    name, value, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    wanted = name.rstrip(".").lower().encode() + b"."

    def dnsfunc(queried, timeout=5):
        return value.encode() if queried.lower() == wanted else None

    failed = False
    for path in files:
        with open(path, "rb") as f:
            message = f.read()
        log = logging.getLogger(path)
        log.propagate = False
        handler = Collect()
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
        if dkim.verify(message, logger=log, dnsfunc=dnsfunc):
            print(f"pass {path}")
        else:
            failed = True
            # The last lines say why; "sig: {…}" only dumps the tags.
            reasons = [l for l in handler.lines if not l.startswith("sig:")]
            print(f"fail {path}: {'; '.join(reasons[-2:])}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

"""A small IMAP client for the tests (Python's imaplib over implicit TLS).

    imap_client.py PORT CA_FILE USER PASSWORD append FOLDER FILE
        appends FILE to FOLDER as a new, unseen message
    imap_client.py PORT CA_FILE USER PASSWORD counts
        prints a JSON object: every folder's name and its number of messages

The server's certificate is checked against CA_FILE, for 127.0.0.1.
"""

import imaplib
import json
import ssl
import sys


def main():
    port, ca_file, user, password, command, *rest = sys.argv[1:]
    context = ssl.create_default_context(cafile=ca_file)
    with imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=context) as imap:
        imap.login(user, password)
        if command == "append":
            folder, path = rest
            with open(path, "rb") as f:
                message = f.read()
            typ, data = imap.append(folder, None, None, message)
            if typ != "OK":
                sys.exit(f"APPEND failed: {data}")
        elif command == "counts":
            typ, listed = imap.list()
            if typ != "OK":
                sys.exit(f"LIST failed: {listed}")
            counts = {}
            for line in listed:
                # (\HasNoChildren) "." "INBOX" or ... "." INBOX
                name = line.decode().rsplit(" ", 1)[1].strip('"')
                typ, status = imap.status(f'"{name}"', "(MESSAGES)")
                if typ != "OK":
                    sys.exit(f"STATUS failed: {status}")
                counts[name] = int(status[0].decode().rsplit("MESSAGES ", 1)[1].rstrip(")"))
            print(json.dumps(counts))
        else:
            sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()

"""pymemcache (Debian's python3-pymemcache) over TLS against a server whose
port, CA file, user and password are the arguments, as memcached's -Z users
connect: tls_context, then memcached's -Y handshake as an ordinary set of
"user password". Each check prints one JSON line, which
test/e2e/tls.test.ts compares with what it expects."""
import json
import ssl
import sys

from pymemcache.client.base import Client

port, ca_file, stranger_ca_file, user, password = sys.argv[1:6]


def check(name, value):
    print(json.dumps([name, value]), flush=True)


def client_trusting(ca):
    context = ssl.create_default_context(cafile=ca)
    return Client(("localhost", int(port)), tls_context=context, connect_timeout=5, timeout=5)


client = client_trusting(ca_file)
check("authenticate", client.set("auth", f"{user} {password}", noreply=False))
check("set", client.set("pymemcache:tls", b"over tls", noreply=False))
check("get", client.get("pymemcache:tls").decode())
check("get_many", {k: v.decode() for k, v in client.get_many(["pymemcache:tls", "missing"]).items()})
client.close()

try:
    client_trusting(stranger_ca_file).get("pymemcache:tls")
    check("a certificate it does not trust", "answered")
except ssl.SSLCertVerificationError as error:
    check("a certificate it does not trust", error.verify_message)

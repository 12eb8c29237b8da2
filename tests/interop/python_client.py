#!/usr/bin/env python3
"""A devicechain client written from docs/PROTOCOL.md alone, to show the protocol is enough.

Only `cryptography` (Ed25519) and `rfc8785` (canonical JSON) from PyPI, and the standard library.

    python_client.py example
        prints the worked example of docs/PROTOCOL.md as this client computes it
    python_client.py report --node URL --key FILE --device ID --kind stolen [--tamper] [--webhook]
        signs and submits report.file, reads the device back; --tamper flips one bit of the
        signature first; --webhook subscribes two webhooks to a local receiver beforehand, one
        signed by the node key and one with an HMAC, and verifies both deliveries

Each command prints one JSON object and exits 0 whatever the node answered: the caller judges.
"""

import argparse
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# PROTOCOL.md, "The signed transaction": the domain tag, then the canonical body.
TX_DOMAIN = b"devicechain/tx/v1\n"
# The secret of this client's hmac-sha256 webhook: 16 characters or more.
HMAC_SECRET = "python-client-webhook-secret"


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    """Strict: the text must be exactly what b64url gives back."""
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(data) != text:
        raise ValueError(f"not canonical base64url: {text!r}")
    return data


def canonical(value) -> bytes:
    """RFC 8785 canonical JSON, as UTF-8."""
    return rfc8785.dumps(value)


class Key:
    """An Ed25519 key held by this client; its key id is the raw public key in base64url."""

    def __init__(self, seed: bytes):
        if len(seed) != 32:
            raise ValueError("an Ed25519 seed is 32 bytes")
        self.seed = seed
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        self.public = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = b64url(self.public)

    @classmethod
    def load(cls, path: str) -> "Key":
        """A key file: {"type": "ed25519", "seed": base64url, "keyId": key id}."""
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if data.get("type") != "ed25519":
            raise ValueError(f"{path} is not an ed25519 key file")
        key = cls(from_b64url(data["seed"]))
        if "keyId" in data and data["keyId"] != key.key_id:
            raise ValueError(f"{path}: keyId does not match the seed")
        return key

    @property
    def fingerprint(self) -> str:
        """The first 8 bytes of SHA-256 of the raw public key, hex: how the API shows owners."""
        return hashlib.sha256(self.public).digest()[:8].hex()

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


def signing_bytes(body: dict) -> bytes:
    return TX_DOMAIN + canonical(body)


def sign_tx(key: Key, chain: str, nonce: int, tx_type: str, params: dict) -> dict:
    body = {"chain": chain, "signer": key.key_id, "nonce": nonce, "type": tx_type, "params": params}
    return {"body": body, "sig": b64url(key.sign(signing_bytes(body)))}


def tx_hash(tx: dict) -> str:
    """SHA-256 of the canonical envelope, hex: the transaction's name everywhere."""
    return hashlib.sha256(canonical(tx)).hexdigest()


def tampered(tx: dict) -> dict:
    """The transaction with one bit of its signature flipped: still 64 bytes, no longer valid."""
    sig = bytearray(from_b64url(tx["sig"]))
    sig[0] ^= 0x01
    return {"body": tx["body"], "sig": b64url(bytes(sig))}


def signed_request(key: Key, chain: str, fields: dict) -> dict:
    """A webhook request: chain, key and time with the operation's fields, signed without a tag."""
    request = {"chain": chain, "key": key.key_id, "time": int(time.time() * 1000), **fields}
    return {"request": request, "sig": b64url(key.sign(canonical(request)))}


class Node:
    """The REST API of one node. Every call answers (HTTP status, parsed JSON body or None)."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {} if body is None else {"content-type": "application/json"}
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                status, raw = res.status, res.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        return status, (json.loads(raw) if raw else None)

    def get(self, path: str):
        status, body = self.call("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body}")
        return body

    def chain_id(self) -> str:
        return self.get("/v1/status")["chainId"]

    def next_nonce(self, key_id: str) -> int:
        return self.get(f"/v1/accounts/{key_id}")["nextNonce"]

    def device(self, identifier: str):
        return self.get("/v1/devices/" + urllib.parse.quote(identifier, safe=""))


class Receiver:
    """A webhook receiver on loopback that records every delivery and answers 204."""

    def __init__(self):
        self.deliveries = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.arrived:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    receiver.deliveries.append((self.path, headers, body))
                    receiver.arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def wait_for(self, path: str, accept, timeout: float):
        """The first delivery to `path` whose parsed body `accept` takes, or None in time."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for got_path, headers, body in self.deliveries:
                    if got_path == path and accept(json.loads(body)):
                        return headers, body
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.arrived.wait(left)

    def close(self):
        self.server.shutdown()


def verify_delivery(node_key_id: str, headers: dict, body: bytes, secret=None) -> bool:
    """The signature header over `<delivery id>.<timestamp>.<body>`, by the node key or an HMAC."""
    lower = {k.lower(): v for k, v in headers.items()}
    text = f"{lower['devicechain-delivery']}.{lower['devicechain-timestamp']}.".encode() + body
    scheme, _, value = lower["devicechain-signature"].partition("=")
    if scheme == "ed25519":
        try:
            Ed25519PublicKey.from_public_bytes(from_b64url(node_key_id)).verify(
                from_b64url(value), text
            )
            return True
        except (InvalidSignature, ValueError):
            return False
    if scheme == "hmac-sha256" and secret is not None:
        expected = hmac.new(secret.encode("utf-8"), text, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, value)
    return False


def example() -> dict:
    """docs/PROTOCOL.md, "Worked example": the demo owner bob reports his phone stolen."""
    key = Key(hashlib.sha256(b"devicechain-dev:bob").digest())
    params = {"device": "356938035643809", "kind": "stolen"}
    tx = sign_tx(key, "devicechain-dev", 1, "report.file", params)
    return {
        "seed": b64url(key.seed),
        "keyId": key.key_id,
        "canonicalBody": canonical(tx["body"]).decode("utf-8"),
        "signingBytes": signing_bytes(tx["body"]).hex(),
        "sig": tx["sig"],
        "envelope": canonical(tx).decode("utf-8"),
        "hash": tx_hash(tx),
    }


def report(args) -> dict:
    node = Node(args.node)
    key = Key.load(args.key)
    chain = node.chain_id()
    out = {"keyId": key.key_id, "fingerprint": key.fingerprint}
    receiver = None
    # One webhook per signing scheme, each to its own path of one receiver.
    schemes = {"ed25519": {}, "hmac-sha256": {"secret": HMAC_SECRET}}
    if args.webhook:
        receiver = Receiver()
        out["subscribe"] = {}
        for scheme, extra in schemes.items():
            fields = {
                "url": f"{receiver.url}/{scheme}",
                "devices": [args.device],
                "events": [f"reported_{args.kind}"],
                "signing": scheme,
                **extra,
            }
            status, body = node.call("POST", "/v1/webhooks", signed_request(key, chain, fields))
            out["subscribe"][scheme] = {"status": status, "body": body}

    params = {"device": args.device, "kind": args.kind}
    if args.reference:
        params["reference"] = args.reference
    nonce = node.next_nonce(key.key_id)
    tx = sign_tx(key, chain, nonce, "report.file", params)
    if args.tamper:
        tx = tampered(tx)
    status, body = node.call("POST", "/v1/txs", tx)
    out["submit"] = {"nonce": nonce, "hash": tx_hash(tx), "status": status, "body": body}

    if receiver is not None:
        node_key_id = node.get("/v1/webhooks/signing-key")["keyId"]
        out["delivery"] = {}
        for scheme, extra in schemes.items():
            got = receiver.wait_for(
                f"/{scheme}", lambda e: e.get("tx") == out["submit"]["hash"], args.timeout
            )
            if got is None:
                out["delivery"][scheme] = None
                continue
            headers, raw = got
            secret = extra.get("secret")
            out["delivery"][scheme] = {
                "signature": headers.get("devicechain-signature", "").partition("=")[0],
                "verified": verify_delivery(node_key_id, headers, raw, secret),
                "verifiedTampered": verify_delivery(node_key_id, headers, raw + b" ", secret),
                "event": json.loads(raw),
            }
        listing = signed_request(key, chain, {"op": "list"})
        status, body = node.call("POST", "/v1/webhooks/list", listing)
        out["list"] = {"status": status, "body": body}
        out["unsubscribe"] = {}
        for scheme in schemes:
            webhook_id = (out["subscribe"][scheme]["body"] or {}).get("id")
            status, _ = node.call(
                "DELETE",
                f"/v1/webhooks/{webhook_id}",
                signed_request(key, chain, {"op": "unsubscribe", "id": webhook_id}),
            )
            out["unsubscribe"][scheme] = status
        receiver.close()

    out["device"] = node.device(args.device)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("example", help="the worked example of docs/PROTOCOL.md")
    r = commands.add_parser("report", help="sign and submit report.file, then read the device")
    r.add_argument("--node", required=True)
    r.add_argument("--key", required=True, help="a devicechain key file")
    r.add_argument("--device", required=True)
    r.add_argument("--kind", choices=["lost", "stolen"], default="stolen")
    r.add_argument("--reference")
    r.add_argument("--tamper", action="store_true", help="flip one bit of the signature")
    r.add_argument("--webhook", action="store_true", help="receive and verify the delivery")
    r.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a delivery")
    args = parser.parse_args()
    result = example() if args.command == "example" else report(args)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

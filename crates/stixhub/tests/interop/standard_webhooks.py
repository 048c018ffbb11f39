"""The official Standard Webhooks library (PyPI `standardwebhooks`) as the oracle of stixhub's webhook signatures.

Reads one JSON document on stdin:
  {"verify": [{"id", "timestamp", "signature", "body", "secret"}, ...],
   "sign":   [{"id", "timestamp", "body", "secret"}, ...]}
and prints {"verify": [true|false, ...], "sign": ["v1,...", ...]}: whether the library accepts each received
delivery with that secret (its own timestamp tolerance, against the real clock), and the signature the library
makes for each message (the Rust side checks those with its own verifier).
"""

import json
import sys
from datetime import datetime, timezone

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def accepts(case):
    headers = {
        "webhook-id": case["id"],
        "webhook-timestamp": case["timestamp"],
        "webhook-signature": case["signature"],
    }
    try:
        Webhook(case["secret"]).verify(case["body"].encode(), headers)
        return True
    except WebhookVerificationError:
        return False


def signature(case):
    at = datetime.fromtimestamp(int(case["timestamp"]), tz=timezone.utc)
    return Webhook(case["secret"]).sign(case["id"], at, case["body"].encode())


request = json.load(sys.stdin)
print(json.dumps({
    "verify": [accepts(case) for case in request.get("verify", [])],
    "sign": [signature(case) for case in request.get("sign", [])],
}))

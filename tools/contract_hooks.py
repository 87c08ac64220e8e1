"""How schemathesis generates the formats openapi.yaml names but JSON Schema cannot state.

Each strategy produces values that meet the rule the format's description gives, so that
generated requests reach the write path instead of stopping at validation. Values come from the
running API itself where it knows them: the example mobile of every numbering plan
(`GET /countries`), and two customer groups of the test tenant created at start. Loaded by
tools/contract-test (`hooks` in tools/schemathesis.toml); CONTRACT_BASE_URL and CONTRACT_TOKEN
say where the API is and who calls it.
"""
import base64
import datetime
import itertools
import json
import os
import struct
import urllib.request
import uuid
import zlib

import schemathesis
from hypothesis import strategies as st


def _call(method, path, body=None):
    request = urllib.request.Request(
        os.environ["CONTRACT_BASE_URL"] + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": "Bearer " + os.environ["CONTRACT_TOKEN"],
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _png(width, height):
    """A grey PNG with correct checksums."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


_MOBILES = [c["example_mobile"] for c in _call("GET", "/countries")["data"] if c["example_mobile"]]
_GROUPS = [
    _call("POST", "/customer-groups", {"name": f"contract {uuid.uuid4()}"})["data"]["id"]
    for _ in range(2)
]
_TODAY = datetime.date.today()
# A document image: small ones are accepted for review, which is still a write.
_IMAGES = [base64.b64encode(_png(8, 6)).decode(), "data:image/png;base64," + base64.b64encode(_png(4, 4)).decode()]

# A numbering plan's example with its last two digits varied: still a number of that plan.
_numbers = st.builds(
    lambda example, digits: example[:-2] + digits,
    st.sampled_from(_MOBILES),
    st.text("0123456789", min_size=2, max_size=2),
)
schemathesis.openapi.format("mobile", _numbers)
schemathesis.openapi.format("phone", _numbers)
schemathesis.openapi.format(
    "birth-date",
    st.dates(_TODAY - datetime.timedelta(days=130 * 365), _TODAY).map(datetime.date.isoformat),
)
schemathesis.openapi.format(
    "expiry-date",
    st.dates(_TODAY + datetime.timedelta(days=1), _TODAY + datetime.timedelta(days=3650)).map(
        datetime.date.isoformat
    ),
)
schemathesis.openapi.format("document-image", st.sampled_from(_IMAGES))
schemathesis.openapi.format("customer-group-id", st.sampled_from(_GROUPS))
# A fresh key for every request, as a client makes one. Hypothesis would repeat a generated key
# (it favours simple values), and a repeated key is rightly a replay of a response that may be
# stale by then (a created customer since erased), or a 422 for another body: neither is the
# request the schema describes. Replays are tested in tests/tests/api/idempotency.rs.
_RUN = uuid.uuid4()
_sequence = itertools.count()
schemathesis.openapi.format("idempotency-key", st.builds(lambda: f"{_RUN}-{next(_sequence)}"))

# `GET /customers` takes one lookup per request (`email`, `mobile` with or without
# `mobile_country`, `external_id`, `card_number`), and no `cursor` with it: openapi.yaml says so
# in words, because the rule written as a `oneOf` of query objects is a form some generators
# cannot send (openapi-python-client; docs/clients.md). Requests are generated as the rule
# allows, as they were from the `oneOf`: the first lookup kept, the others left out, and
# `mobile_country` only with national digits.
_LOOKUPS = ("email", "mobile", "external_id", "card_number")


@schemathesis.hook
def map_case(context, case):
    return _one_lookup(case)


# The examples phase runs no `map_case`: it joins every parameter's first example (`email` and
# `mobile` both) into one request, which the API rightly refuses.
@schemathesis.hook
def before_add_examples(context, examples):
    for case in examples:
        _one_lookup(case)


def _one_lookup(case):
    if case.operation.method.upper() != "GET" or case.operation.path != "/customers" or not case.query:
        return case
    query = dict(case.query)
    present = [name for name in _LOOKUPS if name in query]
    for name in present[1:]:
        del query[name]
    if present:
        query.pop("cursor", None)
    # `mobile_country` reads national digits only: an E.164 number carries its own country.
    if "mobile" not in query or str(query["mobile"]).startswith("+"):
        query.pop("mobile_country", None)
    case.query = query
    return case

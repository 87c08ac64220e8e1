"""The README's quick start through the client openapi-python-client generates from openapi.yaml
(`make clients` generates it into target/clients/python and runs this against `make dev`):
create, get, patch with If-Match, list, lookup, a keyed retry, delete. Every call goes through
the generated operation functions and models; a step that does not answer as documented fails.

Usage: quick_start.py BASE_URL TOKEN, with the generated package on PYTHONPATH."""
import sys
import uuid

from customers_api_client import AuthenticatedClient
from customers_api_client.api.default import (
    create_customer,
    delete_customer,
    get_customer,
    list_customers,
    update_customer,
)
from customers_api_client.models import CountryCode, CustomerInput, CustomerPatch, CustomerWrite, Metadata


class Failed(Exception):
    pass


def expect(step, response, status):
    if response.status_code != status:
        raise Failed(f"{step}: HTTP {response.status_code}, expected {status}: {response.content[:300]!r}")
    return response.parsed


def main(base_url, token):
    client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)
    email = f"ada.{uuid.uuid4()}@example.com"

    created = expect("create", create_customer.sync_detailed(
        client=client,
        body=CustomerInput(first_name="Ada", last_name="Lovelace", email=email, country=CountryCode.GB),
    ), 201)
    assert isinstance(created, CustomerWrite)
    customer = created.data
    if customer.email != email or customer.version != 1:
        raise Failed(f"create: {customer.to_dict()}")

    read = get_customer.sync_detailed(customer.id, client=client)
    expect("get", read, 200)
    if read.parsed.data.id != customer.id:
        raise Failed("get: another customer")
    etag = read.headers["ETag"]

    metadata = Metadata()
    metadata["tier"] = "gold"
    patched = expect("patch with If-Match", update_customer.sync_detailed(
        customer.id, client=client, if_match=etag, body=CustomerPatch(last_name="King", metadata=metadata),
    ), 200).data
    if patched.last_name != "King" or patched.version != 2:
        raise Failed(f"patch: {patched.to_dict()}")
    stale = update_customer.sync_detailed(
        customer.id, client=client, if_match=etag, body=CustomerPatch(last_name="Byron"))
    expect("patch with a stale If-Match", stale, 412)

    page = expect("list", list_customers.sync_detailed(client=client, limit=100), 200)
    if customer.id not in {c.id for c in page.data} and page.next_cursor is None:
        raise Failed("list: the new customer is on no page")

    found = expect("lookup by email", list_customers.sync_detailed(client=client, email=email), 200)
    if [c.id for c in found.data] != [customer.id]:
        raise Failed(f"lookup: {[c.id for c in found.data]}")

    key = str(uuid.uuid4())
    keyed = CustomerInput(first_name="Grace", email=f"grace.{key}@example.com")
    first = create_customer.sync_detailed(client=client, body=keyed, idempotency_key=key)
    retried = create_customer.sync_detailed(client=client, body=keyed, idempotency_key=key)
    expect("keyed create", first, 201)
    expect("keyed create retried", retried, 201)
    if retried.parsed.data.id != first.parsed.data.id or retried.headers.get("Idempotent-Replayed") != "true":
        raise Failed("keyed retry: a second customer, or not marked as a replay")

    for erased in (customer.id, first.parsed.data.id):
        expect("delete", delete_customer.sync_detailed(erased, client=client), 204)
    expect("get after delete", get_customer.sync_detailed(customer.id, client=client), 404)
    return (f"created {customer.id}, patched to version {patched.version}, found by email, "
            f"keyed retry replayed, both erased")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    try:
        print(f"Python client quick start: {main(sys.argv[1], sys.argv[2])}")
    except Failed as error:
        raise SystemExit(f"Python client quick start: {error}")

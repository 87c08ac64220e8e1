"""The README's quick start, and every other operation of openapi.yaml, through the client
openapi-python-client generates from it (`make clients` generates it into target/clients/python
and runs this against a fresh `make dev`): the README's create as written (national mobile,
country by name), get, patch with If-Match (into a group), list, lookup, a keyed retry, the
countries, the groups, the customer's change events, delete. Every call goes through the
generated operation functions and models; a step that does not answer as documented fails.

Usage: quick_start.py BASE_URL TOKEN, with the generated package on PYTHONPATH, against a stack
where the README's email and mobile are free (a fresh `make dev`; groups cannot be erased, so
each run makes one of its own)."""
import sys
import time
import uuid
from pathlib import Path

from customers_api_client import AuthenticatedClient
from customers_api_client.api.default import (
    create_customer,
    create_customer_group,
    delete_customer,
    get_customer,
    list_countries,
    list_customer_groups,
    list_customers,
    list_events,
    update_customer,
)
from customers_api_client.models import (
    CustomerGroupInput,
    CustomerInput,
    CustomerPatch,
    CustomerWrite,
    Metadata,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))
import readme_quick_start  # noqa: E402  (the README's own quick start, taken from it)


class Failed(Exception):
    pass


def expect(step, response, status):
    if response.status_code != status:
        raise Failed(f"{step}: HTTP {response.status_code}, expected {status}: {response.content[:300]!r}")
    return response.parsed


def customers(client):
    # The README's body, member for member (a national mobile read with its country, the
    # country by its English name), through the generated model.
    readme = CustomerInput.from_dict(readme_quick_start.create_body())
    created = expect("create (the README's body)", create_customer.sync_detailed(client=client, body=readme), 201)
    assert isinstance(created, CustomerWrite)
    customer = created.data
    # Stored in canonical form: the local part in lower case, the mobile in E.164, alpha-2.
    if (customer.email, customer.mobile, customer.country, customer.version) != (
            "ann@example.com", "+966512345678", "CL", 1):
        raise Failed(f"create: {customer.to_dict()}")

    read = get_customer.sync_detailed(customer.id, client=client)
    expect("get", read, 200)
    if read.parsed.data.id != customer.id:
        raise Failed("get: another customer")
    etag = read.headers["ETag"]

    group = expect("create a group", create_customer_group.sync_detailed(
        client=client, body=CustomerGroupInput(name=f"VIP {uuid.uuid4()}", description="Quick start")), 201).data
    groups = expect("list groups", list_customer_groups.sync_detailed(client=client, limit=100), 200)
    if group.id not in {g.id for g in groups.data}:
        raise Failed("list groups: the new group is not listed")

    metadata = Metadata()
    metadata["tier"] = "gold"
    patched = expect("patch with If-Match", update_customer.sync_detailed(
        customer.id, client=client, if_match=etag,
        body=CustomerPatch(last_name="King", metadata=metadata, groups=[str(group.id)]),
    ), 200).data
    if patched.last_name != "King" or patched.version != 2 or patched.groups != [group.id]:
        raise Failed(f"patch: {patched.to_dict()}")
    stale = update_customer.sync_detailed(
        customer.id, client=client, if_match=etag, body=CustomerPatch(last_name="Byron"))
    expect("patch with a stale If-Match", stale, 412)

    page = expect("list", list_customers.sync_detailed(client=client, limit=100), 200)
    if customer.id not in {c.id for c in page.data} and page.next_cursor is None:
        raise Failed("list: the new customer is on no page")

    found = expect("lookup by email", list_customers.sync_detailed(client=client, email="ANN@example.com"), 200)
    if [c.id for c in found.data] != [customer.id]:
        raise Failed(f"lookup: {[c.id for c in found.data]}")
    return customer, patched


def keyed_retry(client):
    key = str(uuid.uuid4())
    keyed = CustomerInput(first_name="Bo", email="bo@example.com")
    first = create_customer.sync_detailed(client=client, body=keyed, idempotency_key=key)
    retried = create_customer.sync_detailed(client=client, body=keyed, idempotency_key=key)
    expect("keyed create", first, 201)
    expect("keyed create retried", retried, 201)
    if retried.parsed.data.id != first.parsed.data.id or retried.headers.get("Idempotent-Replayed") != "true":
        raise Failed("keyed retry: a second customer, or not marked as a replay")
    return first.parsed.data.id


def countries(client):
    chile = expect("countries", list_countries.sync_detailed(client=client, search="chi"), 200)
    found = [(c.code, c.alpha3, c.dial_code) for c in chile.data if c.name == "Chile"]
    if found != [("CL", "CHL", "+56")]:
        raise Failed(f"countries: Chile is {found}")


def change_events(client, customer):
    """The publisher reads the table's stream, so a change shows within a few seconds."""
    deadline = time.monotonic() + 20
    while True:
        events = expect("events", list_events.sync_detailed(client=client, subject=customer.id), 200)
        seen = [(e.type_.value, e.data.version) for e in events.data]
        if seen == [("customer.updated", 2), ("customer.created", 1)]:
            break
        if time.monotonic() > deadline:
            raise Failed(f"events: {seen}, expected the update (2) then the creation (1)")
        time.sleep(0.5)
    # Thin by design: which members changed, never their values.
    if events.data[0].data.changed != ["groups", "last_name", "metadata"]:
        raise Failed(f"events: changed {events.data[0].data.changed}")
    if "ann@example.com" in str([e.to_dict() for e in events.data]):
        raise Failed("events: an email in an event")


def main(base_url, token):
    client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)
    customer, patched = customers(client)
    replayed = keyed_retry(client)
    countries(client)
    change_events(client, customer)
    for erased in (customer.id, replayed):
        expect("delete", delete_customer.sync_detailed(erased, client=client), 204)
    expect("get after delete", get_customer.sync_detailed(customer.id, client=client), 404)
    return (f"created {customer.id} from the README's body, patched into a group (version "
            f"{patched.version}), found by email, keyed retry replayed, Chile listed, its change "
            f"events listed, both erased: all 9 operations")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    try:
        print(f"Python client quick start: {main(sys.argv[1], sys.argv[2])}")
    except Failed as error:
        raise SystemExit(f"Python client quick start: {error}")

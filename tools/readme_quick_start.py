"""The README's quick-start curl commands, taken from the README (never copied), run against a
running API: `tools/readme-smoke` runs them against `make dev`, `tools/sam-local` against
`sam local start-api`."""
import json
import re
import subprocess
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


class Failed(Exception):
    pass


def commands():
    quick_start = README.read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    found = []
    for block in re.findall(r"```sh\n(.*?)```", quick_start, re.S):
        text = block.replace("\\\n", " ")
        found += [line.strip() for line in text.splitlines() if line.strip().startswith(("curl", "export TOKEN", "KEY="))]
    if len(found) != 5:
        raise Failed(f"expected the README's token export, two curl commands, a key and a keyed create, found: {found}")
    return found


def create_body():
    """The body of the README's first create, as the README writes it."""
    create = commands()[1]
    body = re.search(r"-d '(\{.*?\})'", create)
    if not body:
        raise Failed(f"the README's create has no -d '{{...}}' body: {create}")
    return json.loads(body.group(1))


def run(port, env):
    """Runs them with the API on 127.0.0.1:`port` instead of 3000; `env` is the environment
    `make token` reads. Returns what was seen; raises Failed."""
    env = dict(env)

    def shell(command):
        command = command.replace("127.0.0.1:3000", f"127.0.0.1:{port}").replace("curl -i", "curl -sS -i")
        return subprocess.run(["bash", "-c", command], cwd=README.parent, env=env, capture_output=True, text=True,
                              check=True).stdout

    token_command, create, read, key_command, keyed_create = commands()
    env["TOKEN"] = shell(token_command.replace("export TOKEN=", "echo ")).strip()
    created = shell(create)
    location = re.search(r"(?im)^location: (\S+)", created)
    if " 201" not in created.split("\n", 1)[0] or not location:
        raise Failed(f"the README's create did not answer 201 with a Location:\n{created}")
    customer_id = location.group(1).rsplit("/", 1)[1]
    fetched = shell(read.replace("<id>", customer_id))
    if " 200" not in fetched.split("\n", 1)[0]:
        raise Failed(f"the README's read did not answer 200:\n{fetched}")
    if json.loads(created.split("\n\n", 1)[1])["data"] != json.loads(fetched.split("\n\n", 1)[1])["data"]:
        raise Failed("the customer read back differs from the one created")
    env["KEY"] = shell(f"{key_command}; echo \"$KEY\"").strip()
    first, second = (shell(keyed_create) for _ in range(2))

    def parts(response):
        head, body = response.split("\n\n", 1)
        replayed = re.search(r"(?im)^idempotent-replayed: true", head) is not None
        return head.split("\n", 1)[0], json.loads(body), replayed

    (status_1, body_1, replayed_1), (status_2, body_2, replayed_2) = parts(first), parts(second)
    if " 201" not in status_1 or replayed_1 or " 201" not in status_2 or not replayed_2 or body_1 != body_2:
        raise Failed(f"the README's keyed create, run twice, did not answer one 201 twice:\n{first}\n{second}")
    return f"create 201 ({customer_id}), read 200, same customer; keyed create replayed"

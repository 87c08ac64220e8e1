"""`make dev` on a free port, for the checks that run against it as a user would (the README's
quick start with curl, and with the generated clients). Its output goes to target/<name>.log."""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time


def token(env):
    """A development token of `make token` for the stack `running` started with `env`."""
    return subprocess.run(["make", "--no-print-directory", "-s", "token"], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(name):
    """Yields (port, env) once `make dev` accepts connections; stops it (Ctrl-C, as a user
    does) on the way out. Exits when it does not start within 5 minutes."""
    port = str(free_port())
    env = dict(os.environ, GATEWAY_PORT=port)
    log_path = f"target/{name}.log"
    with open(log_path, "w") as log:
        dev = subprocess.Popen(["make", "dev"], env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.time() + 300
        while True:
            try:
                socket.create_connection(("127.0.0.1", int(port)), timeout=0.2).close()
                break
            except OSError:
                if dev.poll() is not None or time.time() > deadline:
                    sys.exit(f"make dev did not start; see {log_path}")
                time.sleep(0.2)
        yield port, env
    finally:
        os.killpg(dev.pid, signal.SIGINT)
        try:
            dev.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)

"""Runs three candidates of a real scikit-learn model through real Canary:
a coordinator, one agent per replica, model servers (server.py) recording
into shared memory, and a load generator (loadgen.py) that routes by the
route page and sends each request's true label a second later.

    python3 examples/sklearn-digits/run.py            # prints what happens
    python3 examples/sklearn-digits/run.py --check    # exit 1 unless all three outcomes are right

  v2-good        the same model retrained   -> promoted
  v3-inaccurate  trained on shuffled labels -> rolled back by the accuracy guard
  v4-slow        40 ms slower per request   -> rolled back by a latency guard

Each candidate is rolled out against v1, which serves throughout. Needs the
`canary` binary (`swift build --product canary`; found with
`swift build --show-bin-path`, or set CANARY), the Python client
(`pip install ./clients/python`) and scikit-learn.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
MODEL = "digits"
CANDIDATES = [
    ("v2-good", "good", "promoted"),
    ("v3-inaccurate", "inaccurate", "rolled_back"),
    ("v4-slow", "slow", "rolled_back"),
]

PLAN = """\
model: {model}
baseline: v1
canary: {canary}
steps: [10%, 50%, 100%]
bake:
  min_duration: 8s
  min_samples_per_arm: 300
analysis_window: 15s
alpha: 0.01
on_breach: rollback
progress_deadline: 3m
# 10 % advances once baked; 50 % and the promotion need positive evidence.
confirm_from: 50%
# One replica per version: a 5 % holdback at the last step would compare a
# canary carrying all the load with an idle baseline (the trap a control arm
# avoids), so the last step is judged on the strata of the earlier steps and
# by absolute limits.
holdback: 0
guards:
  - metric: error_rate
    max: 5%
    tolerance: 50%
    # A baseline with no errors allows no excess without it: nothing could
    # ever show the canary within tolerance. 1 point: at this traffic a
    # smaller slack takes longer to show than the example runs.
    margin: 1%
  - metric: latency_p50
    tolerance: 50%
    margin: 2ms
  - metric: latency_p99
    tolerance: 30%
    margin: 5ms
  - metric: accuracy
    tolerance: 5%
"""


def canary_binary() -> str:
    if os.environ.get("CANARY"):
        return os.environ["CANARY"]
    bin_path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    path = os.path.join(bin_path, "canary")
    if not os.access(path, os.X_OK):
        sys.exit(f"run.py: {path} missing: run `swift build --product canary` first (or set CANARY)")
    return path


class World:
    """The processes of one run, stopped (and their segments unlinked) at exit."""

    def __init__(self, work: str):
        self.work = work
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.rings: list[str] = []

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(os.path.join(self.work, name + ".log"), "w")
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append((name, process))
        return process

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log(self, name: str) -> str:
        try:
            with open(os.path.join(self.work, name + ".log")) as f:
                return f.read()
        except OSError:
            return ""

    def close(self) -> None:
        for _, process in reversed(self.processes):
            self.stop(process)
        import canary_shm
        for ring in self.rings + [f"/canary.{MODEL}.route"]:
            try:
                canary_shm.unlink(ring)
            except OSError:
                pass


def free_ports(count: int) -> list[int]:
    """Ports the OS picks for loopback (free when this returns)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_for_file(path: str, process: subprocess.Popen, what: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f)
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before it was ready")
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {timeout:.0f} s")


def http(method: str, url: str, body: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body.encode() if body else None, method=method,
                                     headers={"Content-Type": "application/yaml"} if body else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def start_replica(world: World, canary: str, coordinator: dict, version: str, variant: str, role: str) -> str:
    ring = f"/canary.{MODEL}.{version}.0"
    world.rings.append(ring)
    agent_yaml = os.path.join(world.work, f"agent-{version}.yaml")
    with open(agent_yaml, "w") as f:
        # No route_page: the model's page on this host, /canary.digits.route.
        f.write(f"""agent_id: example/{version}/0
model: {MODEL}
version: {version}
role: {role}
ring: {{name: "{ring}", capacity: 65536}}
window: 500ms
coordinator: {{router: "{coordinator['router']}", publisher: "{coordinator['publisher']}"}}
labels: {{horizon: 1m, max_pending: 200000}}
log_level: notice
""")
    world.spawn(f"agent-{version}", [canary, "agent", "--config", agent_yaml])
    ready = os.path.join(world.work, f"server-{version}.ready")
    server = world.spawn(f"server-{version}", [sys.executable, os.path.join(HERE, "server.py"), "--version", version,
                                               "--variant", variant, "--ring", ring, "--ready-file", ready])
    return wait_for_file(ready, server, f"server {version}")["url"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 unless every candidate ends as expected")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, journal)")
    args = parser.parse_args()

    canary = canary_binary()
    def interrupted(*_):
        raise KeyboardInterrupt("SIGTERM")

    # SIGTERM (a CI timeout) stops what was started, like Ctrl-C.
    signal.signal(signal.SIGTERM, interrupted)
    work = tempfile.mkdtemp(prefix="canary-digits-")
    world = World(work)
    outcomes = []
    try:
        router_port, publisher_port = free_ports(2)
        with open(os.path.join(work, "coordinator.yaml"), "w") as f:
            f.write(f"""router: tcp://127.0.0.1:{router_port}
publisher: tcp://127.0.0.1:{publisher_port}
http: {{host: 127.0.0.1, port: 0}}
journal: {work}/journal.sqlite
stale_after: 3s
""")
        ready = os.path.join(work, "coordinator.ready")
        coordinator_process = world.spawn("coordinator", [canary, "coordinator", "--config", os.path.join(work, "coordinator.yaml"),
                                                          "--ready-file", ready])
        coordinator = wait_for_file(ready, coordinator_process, "the coordinator")
        api = coordinator["httpURL"]
        replicas = {"v1": start_replica(world, canary, coordinator, "v1", "good", "baseline")}
        for version, variant, expected in CANDIDATES:
            replicas[version] = start_replica(world, canary, coordinator, version, variant, "canary")
            loadgen = world.spawn(f"loadgen-{version}", [sys.executable, os.path.join(HERE, "loadgen.py"),
                                                         "--replicas", json.dumps(replicas), "--rate", str(args.rate)])
            started = time.monotonic()
            plan = PLAN.format(model=MODEL, canary=version)
            # Agents come up in a second or two: wait for them (the coordinator refuses a rollout to nowhere).
            deadline = time.monotonic() + 60
            while True:
                status, view = http("POST", api + "/api/v1/rollouts", plan)
                if status == 201 or time.monotonic() > deadline or view.get("error", {}).get("code") != "no_live_agents":
                    break
                time.sleep(0.5)
            if status != 201:
                raise RuntimeError(f"rollout of {version} refused ({status}): {view}")
            rollout = view["id"]
            print(f"{version} ({variant}): rollout {rollout} started", flush=True)
            phase, last = view.get("phase"), None
            while phase not in ("promoted", "rolled_back", "aborted") and time.monotonic() - started < 240:
                time.sleep(1)
                _, view = http("GET", f"{api}/api/v1/rollouts/{rollout}")
                phase = view.get("phase")
                step = (phase, view.get("step"), view.get("canaryWeightPPM"))
                if step != last:
                    print(f"  {version}: {phase}, step {view.get('step')}, canary {view.get('canaryWeightPPM', 0) / 10_000:g} %", flush=True)
                    last = step
            _, events = http("GET", f"{api}/api/v1/rollouts/{rollout}/events")
            # The decision that ended it, with its evidence.
            reason = next((e.get("reason") for e in reversed(events if isinstance(events, list) else [])
                           if isinstance(e, dict) and e.get("reason")), "")
            took = time.monotonic() - started
            outcomes.append((version, expected, phase, took, reason))
            print(f"{version} ({variant}): {phase} after {took:.0f} s (expected {expected}){': ' + str(reason) if reason else ''}", flush=True)
            world.stop(loadgen)
            lines = world.log(f"loadgen-{version}").strip().splitlines()
            if lines:
                print("  " + lines[-1], flush=True)
    except (Exception, KeyboardInterrupt) as error:
        print(f"run.py: {error!r}", file=sys.stderr)
        for name, _ in world.processes:
            print(f"--- {name}.log (last lines)\n" + "\n".join(world.log(name).splitlines()[-15:]), file=sys.stderr)
        world.close()
        return 1
    finally:
        world.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"logs and journal kept in {work}")
    wrong = [o for o in outcomes if o[1] != o[2]]
    print("summary: " + "; ".join(f"{v} {p} (expected {e}, {t:.0f} s)" for v, e, p, t, _ in outcomes))
    if args.check and (wrong or len(outcomes) != len(CANDIDATES)):
        print(f"run.py --check: {len(wrong)} outcome(s) wrong", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

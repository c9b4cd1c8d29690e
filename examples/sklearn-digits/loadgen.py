"""Sends digit images to the replicas the way a router in front of them
would: each request goes to the version the route page picks for its user
id, and its true label follows a little later, as ground truth does.

    python3 loadgen.py --replicas '{"v1": "http://127.0.0.1:8001", "v2-good": "http://..."}'

The route page is the model's page on this host, /canary.digits.route
(README "Routing in your server"); before any rollout it names the serving
version, and `--current` is used while no agent has written it yet.
Prints one line of counts per version every few seconds; SIGTERM stops it.
"""
import argparse
import http.client
import json
import queue
import random
import signal
import sys
import threading
import time
from urllib.parse import urlparse

import canary_shm
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


class Connections:
    """One kept-alive HTTP connection per replica URL and thread."""

    def __init__(self):
        self.local = threading.local()

    def post(self, url: str, path: str, body: dict) -> dict:
        pool = self.local.__dict__.setdefault("pool", {})
        for attempt in range(2):
            connection = pool.get(url)
            if connection is None:
                parsed = urlparse(url)
                connection = pool[url] = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=5)
            try:
                data = json.dumps(body).encode()
                connection.request("POST", path, data, {"Content-Type": "application/json"})
                response = connection.getresponse()
                payload = response.read()
                if response.status != 200:
                    raise RuntimeError(f"{url}{path}: HTTP {response.status} {payload[:200]!r}")
                return json.loads(payload)
            except (ConnectionError, http.client.HTTPException, OSError):
                connection.close()
                pool.pop(url, None)
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", required=True, help="JSON object: version -> replica URL")
    parser.add_argument("--model", default="digits")
    parser.add_argument("--current", default="v1", help="the version to use while the page holds no table")
    parser.add_argument("--rate", type=float, default=200, help="requests per second")
    parser.add_argument("--users", type=int, default=20000, help="distinct user ids (routing is sticky per user)")
    parser.add_argument("--label-delay", type=float, default=1.0, help="seconds until a request's true label is sent")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    replicas = json.loads(args.replicas)
    digits = load_digits()
    _, x_test, _, y_test = train_test_split(digits.data, digits.target, test_size=0.3, random_state=7)
    page = canary_shm.RoutePage(f"/canary.{args.model}.route", args.model, create=True)
    page_lock = threading.Lock()
    connections = Connections()
    work: "queue.Queue[tuple[str, str, str, int] | None]" = queue.Queue(maxsize=10000)
    labels: "queue.PriorityQueue[tuple[float, str, str, int]]" = queue.PriorityQueue()   # (due, request id, version, label)
    counts: dict[str, int] = {}
    failures: dict[str, int] = {}
    counts_lock = threading.Lock()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def count(table: dict, key: str) -> None:
        with counts_lock:
            table[key] = table.get(key, 0) + 1

    def worker():
        while not stop.is_set():
            item = work.get()
            if item is None:
                return
            request_id, user, version, index = item
            url = replicas.get(version)
            try:
                if url is None:
                    raise RuntimeError(f"the route page sent {user} to {version}, which no replica serves")
                connections.post(url, "/predict", {"id": request_id, "pixels": x_test[index].tolist()})
                due = time.monotonic() + args.label_delay * random.uniform(0.5, 1.5)
                labels.put((due, request_id, version, int(y_test[index])))
                count(counts, version)
            except Exception as error:
                count(failures, str(error)[:120])

    def labeler():
        """Every 100 ms, the labels that are due, one batch per version (a label
        feed sends batches), to a replica of the version that served them."""
        while not stop.wait(0.1):
            now, batches = time.monotonic(), {}
            while True:
                try:
                    due, request_id, version, label = labels.get_nowait()
                except queue.Empty:
                    break
                if due > now:
                    labels.put((due, request_id, version, label))
                    break
                batches.setdefault(version, []).append([request_id, label])
            for version, batch in batches.items():
                try:
                    connections.post(replicas[version], "/labels", {"labels": batch})
                    with counts_lock:
                        labeled[version] = labeled.get(version, 0) + len(batch)
                except Exception as error:
                    count(failures, "labels: " + str(error)[:110])

    labeled: dict[str, int] = {}
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.threads)]
    threads.append(threading.Thread(target=labeler, daemon=True))
    for thread in threads:
        thread.start()

    rng = random.Random(args.seed)
    interval = 1.0 / args.rate
    next_at = time.monotonic()
    last_report = time.monotonic()
    sequence = 0
    while not stop.is_set():
        user = f"user-{rng.randrange(args.users)}"
        sequence += 1
        with page_lock:
            version = page.route(user) or args.current   # sticky per user
        try:
            work.put((f"r-{args.seed}-{sequence}", user, version, rng.randrange(len(x_test))), timeout=1)
        except queue.Full:
            count(failures, "dropped: the replicas fall behind")
        next_at += interval
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_at = time.monotonic()
        if time.monotonic() - last_report > 5:
            last_report = time.monotonic()
            with counts_lock:
                print("loadgen:", json.dumps({"served": counts, "labeled": labeled, "failures": failures}), flush=True)
    for _ in threads:
        try:
            work.put_nowait(None)
        except queue.Full:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())

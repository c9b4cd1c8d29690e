"""A real model replica: scikit-learn on its bundled digits data, served over
HTTP, one Canary sample per inference, late labels joined by the agent.

    python3 server.py --version v2-good --variant good --ring /canary.digits.v2-good.0

POST /predict {"id": "r-1042", "pixels": [64 numbers]}     -> {"class": 7, "version": "v2-good"}
POST /labels  {"labels": [["r-1042", 7], ...]}            -> {"recorded": n} (ground truth, later)
GET  /healthz                                             -> {"version": ..., "variant": ...}

`id` is the request's id: the sample's key, which its label will carry.
(Routing is by user id, upstream; a user sends many requests, and a label
must find the one prediction it is the truth for.)

Variants (the candidates run.py tries):
  good        logistic regression on the training split (~96 % accurate)
  inaccurate  the same model trained with 85 % of its labels shuffled (~50 %)
  slow        the good model, 40 ms slower per request (a heavier pipeline)

The recorder never blocks the request: it writes a 64-byte record into the
shared-memory ring the agent drains (clients/python). The label arrives
later and carries only the key: the agent joins it to the prediction this
replica made for that key (agent config `labels:`).
"""
import argparse
import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import canary_shm
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

MODEL = "digits"


def train(variant: str, seed: int = 7) -> LogisticRegression:
    digits = load_digits()
    x_train, _, y_train, _ = train_test_split(digits.data, digits.target, test_size=0.3, random_state=seed)
    y = y_train.copy()
    if variant == "inaccurate":
        rng = np.random.default_rng(seed)
        wrong = rng.random(len(y)) < 0.85
        y[wrong] = rng.integers(0, 10, wrong.sum())
    model = LogisticRegression(max_iter=3000)
    model.fit(x_train / 16.0, y)
    return model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", required=True)
    parser.add_argument("--variant", choices=["good", "inaccurate", "slow"], default="good")
    parser.add_argument("--ring", required=True, help="shared-memory ring name, as in the agent's config")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: the OS picks one")
    parser.add_argument("--ready-file", help="written with {\"url\": ...} once listening")
    args = parser.parse_args()

    model = train(args.variant)
    recorder = canary_shm.Recorder(args.ring, MODEL, args.version, capacity=1 << 16, create=True)
    extra_delay = 0.040 if args.variant == "slow" else 0.0
    predict_lock = threading.Lock()  # scikit-learn estimators are not documented as thread-safe

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def reply(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def do_GET(self):
            if self.path == "/healthz":
                self.reply(200, {"version": args.version, "variant": args.variant})
            else:
                self.reply(404, {"error": "no such path"})

        def do_POST(self):
            start = time.perf_counter()
            try:
                request = self.body()
                key = str(request["id"]) if self.path == "/predict" else ""
            except (ValueError, KeyError, TypeError) as error:
                self.reply(400, {"error": f"bad request: {error}"})
                return
            if self.path == "/labels":
                recorded = 0
                try:
                    for request_id, label in request["labels"]:
                        recorder.record_outcome(str(request_id), label=int(label))
                        recorded += 1
                except (KeyError, ValueError, TypeError) as error:
                    self.reply(400, {"error": f"bad labels after {recorded}: {error}"})
                    return
                self.reply(200, {"recorded": recorded})
                return
            if self.path != "/predict":
                self.reply(404, {"error": "no such path"})
                return
            status, predicted = "ok", None
            try:
                pixels = np.asarray(request["pixels"], dtype=float).reshape(1, 64) / 16.0
                with predict_lock:
                    predicted = int(model.predict(pixels)[0])
                if extra_delay:
                    time.sleep(extra_delay * random.uniform(0.9, 1.1))
                self.reply(200, {"class": predicted, "version": args.version})
            except (KeyError, ValueError, TypeError) as error:
                status = "client_error"
                self.reply(400, {"error": f"bad pixels: {error}"})
            except Exception as error:  # the model failed: a server error, counted as such
                status = "server_error"
                self.reply(500, {"error": str(error)})
            finally:
                recorder.record(time.perf_counter() - start, status=status, prediction=predicted, key=key)

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    url = f"http://{args.host}:{server.server_address[1]}"
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as f:
            json.dump({"url": url}, f)
        import os
        os.replace(args.ready_file + ".tmp", args.ready_file)
    print(f"{args.version} ({args.variant}) serving on {url}, recording into {args.ring}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Drives the Canary dashboard in headless Chromium over the DevTools protocol.

Called by DashboardBrowserTests with the dashboard URL, the API token and
where to save the screenshot. Prints one line per step on stderr and, on
success, one JSON object on stdout with what it saw; exits non-zero with
the reason otherwise. Needs `chromium` (Debian) and `websocket-client` (pip).
"""
import argparse, base64, json, os, shutil, subprocess, sys, tempfile, time, urllib.request

import websocket  # websocket-client


def log(msg):
    print(f"cdp: {msg}", file=sys.stderr, flush=True)


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if msg.get("method") == "Runtime.exceptionThrown":
                log("page exception: " + json.dumps(msg["params"]["exceptionDetails"])[:400])

    def eval(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, what, expression, timeout=30):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = self.eval(expression)
            if last:
                log(f"ok: {what}")
                return last
            time.sleep(0.25)
        raise TimeoutError(f"timed out after {timeout} s waiting for {what} (last value {last!r})")


PANEL = "document.querySelector('[data-rollout]')"
PHASE = f"({PANEL} && {PANEL}.querySelector('.phase').dataset.phase)"
POINTS = """(name => [...document.querySelectorAll(`[data-rollout] svg[data-chart=${name}] polyline.series`)]
  .reduce((n, p) => n + Number(p.dataset.points || 0), 0))"""


def click(page, cmd):
    page.eval(f"{PANEL}.querySelector('button[data-cmd={cmd}]').click()")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--screenshot", required=True)
    ap.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    ap.add_argument("--ready-file", help="touched once pause and resume worked (the caller then breaks the canary)")
    ap.add_argument("--settle", type=float, default=0, help="seconds of healthy traffic after resume (longer charts for docs)")
    args = ap.parse_args()

    profile = tempfile.mkdtemp(prefix="canary-chromium-")
    chrome_log = open(os.path.join(profile, "chromium.log"), "w")
    proc = subprocess.Popen([
        args.chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
        f"--user-data-dir={profile}", "--remote-debugging-port=0", "--remote-allow-origins=*",
        "--window-size=1440,1000", "about:blank"], stdout=chrome_log, stderr=chrome_log)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port; see " + chrome_log.name)
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = Page(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
        page.send("Runtime.enable")
        page.send("Page.enable")
        page.send("Emulation.setDeviceMetricsOverride", width=1440, height=1000, deviceScaleFactor=1, mobile=False)
        page.send("Page.navigate", url=args.url)

        # The coordinator has a token and this fresh profile none: the page
        # shows nothing of the fleet and says what it needs.
        seen_token = page.wait("the request for the API token",
            "(m => m && !m.hidden && m.classList.contains('error') && m.textContent.includes('API token')"
            " && document.getElementById('conn').textContent === 'token needed' && m.textContent)(document.getElementById('message'))")
        seen_blank = page.eval(f"!{PANEL} && document.getElementById('conn').textContent")
        page.eval(f"document.getElementById('token').value = {json.dumps(args.token)}; document.getElementById('token-save').click()")

        page.wait("a rollout panel", f"!!{PANEL}")
        page.wait("live stream", "document.getElementById('conn').textContent === 'live'")
        page.wait("points on the latency, error, throughput, accuracy and split charts",
                  f"['latency','errors','throughput','accuracy','split'].every(n => {POINTS}(n) >= 6)", timeout=40)
        seen = {"tokenNeeded": seen_token, "blankWithoutToken": seen_blank, "points": page.eval(f"Object.fromEntries(['latency','errors','throughput','accuracy','drift','split'].map(n => [n, {POINTS}(n)]))")}
        seen["limits"] = page.eval("[...document.querySelectorAll('[data-rollout] [data-limit]')].map(n => n.dataset.limit)")
        seen["accuracyNow"] = page.wait("unmatched outcomes in the accuracy panel",
            f"(t => /unmatched [1-9]/.test(t) && t)({PANEL}.querySelector('[data-now=accuracy]').textContent)")

        # Without a token the coordinator refuses, and the page says why.
        page.eval("window.confirm = () => true; localStorage.removeItem('canaryToken'); document.getElementById('token').value = ''")
        click(page, "pause")
        seen["refused"] = page.wait("the refusal message",
            "(m => m && !m.hidden && m.classList.contains('error') && m.textContent.includes('401') && m.textContent)(document.getElementById('message'))")
        # With the token: pause, then resume, each visible in the phase badge.
        page.eval(f"document.getElementById('token').value = {json.dumps(args.token)}; document.getElementById('token-save').click()")
        click(page, "pause")
        page.wait("phase paused", f"{PHASE} === 'paused'")
        seen["pausedMessage"] = page.eval("document.getElementById('message').textContent")
        click(page, "resume")
        page.wait("phase progressing again", f"{PHASE} === 'progressing'")
        if args.settle:
            log(f"letting the rollout run for {args.settle} s")
            time.sleep(args.settle)
        if args.ready_file:
            open(args.ready_file, "w").close()

        # The caller now breaks the canary: the rollback must show with its evidence.
        page.wait("phase rolled back", f"{PHASE} === 'rolled_back'", timeout=90)
        seen["evidence"] = page.wait("the rollback's evidence in the decision log",
            "(l => l.length && l)([...document.querySelectorAll('[data-rollout] li[data-action=rollback] .evidence')].map(n => n.textContent))")
        seen["log"] = page.eval("[...document.querySelectorAll('[data-rollout] .decision-log > li')].map(n => n.dataset.action)")
        seen["split"] = page.eval(f"{PANEL}.querySelector('[data-field=split]').textContent")
        time.sleep(3)  # let the charts show the drop after the rollback
        shot = page.send("Page.captureScreenshot", format="png")
        os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
        with open(args.screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        log(f"screenshot saved to {args.screenshot}")
        print(json.dumps(seen))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the test prints this
        print(f"cdp: FAILED: {error}", file=sys.stderr)
        sys.exit(1)

"""Open a page in headless Chromium over the DevTools pipe: images, console errors, screenshot.

``--remote-debugging-pipe`` makes Chromium read DevTools commands from file
descriptor 3 and write replies and events to descriptor 4, as JSON messages
ended by a NUL byte, so no websocket client (and no extra package) is needed.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageCheck:
    """What the browser saw: per image (src prefix, complete, naturalWidth), errors, title."""

    images: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    title: str = ""
    height: int = 0


class _Pipe:
    def __init__(self, proc: subprocess.Popen, to_browser: int, from_browser: int) -> None:
        self.proc, self.w, self.r = proc, to_browser, from_browser
        self.buf = b""
        self.next_id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self.r], [], [], left)
            if ready:
                chunk = os.read(self.r, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"Chromium closed the pipe (exit {self.proc.poll()})")
                self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict:  # fmt: skip
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        for e in self.events:
            if e.get("method") == method:
                return e
        while True:
            e = self._read_message(deadline)
            self.events.append(e)
            if e.get("method") == method:
                return e


def _errors(events: list[dict]) -> list[str]:
    out = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append("console: " + " ".join(str(a.get("value", a.get("description", "")))
                                              for a in p.get("args", [])))  # fmt: skip
        elif m == "Runtime.exceptionThrown":
            out.append("exception: " + p.get("exceptionDetails", {}).get("text", ""))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.append("log: " + p["entry"].get("text", ""))
    return out


_IMAGES_JS = (
    "JSON.stringify(Array.from(document.images).map(i => "
    "({src: i.src.slice(0, 40), complete: i.complete, naturalWidth: i.naturalWidth})))"
)


def check_page(html_path: Path, screenshot: Path | None = None, width: int = 1200,
               timeout: float = 60.0) -> PageCheck:  # fmt: skip
    """Load ``html_path`` in headless Chromium; report images and errors, save a screenshot.

    Raises
    ------
    FileNotFoundError
        When no Chromium is installed.
    """
    exe = find_chromium()
    if exe is None:
        raise FileNotFoundError("no chromium executable on PATH")
    to_r, to_w = os.pipe()
    from_r, from_w = os.pipe()
    profile = tempfile.mkdtemp(prefix="aekit-chromium-")
    args = [exe, "--headless", "--remote-debugging-pipe", "--no-first-run", "--disable-gpu",
            "--no-default-browser-check", "--disable-extensions", f"--user-data-dir={profile}",
            "--disable-dev-shm-usage"]  # fmt: skip
    if os.geteuid() == 0:  # Chromium refuses to run as root with its sandbox
        args.append("--no-sandbox")

    def child_fds() -> None:
        # Move both ends above 4 first so neither is overwritten by the other's dup2.
        high_r = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
        os.dup2(high_r, 3)  # dup2 makes 3 and 4 inheritable; everything else is CLOEXEC
        os.dup2(high_w, 4)

    proc = subprocess.Popen(args + ["about:blank"], close_fds=False, preexec_fn=child_fds,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    os.close(to_r)
    os.close(from_w)
    pipe = _Pipe(proc, to_w, from_r)
    try:
        target = pipe.call("Target.createTarget", {"url": "about:blank"}, timeout=timeout)
        session = pipe.call("Target.attachToTarget",
                            {"targetId": target["targetId"], "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            pipe.call(f"{domain}.enable", session=session)
        pipe.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                  session=session)  # fmt: skip
        pipe.call("Page.navigate", {"url": html_path.resolve().as_uri()}, session=session)
        pipe.wait_event("Page.loadEventFired", timeout=timeout)
        result = pipe.call("Runtime.evaluate", {"expression": _IMAGES_JS, "returnByValue": True},
                           session=session)["result"]  # fmt: skip
        check = PageCheck(images=json.loads(result["value"]))
        check.title = pipe.call("Runtime.evaluate", {"expression": "document.title",
                                "returnByValue": True}, session=session)["result"]["value"]
        check.height = int(pipe.call("Runtime.evaluate", {"expression":
                           "document.documentElement.scrollHeight", "returnByValue": True},
                           session=session)["result"]["value"])  # fmt: skip
        if screenshot is not None:
            shot = pipe.call("Page.captureScreenshot",
                             {"format": "png", "captureBeyondViewport": True},
                             session=session, timeout=timeout)  # fmt: skip
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        check.errors = _errors(pipe.events)
        return check
    finally:
        try:
            pipe.call("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(to_w)
        os.close(from_r)
        shutil.rmtree(profile, ignore_errors=True)

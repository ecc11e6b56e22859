"""Drive Debian's headless Chromium over the DevTools protocol on a pipe: no websockets, no driver.

The site's browser checks (``tests/test_site.py``, ``scripts/site_screenshot.sh``) open the built pages in
``/usr/bin/chromium --headless --remote-debugging-pipe``: the browser reads protocol commands on file
descriptor 3 and writes answers and events on descriptor 4, one JSON object per message, each ended by a
NUL byte. That is all this module speaks, with the standard library only.

    with Chromium(offline=True) as browser:
        page = browser.open("file:///…/build/site/04_adain.html")
        page.wait_for("document.readyState === 'complete'")
        page.evaluate("document.querySelectorAll('mjx-container').length")
        page.screenshot("figures/site/04_adain.png")

``offline=True`` cuts the network: every host name resolves to nothing (``--host-resolver-rules``) and
every request goes to a proxy on a closed port, so only ``file://`` URLs and ``localhost`` load;
``page.requests`` records each URL the page asked for and whether it failed, to show what a page
tried to fetch.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .errors import StylelabError

#: The flags every run uses (the project's standard headless set); ``--remote-debugging-pipe`` is added.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--force-color-profile=srgb",
         "--mute-audio", "--disable-default-apps", "--no-default-browser-check")
OFFLINE_FLAGS = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
                 "--proxy-server=http://127.0.0.1:9")


def find_chromium() -> str | None:
    """Debian's ``chromium`` (or ``STYLELAB_CHROMIUM``), or None when there is none."""
    candidates = [os.environ.get("STYLELAB_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


class BrowserError(StylelabError):
    pass


def _above_nine(fd: int) -> int:
    import fcntl

    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class Chromium:
    """One headless Chromium process; :meth:`open` gives a :class:`Page`. Use as a context manager."""

    def __init__(self, *, offline: bool = False, width: int = 1280, height: int = 900, executable: str | None = None,
                 extra_flags: tuple[str, ...] = (), gpu: bool = False):
        exe = executable or find_chromium()
        if exe is None:
            raise BrowserError("chromium not found (apt-get install -y chromium, or set STYLELAB_CHROMIUM)")
        self.profile = tempfile.mkdtemp(prefix="stylelab-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Move the browser's ends above 9, so that putting them on 3 and 4 cannot overwrite one with the other.
        to_browser_r, from_browser_w = (_above_nine(fd) for fd in (to_browser_r, from_browser_w))
        # gpu=True leaves out --disable-gpu (with extra_flags choosing e.g. SwiftShader's software WebGPU)
        flags = [*(f for f in FLAGS if not (gpu and f == "--disable-gpu")), *(OFFLINE_FLAGS if offline else ()), *extra_flags, f"--user-data-dir={self.profile}",
                 f"--window-size={width},{height}", "--remote-debugging-pipe", "about:blank"]
        # The shell puts our pipe ends on descriptors 3 and 4, where --remote-debugging-pipe expects them.
        script = f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w} {to_browser_r}<&- {from_browser_w}>&-'
        # stderr to a file, not a pipe: chromium logs freely (dbus, GPU) and a full pipe would stall it
        self._log = open(Path(self.profile) / "chromium.log", "wb")
        self.process = subprocess.Popen(["/bin/bash", "-c", script, exe, *flags], pass_fds=(to_browser_r, from_browser_w),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict] = []
        self.offline = offline

    # --- the protocol -----------------------------------------------------------------------

    def send(self, method: str, params: dict | None = None, *, session: str | None = None, timeout: float = 60) -> dict:
        """Send one command and wait for its answer (events that arrive meanwhile are kept)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            self.process.wait(timeout=10)
            raise BrowserError(f"chromium exited (status {self.process.returncode}) before {method}: "
                               f"{' | '.join(self.log_tail()) or 'no message'}") from None
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline, f"{method}")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def _read(self, deadline: float, what: str) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"chromium did not answer {what} in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                status = self.process.poll()
                raise BrowserError(f"chromium closed the pipe during {what}"
                                   f"{f' (exit status {status})' if status is not None else ''}: "
                                   f"{' | '.join(self.log_tail()) or 'no message'}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def log_tail(self, lines: int = 3) -> list[str]:
        """The last lines chromium wrote to stderr."""
        try:
            return (Path(self.profile) / "chromium.log").read_text(errors="replace").strip().splitlines()[-lines:]
        except OSError:
            return []

    def pump(self, seconds: float) -> None:
        """Read events for ``seconds`` (or until none is pending)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._from_browser], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                return
            self._buffer += os.read(self._from_browser, 1 << 20)
            while b"\0" in self._buffer:
                message, self._buffer = self._buffer.split(b"\0", 1)
                self._events.append(json.loads(message))

    def events(self, session: str, method: str | None = None) -> list[dict]:
        return [e for e in self._events if e.get("sessionId") == session and (method is None or e["method"] == method)]

    # --- pages -----------------------------------------------------------------------------

    def open(self, url: str, *, wait: float = 30) -> "Page":
        """A new tab on ``url``, its load event awaited."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable", session=session)
        page.navigate(url, wait=wait)
        return page

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.send("Browser.close", timeout=5)
            except (BrowserError, OSError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Page:
    """One tab: navigate, evaluate JavaScript (promises awaited), set a file input, screenshot."""

    def __init__(self, browser: Chromium, session: str):
        self.browser, self.session = browser, session

    def send(self, method: str, params: dict | None = None, timeout: float = 60) -> dict:
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def navigate(self, url: str, *, wait: float = 30) -> None:
        self.send("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'", timeout=wait)

    def evaluate(self, expression: str, *, timeout: float = 60):
        """The value of ``expression`` (a promise is awaited); a JavaScript exception is a BrowserError."""
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True,
                                                "timeout": int(timeout * 1000)}, timeout=timeout + 5)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"javascript error: {text}")
        return result["result"].get("value")

    def wait_for(self, condition: str, *, timeout: float = 30, every: float = 0.1) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.evaluate(f"Boolean({condition})", timeout=max(1.0, deadline - time.monotonic())):
                    return
            except BrowserError:
                pass  # the page is between documents
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out after {timeout:g} s waiting for {condition}")
            time.sleep(every)

    def set_files(self, selector: str, paths: list[str | os.PathLike]) -> None:
        """Choose files in an ``<input type=file>`` as a user would (its change event fires)."""
        root = self.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = self.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        if not node:
            raise BrowserError(f"no element {selector!r} on the page")
        self.send("DOM.setFileInputFiles", {"nodeId": node, "files": [str(Path(p).resolve()) for p in paths]})

    def screenshot(self, path: str | os.PathLike, *, full_page: bool = True) -> Path:
        params: dict = {"format": "png"}
        if full_page:
            metrics = self.send("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": size["width"],
                                                            "height": size["height"], "scale": 1})
        data = self.send("Page.captureScreenshot", params)["data"]
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    @property
    def requests(self) -> list[dict]:
        """Each request the page made: ``{"url", "failed", "error"}`` (``failed``: no response came)."""
        self.browser.pump(0.05)
        sent = {e["params"]["requestId"]: e["params"]["request"]["url"]
                for e in self.browser.events(self.session, "Network.requestWillBeSent")}
        failed = {e["params"]["requestId"]: e["params"].get("errorText", "")
                  for e in self.browser.events(self.session, "Network.loadingFailed")}
        return [{"url": url, "failed": rid in failed, "error": failed.get(rid, "")} for rid, url in sent.items()]

    @property
    def console(self) -> list[str]:
        """The page's console messages and uncaught exceptions, as text."""
        self.browser.pump(0.05)
        lines = []
        for event in self.browser.events(self.session):
            if event["method"] == "Runtime.consoleAPICalled":
                args = event["params"]["args"]
                lines.append(f"{event['params']['type']}: " + " ".join(str(a.get("value", a.get("description", ""))) for a in args))
            elif event["method"] == "Runtime.exceptionThrown":
                details = event["params"]["exceptionDetails"]
                lines.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")
            elif event["method"] == "Log.entryAdded":
                entry = event["params"]["entry"]
                lines.append(f"{entry['level']}: {entry['text']} {entry.get('url', '')}")
        return lines

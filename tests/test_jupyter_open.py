"""Open the notebooks as a learner would: JupyterLab from the project's environment, every notebook, its kernel.

Starts ``jupyter lab --no-browser`` (this interpreter's, i.e. ``.venv/bin/jupyter lab``) on a free port with a
token, in a temporary copy of ``notebooks/``; for every notebook it loads the JupyterLab page, reads the
notebook through the REST API (``GET /api/contents/…``), starts a session with the notebook's kernelspec
(``POST /api/sessions``), runs ``1+1`` over the kernel's websocket, checks that the kernel is this project's
Python with ipywidgets importable (the sliders), and shuts the session down. Also checks that JupyterLab has
the widgets extension (``@jupyter-widgets/jupyterlab-manager``), without which the sliders show as text.

JupyterLab is one of stylelab's dependencies (pyproject.toml), so this is not skipped: a missing server is
a failure. About 20-40 s on a busy 2-core machine (kernel start-ups).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest

from stylelab import provenance

NOTEBOOKS = provenance.REPO_ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
STARTUP_SECONDS = 60
KERNEL_SECONDS = 60
WIDGETS_EXTENSION = "@jupyter-widgets/jupyterlab-manager"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not PATHS, reason="no notebooks under notebooks/")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, port: int, token: str):
        self.base, self.token = f"http://127.0.0.1:{port}", token

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def json(self, method: str, path: str, body: dict | None = None, expect: int = 200):
        status, payload = self.request(method, path, body)
        assert status == expect, f"{method} {path}: HTTP {status} (expected {expect}): {payload[:300]!r}"
        return json.loads(payload) if payload else None


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    for path in PATHS:
        shutil.copy2(path, root / path.name)
    port, token = _free_port(), uuid.uuid4().hex
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(root / ".runtime"), "JUPYTER_CONFIG_DIR": str(root / ".config"),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / ".workspaces"), "STYLELAB_QUIET": "1"}
    log = open(root / ".lab.log", "w")
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # CI's container runs as root
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *as_root],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    client = Lab(port, token)
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while True:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited with {server.returncode}: {(root / '.lab.log').read_text()[-800:]}")
            try:
                if client.request("GET", "/api/status")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer within {STARTUP_SECONDS} s: "
                            f"{(root / '.lab.log').read_text()[-800:]}")
            time.sleep(0.5)
        yield client
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


async def _execute(client: Lab, kernel_id: str, code: str) -> tuple[str, str]:
    """Run ``code`` on the kernel over its websocket; (the execute_result's text/plain, the stdout)."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = client.base.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels"
    connection = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {client.token}"}))
    msg_id = uuid.uuid4().hex
    connection.write_message(json.dumps({
        "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex, "msg_type": "execute_request",
                   "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    result, stdout = "", ""
    try:
        while True:
            raw = await asyncio.wait_for(connection.read_message(), KERNEL_SECONDS)
            assert raw is not None, "the kernel's websocket closed"
            message = json.loads(raw)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "execute_result":
                result = content["data"].get("text/plain", "")
            elif kind == "stream" and content.get("name") == "stdout":
                stdout += content["text"]
            elif kind == "error":
                raise AssertionError(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle" and (result or stdout):
                return result, stdout
    finally:
        connection.close()


def test_jupyterlab_has_the_widgets_extension_for_the_sliders():
    listing = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True,
                             text=True, timeout=60)
    text = listing.stdout + listing.stderr
    line = next((line for line in text.splitlines() if WIDGETS_EXTENSION in line), None)
    assert line, f"JupyterLab lacks {WIDGETS_EXTENSION} (pip install jupyterlab_widgets): {text[-400:]}"
    assert "enabled" in line and "OK" in line, f"the widgets extension is not enabled and OK: {line.strip()}"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_every_notebook_opens_and_its_kernel_answers(lab, path):
    status, page = lab.request("GET", f"/lab/tree/{path.name}")
    assert status == 200 and b"jupyter-config-data" in page, f"JupyterLab's page for {path.name}: HTTP {status}"
    model = lab.json("GET", f"/api/contents/{path.name}?content=1")
    assert model["type"] == "notebook" and model["content"]["cells"], f"{path.name} did not open as a notebook"
    kernelspec = nbformat.from_dict(model["content"]).metadata.get("kernelspec", {}).get("name")
    specs = lab.json("GET", "/api/kernelspecs")["kernelspecs"]
    assert kernelspec in specs, f"{path.name} asks for kernel {kernelspec!r}; this Jupyter has {sorted(specs)}"
    session = lab.json("POST", "/api/sessions", {"path": path.name, "type": "notebook", "name": path.name,
                                                 "kernel": {"name": kernelspec}}, expect=201)
    try:
        code = "import sys, ipywidgets\nprint(sys.prefix)\n1+1"
        result, stdout = asyncio.run(_execute(lab, session["kernel"]["id"], code))
        assert result == "2", f"{path.name}'s kernel answered {result!r} to 1+1"
        assert Path(stdout.strip()).resolve() == Path(sys.prefix).resolve(), \
            f"{path.name}'s kernel {kernelspec!r} runs {stdout.strip()}, not this project's environment"
    finally:
        lab.request("DELETE", f"/api/sessions/{session['id']}")

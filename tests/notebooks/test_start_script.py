"""The README's main command as a new user runs it: Debian's own python3 only
(``PATH=/usr/bin:/bin``), as root. ``bash scripts/start.sh --no-browser`` must create or
reuse ``.venv``, compile the kernels, run the encrypted demo and serve JupyterLab (which
refuses root unless the launcher passes ``--allow-root``).

The test command itself runs the same way in CI (``.ci/run``), which creates ``.venv``
first; here it is reused, so this takes about a minute.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.notebook]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answer(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status, response.read(200_000).decode("utf-8", "replace")
    except OSError:
        return 0, ""


@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="no system python3")
@pytest.mark.skipif(os.geteuid() != 0, reason="checks the run as root (Jupyter's --allow-root)")
def test_start_script_serves_jupyterlab_with_system_python(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp_path / "start.log"
    environment = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"),
                   "LANG": "C.UTF-8"}
    with open(log, "w") as output:
        process = subprocess.Popen(
            ["bash", "scripts/start.sh", "--no-browser", "--port", str(port), "--ip=127.0.0.1",
             f"--IdentityProvider.token={token}"],
            cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        deadline = time.monotonic() + 900       # a first run also creates .venv
        status, page = 0, ""
        while time.monotonic() < deadline and process.poll() is None:
            status, page = _answer(f"http://127.0.0.1:{port}/lab?token={token}")
            if status == 200:
                break
            time.sleep(2)
        text = log.read_text()
        assert status == 200 and "JupyterLab" in page, text[-4000:]
        assert "Running as root is not recommended" not in text
        assert (ROOT / ".venv" / "bin" / "python").exists()
        assert "result 13 (expected 13): OK" in text, text[-4000:]
        assert "TFHE kernels ready" in text
        api_status, _ = _answer(f"http://127.0.0.1:{port}/api/status?token={token}")
        assert api_status == 200
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

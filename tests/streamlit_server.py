"""Start ``streamlit run`` on a free local port for browser tests and benchmarks."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Chromium flags that work in CI containers (no sandbox, no GPU, no background traffic).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_app(script: str | Path, *script_args: str, timeout: float = 60.0,
                  cwd: Path = REPO_ROOT, file_watcher: str | None = "none") -> Iterator[str]:
    """Run ``streamlit run script -- script_args`` in ``cwd`` (whose ``mapkit`` it imports,
    and whose ``.streamlit/config.toml`` it reads) and yield its URL; stop it afterwards.

    ``file_watcher`` is Streamlit's ``server.fileWatcherType`` (``None``: as the config files
    say, as ``python3 run.py`` runs the viewer)."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
    ]
    if file_watcher is not None:
        command += ["--server.fileWatcherType", file_watcher]
    if script_args:
        command += ["--", *script_args]
    log = open(os.devnull, "wb")
    process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {process.returncode}: {command}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer on {url} within {timeout} s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()

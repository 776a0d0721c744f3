"""The README's set-up command, as written, with Debian's own Python first on PATH.

Debian 12 (like Ubuntu 23.04+ and Homebrew) marks its Python "externally managed" (PEP 668):
``pip install`` into it fails with "error: externally-managed-environment". The README's run
command must still start the app on a fresh checkout. This test copies the checkout's files to
an empty folder (no .venv), runs the command between the README's run-command markers with
``/usr/bin`` first on PATH, and waits for the app to answer.

The test command is not run here (it would run this test again); CI runs it, as written, on a
clean clone (``.ci/run``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit_server import REPO_ROOT, free_port

SYSTEM_PYTHON = Path("/usr/bin/python3")
EXTERNALLY_MANAGED = sorted(Path("/usr/lib").glob("python3.*/EXTERNALLY-MANAGED"))

pytestmark = pytest.mark.skipif(
    not (SYSTEM_PYTHON.exists() and EXTERNALLY_MANAGED),
    reason="needs a system Python that refuses pip installs (PEP 668), e.g. Debian 12's",
)


def readme_command(marker: str) -> str:
    """The shell command between ``<!-- marker -->`` and ``<!-- /marker -->`` in the README."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(rf"<!-- {marker} -->\s*```\w*\n(.*?)```\s*<!-- /{marker} -->", text, re.S)
    assert block, f"the README has no {marker} block"
    return block.group(1).strip()


def test_system_python_refuses_pip_install_as_the_issue_says():
    """The premise: the old set-up (`pip install -r requirements.txt`) fails here."""
    done = subprocess.run([str(SYSTEM_PYTHON), "-m", "pip", "install", "--dry-run", "six"],
                          capture_output=True, text=True)
    if "No module named pip" in done.stderr:
        pytest.skip("this system Python has no pip at all")
    assert done.returncode != 0
    assert "externally-managed-environment" in done.stderr


def test_readme_run_command_starts_the_app_with_debians_python(tmp_path):
    command = readme_command("run-command")
    assert "pip install" not in command  # what PEP 668 refuses
    checkout = tmp_path / "mapkit"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        target = checkout / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO_ROOT / name).exists():
            shutil.copy2(REPO_ROOT / name, target)
    port = free_port()
    env = {**os.environ, "PATH": f"/usr/bin:/bin:{os.environ.get('PATH', '')}",
           "STREAMLIT_SERVER_PORT": str(port), "STREAMLIT_SERVER_HEADLESS": "true",
           "STREAMLIT_SERVER_ADDRESS": "127.0.0.1"}
    env.pop("VIRTUAL_ENV", None)
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(["bash", "-c", command], cwd=checkout, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 900  # a first install downloads geopandas, streamlit…
        while True:
            assert process.poll() is None, f"the run command stopped: {log.read_text()[-2000:]}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    assert page.status == 200
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"no app after 15 min: {log.read_text()[-2000:]}"
            time.sleep(1)
        assert (checkout / ".venv" / "bin" / "streamlit").exists()
        installed = subprocess.run([str(checkout / ".venv" / "bin" / "python"), "-c",
                                    "import mapkit, sys; print(mapkit.__file__, sys.prefix)"],
                                   capture_output=True, text=True, check=True).stdout
        assert str(checkout) in installed  # the checkout's own mapkit, in its own .venv
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)

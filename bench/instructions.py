"""Instructions per request, counted by valgrind's callgrind: a page's own cost in
the app's process, the same from run to run whatever else the machine is doing.

``wrk``'s numbers on a shared two-core host move by a third between runs minutes
apart; an instruction count moves by well under one percent, so a change to a page
can be told from the host's noise. It counts the app's Python and the client side
of its database driver, not PostgreSQL's work (the in-process SQL column has that).

``measure.py`` calls ``count`` for each page; this file is also the process it runs
under valgrind:

    valgrind --tool=callgrind --instr-atstart=no python bench/instructions.py \\
        DATABASE_URL PATH COOKIE AUTHORIZATION REQUESTS

which builds the app as a gunicorn worker has it (``gunicorn.conf.py``'s garbage
collection), signs nothing in (the cookie or token of ``measure.py``'s sign-in is
sent), makes three requests to warm it, then counts ``REQUESTS`` more.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REQUESTS = 10
HERE = Path(__file__).resolve().parent


def available() -> bool:
    return shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None


def count(url: str, path: str, headers: dict[str, str], requests: int = REQUESTS) -> float:
    """Millions of instructions one request of ``path`` executes, the mean of
    ``requests`` requests after three to warm the app."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "callgrind.out"
        subprocess.run(
            [
                "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={output}",
                sys.executable, str(HERE / "instructions.py"), url, path,
                headers.get("Cookie", ""), headers.get("Authorization", ""), str(requests),
            ],
            check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        totals = next(line for line in output.read_text().splitlines() if line.startswith("totals:"))
    return int(totals.split()[1]) / requests / 1e6


def _requests_under_valgrind(url: str, path: str, cookie: str, authorization: str, requests: int) -> None:
    sys.path.insert(0, str(HERE.parent))
    from clinic import create_app

    client = create_app({"DATABASE_URL": url}).test_client()
    settings: dict = {}  # the garbage collection of a gunicorn worker whose app is loaded
    exec((HERE.parent / "gunicorn.conf.py").read_text(), settings)
    settings["post_worker_init"](None)
    for part in filter(None, cookie.split("; ")):
        name, _, value = part.partition("=")
        client.set_cookie(name, value)
    headers = {"Authorization": authorization} if authorization else {}

    def get() -> None:
        status = client.get(path, headers=headers).status_code
        if status != 200:
            raise SystemExit(f"{path} answers {status}, not 200")

    for _ in range(3):
        get()
    # Only the requests are counted: not the imports, the app's creation or the warming.
    subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True, capture_output=True)
    for _ in range(requests):
        get()
    subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True, capture_output=True)


if __name__ == "__main__":
    database, page, cookie_header, authorization_header, count_of = sys.argv[1:6]
    _requests_under_valgrind(database, page, cookie_header, authorization_header, int(count_of))

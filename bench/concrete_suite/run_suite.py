"""Run Concrete's own test suite against ``fhe_assistant`` and print per-file pass counts.

The tests stay Concrete's: export them from its public repository (see
``bench/README_concrete_suite.md``) and pass their folder with ``--tests``. This script copies
them to a scratch folder, patches the copy of ``conftest.py`` (below), puts the import shim
(``shim/concrete``: ``concrete.fhe`` → ``fhe_assistant``) first on the path and runs each test
file in its own pytest process under a time limit, so a crash or a hang costs one file.

The conftest patch, and nothing else:

- ``fhe.ParameterSelectionStrategy.X`` is read with a fallback to the string ``"x"`` (Concrete
  accepts both), so the conftest imports whether or not the enum exists here;
- ``check_execution`` runs with ``only_simulation=True`` (encrypted runs are a separate,
  opt-in measurement: ``--encrypted``);
- only with ``--plain-configuration``: ``Helpers.configuration()`` returns ``fhe.Configuration()``
  (Concrete's options dropped), to compare with the first count made that way.

Usage::

    python3 bench/concrete_suite/run_suite.py \
        --tests /work/concrete-tests/frontends/concrete-python/tests execution --json results.json
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent.parent
REFERENCE = json.loads((HERE / "reference_counts.json").read_text())["counts"]

STRATEGY_PATTERN = re.compile(r"fhe\.ParameterSelectionStrategy\.(\w+)")
CHECK_EXECUTION_BODY = '        if not isinstance(sample, list):\n            sample = [sample]\n'


def patch_conftest(text: str, encrypted: bool, plain_configuration: bool = False) -> str:
    """The run-time edits described in the module docstring."""
    if plain_configuration:
        head, marker, tail = text.partition("        return fhe.Configuration(\n")
        _body, close, rest = tail.partition("\n        )\n")
        if not marker or not close:
            raise SystemExit("conftest.py changed: cannot find Helpers.configuration")
        text = head + "        return fhe.Configuration()  # patched\n" + rest
    text = STRATEGY_PATTERN.sub(
        lambda m: f'getattr(getattr(fhe, "ParameterSelectionStrategy", None), "{m.group(1)}", '
                  f'"{m.group(1).lower()}")', text)
    if not encrypted:
        head, marker, tail = text.partition("    def check_execution(")
        if not marker or CHECK_EXECUTION_BODY not in tail:
            raise SystemExit("conftest.py changed: cannot find check_execution to patch")
        tail = tail.replace(CHECK_EXECUTION_BODY,
                            CHECK_EXECUTION_BODY + "        only_simulation = True  # patched\n", 1)
        text = head + marker + tail
    return text


def prepare(tests: Path, workdir: Path, encrypted: bool, plain_configuration: bool) -> Path:
    """Copy the tests (and Concrete's examples next to them) and patch the conftest copy."""
    root = workdir / "concrete-python"
    shutil.copytree(tests, root / "tests", dirs_exist_ok=True)
    if (tests.parent / "examples").is_dir():
        shutil.copytree(tests.parent / "examples", root / "examples", dirs_exist_ok=True)
    conftest = root / "tests" / "conftest.py"
    conftest.write_text(patch_conftest(conftest.read_text(), encrypted, plain_configuration))
    return root


def test_files(root: Path, selections: list[str]) -> list[str]:
    found = []
    for selection in selections:
        path = root / "tests" / selection
        paths = sorted(path.rglob("test_*.py")) if path.is_dir() else [path]
        found += [str(p.relative_to(root)) for p in paths]
    return found


def command(file: str, junit: Path) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
            f"--junitxml={junit}", "-o", "junit_family=xunit1", file]


def run_file(root: Path, file: str, timeout: int) -> dict:
    """One pytest process; outcome per test id and the first line of each failure."""
    junit = root / (file.replace("/", "_") + ".xml")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE / "shim"), str(REPOSITORY),
                                         env.get("PYTHONPATH", "")])
    start = time.time()
    try:
        subprocess.run(command(file, junit), cwd=root, env=env, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
    record = {"file": file, "seconds": round(time.time() - start, 1), "timed_out": timed_out,
              "tests": {}}
    if junit.exists():
        for case in ElementTree.parse(junit).getroot().iter("testcase"):
            name = case.get("name", "")
            outcome, message = "passed", ""
            for tag in ("failure", "error", "skipped"):
                child = case.find(tag)
                if child is not None:
                    outcome = {"failure": "failed"}.get(tag, tag)
                    message = (child.get("message") or child.text or "").strip()
                    break
            if message == "collection failure":  # the whole file failed to import
                name = "<collection>"
                lines = [line[1:].strip() for line in (child.text or "").splitlines()
                         if line.startswith("E ")]
                message = lines[-1] if lines else message
            lines = [line.strip() for line in message.splitlines() if line.strip()]
            record["tests"][name] = (outcome, " | ".join(lines[:2])[:400])
    return record


def summarize(record: dict) -> dict:
    expected = REFERENCE.get(record["file"], 0)
    outcomes = Counter(outcome for outcome, _ in record["tests"].values())
    passed = outcomes["passed"]
    if "<collection>" in record["tests"]:
        passed = 0
    return {"file": record["file"], "tests": expected, "passed": passed,
            "skipped": outcomes["skipped"], "failed": outcomes["failed"],
            "not_passed": expected - passed - outcomes["skipped"],
            "timed_out": record["timed_out"], "seconds": record["seconds"]}


def table(summaries: list[dict]) -> str:
    lines = ["| file | tests | passed | % |", "|---|---:|---:|---:|"]
    for s in summaries:
        note = " (timed out)" if s["timed_out"] else ""
        percent = 100 * s["passed"] / s["tests"] if s["tests"] else 0
        lines.append(f"| {s['file'].removeprefix('tests/')}{note} | {s['tests']} | "
                     f"{s['passed']} | {percent:.0f} |")
    folders = defaultdict(lambda: [0, 0])
    for s in summaries:
        folder = s["file"].split("/")[1]
        folders[folder][0] += s["tests"]
        folders[folder][1] += s["passed"]
    for folder, (tests, passed) in sorted(folders.items()):
        lines.append(f"| **{folder}/** | **{tests}** | **{passed}** | "
                     f"**{100 * passed / max(tests, 1):.0f}** |")
    return "\n".join(lines)


def causes(records: list[dict]) -> str:
    """Every test that did not pass, grouped by the first line of its error (digits → N)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for record in records:
        for name, (outcome, message) in record["tests"].items():
            if outcome in ("failed", "error"):
                first, _, second = message.partition(" | ")
                key = second if "cannot be compiled" in first and second else first
                key = re.sub(r"^- %\d+ at [^:]+:\d+: ", "", key.replace("fhe_assistant.core."
                                                                       "errors.", ""))
                key = re.sub(r"\d+", "N", key)
                groups[key[:160]].append(f"{record['file'].removeprefix('tests/')}::{name}")
        if record["timed_out"]:
            groups["file timed out"].append(record["file"])
    lines = []
    for key, tests in sorted(groups.items(), key=lambda item: -len(item[1])):
        lines.append(f"- **{len(tests)}** × `{key}`")
        lines.append("  <details><summary>tests</summary>\n\n  " + "<br>".join(tests)
                     + "\n  </details>")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("selections", nargs="*", default=["execution"],
                        help="folders or files under Concrete's tests/ (default: execution)")
    parser.add_argument("--tests", required=True, type=Path,
                        help="Concrete's frontends/concrete-python/tests, exported")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per test file")
    parser.add_argument("--timeout-for", action="append", default=[], metavar="FILE=SECONDS",
                        help="another limit for the files whose path ends with FILE (e.g. "
                             "execution/test_simulation.py=3600: its 4,000 encrypted runs)")
    parser.add_argument("--jobs", type=int, default=1, help="test files run at once")
    parser.add_argument("--encrypted", action="store_true",
                        help="keep check_execution's encrypted run (slow)")
    parser.add_argument("--plain-configuration", action="store_true",
                        help="Helpers.configuration() returns fhe.Configuration() instead of "
                             "Concrete's options (only to compare with the issue's first count)")
    parser.add_argument("--json", type=Path, help="write every test's outcome here")
    parser.add_argument("--causes", action="store_true",
                        help="also print the failing tests grouped by their error")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="concrete_suite_"))
    root = prepare(args.tests.resolve(), workdir, args.encrypted, args.plain_configuration)
    files = test_files(root, args.selections)
    print("command, per file: PYTHONPATH=bench/concrete_suite/shim:. "
          + " ".join(command("<file>", Path("<file>.xml"))[1:]) + f"  (cwd {root})", flush=True)
    limits = dict(item.rsplit("=", 1) for item in args.timeout_for)

    def limit(file: str) -> int:
        return next((int(seconds) for suffix, seconds in limits.items()
                     if file.endswith(suffix)), args.timeout)

    with ThreadPoolExecutor(args.jobs) as pool:
        records = list(pool.map(lambda f: run_file(root, f, limit(f)), files))
    summaries = [summarize(r) for r in records]
    print(table(summaries))
    total = sum(s["tests"] for s in summaries)
    passed = sum(s["passed"] for s in summaries)
    print(f"\n{passed} / {total} passed ({100 * passed / max(total, 1):.1f} %)")
    if args.causes:
        print("\n" + causes(records))
    if args.json:
        args.json.write_text(json.dumps({"records": records, "summaries": summaries}, indent=1))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Mutation check: does the non-slow suite catch the one-line bugs that matter?

Each mutant is a source patch found by *pattern*, not by file or line (modules move): the
first pattern must match in exactly one file under ``fhe_assistant/``, and every pattern
of the mutant must match there. The patched tree is a copy of this checkout (``--workdir``,
reused between runs so that numba's on-disk cache stays warm); the original file is put
back, with its modification time, after each mutant. A mutant is *killed* when the tests
fail, *survived* when they pass, *stale* when its pattern no longer matches (the code
changed: update the pattern).

By default each mutant runs the part of the non-slow suite that covers its module
(``tests`` below) — a kill there is a kill by the suite; ``--suite`` runs the whole
non-slow suite instead (what to do for a survivor before calling it one).

    python bench/mutants.py                  # all mutants, their test folders
    python bench/mutants.py --only sum-weight multiply-weight
    python bench/mutants.py --suite --json bench/results/mutants.json
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_SLOW = "not slow and not browser and not notebook"


@dataclass(frozen=True)
class Mutant:
    name: str
    what: str
    patches: tuple[tuple[str, str], ...]  # (regex, replacement), applied in one file
    tests: tuple[str, ...]  # test paths (folders or files) that cover the module


MUTANTS = [
    Mutant("signed-bit-width-bound", "signed widths admit high == 2**(w-1) (one bit short)",
           ((r"high < \(1 << \(width - 1\)\)", "high <= (1 << (width - 1))"),),
           ("tests/analysis", "tests/core", "tests/tracing/test_ops_grid.py")),
    Mutant("rounding-ties", "round_bit_pattern rounds ties down instead of up",
           ((r"return \(\(args\[0\] \+ \(1 << \(lsbs - 1\)\)\) >> lsbs\) << lsbs",
             "return ((args[0] + (1 << (lsbs - 1)) - 1) >> lsbs) << lsbs"),),
           ("tests/interpret", "tests/compiler")),
    Mutant("test-vector-negation", "the test vector's wrapped tail is not negated",
           ((r"= np\.uint64\(0\) - shifted\[:, size - half_box :\]",
             "= shifted[:, size - half_box :]"),),
           ("tests/backend/tfhe/test_tfhe_pbs.py",)),
    Mutant("negacyclic-reference", "lookup_reference reads table[i - 2**p], not its negation",
           ((r"return np\.where\(wrapped, -values, values\)",
             "return np.where(wrapped, values, values)"),),
           ("tests/backend/tfhe/test_tfhe_pbs.py",)),
    Mutant("negacyclic-simulation", "simulation reads table[i - 2**p], not its negation",
           ((r"values = np\.where\(overflow, -values, values\)",
             "values = np.where(overflow, values, values)"),),
           ("tests/compiler", "tests/backend/test_executor.py")),
    Mutant("security-slope", "the security curve's slope 1 % shallower",
           ((r"_SLOPE = (-0\.0256\d+)", r"_SLOPE = \1 * 0.99"),),
           ("tests/crypto",)),
    Mutant("decomposition-rounding", "the gadget decomposition truncates instead of rounding",
           ((r"st = \(x \+ \(np\.uint64\(1\) << np\.uint64\(63 - total\)\)\) >> ",
             "st = (x) >> "),
            (r"half = np\.uint64\(1\) << np\.uint64\(63 - base_log\)", "half = np.uint64(0)")),
           ("tests/backend/tfhe/test_tfhe_decomposition.py", "tests/backend/tfhe/test_tfhe_pbs.py",
            "tests/backend/tfhe/test_tfhe_keyswitch.py")),
    Mutant("key-rounding-32", "the 32-bit keyswitching key truncates instead of rounding",
           ((r"\(\(words \+ np\.uint64\(1 << 31\)\) >> np\.uint64\(32\)\)",
             "((words) >> np.uint64(32))"),),
           ("tests/backend/tfhe/test_tfhe_keyswitch.py",)),
    Mutant("quantizer-scale", "asymmetric scale divides by the level count, not the steps",
           ((r"width / max\(qmax - qmin, 1\)", "width / max(qmax - qmin + 1, 1)"),),
           ("tests/quantization", "tests/ml/test_ml_api.py")),
    Mutant("rint-to-floor", "quantize floors instead of rounding to nearest",
           ((r"q = np\.rint\(values / self\.scale \+ self\.zero_point\)",
             "q = np.floor(values / self.scale + self.zero_point)"),),
           ("tests/quantization",)),
    Mutant("multiply-weight", "x * c weighs |c| instead of c² into the noise",
           ((r"_clear_abs_max\(graph, clear\[0\]\) \*\* 2", "_clear_abs_max(graph, clear[0])"),),
           ("tests/compiler/test_noise_weights.py",)),
    Mutant("sum-weight", "sum ignores how many elements it adds",
           ((r"factors = \(float\(summed\), float\(summed\) \*\* 2\)", "factors = (1.0, 1.0)"),),
           ("tests/compiler/test_noise_weights.py",)),
]


def locate(mutant: Mutant, tree: Path) -> Path | None:
    """The one file of ``tree/fhe_assistant`` where every pattern of the mutant matches."""
    first = re.compile(mutant.patches[0][0])
    found = [path for path in sorted((tree / "fhe_assistant").rglob("*.py"))
             if first.search(path.read_text())]
    if len(found) != 1:
        return None
    text = found[0].read_text()
    if not all(re.search(pattern, text) for pattern, _ in mutant.patches):
        return None
    return found[0]


def prepare_tree(workdir: Path) -> Path:
    """A copy of this checkout's package and tests (refreshed, caches kept)."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("fhe_assistant", "tests", "notebooks"):
        source, target = ROOT / name, workdir / name
        if not source.exists():
            continue
        shutil.copytree(source, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".pytest_cache"))
        stale = {p.relative_to(target) for p in target.rglob("*.py")} - \
            {p.relative_to(source) for p in source.rglob("*.py")}
        for relative in stale:  # modules deleted or moved since the last run
            (target / relative).unlink()
    for name in ("pyproject.toml", ".importlinter"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, workdir / name)
    return workdir


def run_tests(tree: Path, paths: list[str], timeout: float) -> tuple[str, float, str]:
    environment = dict(os.environ, PYTHONPATH=str(tree))
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
               "-m", NOT_SLOW, *paths]
    start = time.perf_counter()
    try:
        result = subprocess.run(command, cwd=tree, env=environment, capture_output=True,
                                text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - start, ""
    seconds = time.perf_counter() - start
    summary = (result.stdout.strip().splitlines() or [""])[-1]
    if result.returncode == 0:
        return "survived", seconds, summary
    if result.returncode in (1, 2) and ("failed" in summary or "error" in summary):
        return "killed", seconds, summary
    return f"broken (pytest exit {result.returncode})", seconds, summary


def check(mutant: Mutant, tree: Path, whole_suite: bool, timeout: float) -> dict:
    path = locate(mutant, tree)
    row = {"mutant": mutant.name, "what": mutant.what}
    if path is None:
        return dict(row, status="stale", file=None, tests=None, seconds=0.0, summary="")
    original, stamp = path.read_text(), path.stat()
    mutated = original
    for pattern, replacement in mutant.patches:
        mutated = re.sub(pattern, replacement, mutated)
    paths = ["tests"] if whole_suite else [p for p in mutant.tests if (tree / p).exists()]
    try:
        path.write_text(mutated)
        status, seconds, summary = run_tests(tree, paths, timeout)
    finally:
        path.write_text(original)
        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    return dict(row, status=status, file=str(path.relative_to(tree)), tests=" ".join(paths),
                seconds=round(seconds, 1), summary=summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="mutant names (default: all)")
    parser.add_argument("--suite", action="store_true", help="run the whole non-slow suite")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fhe_assistant_mutants"))
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per mutant")
    parser.add_argument("--json", type=Path, help="write the rows here")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]
    if args.list:
        for mutant in chosen:
            print(f"{mutant.name:24} {mutant.what}")
        return
    tree = prepare_tree(args.workdir)
    rows = []
    for mutant in chosen:
        row = check(mutant, tree, args.suite, args.timeout)
        rows.append(row)
        print(f"{row['status']:9} {row['mutant']:24} {row['file'] or '-':45} "
              f"{row['seconds']:7.1f}s  {row['summary']}", flush=True)
    killed = sum(row["status"] == "killed" for row in rows)
    print(f"\n{killed} of {len(rows)} mutants killed")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    sys.exit(0 if killed == len(rows) else 1)


if __name__ == "__main__":
    main()

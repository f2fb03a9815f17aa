"""Command line: ``fhe-assistant demo | warmup | serve | notebooks`` (also
``python -m fhe_assistant ...``)."""
from __future__ import annotations

import argparse
import sys

import numpy as np


def _demo(arguments) -> int:
    import fhe_assistant as fhe

    w = [2]
    b = 2

    @fhe.compiler({"x": "encrypted"})
    def linear_model(x):
        return w @ x + b

    inputset = np.arange(4).reshape(-1, 1)
    circuit = linear_model.compile(inputset)
    print("def linear_model(x):\n    return [2] @ x + 2\n")
    print(circuit)
    print()
    print(f"maximum integer bit width: {circuit.graph.maximum_integer_bit_width()}")
    print(f"simulate([3]) = {circuit.simulate(np.array([3]))}")
    if arguments.execute:
        from .demo_execute import run_encrypted_demo

        return run_encrypted_demo(circuit)
    return 0


def _warmup(arguments) -> int:
    from .backend.warmup import warm_up

    print("compiling the TFHE kernels into numba's cache (once per installation; "
          "~25 s on two cores)", flush=True)
    from .core import progress

    with progress.silenced():       # this command already says what it does
        print(warm_up())
    return 0


def _serve(arguments) -> int:
    from .core.errors import FHEAssistantError
    from .deploy.http_server import serve

    try:
        serve(arguments.artifact, host=arguments.host, port=arguments.port,
              log_level=arguments.log_level, max_key_sets=arguments.max_key_sets,
              max_key_sets_per_client=arguments.max_key_sets_per_client,
              key_idle_seconds=arguments.key_idle_seconds, token_file=arguments.token_file,
              max_pending_runs=arguments.max_pending_runs, run_workers=arguments.run_workers)
    except (FHEAssistantError, OSError) as error:
        print(f"fhe-assistant serve: {error}", file=sys.stderr)
        return 1
    return 0


def _add_serve(commands) -> None:
    serve = commands.add_parser("serve", help="serve a saved server.zip over HTTP "
                                              "(FastAPI + uvicorn)")
    serve.add_argument("artifact", help="the file written by circuit.server.save(...)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    serve.add_argument("--max-key-sets", type=int, default=4,
                       help="evaluation key sets held at once (then uploads get 503)")
    serve.add_argument("--max-key-sets-per-client", type=int, default=2,
                       help="key sets one client (token, else address) may hold")
    serve.add_argument("--key-idle-seconds", type=float, default=3600.0,
                       help="an unused key set is dropped after this long")
    serve.add_argument("--token-file", default=None,
                       help="bearer tokens, one a line: every request must carry one")
    serve.add_argument("--max-pending-runs", type=int, default=64,
                       help="runs queued at once before the server answers 503")
    serve.add_argument("--run-workers", type=int, default=1,
                       help="threads running bootstraps (each already uses every core)")
    serve.add_argument("--log-level", default="warning",
                       choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(handler=_serve)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["notebooks"]:
        from .widgets.launch import main as open_notebooks

        return open_notebooks(argv[1:])
    parser = argparse.ArgumentParser(prog="fhe-assistant", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="trace, measure and simulate the seed example")
    demo.add_argument("--execute", action="store_true",
                      help="also generate keys and run encrypted (the seed and a 4-bit TLU)")
    demo.set_defaults(handler=_demo)
    warmup = commands.add_parser("warmup", help="compile the TFHE kernels now (numba caches "
                                                "them), so the first encrypted run is quick")
    warmup.set_defaults(handler=_warmup)
    _add_serve(commands)
    commands.add_parser("notebooks", help="open JupyterLab on the notebooks; passes "
                                          "--allow-root when run as root "
                                          "(fhe-assistant notebooks --help)")
    arguments = parser.parse_args(argv)
    return arguments.handler(arguments)


if __name__ == "__main__":
    sys.exit(main())

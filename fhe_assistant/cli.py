"""Command line: ``fhe-assistant demo`` (also ``python -m fhe_assistant demo``)."""
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fhe-assistant", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="trace, measure and simulate the seed example")
    demo.add_argument("--execute", action="store_true",
                      help="also generate keys and run encrypted (the seed and a 4-bit TLU)")
    demo.set_defaults(handler=_demo)
    arguments = parser.parse_args(argv)
    return arguments.handler(arguments)


if __name__ == "__main__":
    sys.exit(main())

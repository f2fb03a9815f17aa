"""The run panel: *Simulate* and *Compile & run encrypted*, with a staged progress bar,
cancellation, the chosen parameters and key sizes, and outputs side by side.

Thin: the work is ``runner.py``; this class only holds widgets and a background thread.
"""
from __future__ import annotations

import threading
import traceback

import ipywidgets

from . import html
from .runner import (
    Progress,
    RunRecord,
    circuit_facts,
    compile_with_progress,
    first_sample,
    run_encrypted,
    simulate_outputs,
)
from .targets import compile_built


class RunPanel(ipywidgets.VBox):
    def __init__(self, explorer):
        self.explorer = explorer
        self.sample = ipywidgets.BoundedIntText(value=0, min=0, max=0, description="sample",
                                                layout=ipywidgets.Layout(width="150px"))
        self.simulate_button = ipywidgets.Button(description="Simulate", icon="play",
                                                 tooltip="clear vs simulated outputs")
        self.run_button = ipywidgets.Button(description="Compile & run encrypted",
                                            button_style="primary", icon="lock",
                                            layout=ipywidgets.Layout(width="210px"))
        self.cancel_button = ipywidgets.Button(description="Cancel", icon="stop",
                                               disabled=True, button_style="warning")
        self.progress = ipywidgets.FloatProgress(value=0, min=0, max=1,
                                                 layout=ipywidgets.Layout(width="320px"))
        self.stage = ipywidgets.HTML("")
        self.facts = ipywidgets.HTML("")
        self.outputs = ipywidgets.HTML("")
        self.timings = ipywidgets.HTML("")
        self.simulate_button.on_click(lambda _: self.simulate())
        self.run_button.on_click(lambda _: self.compile_and_run(background=True))
        self.cancel_button.on_click(lambda _: self.cancel())
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._circuits: dict[int, object] = {}
        self.columns: dict[str, object] = {}
        self.record: RunRecord | None = None
        super().__init__([
            ipywidgets.HBox([self.sample, self.simulate_button, self.run_button,
                             self.cancel_button]),
            ipywidgets.HBox([self.progress, self.stage]), self.outputs,
            ipywidgets.HBox([self.facts, self.timings])])
        self.reset()

    # -- state -------------------------------------------------------------------------------
    @property
    def built(self):
        return self.explorer.session.snapshot.built

    def reset(self) -> None:
        """A new setting: forget outputs (circuits stay cached per program)."""
        samples = self.built.samples
        count = 0
        if samples is not None:
            try:
                count = len(first_sample_columns(samples, self.built.program.input_names))
            except Exception:  # an inputset the stacker rejects: run panel shows the error
                count = 0
        self.sample.max = max(count - 1, 0)
        compatible = self.built.program.is_compatible
        self.run_button.disabled = not compatible or samples is None
        self.simulate_button.disabled = samples is None
        self.run_button.tooltip = ("" if compatible else
                                   "fix the compatibility issues first (see the verdict)")
        self.columns = {}
        self.outputs.value = ""
        self.stage.value = ("" if compatible else
                            '<span style="color:#e5484d">not FHE-compatible: '
                            'simulation only</span>')
        self.progress.value = 0

    def _args(self):
        return first_sample(self.built.samples, self.built.program.input_names,
                            self.sample.value)

    def _show(self) -> None:
        self.outputs.value = html.outputs_html(self.columns)

    def _report(self, progress: Progress) -> None:
        self.progress.value = progress.fraction
        self.progress.bar_style = {"done": "success", "cancelled": "warning"}.get(
            progress.stage, "info")
        message = "" if progress.message == progress.stage else progress.message
        self.stage.value = (f'<span class="fhe-stage" data-stage="{html.esc(progress.stage)}" '
                            f'style="font-family:Helvetica,Arial,sans-serif;font-size:12px">'
                            f'<b>{html.esc(progress.stage)}</b> {html.esc(message)}</span>')

    # -- actions -----------------------------------------------------------------------------
    def simulate(self) -> dict[str, object]:
        args = self._args()
        circuit = self._circuits.get(id(self.built.program))
        self.columns = simulate_outputs(self.built, circuit, args)
        self._show()
        return self.columns

    def compile_and_run(self, background: bool = True):
        """Parameter choice, keygen, encrypt, bootstraps, decrypt (in a thread by default)."""
        if self._thread is not None and self._thread.is_alive():
            return None
        self._cancel.clear()
        self.run_button.disabled, self.cancel_button.disabled = True, False
        if background:
            self._thread = threading.Thread(target=self._work, daemon=True)
            self._thread.start()
            return self._thread
        self._work()
        return self.record

    def _show_waterfall(self, circuit) -> None:
        """Add the stage with FHE errors to the explorer's accuracy waterfall (torch)."""
        session = getattr(self.explorer, "session", None)
        if session is not None and hasattr(self.explorer, "waterfall") \
                and "with FHE errors" not in session.snapshot.fhe_stages:
            session.add_fhe_stages(circuit)
            self.explorer.waterfall.value = session.waterfall_html()

    def cancel(self) -> None:
        self._cancel.set()
        self.stage.value = "<i>cancelling at the next step…</i>"

    def wait(self, timeout: float | None = None) -> RunRecord | None:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.record

    def _work(self) -> None:
        built = self.built
        record = RunRecord()
        self.record = record
        try:
            circuit = self._circuits.get(id(built.program))
            if circuit is None:
                circuit = compile_with_progress(lambda: compile_built(built), self._report,
                                                self._cancel, record)
                self._circuits = {id(built.program): circuit}
            self._show_waterfall(circuit)
            parameters, sizes = circuit_facts(circuit)
            self.facts.value = ('<div style="display:flex;gap:28px">' +
                                html.key_value_html("parameters", parameters) +
                                html.key_value_html("keys", sizes) + "</div>")
            args = self._args()
            self.columns = simulate_outputs(built, circuit, args)
            self._show()
            run_encrypted(circuit, args, self._report, self._cancel, record)
            if not record.cancelled:
                self.columns["encrypted (decrypted)"] = record.outputs
                self._show()
            self.timings.value = html.key_value_html("seconds", record.timings())
        except Exception as error:  # shown in the panel: a thread has nowhere else to report
            record.error = "".join(traceback.format_exception_only(type(error), error)).strip()
            self.stage.value = (f'<span style="color:#e5484d">{html.esc(record.error)}</span>')
            self.progress.bar_style = "danger"
        finally:
            self.run_button.disabled = not built.program.is_compatible
            self.cancel_button.disabled = True


def first_sample_columns(samples, names):
    """The stacked first column of an inputset (to count its samples)."""
    from ..compiler.inputs import stack_inputset

    return stack_inputset(samples, names)[0]

"""What the panels show, as data: verdicts, node details, histograms, lookup tables, the
node table, charts, run stages, knobs and locations."""
from __future__ import annotations

import numpy as np
import pytest
from widget_programs import build_quantized, relu_half

from fhe_assistant.core.location import SourceLocation
from fhe_assistant.widgets.charts import format_number, histogram_svg, line_chart_svg
from fhe_assistant.widgets.inspect import (
    lookup_plot,
    node_details,
    node_values,
    sample_rows,
    value_histogram,
)
from fhe_assistant.widgets.locations import is_user_file, shown_location
from fhe_assistant.widgets.runner import first_sample, human_bytes, lookup_layers
from fhe_assistant.widgets.table import node_rows, sort_rows
from fhe_assistant.widgets.targets import Built, Knob, as_built, infer_knobs
from fhe_assistant.widgets.verdict import verdict_of


def test_verdict_of_a_compatible_program(relu_program):
    verdict = verdict_of(relu_program)
    assert verdict.compatible and verdict.items == () and verdict.headline == "FHE-compatible"
    assert verdict.summary == ("9 nodes · max 6-bit integer · 2 table lookups (2 PBS) · "
                               "lookup limit 8 bits")


def test_verdict_items_name_node_line_and_fix(wide_program):
    verdict = verdict_of(wide_program)
    assert not verdict.compatible
    assert [item.node_id for item in verdict.items] == [1, 6, 8]
    assert verdict.headline == "not FHE-compatible: 3 nodes to fix"
    first = verdict.items[0]
    assert first.kind == "tlu-too-wide" and first.bit_width == 12 and first.limit == 8
    assert "widget_programs.py" in first.location and "np.sin" in first.code
    assert "round_bit_pattern" in first.suggestion
    assert set(verdict.broken_nodes()) == {1, 6, 8}


def test_node_details(relu_program, wide_program):
    details = node_details(relu_program, 6)
    assert details.title == "%6 maximum" and details.is_lookup
    assert details.bounds == "[0, 25]" and details.dtype == "uint5" and details.bit_width == 5
    assert "np.maximum" in details.code and details.users == (8,)
    assert details.expression == "maximum(%4, %5)"
    wide = node_details(wide_program, 1)
    assert wide.fused_ops[-3:] == ("sin", "multiply", "astype")
    assert wide.issues and "12-bit" in wide.issues[0]


def test_histograms_bin_integers_one_per_value_or_in_integer_steps():
    small = value_histogram(np.array([0, 1, 1, 3]))
    assert small.integer and list(small.edges) == [0, 1, 2, 3, 4]
    assert list(small.counts) == [1, 2, 0, 1] and small.total == 4
    wide = value_histogram(np.arange(1000), max_bins=10)
    assert wide.bin_width == 100 and wide.counts.sum() == 1000 and len(wide.counts) == 10
    floats = value_histogram(np.linspace(0, 1, 50), max_bins=5)
    assert not floats.integer and floats.counts.sum() == 50
    empty = value_histogram(np.array([]))
    assert empty.total == 0


def test_node_values_over_the_inputset(relu_program):
    values = node_values(relu_program, np.arange(16))
    assert set(values) == set(range(9))
    assert values[6].shape == (16,) and values[6].max() == 25
    assert list(values[8]) == list(np.maximum(3 * np.arange(16) - 20, 0) // 2)
    rows = sample_rows([np.arange(10_000)], limit=100)
    assert rows[0].shape == (100,) and rows[0][0] == 0 and rows[0][-1] == 9999


def test_lookup_plot_tabulates_over_the_measured_range(relu_program, wide_program):
    plot = lookup_plot(relu_program, 6)
    assert plot.operand_id == 4 and list(plot.x) == list(range(-20, 26))
    (label, y), = plot.series
    assert label == "maximum" and list(y) == list(np.maximum(plot.x, 0))
    assert lookup_plot(relu_program, 4) is None                  # not a lookup
    fused = lookup_plot(wide_program, 1)
    assert list(fused.series[0][1][:3]) == [0, 8, 9]             # int(sin(0..2) * 10)


def test_node_table_lists_widest_first_and_flags_broken_nodes(wide_program):
    rows = node_rows(wide_program)
    widths = [r["bit_width"] for r in rows if r["bit_width"] is not None]
    assert widths == sorted(widths, reverse=True) and rows[0]["id"] == 6
    assert {r["id"] for r in rows if r["breaks"]} == {1, 6, 8}
    by_id = node_rows(wide_program, "id", True)
    assert [r["id"] for r in by_id] == list(range(9))
    assert [r["x"] for r in sort_rows([{"id": 0, "x": None}, {"id": 1, "x": 2},
                                       {"id": 2, "x": 1}], "x", True)] == [1, 2, None]


def test_charts_are_self_contained_svg():
    svg = histogram_svg(value_histogram(np.array([1, 2, 2, 5])), "values")
    assert svg.startswith('<svg class="fhe-histogram"') and svg.count("<rect") == 5
    chart = line_chart_svg([2, 3, 4], [("accuracy", [0.5, 0.9, 0.95])],
                           right=[("bits", [6, 9, 12])], right_limit=8, highlight_x=3,
                           markers=True, title="t", x_label="n_bits")
    assert "limit 8 bits" in chart and 'class="fhe-current"' in chart
    assert chart.count("<polyline") == 2 and "accuracy" in chart and "bits (right)" in chart
    assert "no data" in line_chart_svg([], [])
    assert format_number(3.0) == "3" and format_number(0.955) == "0.955"
    assert format_number(123456.0) == "123456" and format_number(1e-5) == "1e-05"


def test_lookup_layers_group_lookups_by_depth(relu_program):
    analysis = relu_program.analysis
    layers = lookup_layers(analysis.lowered, analysis.plan.lookups)
    assert len(layers) == 2 and all(len(layer) == 1 for layer in layers)
    assert layers[0][0] < layers[1][0]


def test_first_sample_and_sizes():
    assert first_sample(np.arange(5), ["x"], 3) == (3,)
    pair = first_sample([(1, 2), (3, 4)], ["a", "b"], 9)
    assert [int(v) for v in pair] == [3, 4]
    assert human_bytes(100) == "100 B" and human_bytes(2048) == "2.0 KiB"
    assert human_bytes(3 * 2**30) == "3.0 GiB"


def test_knobs_from_ranges_or_defaults():
    def build(n_bits=4, rounding=0):
        return None

    knobs = infer_knobs(build)
    assert knobs == (Knob("n_bits", 1, 8, 4), Knob("rounding", 0, 8, 0))
    assert infer_knobs(build, {"n_bits": (2, 6)}) == (Knob("n_bits", 2, 6, 4),)
    assert infer_knobs(build, {"n_bits": (2, 6, 9)})[0].default == 6
    assert Knob("a", 1, 3, 2).clamp(7) == 3
    with pytest.raises(ValueError, match="sliders"):
        infer_knobs(lambda x: x)


def test_what_build_functions_may_return(relu_program):
    inputset = np.arange(16)
    assert as_built(relu_program).program is relu_program
    assert as_built((relu_program, inputset)).inputset is inputset
    from_compiler = as_built((relu_half, inputset))
    assert from_compiler.function is relu_half.function and from_compiler.program.is_compatible
    mapped = as_built(build_quantized(3))
    assert isinstance(mapped, Built) and callable(mapped.accuracy)
    with pytest.raises(TypeError, match="FHEProgram"):
        as_built(42)


def test_library_frames_are_not_shown_as_user_code(relu_program):
    node = relu_program.graph.graph[6]
    assert shown_location(node)[0].startswith("widget_programs.py:")
    import traitlets
    assert not is_user_file(traitlets.__file__)
    assert not is_user_file(np.__file__) and not is_user_file("")
    library = type(node)(node.id, node.op, node.operands, node.spec, node.attrs,
                         SourceLocation(traitlets.__file__, 10, "f"))
    assert shown_location(library) == ("", "")


def test_tags_show_in_the_node_table_and_the_inspector():
    import fhe_assistant as fhe
    from fhe_assistant.widgets.html import details_html

    def function(x):
        with fhe.tag("scale"):
            y = x * 3
        return y + 1

    program = fhe.Compiler(function, {"x": "encrypted"}).trace(range(8))
    rows = {r["id"]: r for r in node_rows(program, "id", True)}
    assert rows[2]["tag"] == "scale" and rows[3]["tag"] == ""
    assert node_details(program, 2).tag == "scale"
    assert ">tag</td>" in details_html(node_details(program, 2))


def test_graph_tooltips_show_the_tag():
    import fhe_assistant as fhe
    from fhe_assistant.widgets.dot import node_tooltip

    def function(x):
        with fhe.tag("block.scale"):
            y = x * 3
        return y + 1

    program = fhe.Compiler(function, {"x": "encrypted"}).trace(range(8))
    assert "@ block.scale" in node_tooltip(program.graph.graph[2], None).splitlines()
    assert "@" not in node_tooltip(program.graph.graph[4], None)

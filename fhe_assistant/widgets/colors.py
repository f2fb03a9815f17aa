"""The bit-width colour scale shared by the graph, the legend and the node table.

Encrypted integers are coloured on a sequential scale from 1 bit (light) to the table-lookup
limit and beyond (dark); nodes that prevent compilation are red; clear values are white and
encrypted floats (inside fused subgraphs) lilac.
"""
from __future__ import annotations

from dataclasses import dataclass

#: ColorBrewer YlGnBu, light to dark: one step per bucket of bit widths.
SCALE = ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8",
         "#253494", "#081d58")
BROKEN = "#e5484d"         # a node named by the compatibility report
CLEAR = "#ffffff"          # a clear (unencrypted) value
FLOAT = "#e9d8fd"          # an encrypted float, only inside fused subgraphs
SELECTED = "#ff8c00"       # the border of the selected node
DARK_TEXT = "#1a1a1a"
LIGHT_TEXT = "#ffffff"


def scale_top(limit: int) -> int:
    """The bit width that gets the darkest colour (at least 8, else the limit)."""
    return max(int(limit), 8)


def bit_width_color(bit_width: int, limit: int = 8) -> str:
    """The fill colour of an encrypted integer of ``bit_width`` bits."""
    top = scale_top(limit)
    width = min(max(int(bit_width), 1), top)
    bucket = round((width - 1) * (len(SCALE) - 1) / (top - 1))
    return SCALE[bucket]


def text_color(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill`` (a ``#rrggbb`` colour)."""
    red, green, blue = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return DARK_TEXT if luminance > 140 else LIGHT_TEXT


@dataclass(frozen=True, slots=True)
class LegendEntry:
    label: str
    fill: str
    border: str = "#555555"


def legend(limit: int = 8) -> list[LegendEntry]:
    """Entries for the legend: the bit-width scale, then the special colours."""
    top = scale_top(limit)
    widths = sorted({1, 2, 3, 4, 5, 6, 7, 8, limit, top})
    entries = [LegendEntry(f"{w}{'+' if w == top else ''}", bit_width_color(w, limit))
               for w in widths if w <= top]
    entries += [LegendEntry("clear", CLEAR, "#999999"), LegendEntry("float", FLOAT),
                LegendEntry(f"breaks FHE (>{limit}-bit lookup…)", BROKEN)]
    return entries

"""Suite-wide settings: every compilation verifies the graph after each pass (ir.verify)."""
import os

os.environ.setdefault("FHE_ASSISTANT_VERIFY_PASSES", "1")

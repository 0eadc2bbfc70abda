"""Record the fixtures behind the README and the demo, and rewrite the README's output blocks.

Runs the README's Python blocks and ``pywhy-llm-assist demo`` on the embedded model with
``cache_mode=record_missing`` (answers already recorded are reused), then writes what they
printed into the README. A block whose output differs only in its usage line is left as it
is: a rerun reports cache hits where the first run called the model.
``tests/test_readme.py`` replays the same fixtures and checks that the README still shows
exactly that output.

Usage: python scripts/record_fixtures.py [--refresh]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import _readme


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", help="drop the fixtures and record anew")
    args = parser.parse_args()
    if args.refresh:
        shutil.rmtree(_readme.README_FIXTURES, ignore_errors=True)
        shutil.rmtree(_readme.DEMO_FIXTURES, ignore_errors=True)
    text = _readme.README.read_text(encoding="utf-8")
    outputs = _readme.run_python_blocks(text, "record_missing")
    pairs = list(zip(_readme.executed_pairs(text), outputs, strict=True))
    for (_, output_block), output in reversed(pairs):
        if output_block is not None and _readme.without_usage(output) != _readme.without_usage(
            output_block.code
        ):
            text = _readme.replace_block(text, output_block, output)
    with tempfile.TemporaryDirectory() as folder:
        report = _readme.run_demo(Path(folder) / "demo", "record_missing")
    demo_block = next(b for b in _readme.blocks(text) if b.before == _readme.DEMO_MARKER)
    shown = _readme.shown_demo_lines(report)
    if _readme.without_usage(shown) != _readme.without_usage(demo_block.code):
        text = _readme.replace_block(text, demo_block, shown)
    _readme.README.write_text(text, encoding="utf-8")
    print(f"recorded into {_readme.README_FIXTURES} and {_readme.DEMO_FIXTURES}; README updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`Assistant`, the public entry point to every task, and the `suggest_graph` shortcut.

`MODEL_VARIABLE` is its interface for the command line; `Assistant` itself is re-exported
from `pywhy_llm_assist`.
"""

from ._assistant import MODEL_VARIABLE

__all__ = ["MODEL_VARIABLE"]

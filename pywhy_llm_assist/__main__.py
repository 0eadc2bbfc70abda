"""``python -m pywhy_llm_assist``: the same as the ``pywhy-llm-assist`` command."""

import sys

from .cli._main import main

if __name__ == "__main__":
    sys.exit(main())

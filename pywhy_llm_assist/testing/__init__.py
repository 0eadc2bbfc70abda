"""Test helpers for users of pywhy-llm-assist: a scripted model and a fake OpenAI server.

Example:
    >>> from pywhy_llm_assist.testing import ScriptedModel
    >>> ScriptedModel([{"causes": []}]).remaining
    1
"""

from ._scripted import RawResponse, ScriptedModel, completion

__all__ = ["RawResponse", "ScriptedModel", "completion"]

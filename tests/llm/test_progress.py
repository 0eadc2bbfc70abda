"""ProgressBar and progress=True: a tqdm bar in a terminal, tqdm.auto (a widget) in Jupyter."""

from __future__ import annotations

import io
import time
from typing import Any, ClassVar

import pytest
import tqdm.auto
import tqdm.std

from pywhy_llm_assist import Assistant, InputError, ProgressBar, ProgressEvent
from pywhy_llm_assist.testing import ScriptedModel


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_the_stream_is_not_a_terminal() -> None:
    stream = io.StringIO()
    with ProgressBar("x", stream=stream) as bar:
        bar(ProgressEvent("per_node", 1, 2, "per_node query about 'a'"))
    assert not bar.enabled and stream.getvalue() == ""


def test_draws_done_of_total_and_the_query_on_a_terminal_then_erases_itself() -> None:
    stream = FakeTerminal()
    with ProgressBar("suggest-graph", stream=stream, leave=False) as bar:
        assert "suggest-graph" in stream.getvalue()  # shown before the first answer
        bar(ProgressEvent("per_node", 1, 4, "per_node query about 'age'"))
        drawn = stream.getvalue()
        assert "1/4" in drawn and "25%" in drawn and "per_node query about 'age'" in drawn
    assert stream.getvalue().endswith("\r")
    written = len(stream.getvalue())
    bar(ProgressEvent("per_node", 2, 4, "late"))
    time.sleep(0.01)
    assert len(stream.getvalue()) == written  # nothing drawn after close


def test_the_elapsed_time_keeps_moving_while_an_answer_is_awaited() -> None:
    stream = FakeTerminal()
    with ProgressBar("critique", stream=stream) as bar:
        bar(ProgressEvent("critique", 0, 1, "critique query"))
        first = stream.getvalue()
        deadline = time.monotonic() + 10
        while stream.getvalue() == first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stream.getvalue() != first  # redrawn with no new event


class RecordingBar(tqdm.std.tqdm):  # type: ignore[type-arg]
    """Stands in for tqdm.auto's class (the Jupyter widget in a notebook)."""

    made: ClassVar[list[RecordingBar]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.out = kwargs["file"] = io.StringIO()
        super().__init__(*args, **kwargs)
        RecordingBar.made.append(self)


def test_progress_true_draws_a_tqdm_auto_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    RecordingBar.made.clear()
    monkeypatch.setattr(tqdm.auto, "tqdm", RecordingBar)
    model = ScriptedModel(respond=lambda request: {"causes": []})
    assistant = Assistant("scripted", client=model, cache_mode="off")
    assistant.suggest_graph(["a", "b", "c", "d", "e"], strategy="per_node", progress=True)
    (bar,) = RecordingBar.made
    assert (bar.n, bar.total, bar.desc) == (5, 5, "suggest-graph")
    assert "5/5" in bar.out.getvalue()  # drawn although the test's stderr is no terminal
    assert bar.leave is True  # a notebook keeps the finished bar
    reply = {"measured": [], "unmeasured": []}
    with Assistant("scripted", client=ScriptedModel([reply]), cache_mode="off") as other:
        other.suggest_confounders("a", "b", ["a", "b", "c"], progress=True)
    assert RecordingBar.made[1].desc == "confounders" and RecordingBar.made[1].n == 1


def test_progress_false_draws_nothing_and_a_callable_gets_every_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    RecordingBar.made.clear()
    monkeypatch.setattr(tqdm.auto, "tqdm", RecordingBar)
    events: list[ProgressEvent] = []
    model = ScriptedModel(respond=lambda request: {"causes": []})
    assistant = Assistant("scripted", client=model, cache_mode="off")
    assistant.suggest_graph(["a", "b", "c", "d"], strategy="per_node", progress=False)
    assistant.suggest_graph(["a", "b", "c", "d"], strategy="per_node", progress=events.append)
    assert RecordingBar.made == []
    assert [event.done for event in events] == [1, 2, 3, 4]


def test_progress_of_another_type_is_an_input_error() -> None:
    assistant = Assistant("scripted", client=ScriptedModel([]), cache_mode="off")
    with pytest.raises(InputError, match="progress must be True"):
        assistant.suggest_graph(["a", "b"], progress="yes")  # type: ignore[arg-type]

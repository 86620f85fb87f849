"""The ``infsh`` translator: an LLM app on inference.sh (by default ``openrouter/claude-haiku-45``).

Sentences go out in numbered batches (``InfshOptions.batch_size``) with the sentences around them as
context and the glossary terms they contain; the app gets ``text`` and ``system_prompt`` and answers
in ``response``, one ``N. translation`` line per sentence. Every reply is checked: each number exactly
once, none empty, no numbers that were not asked. What did not come back right is asked again on its
own; a batch whose reply cannot be used at all is split in two and each half retried, down to single
sentences. A sentence whose translation breaks the glossary is asked once more with the rule spelled
out. After ``max_attempts`` tries the error names the sentence ids that failed.

With a ``journal`` (the job keeps one in its output folder), every request is an inference.sh task
recorded in a :class:`~captionkit.infsh.tasks.TaskJournal`, keyed by the app (and so its model) and its
inputs: the prompt with its batch, context and glossary terms, the system prompt and the temperature.
A run that stopped (a crash, a kill, a failed language) and is started again reuses every reply it
already has, and polls a task still running instead of paying for it again.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ...errors import CaptionkitError
from ..glossary import glossary_breaks
from ..sentences import Sentence
from . import Request, describe_ids

_NUMBERED = re.compile(r"^\s*\[?(\d+)\s*[\].:)\-]\s*(.*)$")


@dataclass(frozen=True)
class InfshOptions:
    """Batching and retry limits of the LLM translator."""

    app: str = "openrouter/claude-haiku-45"
    #: Sentences per request.
    batch_size: int = 20
    #: Sentences shown before and after a batch as context (not translated).
    context: int = 3
    #: Requests a sentence may take before the job gives up on it.
    max_attempts: int = 4
    temperature: float = 0.2
    timeout: float = 600.0


def language_label(code: str) -> str:
    from ...render.mux import language_name

    name = language_name(code)
    return f"{name} ({code})" if name else code


class InfshTranslator:
    """Translate with an inference.sh LLM app (see the module docstring)."""

    name = "infsh"

    def __init__(self, options: InfshOptions = InfshOptions(), client: Any = None, journal: Path | None = None) -> None:
        self.options = options
        self._client = client
        self.journal = journal
        self.requests = 0
        self._asked: Counter[str] = Counter()  # how often each exact request was made in this run

    @property
    def client(self):
        if self._client is None:
            from ...infsh.client import connect

            self._client = connect()
        return self._client

    def translate(self, request: Request) -> dict[str, str]:
        done: dict[str, str] = {}
        attempts: dict[str, int] = {sentence.id: 0 for sentence in request.sentences}
        queue = [list(request.sentences[i:i + self.options.batch_size])
                 for i in range(0, len(request.sentences), self.options.batch_size)]
        reminded: set[str] = set()
        while queue:
            batch = queue.pop(0)
            for sentence in batch:
                attempts[sentence.id] += 1
            replies = self._ask(batch, request, strict=bool(reminded & {s.id for s in batch}))
            good = {s.id: replies[i] for i, s in enumerate(batch, start=1) if i in replies}
            for sentence_id, text in list(good.items()):
                if sentence_id not in reminded and _breaks_glossary(request, sentence_id, text):
                    reminded.add(sentence_id)
                    del good[sentence_id]
            done.update(good)
            left = [s for s in batch if s.id not in good]
            if not left:
                continue
            exhausted = [s.id for s in left if attempts[s.id] >= self.options.max_attempts]
            if exhausted:
                raise CaptionkitError(
                    f"{self.options.app} did not return a usable translation into {request.target_language} "
                    f"after {self.options.max_attempts} tries for {describe_ids(sentence=exhausted)}; run again, "
                    "or use --translator file for those sentences"
                )
            if len(left) == len(batch) and len(batch) > 1:  # nothing usable: split and retry each half
                middle = len(batch) // 2
                queue[:0] = [batch[:middle], batch[middle:]]
            else:
                queue.insert(0, left)
        return done

    def _ask(self, batch: Sequence[Sentence], request: Request, *, strict: bool) -> dict[int, str]:
        from ...infsh.client import InfshError

        self.requests += 1
        inputs = {
            "text": prompt(batch, request, self.options.context),
            "system_prompt": system_prompt(request, strict=strict),
            "temperature": self.options.temperature,
        }
        try:
            result = self._run(inputs)
        except InfshError as error:
            raise CaptionkitError(f"translation with {self.options.app} failed: {error}") from None
        return parse_reply(str((result.output or {}).get("response") or ""), len(batch))

    def _run(self, inputs: dict[str, Any]):
        """The completed task for ``inputs``: from the journal when an earlier run paid for it."""
        if self.journal is None:
            return self.client.run(self.options.app, inputs, timeout=self.options.timeout)
        from ...infsh.tasks import TaskJournal, TaskRequest, run_tasks

        identity = TaskRequest("", self.options.app, inputs).input_hash()
        self._asked[identity] += 1  # the same request asked again in one run is a new task, found again on a rerun
        request = TaskRequest(f"translate-{self._asked[identity]}", self.options.app, inputs)
        states = run_tasks(self.client, [request], TaskJournal(self.journal), concurrency=1,
                           timeout=self.options.timeout, retry_failed=True)
        return states[request.key]


def make(*, app: str | None = None, client: Any = None, options: InfshOptions | None = None,
         journal: Path | None = None, **_: object):
    chosen = options or InfshOptions()
    if app:
        from dataclasses import replace

        chosen = replace(chosen, app=app)
    return InfshTranslator(chosen, client, journal)


def system_prompt(request: Request, *, strict: bool = False) -> str:
    source, target = language_label(request.source_language), language_label(request.target_language)
    rules = [
        f"You translate video subtitles from {source} into {target}.",
        "Translate each numbered sentence as a whole, naturally and concisely: subtitles have little room, "
        "so prefer the shorter of two faithful wordings.",
        "Answer with exactly one line per numbered sentence, in the form `N. translation`, in the same order, "
        "and nothing else: no notes, no blank translations, no merged or split sentences.",
        "The context lines are for meaning only; do not translate them.",
    ]
    if request.glossary.terms:
        rules.append("Glossary terms must appear exactly as the glossary says.")
    if strict:
        rules.append("A previous answer broke the glossary: follow each glossary rule word for word.")
    return "\n".join(rules)


def prompt(batch: Sequence[Sentence], request: Request, context: int) -> str:
    """The numbered batch with the sentences around it and the glossary entries it needs."""
    ids = [sentence.id for sentence in request.sentences]
    first, last = ids.index(batch[0].id), ids.index(batch[-1].id)
    before = request.sentences[max(first - context, 0):first]
    after = request.sentences[last + 1:last + 1 + context]
    parts = []
    if before:
        parts.append("Context before (do not translate):\n" + "\n".join(s.text for s in before))
    if after:
        parts.append("Context after (do not translate):\n" + "\n".join(s.text for s in after))
    terms = request.glossary.instructions([s.text for s in batch], request.target_language)
    if terms:
        parts.append("Glossary:\n" + "\n".join(terms))
    parts.append(f"Translate into {language_label(request.target_language)}:\n"
                 + "\n".join(f"{number}. {s.text}" for number, s in enumerate(batch, start=1)))
    return "\n\n".join(parts)


def parse_reply(response: str, count: int) -> dict[int, str]:
    """The translations in ``response`` by number; numbers given twice, out of range or empty are left out."""
    seen: dict[int, list[str]] = {}
    for line in response.splitlines():
        match = _NUMBERED.match(line)
        if match:
            seen.setdefault(int(match.group(1)), []).append(match.group(2).strip())
    return {number: texts[0] for number, texts in seen.items()
            if 1 <= number <= count and len(texts) == 1 and texts[0]}


def _breaks_glossary(request: Request, sentence_id: str, text: str) -> bool:
    sentence = next(s for s in request.sentences if s.id == sentence_id)
    return bool(glossary_breaks(request.glossary, [sentence], {sentence_id: text}, request.target_language))

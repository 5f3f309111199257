"""The knowledge base and its local lexical index (BM25 via ``bm25s``): works offline, cites sources.

Passages are the ``##`` sections of the markdown files in ``resources/knowledge`` plus one generated
note per state from the calc rule data. The index is built once per process (about a second at most)
and queried in a few milliseconds.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import bm25s
from bm25s.stopwords import STOPWORDS_EN

from app.assistant.state_notes import state_notes
from calc.rules import rule_book

_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*$", re.MULTILINE)
_STATE_WORD = re.compile(r"\b([A-Z]{2})\b")


def knowledge_dir() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    root = Path(frozen_root) if frozen_root else Path(__file__).resolve().parents[2]
    return root / "resources" / "knowledge"


@dataclass(frozen=True, slots=True)
class Passage:
    id: str  # e.g. "desking.md#payment-grids" or "state-tax/TX"
    title: str
    text: str

    def source(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def split_markdown(name: str, text: str) -> list[Passage]:
    """One passage per ``##`` section (the text before the first one belongs to the document title)."""
    matches = list(_HEADING.finditer(text))
    doc_title = next((m.group(2) for m in matches if m.group(1) == "#"), name)
    sections = [m for m in matches if m.group(1) == "##"]
    passages: list[Passage] = []
    intro_end = sections[0].start() if sections else len(text)
    intro = _HEADING.sub("", text[:intro_end]).strip()
    if intro:
        passages.append(Passage(name, doc_title, intro))
    for index, match in enumerate(sections):
        end = sections[index + 1].start() if index + 1 < len(sections) else len(text)
        body = text[match.end() : end].strip()
        if body:
            title = f"{doc_title}: {match.group(2)}"
            passages.append(Passage(f"{name}#{_slug(match.group(2))}", title, f"{match.group(2)}\n{body}"))
    return passages


def load_passages(directory: Path | None = None, as_of: date | None = None) -> list[Passage]:
    folder = directory or knowledge_dir()
    passages: list[Passage] = []
    for path in sorted(folder.glob("*.md")):
        passages.extend(split_markdown(path.name, path.read_text(encoding="utf-8")))
    for code, title, note in state_notes(as_of):
        passages.append(Passage(f"state-tax/{code}", title, note))
    return passages


# Words every showroom question carries: they would match passages on incidental wording alone.
_DOMAIN_STOPWORDS = (
    "customer",
    "customers",
    "says",
    "say",
    "said",
    "tell",
    "tells",
    "me",
    "my",
    "our",
    "we",
    "do",
    "how",
)
_STOPWORDS = sorted({*STOPWORDS_EN, *_DOMAIN_STOPWORDS})


def _tokens(texts: Sequence[str]) -> list[list[str]]:
    tokenized = bm25s.tokenize(list(texts), stopwords=_STOPWORDS, show_progress=False, return_ids=False)
    return [list(tokens) for tokens in tokenized]


class KnowledgeBase:
    def __init__(self, passages: Sequence[Passage], version: str) -> None:
        if not passages:
            raise ValueError("knowledge: no passages to index")
        self.passages = list(passages)
        self.version = version
        self._states = {
            p.id.removeprefix("state-tax/"): i
            for i, p in enumerate(self.passages)
            if p.id.startswith("state-tax/")
        }
        book = rule_book()
        self._state_names = {
            timeline.versions[-1].name.lower(): code
            for code, timeline in book.states.items()
            if code in self._states
        }
        # Titles count three times: a heading says what a section is about better than its body.
        corpus = [f"{p.title} {p.title} {p.title} {p.text}" for p in self.passages]
        self._index = bm25s.BM25()
        self._index.index(_tokens(corpus), show_progress=False)
        self._lock = threading.Lock()

    def search(self, query: str, k: int = 4) -> list[Passage]:
        """The best passages for ``query``; a state code named in it brings that state's tax note."""
        tokens = _tokens([query])
        hits: list[Passage] = []
        if any(tokens[0]):
            with self._lock:  # bm25s keeps scratch state on the index object
                ids, scores = self._index.retrieve(
                    [tokens[0]], k=min(k, len(self.passages)), show_progress=False, n_threads=1
                )
            hits = [self.passages[int(i)] for i, s in zip(ids[0], scores[0], strict=True) if s > 0]
        lowered = query.lower()
        named = [code for name, code in self._state_names.items() if re.search(rf"\b{name}\b", lowered)]
        for code in [*_STATE_WORD.findall(query), *named]:
            index = self._states.get(code)
            if index is not None and self.passages[index] not in hits:
                hits.insert(0, self.passages[index])
        return hits[:k]

    def get(self, passage_id: str) -> Passage | None:
        return next((p for p in self.passages if p.id == passage_id), None)


_shared: KnowledgeBase | None = None
_shared_lock = threading.Lock()


def shared_knowledge() -> KnowledgeBase:
    """The product's knowledge base, built on first use and shared by every assistant in the process."""
    global _shared
    with _shared_lock:
        if _shared is None:
            files = sorted(knowledge_dir().glob("*.md"))
            stamp = "|".join(f"{p.name}:{p.stat().st_mtime_ns}" for p in files)
            _shared = KnowledgeBase(load_passages(), f"{rule_book().rules_version}|{stamp}")
        return _shared

"""Results: small typed objects that are also the JSON the server sent.

Every result is a ``dict`` subclass, so ``response["content"]``, ``json.dumps(response)`` and
``response == {...}`` work as with ``requests``' ``.json()``; fields are also attributes
(``response.content``), and nested objects are typed too (``agent.memory.blocks[0].value``).
The annotations list the fields the server sends; any field it adds later is reachable the same way.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional


class Record(dict):
    """A JSON object whose keys are also attributes (nested objects are Records too). It prints
    as the plain dict it is."""

    #: Field name -> Record class for nested objects (or lists of them).
    _nested: Dict[str, type] = {}

    def __init__(self, data: Optional[Dict[str, Any]] = None, **fields: Any) -> None:
        super().__init__(data or {}, **fields)
        for key, value in dict.items(self):
            cls = self._nested.get(key, Record)
            if isinstance(value, dict) and not isinstance(value, cls):
                dict.__setitem__(self, key, cls(value))
            elif isinstance(value, list):
                dict.__setitem__(self, key, [cls(v) if isinstance(v, dict) else v for v in value])

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None



class Block(Record):
    id: str
    label: str
    value: str
    limit: int
    description: Optional[str]
    read_only: bool
    metadata: Dict[str, Any]


class Memory(Record):
    blocks: List[Block]
    _nested = {"blocks": Block}


class Agent(Record):
    id: str
    name: str
    description: Optional[str]
    agent_type: str
    model: Optional[str]
    embedding: Optional[str]
    context_window_limit: Optional[int]
    system: str
    persona: str
    human: str
    memory: Memory
    tools: List[str]
    tags: List[str]
    metadata: Dict[str, Any]
    created_at: str
    updated_at: str
    _nested = {"memory": Memory}


class Deleted(Record):
    deleted: bool
    id: str
    name: str


class Conversation(Record):
    id: str
    agent_id: str
    summary: Optional[str]
    is_default: bool
    created_at: str
    updated_at: str
    last_message_at: Optional[str]


class Message(Record):
    """A Letta typed message; ``message_type`` says which (user_message, assistant_message, ...)."""

    id: str
    date: str
    message_type: str


class Usage(Record):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    step_count: int


class Response(Record):
    """The answer to a message: ``content`` is the text of the assistant's reply."""

    content: str
    messages: List[Message]
    stop_reason: str
    usage: Usage
    conversation_id: str
    run_id: str
    _nested = {"messages": Message, "usage": Usage}


class ErrorInfo(Record):
    detail: str
    code: str


class BatchError(Record):
    """A batch message that failed: ``error`` holds its ``detail`` and ``code``."""

    error: ErrorInfo
    _nested = {"error": ErrorInfo}


class StreamLine(Record):
    """One NDJSON line of a streamed reply.

    ``{"content": "<delta>"}`` carries assistant text; typed lines (``type``: reasoning_message,
    tool_call_message, tool_return_message, keepalive, ...) have no ``content``; the last line
    has ``done: True`` with ``stop_reason``, ``usage``, ``run_id`` and ``conversation_id``.
    """

    _nested = {"usage": Usage, "error": ErrorInfo}

    @property
    def is_done(self) -> bool:
        return dict.get(self, "done") is True


class Passage(Record):
    id: str
    text: str
    tags: List[str]
    created_at: str
    embedding_model: Optional[str]


class SearchHit(Passage):
    score: float


class SearchResult(Record):
    search_mode: str
    results: List[SearchHit]
    _nested = {"results": SearchHit}


class Run(Record):
    id: str
    agent_id: str
    conversation_id: Optional[str]
    status: str
    stop_reason: Optional[str]
    background: bool
    created_at: str
    completed_at: Optional[str]
    total_usage: Usage
    _nested = {"total_usage": Usage}

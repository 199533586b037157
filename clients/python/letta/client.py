"""The client over the tutorial API (`/agents/...`) and, for runs, Letta V1's `/v1/runs`."""

from __future__ import annotations

import os
import urllib.parse
from typing import Any, Dict, List, Optional, Sequence, Union, overload

try:
    from typing import Literal
except ImportError:  # pragma: no cover
    from typing_extensions import Literal  # type: ignore

from ._http import Transport
from .stream import MessageStream
from .types import (
    Agent,
    BatchError,
    Conversation,
    Deleted,
    Message,
    Passage,
    Record,
    Response,
    Run,
    SearchResult,
)

#: An agent: its name, its id, or an Agent this client returned.
AgentRef = Union[str, Agent]


def _seg(value: Union[str, Record]) -> str:
    """A path segment: the id of a Record, else the string, percent-encoded."""
    if isinstance(value, dict):
        value = value["id"]
    return urllib.parse.quote(str(value), safe="")


def _drop_none(fields: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def create_client(base_url: str = "http://localhost:8283", token: Optional[str] = None,
                  timeout: float = 60.0, max_retries: int = 2) -> "Client":
    """A client of the letta-ts server at ``base_url``.

    ``token`` is the API key sent as ``Authorization: Bearer <token>`` (servers started with
    ``--auth``); without one, ``LETTA_API_KEY`` from the environment is used when set.
    ``timeout`` (seconds) bounds connecting and each read; a 429 answer is retried after its
    ``Retry-After`` up to ``max_retries`` times.
    """
    if token is None:
        token = os.environ.get("LETTA_API_KEY") or None
    return Client(base_url, token=token, timeout=timeout, max_retries=max_retries)


class Client:
    """See :func:`create_client`. ``agent`` arguments take a name, an id or an :class:`Agent`."""

    def __init__(self, base_url: str, token: Optional[str] = None, timeout: float = 60.0,
                 max_retries: int = 2) -> None:
        self._http = Transport(base_url, token, timeout, max_retries)
        self.base_url = self._http.base_url

    # ---- agents --------------------------------------------------------------------------------
    def list_agents(self, limit: Optional[int] = None, after: Optional[str] = None) -> List[Agent]:
        """Agents, oldest first (``limit`` 1-1000, default 50; ``after`` an agent name or id)."""
        rows = self._http.json("GET", "/agents", {"limit": limit, "after": after})
        return [Agent(a) for a in rows]

    def get_agent(self, agent: AgentRef) -> Agent:
        return Agent(self._http.json("GET", f"/agents/{_seg(agent)}"))

    def create_agent(self, name: str, persona: Optional[str] = None, human: Optional[str] = None,
                     model: Optional[str] = None, system: Optional[str] = None,
                     description: Optional[str] = None, tags: Optional[Sequence[str]] = None,
                     metadata: Optional[Dict[str, Any]] = None, **fields: Any) -> Agent:
        """Creates an agent; ``fields`` passes any other field of ``POST /agents``
        (``embedding``, ``context_window_limit``, ``tools``, ``memory_blocks``, ``agent_type``)."""
        body = _drop_none({"name": name, "persona": persona, "human": human, "model": model,
                           "system": system, "description": description,
                           "tags": list(tags) if tags is not None else None, "metadata": metadata})
        body.update(fields)
        return Agent(self._http.json("POST", "/agents", body=body))

    def update_agent(self, agent: AgentRef, **fields: Any) -> Agent:
        """Updates ``name``, ``description``, ``system``, ``model``, ``persona``, ``human``,
        ``tags`` or ``metadata``."""
        return Agent(self._http.json("PATCH", f"/agents/{_seg(agent)}", body=fields))

    def delete_agent(self, agent: AgentRef) -> Deleted:
        return Deleted(self._http.json("DELETE", f"/agents/{_seg(agent)}"))

    # ---- messages ------------------------------------------------------------------------------
    @overload
    def send_message(self, agent: AgentRef, message: str, conversation_id: Optional[str] = ...,
                     stream: Literal[False] = ..., max_steps: Optional[int] = ...) -> Response: ...

    @overload
    def send_message(self, agent: AgentRef, message: str, conversation_id: Optional[str] = ...,
                     stream: Literal[True] = ..., max_steps: Optional[int] = ...) -> MessageStream: ...

    def send_message(self, agent: AgentRef, message: str, conversation_id: Optional[str] = None,
                     stream: bool = False,
                     max_steps: Optional[int] = None) -> Union[Response, MessageStream]:
        """Sends one user message and returns the reply (``response.content``).

        With ``stream=True`` returns a :class:`MessageStream`: iterate it for the NDJSON lines
        as they arrive (``{"content": "<delta>"}`` ..., then ``{"done": True, ...}``).
        ``conversation_id`` is a conversation id or ``"default"`` (the agent's own history).
        """
        body = _drop_none({"message": message, "conversation_id": conversation_id,
                           "max_steps": max_steps})
        path = f"/agents/{_seg(agent)}/messages"
        if stream:
            body["stream"] = True
            response = self._http.open("POST", path, body=body)
            return MessageStream(response, self._http.url(path))
        return Response(self._http.json("POST", path, body=body))

    def send_message_async(self, agent: AgentRef, message: str,
                           conversation_id: Optional[str] = None,
                           callback_url: Optional[str] = None) -> Run:
        """Starts the message in the background and returns its run (see :meth:`get_run`)."""
        body = _drop_none({"message": message, "conversation_id": conversation_id,
                           "callback_url": callback_url})
        return Run(self._http.json("POST", f"/agents/{_seg(agent)}/messages/async", body=body))

    def cancel(self, agent: AgentRef, run_ids: Optional[Sequence[str]] = None) -> Dict[str, str]:
        """Cancels the agent's active runs (or only ``run_ids``): ``{run_id: status}``."""
        body = {} if run_ids is None else {"run_ids": list(run_ids)}
        return dict(self._http.json("POST", f"/agents/{_seg(agent)}/messages/cancel", body=body))

    def batch(self, agent: AgentRef, messages: Sequence[str], conversation_id: Optional[str] = None,
              max_steps: Optional[int] = None) -> List[Union[Response, BatchError]]:
        """Sends ``messages`` one after another; one result per message, in order. A message
        that failed is a :class:`BatchError` (``result.error.code``) and the rest still run."""
        body = _drop_none({"messages": list(messages), "conversation_id": conversation_id,
                           "max_steps": max_steps})
        rows = self._http.json("POST", f"/agents/{_seg(agent)}/batch", body=body)
        return [BatchError(r) if "error" in r else Response(r) for r in rows]

    # ---- conversations -------------------------------------------------------------------------
    def list_conversations(self, agent: AgentRef, limit: Optional[int] = None,
                           after: Optional[str] = None) -> List[Conversation]:
        """The agent's conversations, oldest first; its default one comes first."""
        rows = self._http.json("GET", f"/agents/{_seg(agent)}/conversations",
                               {"limit": limit, "after": after})
        return [Conversation(c) for c in rows]

    def create_conversation(self, agent: AgentRef, summary: Optional[str] = None) -> Conversation:
        body = _drop_none({"summary": summary})
        return Conversation(self._http.json("POST", f"/agents/{_seg(agent)}/conversations", body=body))

    def get_conversation(self, agent: AgentRef, conversation: Union[str, Conversation] = "default"
                         ) -> Conversation:
        return Conversation(self._http.json(
            "GET", f"/agents/{_seg(agent)}/conversations/{_seg(conversation)}"))

    def list_messages(self, agent: AgentRef, conversation: Union[str, Conversation] = "default",
                      limit: Optional[int] = None, after: Optional[str] = None,
                      include_system: Optional[bool] = None) -> List[Message]:
        """A conversation's messages as Letta typed messages, oldest first."""
        rows = self._http.json(
            "GET", f"/agents/{_seg(agent)}/conversations/{_seg(conversation)}/messages",
            {"limit": limit, "after": after, "include_system": include_system})
        return [Message(m) for m in rows]

    # ---- archival memory -----------------------------------------------------------------------
    def insert_archival(self, agent: AgentRef, text: str,
                        tags: Optional[Sequence[str]] = None) -> Passage:
        """Adds a passage to the agent's archival memory."""
        body = _drop_none({"text": text, "tags": list(tags) if tags is not None else None})
        return Passage(self._http.json("POST", f"/agents/{_seg(agent)}/archival", body=body))

    def list_archival(self, agent: AgentRef, limit: Optional[int] = None,
                      after: Optional[str] = None) -> List[Passage]:
        rows = self._http.json("GET", f"/agents/{_seg(agent)}/archival",
                               {"limit": limit, "after": after})
        return [Passage(p) for p in rows]

    def search_archival(self, agent: AgentRef, query: str,
                        top_k: Optional[int] = None) -> SearchResult:
        """Searches archival memory by meaning and keywords: ``result.results[i].text``."""
        return SearchResult(self._http.json("GET", f"/agents/{_seg(agent)}/archival/search",
                                            {"query": query, "top_k": top_k}))

    # ---- runs ----------------------------------------------------------------------------------
    def get_run(self, run_id: str) -> Run:
        return Run(self._http.json("GET", f"/v1/runs/{_seg(run_id)}"))

    def list_runs(self, agent: Optional[AgentRef] = None, limit: Optional[int] = None,
                  active: Optional[bool] = None) -> List[Run]:
        """Runs, newest first; only ``agent``'s when given; only active ones with ``active=True``."""
        agent_id = None
        if agent is not None:
            agent_id = agent["id"] if isinstance(agent, dict) else agent
            if not agent_id.startswith("agent-"):
                agent_id = self.get_agent(agent_id).id
        rows = self._http.json("GET", "/v1/runs/",
                               {"agent_id": agent_id, "limit": limit, "active": active})
        return [Run(r) for r in rows]


#: The name Letta's own 0.x client class had.
RESTClient = Client

# Exercises every method of the installed `letta` client (clients/python) against a real
# `letta server`. Run by test/python-client.test.ts, which installs the package offline into a
# scratch directory and starts the servers: LETTA_BASE_URL (no auth), LETTA_AUTH_URL (--auth with
# LETTA_TEST_KEY, --rate-limit), LETTA_DEAD_URL (nothing listens). Prints `=== name ===` sections;
# any failed check raises, so the exit code tells.
import json
import os
import sys

_BASE_URL = os.environ["LETTA_BASE_URL"]


def section(name):
    print(f"\n=== {name} ===", flush=True)


# ---- the tutorial's snippet, as written (glue: the port, and `sam` must exist) -------------------
section("tutorial")
from letta import create_client

create_client(base_url=_BASE_URL).create_agent("sam", persona="You are Sam.", model="gpt-4o-mini")  # glue

# Connect to remote Letta server
client = create_client(base_url="http://localhost:8283")
client = create_client(base_url=_BASE_URL)  # glue: the test's port

# All operations work the same as local
agents = client.list_agents()
response = client.send_message("sam", "Hello from Python client!")
print([a.name for a in agents])
print(response["content"])
print(response.content)

# ---- everything else -------------------------------------------------------------------------
import letta
from letta import (APIConnectionError, APITimeoutError, AuthenticationError, BadRequestError,
                   ConflictError, NotFoundError, RateLimitError, StreamError)

section("types")
assert isinstance(response, dict) and isinstance(response, letta.Response)
assert response.usage.total_tokens == response["usage"]["total_tokens"] > 0
assert response.stop_reason == "end_turn", response.stop_reason
assert response.run_id.startswith("run-") and response.conversation_id.startswith("conv-")
assert [m.message_type for m in response.messages][-1] == "assistant_message"
assert json.loads(json.dumps(response))["content"] == response.content
try:
    response.no_such_field
    raise AssertionError("missing field did not raise")
except AttributeError as e:
    assert "no_such_field" in str(e)
print("ok")

section("agents")
ada = client.create_agent("ada", persona="You are Ada.", human="Name: Bob", model="gpt-4o-mini",
                          tags=["test"], embedding="openai/text-embedding-3-small")
assert isinstance(ada, letta.Agent) and ada.persona == "You are Ada." and ada["human"] == "Name: Bob"
assert isinstance(ada.memory.blocks[0], letta.Block) and ada.memory.blocks[0].label == "persona"
assert client.get_agent("ada").id == ada.id == client.get_agent(ada.id).id == client.get_agent(ada).id
ada = client.update_agent(ada, persona="You are Ada, a mathematician.", tags=["test", "math"])
assert ada.persona == "You are Ada, a mathematician." and ada.tags == ["test", "math"]
names = [a.name for a in client.list_agents()]
assert names == ["sam", "ada"], names
assert [a.name for a in client.list_agents(limit=1, after="sam")] == ["ada"]
print("created, got by name/id/object, updated, listed:", names)

section("conversations")
conv = client.create_conversation("ada", summary="maths")
assert isinstance(conv, letta.Conversation) and conv.summary == "maths" and not conv.is_default
convs = client.list_conversations("ada")
assert [c.is_default for c in convs] == [True, False] and convs[1].id == conv.id
assert client.get_conversation("ada", conv.id).id == conv.id
assert client.get_conversation("ada").is_default
r = client.send_message("ada", "What is 2+2?", conversation_id=conv.id)
assert r.conversation_id == conv.id and r.content == "You said: What is 2+2?", r
msgs = client.list_messages("ada", conv)
assert [m.message_type for m in msgs] == ["user_message", "assistant_message"], msgs
assert isinstance(msgs[0], letta.Message) and msgs[1]["content"] == "You said: What is 2+2?"
assert client.list_messages("ada") == []  # the default conversation is untouched
assert client.list_messages("ada", conv, include_system=True)[0].message_type == "system_message"
print("conversation, send into it, typed messages: ok")

section("streaming")
stream = client.send_message("ada", "Tell me a story", stream=True)
assert stream.run_id.startswith("run-")
pieces, status_at_first_line = [], None
for line in stream:
    assert isinstance(line, letta.StreamLine)
    if "content" in line:
        if status_at_first_line is None:
            # The line arrived while the run was still going: lines are read as they are written.
            status_at_first_line = client.get_run(stream.run_id).status
        pieces.append(line.content)
        print(line.content, end="", flush=True)
print()
assert status_at_first_line == "running", status_at_first_line
assert len(pieces) > 3 and "".join(pieces) == stream.content == os.environ["STORY"]
assert stream.done.is_done and stream.done.stop_reason == "end_turn" and stream.done.run_id == stream.run_id
assert stream.done.usage.total_tokens > 0

section("stream error")
lines = []
try:
    for line in client.send_message("ada", "FAIL", stream=True):
        lines.append(line)
    raise AssertionError("no StreamError")
except StreamError as e:
    assert e.code.startswith("LLM_") and e.done is not None and e.done.stop_reason == "llm_api_error", (e.code, e.done)
    assert lines[-1].is_done
    print("StreamError:", e.code)

section("batch")
results = client.batch("ada", ["one", "FAIL", "three"])
assert [type(x).__name__ for x in results] == ["Response", "BatchError", "Response"]
assert results[0].content == "You said: one" and results[2]["content"] == "You said: three"
assert results[1].error.code.startswith("LLM_")
print([x.content if isinstance(x, letta.Response) else x.error.code for x in results])

section("archival")
p = client.insert_archival("ada", "Ada drinks green tea", tags=["food"])
client.insert_archival("ada", "The meeting moved to Tuesday")
assert isinstance(p, letta.Passage) and p.id.startswith("passage-") and p.tags == ["food"]
assert [x.text for x in client.list_archival("ada")] == ["Ada drinks green tea", "The meeting moved to Tuesday"]
found = client.search_archival("ada", "green tea", top_k=1)
assert isinstance(found, letta.SearchResult) and found.results[0].text == "Ada drinks green tea"
assert found.results[0].score > 0
print("search:", found.search_mode, found.results[0].text)

section("runs")
run = client.send_message_async("ada", "SLOW")
assert isinstance(run, letta.Run) and run.id.startswith("run-") and run.background
assert any(x.id == run.id for x in client.list_runs("ada", active=True))
cancelled = client.cancel("ada")
assert cancelled == {run.id: "cancelled"}, cancelled
assert client.get_run(run.id).status == "cancelled"
try:
    client.cancel("ada")
    raise AssertionError("no ConflictError")
except ConflictError as e:
    assert (e.status, e.code) == (409, "NOTHING_TO_CANCEL")
assert client.get_run(r.run_id).total_usage.step_count >= 1
assert len(client.list_runs(ada, limit=2)) == 2
print("async run, list, cancel, get: ok")

section("errors")
try:
    client.get_agent("nobody")
    raise AssertionError("no NotFoundError")
except NotFoundError as e:
    assert (e.status, e.code) == (404, "AGENT_NOT_FOUND") and "nobody" in e.detail
    print("NotFoundError:", e)
try:
    client.create_agent("ada")
    raise AssertionError("no ConflictError")
except ConflictError as e:
    assert (e.status, e.code) == (409, "AGENT_NAME_TAKEN")
try:
    client.create_agent("bad name!")
    raise AssertionError("no BadRequestError")
except BadRequestError as e:
    assert (e.status, e.code) == (422, "VALIDATION_ERROR")
dead = os.environ["LETTA_DEAD_URL"]
try:
    create_client(base_url=dead).list_agents()
    raise AssertionError("no APIConnectionError")
except APIConnectionError as e:
    assert f"{dead}/agents" in str(e) and e.url == f"{dead}/agents"
    print("APIConnectionError:", str(e).replace(dead, "<dead url>"))
try:
    create_client(base_url=_BASE_URL, timeout=0.2).send_message("sam", "SLOW")
    raise AssertionError("no APITimeoutError")
except APITimeoutError as e:
    assert f"{_BASE_URL}/agents/sam/messages" in str(e)
print("ok")

section("delete")
deleted = client.delete_agent("ada")
assert deleted == {"deleted": True, "id": ada.id, "name": "ada"} and deleted.deleted
try:
    client.get_agent(ada.id)
    raise AssertionError("still there")
except NotFoundError:
    pass
print("deleted")

section("auth")
auth_url = os.environ["LETTA_AUTH_URL"]
try:
    create_client(base_url=auth_url).list_agents()
    raise AssertionError("no AuthenticationError")
except AuthenticationError as e:
    assert (e.status, e.code) == (401, "UNAUTHORIZED")
    print("AuthenticationError:", e)
authed = create_client(base_url=auth_url, token=os.environ["LETTA_TEST_KEY"], max_retries=0)
os.environ["LETTA_API_KEY"] = os.environ["LETTA_TEST_KEY"]
from_env = create_client(base_url=auth_url)
assert from_env.list_agents() == []

section("rate limit")
# The server allows 2 requests a second per key: without retries the third is a RateLimitError ...
try:
    for _ in range(5):
        authed.list_agents()
    raise AssertionError("no RateLimitError")
except RateLimitError as e:
    assert (e.status, e.code) == (429, "RATE_LIMITED") and 0 < e.retry_after <= 1, (e, e.retry_after)
    print("RateLimitError:", e.code)
# ... with them, each 429 waits for Retry-After and the calls go through.
retrying = create_client(base_url=auth_url, token=os.environ["LETTA_TEST_KEY"], max_retries=3)
for _ in range(4):
    assert retrying.list_agents() == []
print("retried: ok")

section("end")

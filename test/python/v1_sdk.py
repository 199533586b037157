"""Letta's official Python SDK (letta-client 1.12.1) against a letta-ts server, as its users write it.

Run by test/v1-python-sdk.test.ts with LETTA_BASE_URL set. Each section prints one line
`=== <name> === <json>` with what it saw; the TypeScript test asserts on them. The fake model
(test/support/fake-llm.ts) answers "remember: X" with reasoning and a memory_insert call, a tool
return with "Noted.", and anything else with reasoning and "You said: X".
"""

import itertools
import json
import os

from letta_client import ConflictError, Letta, NotFoundError

BASE_URL = os.environ["LETTA_BASE_URL"]
MODEL = "openai/gpt-4o-mini"
EMBEDDING = "openai/text-embedding-3-small"
# Auto-pagination that never ends is the bug some sections look for: stop it here.
CAP = 200

client = Letta(base_url=BASE_URL, api_key="test", max_retries=0)
# Strict mode: every response must match the SDK's types (a stream chunk that fits none raises).
strict = Letta(base_url=BASE_URL, api_key="test", max_retries=0, _strict_response_validation=True)


def report(name, value):
    print(f"=== {name} === {json.dumps(value, default=str)}", flush=True)


def walk(page):
    """Every item of an auto-paginated listing (at most CAP), and the number of pages fetched."""
    pages = 0
    items = []
    current = page
    while True:
        pages += 1
        items.extend(current.items)
        if len(items) >= CAP or not current.has_next_page():
            return items[:CAP], pages
        current = current.get_next_page()


def send(agent_id, text):
    return client.agents.messages.create(agent_id, messages=[{"role": "user", "content": text}])


def section(name):
    """Runs the decorated function at once and reports what it returns, or the error it raised
    (so one failure does not hide the sections after it)."""

    def run(fn):
        try:
            report(name, fn())
        except Exception as err:  # noqa: BLE001
            report(name, {"error": f"{type(err).__name__}: {err}"})
        return fn

    return run


# --- happy path: create, send, stream ----------------------------------------------------------
agent = client.agents.create(
    name="py-happy",
    model=MODEL,
    embedding=EMBEDDING,
    memory_blocks=[
        {"label": "persona", "value": "I am a test agent."},
        {"label": "human", "value": "The user is Sam."},
    ],
    tags=["py"],
)


@section("happy")
def happy():
    reply = send(agent.id, "hello from python")
    stream = client.agents.messages.stream(
        agent.id, messages=[{"role": "user", "content": "stream please"}], stream_tokens=True
    )
    # keepalive pings come and go with timing: left out
    streamed = [chunk.message_type for chunk in stream if chunk.message_type != "ping"]
    return {
        "agent": agent.name,
        "blocks": sorted(b.label for b in agent.memory.blocks),
        "reply": [m.message_type for m in reply.messages],
        "assistant": [m.content for m in reply.messages if m.message_type == "assistant_message"],
        "stop_reason": reply.stop_reason.stop_reason,
        "streamed": sorted(set(streamed)),
    }


# --- DELETE from the Python SDK (Content-Type: application/json, empty body) ------------------
@section("delete")
def delete():
    deleted = []
    block = client.blocks.create(label="scratch", value="to be deleted")
    client.blocks.delete(block.id)
    deleted.append("block")
    passage = client.agents.passages.create(agent.id, text="the sky was green that day")
    client.agents.passages.delete(passage[0].id, agent_id=agent.id)
    deleted.append("archival passage")
    archive = client.archives.create(name="py-archive", embedding=EMBEDDING)
    archived = client.archives.passages.create(archive.id, text="an archived fact")
    client.archives.passages.delete(archived.id, archive_id=archive.id)
    deleted.append("archive passage")
    client.archives.delete(archive.id)
    deleted.append("archive")
    conversation = client.conversations.create(agent_id=agent.id)
    client.conversations.delete(conversation.id)
    deleted.append("conversation")
    client.agents.delete(agent.id)
    deleted.append("agent")
    try:
        client.agents.retrieve(agent.id)
        gone = False
    except NotFoundError:
        gone = True
    return {
        "deleted": deleted,
        "agent_gone": gone,
        "blocks_left": [b.id for b in client.blocks.list(label="scratch")],
        "archives_left": [a.id for a in client.archives.list(name="py-archive")],
    }


# --- auto-pagination ends, and sees everything once --------------------------------------------
pager = client.agents.create(
    name="py-pager",
    model=MODEL,
    memory_blocks=[{"label": f"b{i}", "value": f"block {i}"} for i in range(3)],
    tools=["archival_memory_insert", "archival_memory_search"],
)
send(pager.id, "remember: I like tea")
send(pager.id, "how are you")
send(pager.id, "remember: I live in Paris")


@section("pagination")
def pagination():
    tools, tool_pages = walk(client.agents.tools.list(pager.id, limit=2))
    blocks, block_pages = walk(client.agents.blocks.list(pager.id, limit=1))
    # a "remember:" run has two steps (the tool call, then the answer)
    runs = list(client.runs.list(agent_id=pager.id))
    run = next(r for r in runs if len(client.runs.steps.list(r.id, limit=10).items) > 1)
    steps, step_pages = walk(client.runs.steps.list(run.id, limit=1))
    return {
        "tools": len(tools),
        "tool_ids_unique": len({t.id for t in tools}),
        "tool_pages": tool_pages,
        "blocks": len(blocks),
        "block_labels": sorted(b.label for b in blocks),
        "block_pages": block_pages,
        "steps": len(steps),
        "step_ids_unique": len({s.id for s in steps}),
        "step_pages": step_pages,
    }


@section("message_pagination")
def message_pagination():
    full = list(client.agents.messages.list(pager.id, limit=1000, order="asc"))
    one_by_one, pages = walk(client.agents.messages.list(pager.id, limit=1, order="asc"))
    newest_first, _ = walk(client.agents.messages.list(pager.id, limit=1))
    # backwards from the newest (the SDK pages on with `before` = the first item's id)
    backwards, _ = walk(client.agents.messages.list(pager.id, limit=1, order="asc", before=full[-1].id))

    def keys(messages):
        return [f"{m.id}/{m.message_type}/{m.otid}" for m in messages]

    return {
        "messages": len(full),
        "message_types": sorted({m.message_type for m in full}),
        "shared_ids": len(full) - len({m.id for m in full}),
        "limit1_missing": sorted(set(keys(full)) - set(keys(one_by_one))),
        "limit1_same_order": keys(one_by_one) == keys(full),
        "pages": pages,
        "newest_first_missing": sorted(set(keys(full)) - set(keys(newest_first))),
        "newest_first_count": len(newest_first),
        "backwards_missing": sorted(set(keys(full[:-1])) - set(keys(backwards)) - {keys(full)[-1]}),
        "backwards_count": len(backwards),
    }


@section("steps")
def steps():
    every = list(client.steps.list(agent_id=pager.id, limit=1000))
    walked, pages = walk(client.steps.list(agent_id=pager.id, limit=2))
    backwards, _ = walk(client.steps.list(agent_id=pager.id, limit=2, before=every[-1].id))
    first = client.steps.retrieve(every[0].id)
    messages = list(client.steps.messages.list(every[0].id))
    return {
        "steps": len(every),
        "walked_same": [s.id for s in walked] == [s.id for s in every],
        "pages": pages,
        "backwards_same": sorted(s.id for s in backwards) == sorted(s.id for s in every[:-1]),
        "retrieved": first.id == every[0].id and first.run_id == every[0].run_id,
        "step_message_types": sorted({m.message_type for m in messages}),
        "by_model": len(list(client.steps.list(agent_id=pager.id, model="gpt-4o-mini", limit=1000))),
        "by_other_model": len(list(client.steps.list(agent_id=pager.id, model="gpt-4o", limit=1000))),
    }


# --- names, filters, llm_config -----------------------------------------------------------------
@section("filters")
def filters():
    first = client.agents.create(name="wf-agent", model=MODEL, tags=["a"])
    second = client.agents.create(name="wf-agent", model=MODEL, tags=["b"])
    client.agents.create(name="wf-other", model=MODEL, tags=["a", "b"])
    windowed = client.agents.create(
        name="wf-window",
        llm_config={"model": "gpt-4o-mini", "model_endpoint_type": "openai", "context_window": 32000},
    )
    # The tutorial API addresses agents by name: it finds the oldest, and refuses a new namesake.
    tutorial = client.get("/agents/wf-agent", cast_to=object)
    try:
        client.post("/agents", cast_to=object, body={"name": "wf-agent"})
        tutorial_create = "created"
    except ConflictError as err:
        tutorial_create = f"{err.status_code} {err.body['code']}"
    return {
        "same_name_ids_differ": first.id != second.id,
        "tutorial_finds_oldest": tutorial["id"] == first.id,
        "tutorial_create": tutorial_create,
        "by_name": sorted(a.id for a in client.agents.list(name="wf-agent")) == sorted([first.id, second.id]),
        "any_tag": sorted(a.name for a in client.agents.list(tags=["a", "b"])),
        "all_tags": [a.name for a in client.agents.list(tags=["a", "b"], match_all_tags=True)],
        "query_text": sorted(a.name for a in client.agents.list(query_text="WF-")),
        "tool_by_name": [t.name for t in client.tools.list(name="memory_insert")],
        "tool_search": sorted(t.name for t in client.tools.list(search="ARCHIVAL")),
        "context_window": windowed.llm_config.context_window,
        "context_window_read": client.agents.retrieve(windowed.id).llm_config.context_window,
    }


# --- count routes and active runs (no SDK method: the SDK's own request path) --------------------
def count(path, **params):
    return client.get(path, cast_to=int, options={"params": params})


@section("counts")
def counts():
    return {
        "agents": count("/v1/agents/count"),
        "agents_named": count("/v1/agents/count", name="wf-agent"),
        "agents_tagged_all": count("/v1/agents/count", tags=["a", "b"], match_all_tags=True),
        "blocks": count("/v1/blocks/count"),
        "blocks_labelled": count("/v1/blocks/count", label="b1"),
        "tools": count("/v1/tools/count"),
        "tools_search": count("/v1/tools/count", search="memory"),
        "tools_listed": len(list(client.tools.list(limit=1000))),
        "active_runs": client.get("/v1/runs/active", cast_to=object),
    }


# --- token-streamed tool calls, strict mode -------------------------------------------------------
@section("tool_call_stream")
def tool_call_stream():
    chunks = list(
        strict.agents.messages.stream(
            pager.id, messages=[{"role": "user", "content": "remember: streamed tool call"}], stream_tokens=True
        )
    )
    calls = [c for c in chunks if getattr(c, "message_type", None) == "tool_call_message"]
    return {
        "types": sorted({type(c).__name__ for c in chunks} - {"LettaPing"}),  # pings: timing
        "tool_call_chunks": len(calls),
        "names": [c.tool_call.name for c in calls if c.tool_call.name],
        "arguments": "".join(c.tool_call.arguments or "" for c in calls),
        "tool_calls_is_delta": all(type(c.tool_calls).__name__ == "ToolCallDelta" for c in calls),
    }


# --- clean up: delete everything the SDK can list ----------------------------------------------------
@section("cleanup")
def cleanup():
    for a in list(itertools.islice(client.agents.list(), CAP)):
        client.agents.delete(a.id)
    for b in list(itertools.islice(client.blocks.list(), CAP)):
        client.blocks.delete(b.id)
    return {"agents": len(list(client.agents.list())), "blocks": len(list(client.blocks.list()))}

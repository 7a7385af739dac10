"""LangChain pointed at the gateway, as its users configure it: only ``base_url`` and the key change.

``ChatOpenAI`` (Chat Completions, and Responses mode, which Codex-style agents use),
``ChatAnthropic`` (Messages) and ``OpenAIEmbeddings`` against the real server and
the recording loopback upstreams: clean text reaches the upstream, patient data is
answered locally in the door's format, a card number is refused with the reason,
and nothing kept local or refused reaches an upstream.
"""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import openai
import pytest
from langchain_anthropic import ChatAnthropic
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

from tests.support.anthropic_upstream import RecordingAnthropicUpstream
from tests.support.server import GatewayProcess
from tests.support.upstream import REPLY_TEXT, TOOL_ECHO_MODEL, RecordingUpstream

CLEAN = "Write a haiku about autumn leaves falling in a quiet park."
PATIENT = "Patient Maria Gonzalez, MRN 00483921, DOB 03/14/1962: draft a discharge summary."
CARD = "Refund the copay to card 4111 1111 1111 1111, it was charged twice."


@pytest.fixture(scope="module")
def key(gateway: GatewayProcess) -> str:
    return gateway.create_key("langchain", "healthcare")


@pytest.fixture(autouse=True)
def _fresh(upstream: RecordingUpstream, anthropic_upstream: RecordingAnthropicUpstream) -> Iterator[None]:
    upstream.clear()
    anthropic_upstream.clear()
    yield


def _openai(gateway: GatewayProcess, key: str, **options: object) -> ChatOpenAI:
    return ChatOpenAI(base_url=f"{gateway.base_url}/v1", api_key=key, max_retries=0, max_tokens=16, **options)


@pytest.mark.parametrize("responses", [False, True], ids=["chat", "responses"])
def test_chat_openai_on_every_outcome(
    gateway: GatewayProcess, key: str, upstream: RecordingUpstream, responses: bool
) -> None:
    llm = _openai(gateway, key, model="gpt-5-codex", use_responses_api=responses)
    answer = llm.invoke(CLEAN)
    assert answer.text == REPLY_TEXT and len(upstream.raw) == 1
    assert upstream.paths[-1] == ("/v1/responses" if responses else "/v1/chat/completions")
    kept = llm.invoke(PATIENT)
    assert kept.text.strip() and len(upstream.raw) == 1  # answered by the local model
    with pytest.raises(openai.PermissionDeniedError) as refused:
        llm.invoke(CARD)
    assert "pci-pan-block" in str(refused.value) and "4111" not in str(refused.value)
    assert len(upstream.raw) == 1


@pytest.mark.parametrize("responses", [False, True], ids=["chat", "responses"])
def test_chat_openai_streams(gateway: GatewayProcess, key: str, upstream: RecordingUpstream, responses: bool) -> None:
    llm = _openai(gateway, key, model="gpt-4o", use_responses_api=responses)
    assert "".join(chunk.text for chunk in llm.stream(CLEAN)) == REPLY_TEXT
    assert "".join(chunk.text for chunk in llm.stream(PATIENT)).strip()
    assert len(upstream.raw) == 1


def test_a_tool_round_trip_through_chat_openai(gateway: GatewayProcess, key: str, upstream: RecordingUpstream) -> None:
    @tool
    def record(text: str) -> str:
        """Record a note."""
        return "recorded"

    llm = _openai(gateway, key, model=TOOL_ECHO_MODEL).bind_tools([record])
    question = HumanMessage("Note that the build is green.")
    called = llm.invoke([question])
    assert isinstance(called, AIMessage) and called.tool_calls[0]["name"] == "record"
    result = ToolMessage("recorded", tool_call_id=called.tool_calls[0]["id"])
    with pytest.raises(openai.PermissionDeniedError):  # a card in the tool's result is refused too
        llm.invoke([question, called, ToolMessage(f"{result.content}: {CARD}", tool_call_id=result.tool_call_id)])
    llm.invoke([question, called, result])
    assert len(upstream.raw) == 2


def test_chat_anthropic_on_every_outcome(
    gateway: GatewayProcess, key: str, anthropic_upstream: RecordingAnthropicUpstream
) -> None:
    llm = ChatAnthropic(base_url=gateway.base_url, api_key=key, model="claude-sonnet-4-5", max_tokens=16, max_retries=0)
    assert llm.invoke(CLEAN).text and len(anthropic_upstream.raw) == 1
    assert llm.invoke(PATIENT).text.strip() and len(anthropic_upstream.raw) == 1
    assert "".join(chunk.text for chunk in llm.stream(PATIENT)).strip()
    with pytest.raises(anthropic.PermissionDeniedError) as refused:
        llm.invoke(CARD)
    assert "pci-pan-block" in str(refused.value) and "4111" not in str(refused.value)
    assert len(anthropic_upstream.raw) == 1


def test_openai_embeddings_of_documents(gateway: GatewayProcess, key: str, upstream: RecordingUpstream) -> None:
    # check_embedding_ctx_length would fetch tiktoken's tables from the network: a RAG site turns it off too.
    embeddings = OpenAIEmbeddings(base_url=f"{gateway.base_url}/v1", api_key=key, model="text-embedding-3-small",
                                  check_embedding_ctx_length=False, max_retries=0)  # fmt: skip
    assert len(embeddings.embed_documents([CLEAN])[0]) > 0 and len(upstream.raw) == 1
    kept = embeddings.embed_documents([PATIENT, CLEAN])  # one patient document keeps the whole batch local
    assert len(kept) == 2 and len(kept[0]) == len(kept[1]) > 0 and len(upstream.raw) == 1
    with pytest.raises(openai.PermissionDeniedError):
        embeddings.embed_query(CARD)
    assert len(upstream.raw) == 1

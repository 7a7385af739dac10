"""What a LlamaIndex user runs against the gateway (run by tests/test_e2e_llamaindex.py in LlamaIndex's own venv).

Prints one JSON line per outcome: the answer text, or the error class and message.
Usage: python llamaindex_client.py BASE_URL KEY CLEAN PATIENT CARD
"""

import json
import sys

from llama_index.core.llms import ChatMessage
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI

base, key, clean, patient, card = sys.argv[1:6]
llm = OpenAI(model="gpt-4o", api_base=base, api_key=key, max_retries=0, max_tokens=16)
embed = OpenAIEmbedding(model="text-embedding-3-small", api_base=base, api_key=key, max_retries=0)


def outcome(name, call):
    try:
        print(json.dumps({"case": name, "text": call()}))
    except Exception as exc:  # the SDK's error for a refusal is the outcome being checked
        print(json.dumps({"case": name, "error": type(exc).__name__, "message": str(exc)}))


outcome("clean", lambda: llm.complete(clean).text)
outcome("patient", lambda: llm.chat([ChatMessage(role="user", content=patient)]).message.content)
outcome("stream", lambda: "".join(r.delta or "" for r in llm.stream_complete(patient)))
outcome("card", lambda: llm.complete(card).text)
outcome("embed", lambda: str(len(embed.get_text_embedding_batch([clean, patient])[1])))

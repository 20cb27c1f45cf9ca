#!/usr/bin/env bash
# Spark's GPU discovery script (spark.executor.resource.gpu.discoveryScript): prints the GPUs nvidia-smi lists as
# {"name": "gpu", "addresses": ["0", "1", ...]}. nvidia-smi comes with the NVIDIA container runtime of a GPU node.
set -euo pipefail
addresses=$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' \r' | sed '/^$/d; s/.*/"&"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"

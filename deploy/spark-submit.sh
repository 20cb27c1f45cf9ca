#!/usr/bin/env bash
# Runs a strata command on a Spark cluster (YARN, Kubernetes or standalone) with spark-submit.
#
#   deploy/spark-submit.sh [--gpu] [--dry-run] [--conf KEY=VALUE ...] -- calibrate --model s3a://bucket/llama --data s3a://bucket/calib/ --out s3a://bucket/runs/r1
#
# --conf KEY=VALUE (repeatable) is passed to spark-submit after the settings below, so it overrides them
# (e.g. --conf spark.hadoop.fs.s3a.endpoint=https://s3.example.internal).
#
# Build the jar first: mvn -Pcluster -DskipTests package  (jobs/target/strata-jobs-cluster.jar)
#
# Environment (all optional):
#   SPARK_HOME               Spark 4.0 installation; else spark-submit from PATH
#   STRATA_MASTER            yarn (default) | k8s://https://HOST:PORT | spark://HOST:7077
#   STRATA_DEPLOY_MODE       client (default) | cluster
#   STRATA_JAR               default: jobs/target/strata-jobs-cluster.jar
#   STRATA_EXECUTORS         number of executors (default 4)
#   STRATA_EXECUTOR_CORES    cores per executor (default 4)
#   STRATA_EXECUTOR_MEMORY   heap per executor (default 16g)
#   STRATA_K8S_IMAGE         container image with Spark 4.0 and Java 17 (Kubernetes)
# With --gpu (one GPU per executor, one task per GPU: each task runs on the GPU Spark assigns it):
#   STRATA_GPU_DISCOVERY     GPU discovery script on the nodes
#                            (default: $SPARK_HOME/examples/src/main/scripts/getGpusResources.sh)
#   PYTORCH_LIBRARY_PATH     on the nodes: lib folder of a CUDA build of libtorch 2.7.1 (e.g. a pip torch's torch/lib);
#                            Maven Central has no CUDA build of DJL's PyTorch 2.7.1 natives, and DJL never downloads.
#   PYTORCH_FLAVOR           default cu128
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

gpu=false
dry_run=false
confs=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --gpu) gpu=true; shift ;;
    --dry-run) dry_run=true; shift ;;
    --conf)
      if [[ $# -lt 2 || "$2" != *=* ]]; then
        echo "spark-submit.sh: --conf needs KEY=VALUE, e.g. --conf spark.hadoop.fs.s3a.endpoint=https://HOST" >&2; exit 2
      fi
      confs+=(--conf "$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "spark-submit.sh: unknown option '$1' (expected --gpu, --dry-run, --conf KEY=VALUE, then -- and the strata command)" >&2; exit 2 ;;
  esac
done
if [[ $# -eq 0 ]]; then
  echo "spark-submit.sh: no strata command after --, e.g. -- calibrate --model ... --data ... --out ..." >&2
  exit 2
fi

submit="spark-submit"
[[ -n "${SPARK_HOME:-}" ]] && submit="$SPARK_HOME/bin/spark-submit"
master="${STRATA_MASTER:-yarn}"
jar="${STRATA_JAR:-$root/jobs/target/strata-jobs-cluster.jar}"
if [[ "$dry_run" == false && ! -f "$jar" ]]; then
  echo "spark-submit.sh: $jar does not exist; build it with: mvn -Pcluster -DskipTests package" >&2
  exit 1
fi
deploy_mode="${STRATA_DEPLOY_MODE:-client}"
# the driver's logging config: this checkout's in client mode, the copy shipped with --files in cluster mode
driver_log4j="$root/conf/log4j2.xml"
[[ "$deploy_mode" == cluster ]] && driver_log4j="log4j2.xml"
executors="${STRATA_EXECUTORS:-4}"
cores="${STRATA_EXECUTOR_CORES:-4}"

args=(--master "$master" --deploy-mode "$deploy_mode"
      --name "strata $1"
      --class dev.strata.jobs.cli.StrataCli
      --properties-file "$root/conf/spark-defaults.conf"
      --files "$root/conf/log4j2.xml"
      --driver-java-options "-Dai.djl.offline=true -XX:MaxDirectMemorySize=8g -Dlog4j2.configurationFile=$driver_log4j"
      --num-executors "$executors"
      --executor-cores "$cores"
      --executor-memory "${STRATA_EXECUTOR_MEMORY:-16g}")

if [[ "$master" == k8s://* ]]; then
  args+=(--conf "spark.kubernetes.container.image=${STRATA_K8S_IMAGE:?set STRATA_K8S_IMAGE for Kubernetes}")
fi

if [[ "$gpu" == true ]]; then
  discovery="${STRATA_GPU_DISCOVERY:-${SPARK_HOME:-/opt/spark}/examples/src/main/scripts/getGpusResources.sh}"
  args+=(--conf spark.executor.resource.gpu.amount=1
         --conf spark.task.resource.gpu.amount=1
         --conf "spark.task.cpus=$cores"
         --conf "spark.executor.resource.gpu.discoveryScript=$discovery"
         --conf "spark.executorEnv.PYTORCH_LIBRARY_PATH=${PYTORCH_LIBRARY_PATH:?set PYTORCH_LIBRARY_PATH to the CUDA libtorch lib folder on the GPU nodes}"
         --conf spark.executorEnv.PYTORCH_VERSION=2.7.1
         --conf "spark.executorEnv.PYTORCH_FLAVOR=${PYTORCH_FLAVOR:-cu128}")
  if [[ "$master" == k8s://* ]]; then
    args+=(--conf spark.executor.resource.gpu.vendor=nvidia.com)
  fi
fi

args+=(${confs[@]+"${confs[@]}"})

if [[ "$dry_run" == true ]]; then
  printf '%q ' "$submit" "${args[@]}" "$jar" "$@"
  echo
  exit 0
fi
exec "$submit" "${args[@]}" "$jar" "$@"

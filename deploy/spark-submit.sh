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
#   STRATA_K8S_IMAGE         the image of deploy/Dockerfile (Kubernetes); STRATA_JAR then defaults to the jar inside it,
#                            local:///opt/strata/strata-jobs-cluster.jar, and logging to its /opt/strata/conf/log4j2.xml
#   STRATA_K8S_UPLOAD_PATH   spark.kubernetes.file.upload.path (e.g. s3a://bucket/spark-upload): where spark-submit
#                            stages local files for the pods; needed only when a local --jars or --files is given
# With --gpu (one GPU per executor, one task per GPU: each task runs on the GPU Spark assigns it):
#   STRATA_GPU_DISCOVERY     GPU discovery script on the nodes (default: the image's /opt/strata/bin/gpu-discovery.sh
#                            on Kubernetes, else $SPARK_HOME/examples/src/main/scripts/getGpusResources.sh)
#   PYTORCH_LIBRARY_PATH     on the nodes: lib folder of a CUDA build of libtorch 2.7.1 (e.g. a pip torch's torch/lib);
#                            Maven Central has no CUDA build of DJL's PyTorch 2.7.1 natives, and DJL never downloads.
#                            Not needed on Kubernetes with the image's gpu target, which sets it.
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
k8s=false
[[ "$master" == k8s://* ]] && k8s=true
image_jar=local:///opt/strata/strata-jobs-cluster.jar
jar="${STRATA_JAR:-$root/jobs/target/strata-jobs-cluster.jar}"
[[ "$k8s" == true && -z "${STRATA_JAR:-}" ]] && jar="$image_jar"
if [[ "$dry_run" == false && "$jar" != local://* && ! -f "$jar" ]]; then
  echo "spark-submit.sh: $jar does not exist; build it with: mvn -Pcluster -DskipTests package" >&2
  exit 1
fi
deploy_mode="${STRATA_DEPLOY_MODE:-client}"
# the driver's logging config: this checkout's in client mode, the copy shipped with --files in cluster mode
driver_log4j="$root/conf/log4j2.xml"
[[ "$deploy_mode" == cluster ]] && driver_log4j="log4j2.xml"
# on Kubernetes the image holds it: nothing to ship
[[ "$k8s" == true ]] && driver_log4j=/opt/strata/conf/log4j2.xml
executors="${STRATA_EXECUTORS:-4}"
cores="${STRATA_EXECUTOR_CORES:-4}"

args=(--master "$master" --deploy-mode "$deploy_mode"
      --name "strata $1"
      --class dev.strata.jobs.cli.StrataCli
      --properties-file "$root/conf/spark-defaults.conf"
      --driver-java-options "-Dai.djl.offline=true -XX:MaxDirectMemorySize=8g -Dlog4j2.configurationFile=$driver_log4j"
      --num-executors "$executors"
      --executor-cores "$cores"
      --executor-memory "${STRATA_EXECUTOR_MEMORY:-16g}")

if [[ "$k8s" == true ]]; then
  args+=(--conf "spark.kubernetes.container.image=${STRATA_K8S_IMAGE:?set STRATA_K8S_IMAGE for Kubernetes (deploy/Dockerfile)}"
         --conf "spark.executor.extraJavaOptions=-Dai.djl.offline=true -XX:MaxDirectMemorySize=24g -Dlog4j2.configurationFile=$driver_log4j")
  [[ -n "${STRATA_K8S_UPLOAD_PATH:-}" ]] && args+=(--conf "spark.kubernetes.file.upload.path=$STRATA_K8S_UPLOAD_PATH")
else
  args+=(--files "$root/conf/log4j2.xml")
fi

if [[ "$gpu" == true ]]; then
  default_discovery="${SPARK_HOME:-/opt/spark}/examples/src/main/scripts/getGpusResources.sh"
  [[ "$k8s" == true ]] && default_discovery=/opt/strata/bin/gpu-discovery.sh
  args+=(--conf spark.executor.resource.gpu.amount=1
         --conf spark.task.resource.gpu.amount=1
         --conf "spark.task.cpus=$cores"
         --conf "spark.executor.resource.gpu.discoveryScript=${STRATA_GPU_DISCOVERY:-$default_discovery}")
  if [[ "$k8s" == true ]]; then
    args+=(--conf spark.executor.resource.gpu.vendor=nvidia.com)
  fi
  if [[ "$k8s" == false || -n "${PYTORCH_LIBRARY_PATH:-}" ]]; then
    args+=(--conf "spark.executorEnv.PYTORCH_LIBRARY_PATH=${PYTORCH_LIBRARY_PATH:?set PYTORCH_LIBRARY_PATH to the CUDA libtorch lib folder on the GPU nodes}"
           --conf spark.executorEnv.PYTORCH_VERSION=2.7.1
           --conf "spark.executorEnv.PYTORCH_FLAVOR=${PYTORCH_FLAVOR:-cu128}")
  fi
fi

args+=(${confs[@]+"${confs[@]}"})

if [[ "$dry_run" == true ]]; then
  printf '%q ' "$submit" "${args[@]}" "$jar" "$@"
  echo
  exit 0
fi
exec "$submit" "${args[@]}" "$jar" "$@"

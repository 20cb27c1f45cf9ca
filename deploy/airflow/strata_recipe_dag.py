"""Airflow 3 DAG: a Strata compression recipe, one task per stage, on a cluster through spark-submit.

Tasks: check (strata run RECIPE --plan: the recipe, model headers, data and every method's settings, before any
cluster time) -> variants -> methods -> eval -> export -> report, each `strata run RECIPE --out OUT --until STAGE`.
Every stage a run finishes is recorded in OUT, so a retried task, on this worker or another, resumes where the
failed attempt stopped: OUT must be shared storage (s3a://, hdfs://), never a worker's disk.

Set the Airflow Variable `strata_home` (a checkout with the cluster jar, `mvn -Pcluster -DskipTests package`) and
the environment deploy/spark-submit.sh reads (STRATA_MASTER, ...). Trigger with a config, e.g.
{"recipe": "conf/recipes/come-stories260k.yaml", "out": "s3a://bucket/runs/come-1", "gpu": true}.
Variables and parameters are read when a task runs (templates), never when the scheduler parses this file, and
every value reaches the shell quoted.
"""
import shlex
from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param, chain

STAGES = ["variants", "methods", "eval", "export", "report"]

STRATA = (
    "cd {{ var.value.strata_home | q }} && deploy/spark-submit.sh {{ '--gpu' if params.gpu else '' }} -- "
    "run {{ params.recipe | q }} --out {{ params.out | q }}"
)

with DAG(
    dag_id="strata_recipe",
    description="Compress a model with a Strata recipe: methods, evaluation, export and report, a task per stage",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    params={
        "recipe": Param("conf/recipes/come-stories260k.yaml", type="string", description="the recipe (YAML)"),
        "out": Param("s3a://bucket/runs/come-stories260k", type="string", description="run folder, on shared storage"),
        "gpu": Param(False, type="boolean", description="one GPU per executor and task"),
    },
    user_defined_filters={"q": shlex.quote},
) as dag:
    check = BashOperator(task_id="check", bash_command=STRATA + " --plan", retries=0)
    stages = [BashOperator(task_id=stage, bash_command=f"{STRATA} --until {stage}") for stage in STAGES]
    chain(check, *stages)

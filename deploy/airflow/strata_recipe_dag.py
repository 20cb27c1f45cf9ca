"""Airflow DAG: run a Strata compression recipe on the cluster with spark-submit.

The recipe is the unit of work: `strata run` resumes every finished stage (merge steps, distillation,
evaluation), so a retried task continues where the failed attempt stopped instead of starting over.

Set the Airflow Variables `strata_home` (a checkout with the cluster jar built by `mvn -Pcluster -DskipTests
package`) and, for the cluster, the environment `deploy/spark-submit.sh` reads (STRATA_MASTER, ...). Trigger with
a config to choose the recipe and the run folder, e.g. {"recipe": "conf/recipes/come-stories260k.yaml",
"out": "s3a://bucket/runs/come-1", "gpu": true}.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="strata_recipe",
    description="Compress a model with a Strata recipe (calibrate, merge, distill, evaluate, export)",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    params={"recipe": "conf/recipes/come-stories260k.yaml", "out": "runs/come-stories260k", "gpu": False},
) as dag:
    BashOperator(
        task_id="run_recipe",
        cwd=Variable.get("strata_home", default_var="/opt/strata"),
        bash_command=(
            "deploy/spark-submit.sh {{ '--gpu' if params.gpu else '' }} -- "
            "run {{ params.recipe }} --out {{ params.out }}"
        ),
    )

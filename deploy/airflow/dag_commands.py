"""Prints a DAG file's tasks as JSON (task id, bash command, upstream ids) without Airflow installed.

The file runs against stand-ins for the few Airflow names it imports (DAG, Param, chain, BashOperator) that record
what it builds: a check of the DAG's shape and commands where Airflow cannot be installed (CI, a laptop).
Usage: python3 dag_commands.py DAG_FILE
"""
import json
import runpy
import sys
import types

TASKS = []


class Param:
    def __init__(self, default=None, **kwargs):
        self.default = default


class DAG:
    def __init__(self, dag_id, **kwargs):
        self.dag_id = dag_id
        self.params = {k: (v.default if isinstance(v, Param) else v) for k, v in kwargs.get("params", {}).items()}
        self.filters = sorted(kwargs.get("user_defined_filters", {}))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class BashOperator:
    def __init__(self, task_id, bash_command, **kwargs):
        self.task_id = task_id
        self.bash_command = bash_command
        self.upstream = []
        TASKS.append(self)

    def __rshift__(self, other):
        other.upstream.append(self.task_id)
        return other


def chain(*tasks):
    for a, b in zip(tasks, tasks[1:]):
        a >> b


def module(name, **names):
    m = types.ModuleType(name)
    m.__dict__.update(names)
    sys.modules[name] = m


for package in ["airflow", "airflow.providers", "airflow.providers.standard", "airflow.providers.standard.operators"]:
    module(package)
module("airflow.providers.standard.operators.bash", BashOperator=BashOperator)
module("airflow.sdk", DAG=DAG, Param=Param, chain=chain)

namespace = runpy.run_path(sys.argv[1])
dags = [v for v in namespace.values() if isinstance(v, DAG)]
print(json.dumps({
    "dag_id": dags[0].dag_id,
    "params": dags[0].params,
    "filters": dags[0].filters,
    "tasks": [{"task_id": t.task_id, "bash_command": t.bash_command, "upstream": t.upstream} for t in TASKS],
}, indent=1))

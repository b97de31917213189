"""Airflow DAG: FxEngine's daily job, `fxengine run`, after the UTC day has closed.

One task: `run` fetches every day the lake lacks up to today (the closing snapshot of a day
that only has a provisional copy, today's latest), lands them in exchange_rates/ and
normalizes. It finds the missing days itself, so the DAG needs no catchup: a missed day is
fetched by the next run. The OXR app_id comes from an Airflow connection or variable exported
as OXR_APP_ID by the worker's environment; it is never templated into a command line.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

FXENGINE = "dotnet /opt/fxengine/FxEngine.Cli.dll"
LAKE = "s3://CHANGE-ME-fx-lake"

with DAG(
    dag_id="fxengine_daily",
    start_date=datetime(2024, 1, 1),
    schedule="30 0 * * *",  # after the UTC day has closed
    catchup=False,          # run fetches every missing day itself
    max_active_runs=1,      # one writer per output (a second run would wait on the run lock)
    default_args={"retries": 3, "retry_delay": timedelta(minutes=10)},
) as dag:
    BashOperator(
        task_id="run",
        # --no-sample: an empty lake fails the task instead of filling with sample transactions.
        bash_command=f"{FXENGINE} run --lake {LAKE} --latest --no-sample --wait 30m",
    )

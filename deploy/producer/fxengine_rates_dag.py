"""Airflow DAG: publish each day's closing rates, then land and normalize them.

The OXR app_id comes from an Airflow connection or variable exported as OXR_APP_ID by the
worker's environment; it is never templated into a command line.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

FXENGINE = "dotnet /opt/fxengine/FxEngine.Cli.dll"
LAKE = "s3://CHANGE-ME-fx-lake"

with DAG(
    dag_id="fxengine_daily_rates",
    start_date=datetime(2024, 1, 1),
    schedule="15 0 * * *",  # after the UTC day has closed
    catchup=True,           # backfills history one day per run
    max_active_runs=4,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=10)},
) as dag:
    produce = BashOperator(
        task_id="produce",
        bash_command=f"{FXENGINE} produce --date {{{{ ds }}}} --lake {LAKE}",
    )
    sink = BashOperator(
        task_id="sink",
        bash_command=f"{FXENGINE} sink --once --lake {LAKE}",
    )
    produce >> sink

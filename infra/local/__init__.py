"""The whole system on one laptop: `make run` = `python -m infra.local [--port 8000] [--data DIR]`.

In one process: a moto server with Step Functions execution on (or the endpoint in
AWS_ENDPOINT_URL, e.g. LocalStack), the resources of `infra.resources` provisioned onto it, the demo
data, and one HTTP port serving both the Chalice app under `/api/...` (chalice's local gateway) and
the static `web/` everywhere else, so the browser is same-origin. An event pump delivers SQS
messages and schedules to the very handlers Lambda would call, with Lambda's retry/DLQ behaviour.

One module per concern, none importing this package's `__init__`:
- `stack`: `running_stack()` (what tests use) and `RunningStack`, demo data, the fake portal;
- `pump`: `EventPump`, queues and schedules to the app's handlers;
- `events`: the Lambda-shaped events (SQS, scheduled) the pump and the tests build;
- `http_server`: the API and the static web on one port;
- `__main__`: the command line.
The moto server is `infra.moto_server` (its patches `infra.moto_patches`), the schedule grammar
`infra.schedule_expr`.
"""

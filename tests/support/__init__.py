"""What tests share, and the only test code a test module may import (tests/unit/test_test_layout.py
checks it; the twins of outside services stay in tests/fakes/).

- `samples`: real files (PDF, PNG, JPEG) and the demo e-form examples.
- `client`: the in-process app's signed-in client, uploads, one round of the event pump.
- `journeys`: a dossier's common paths in process (draft, submit, receive, task, result).
- `reports`: the report scenario and its pinned clock.
- `signing`: SigV4-signed requests and the verifier's stand-ins.
- `aws`, `fixtures`: the in-process moto account and the app fixtures over it.
- `queues`: SQS delivery and polling for workflow tests.
- `world`: the security tests' two of everything.
- `live`, `pages`: the live stack's API and the browser tests' page steps.
- `number_cases`, `portal_packets`: shared tables of cases.
- `memory`: in-memory twins of the dossier store, files and workflow for fast service tests.
"""

"""Fakes of outside systems the tests (and `make run`) talk to over real HTTP."""

"""Routes that carry their contract: a decorator registry on top of Chalice blueprints.

    router = Router(__name__, schemas=("chalicelib.api.schemas.public",
                                       "chalicelib.services.models_out"))
    bp = router.bp

    @router.route("/api/procedures/{code}", "GET", summary="Chi tiết một thủ tục",
                  action="public.procedure.read", out="ProcedureDetail")
    def get_procedure(code: str) -> dict[str, Any]:
        ...

Each route says where it is defined: method, path, summary, the permission `action`
(chalicelib/domain/permissions.py), input body model, query model, answer model, success status,
media types, extra error statuses (`errors=(401,)`), and for POSTs whether the answer may be
replayed (`replay=False`: never stored by the idempotency layer) or carries
`Cache-Control: no-store` (`no_store=True`; another value: `cache="private, no-store"`). The
module-level `CONTRACTS` is the one source `api/openapi.py`
documents these routes from.

Handler parameters are filled by name and annotation:
- a path parameter: its name (`code: str`);
- `who: Caller` (or `who: Caller | None` on an `Auth.OPTIONAL` action): the verified caller;
  `who: KeyActor` on an `Auth.SIGV4` action: the agency key the registered authenticator verified;
  `who: PortalActor` on an `Auth.PORTAL` action: the national portal, its push signature verified;
- `req: SomeIn` (`req: SomeIn | None` = the body may be empty): the JSON body, validated
  (`body_required=False`: an empty body validates as `{}`, the handler still gets a model);
- `params: SomeQuery`: the query string, validated (chalicelib/api/http.py `parse_query`);
- `raw: bytes`: the raw body (uploads); `request: Request`: Chalice's request.

The wrapper, in this order: authenticates as the action's `auth` says, checks the role against the
permission table (before the body is read, so a refused caller learns nothing from a malformed
body), parses and validates the input (400 `invalid_input` with `field`), calls the handler,
and answers its result: a `Response` as is; a pydantic model, or a dict/list validated (in its
JSON form) with the `out` model, dumped `by_alias=True, exclude_unset=True` (mode json) as
compact UTF-8 JSON. With
`TTHC_CONTRACT_CHECK=1` (the test suite sets it) a dict answer's dump must equal the dict itself,
so the model round trip cannot change a byte of what clients get.

Models are named by strings and resolved on first use from the router's `schemas` modules (then
the handler's module): importing app.py imports no model module.

Why not Powertools' APIGatewayRestResolver: the app is Chalice (routes, SQS and schedule
handlers, `chalice package`, `chalice local`), its middleware already wraps every request
(errors, idempotency, logs, metrics, traces); swapping the HTTP Lambda's router would change the
deployment, every test client and the error path at once for no gain in the contract. A thin
registry over Blueprints keeps all of that and adds the one missing thing: the contract where the
route is defined. See docs/design.md ("Routes carry their contract").
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from chalice import Blueprint, Response

if TYPE_CHECKING:
    from pydantic import BaseModel

JSON = "application/json"
METHODS = frozenset({"GET", "POST", "PUT", "DELETE"})
CONTRACT_CHECK_ENV = "TTHC_CONTRACT_CHECK"

Handler = Callable[..., Any]


class ContractError(Exception):
    """A route's declaration is inconsistent (raised at import time or on first use)."""


class Arg(NamedTuple):  # NamedTuple, not a dataclass: ~10x cheaper to define at import
    """How to fill one handler parameter."""

    name: str
    kind: str  # path | who | body | query | raw | request
    optional: bool = False  # who: Caller | None, req: In | None
    model: str | None = None  # body/query: the model's name


class Contract(NamedTuple):
    method: str
    path: str
    summary: str
    action: str
    view_name: str
    module: str
    schemas: tuple[str, ...]
    args: tuple[Arg, ...]
    out: str | None = None  # the answer model's name (JSON answers)
    status: int = 200
    media: tuple[str, ...] = (JSON,)
    upload: tuple[str, ...] = ()  # raw request body media types
    replay: bool = True  # POST: the answer may be stored and replayed for the same key
    no_store: bool = False  # Cache-Control: no-store on success
    cache: str | None = None  # another Cache-Control on a JSON success ("private, no-store")
    # error statuses the route answers beyond those its shape implies (api/openapi.py
    # `error_statuses`): 401 for a refused credential on a public route, 429, a 404 without a
    # path parameter (a report not made yet)
    errors: tuple[int, ...] = ()

    # ---- lazily resolved models
    def resolve(self, name: str) -> type[BaseModel]:
        return _resolve(self.schemas, self.module, name)

    def _arg(self, kind: str) -> Arg | None:
        return next((a for a in self.args if a.kind == kind), None)

    @property
    def body(self) -> type[BaseModel] | None:
        arg = self._arg("body")
        return self.resolve(arg.model) if arg and arg.model else None

    @property
    def body_required(self) -> bool:
        arg = self._arg("body")
        return arg is not None and not arg.optional

    @property
    def query(self) -> type[BaseModel] | None:
        arg = self._arg("query")
        return self.resolve(arg.model) if arg and arg.model else None

    @property
    def answer(self) -> type[BaseModel] | None:
        return self.resolve(self.out) if self.out else None


CONTRACTS: dict[tuple[str, str], Contract] = {}

# Annotations of the `who` parameter: a person (Caller), an agency's signed key (KeyActor), the
# national portal's signed push (PortalActor).
WHO_TYPES = frozenset({"Caller", "KeyActor", "PortalActor"})


@functools.cache
def _resolve(schemas: tuple[str, ...], module: str, name: str) -> type[BaseModel]:
    for mod_name in (*schemas, module):
        found = getattr(importlib.import_module(mod_name), name, None)
        if isinstance(found, type):
            return found
    raise ContractError(f"model {name!r} is in none of {(*schemas, module)}")


# ---- reading a handler's signature --------------------------------------------------------------
_OPTIONAL = re.compile(r"^(?:Optional\[(?P<a>\w+)\]|(?P<b>\w+) \| None|None \| (?P<c>\w+))$")


def _split_optional(annotation: str) -> tuple[str, bool]:
    m = _OPTIONAL.match(annotation.strip())
    if m:
        return next(g for g in m.groups() if g), True
    return annotation.strip().rsplit(".", 1)[-1], False


def _args_of(fn: Handler, path: str) -> tuple[Arg, ...]:
    path_params = set(re.findall(r"{(\w+)}", path))
    args: list[Arg] = []
    for name, param in inspect.signature(fn).parameters.items():
        annotation = param.annotation
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        model, optional = _split_optional(str(text))
        if name in path_params:
            args.append(Arg(name, "path"))
        elif model in WHO_TYPES:
            args.append(Arg(name, "who", optional))
        elif name == "req":
            args.append(Arg(name, "body", optional, model))
        elif name == "params":
            args.append(Arg(name, "query", False, model))
        elif name == "raw":
            args.append(Arg(name, "raw"))
        elif name == "request":
            args.append(Arg(name, "request"))
        else:
            raise ContractError(f"{fn.__qualname__}: cannot fill parameter {name!r}")
    missing = path_params - {a.name for a in args}
    if missing:
        raise ContractError(f"{fn.__qualname__}: path parameters {sorted(missing)} not taken")
    return tuple(args)


def _return_model(fn: Handler) -> str | None:
    ret = inspect.signature(fn).return_annotation
    text = ret if isinstance(ret, str) else getattr(ret, "__name__", "")
    name, _ = _split_optional(str(text))
    if not name or name in {"Response", "Any", "None", "_empty"} or not name[:1].isupper():
        return None
    return name


# ---- running a request --------------------------------------------------------------------------
def _contract_check() -> bool:
    return os.environ.get(CONTRACT_CHECK_ENV, "").strip().lower() in {"1", "true", "yes"}


def _answer(contract: Contract, result: Any) -> Response:
    from chalicelib.api.http import json_response

    if isinstance(result, Response):
        return result
    control = contract.cache or ("no-store" if contract.no_store else None)
    headers = {"Cache-Control": control} if control else None
    model = contract.answer
    if model is None:
        return json_response(result, status=contract.status, headers=headers)
    from pydantic import BaseModel, ValidationError

    if isinstance(result, BaseModel):
        payload = result.model_dump(mode="json", by_alias=True, exclude_unset=True)
    else:
        try:
            # validated in its JSON form (what clients get: datetimes as ISO strings, DynamoDB
            # numbers as numbers), so a service's datetime fits a `str` field as it always did
            built = model.model_validate(_wire(result))
        except ValidationError as exc:
            # our answer does not match our contract: a server fault, never the client's 400
            raise AnswerMismatch(contract, str(exc)) from None
        payload = built.model_dump(mode="json", by_alias=True, exclude_unset=True)
        if _contract_check():
            _check_same(contract, result, payload)
    return json_response(payload, status=contract.status, headers=headers)


def _wire(result: Any) -> Any:
    import json

    from chalicelib.api.http import dumps

    return json.loads(dumps(result))


class AnswerMismatch(RuntimeError):
    """The handler's answer does not fit the route's `out` model (a 500: our bug)."""

    def __init__(self, contract: Contract, detail: str) -> None:
        super().__init__(f"{contract.method} {contract.path}: answer vs {contract.out}: {detail}")


def _check_same(contract: Contract, original: Any, dumped: Any) -> None:
    import json

    from chalicelib.api.http import dumps

    before, after = json.loads(dumps(original)), json.loads(dumps(dumped))
    if before != after:
        raise AnswerMismatch(contract, f"the model changes the answer: {before!r} -> {after!r}")


# Auth.SIGV4 and Auth.PORTAL: the route module that owns the credentials registers how a signed
# request becomes its actor (chalicelib/api/routes/agency_api.py `signed_actor`: an agency's key;
# chalicelib/api/routes/portal_intake.py `portal_actor`: the national portal's HMAC push).
_AUTHENTICATORS: dict[str, Callable[[], Any]] = {}


def authenticate_signed(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Register the SigV4 authenticator (raises Unauthorized for a bad or missing signature)."""
    _AUTHENTICATORS["sigv4"] = fn
    return fn


class Refused(Exception):
    """Raised by an authenticator that answers the refusal itself (the national portal is told in
    its own shape, without a bearer `WWW-Authenticate`): `_run` returns `response` as is."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def authenticate_portal(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Register the national portal's authenticator (raises `Refused` with the portal's answer
    when the push is not signed with the portal's secret)."""
    _AUTHENTICATORS["portal"] = fn
    return fn


def _run(contract: Contract, fn: Handler, view_kwargs: dict[str, Any]) -> Response:
    from chalicelib.api import context
    from chalicelib.domain.permissions import Auth, forbidden_role, permission, role_permits

    perm = permission(contract.action)
    who: Any = None
    if perm.auth is Auth.BEARER:
        who = context.caller()  # 401 without a valid token
    elif perm.auth is Auth.OPTIONAL and context.request().headers.get("authorization"):
        who = context.caller()  # a token that is sent must be valid
    elif perm.auth in (Auth.SIGV4, Auth.PORTAL):
        authenticator = _AUTHENTICATORS.get(perm.auth.value)
        if authenticator is None:
            raise ContractError(
                f"{contract.path}: no {perm.auth.value} authenticator is registered"
            )
        try:
            who = authenticator()  # 401 before the body is read
        except Refused as refused:
            return refused.response
    if perm.auth is not Auth.NONE and not role_permits(who, contract.action):
        raise forbidden_role()
    kwargs: dict[str, Any] = {}
    for arg in contract.args:
        if arg.kind == "path":
            kwargs[arg.name] = view_kwargs[arg.name]
        elif arg.kind == "who":
            kwargs[arg.name] = who
        elif arg.kind == "body":
            body_model = contract.body
            assert body_model is not None
            kwargs[arg.name] = context.body(body_model)
        elif arg.kind == "query":
            from chalicelib.api.http import parse_query

            query_model = contract.query
            assert query_model is not None
            kwargs[arg.name] = parse_query(context.request(), query_model)
        elif arg.kind == "raw":
            raw = context.request().raw_body
            kwargs[arg.name] = raw.encode("latin-1") if isinstance(raw, str) else bytes(raw or b"")
        else:
            kwargs[arg.name] = context.request()
    return _answer(contract, fn(**kwargs))


# ---- the router ---------------------------------------------------------------------------------
class Router:
    """One per route module: a Chalice Blueprint plus the contracts of its routes."""

    def __init__(self, import_name: str, *, schemas: tuple[str, ...] | str = ()) -> None:
        self.bp = Blueprint(import_name)
        self.module = import_name
        self.schemas = (schemas,) if isinstance(schemas, str) else tuple(schemas)

    def route(
        self,
        path: str,
        method: str,
        *,
        summary: str,
        action: str,
        out: str | None = None,
        status: int = 200,
        media: tuple[str, ...] = (JSON,),
        upload: tuple[str, ...] = (),
        replay: bool = True,
        no_store: bool = False,
        cache: str | None = None,
        body_required: bool = True,
        errors: tuple[int, ...] = (),
    ) -> Callable[[Handler], Handler]:
        """Register `fn` as `method path` with its contract (see the module docstring)."""
        if method not in METHODS:
            raise ContractError(f"{method} {path}: unsupported method")

        def register(fn: Handler) -> Handler:
            args = _args_of(fn, path)
            if not body_required:  # an empty body is `{}`: the model's defaults
                args = tuple(a._replace(optional=True) if a.kind == "body" else a for a in args)
            contract = Contract(
                method=method,
                path=path,
                summary=summary,
                action=action,
                view_name=fn.__name__,
                module=self.module,
                schemas=self.schemas,
                args=args,
                out=out if out is not None else _return_model(fn),
                status=status,
                media=media,
                upload=upload,
                replay=replay,
                no_store=no_store,
                cache=cache,
                errors=tuple(sorted(set(errors))),
            )
            key = (method, path)
            if key in CONTRACTS and CONTRACTS[key].module != self.module:
                raise ContractError(f"{method} {path} is declared twice")
            CONTRACTS[key] = contract
            if method == "POST" and not replay:
                from chalicelib.api.http import never_store

                never_store(path)

            @functools.wraps(fn)
            def view(**view_kwargs: Any) -> Response:
                return _run(contract, fn, view_kwargs)

            view.contract = contract  # type: ignore[attr-defined]
            options: dict[str, Any] = {"methods": [method]}
            if upload:
                options["content_types"] = list(upload)
            self.bp.route(path, **options)(view)
            return fn

        return register

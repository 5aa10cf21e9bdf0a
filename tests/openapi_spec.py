"""The official SpaceTraders OpenAPI spec, loaded for contract checks.

The spec folder (``reference/SpaceTraders.json`` + ``models/*.json``, as in the GitHub
``SpaceTradersAPI/api-docs`` repository) is found at ``$PLANCC_API_SPEC``, else at
``<repo>/../shared/spacetraders-api``. Its ``$ref``s (``../models/Ship.json``,
``./ShipNav.json``) are resolved with ``referencing`` against the files' own locations.

Use::

    spec = load_spec()              # None when the spec is absent
    if spec is not None:
        assert spec.validate_model("Ship", ship_json) == []
        assert spec.validate_response("GET", "/my/ships/{shipSymbol}", 200, body) == []

Both return a list of one-line problems (``data.nav.route: 'arrival' is a required property``),
empty when the instance conforms. Tests and the twin's contract test use them; plancc's
runtime code never needs the spec.

Where the spec lags the live server, the correction is made in ONE place, ``SPEC_LAGS`` below,
and applied to the loaded schemas (never to the files).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_ENV = "PLANCC_API_SPEC"
REFERENCE = Path("reference") / "SpaceTraders.json"
MODELS = "models"
METHODS = ("get", "post", "patch", "put", "delete")


def _drop_required(*names: str) -> Callable[[dict[str, Any]], None]:
    def patch(schema: dict[str, Any]) -> None:
        schema["required"] = [r for r in schema.get("required", []) if r not in names]

    return patch


# Model file name -> (why, patch applied to that model's schema). The ONLY place where plancc
# knowingly departs from the official spec; every entry is a case where the live server (and
# real recorded data in ../shared/realdata) disagrees with the spec text.
SPEC_LAGS: dict[str, tuple[str, Callable[[dict[str, Any]], None]]] = {
    "ShipNavRoute.json": (
        "spec 2.3.0 still lists the removed `departure` in `required` (it has no such property);"
        " the live server sends `origin` + `departureTime` instead",
        _drop_required("departure"),
    ),
}


# Not spec lags: what the recorded real data (../shared/realdata, stored by a public bot through
# its own typed models) lacks although the spec requires it. Live 2.3 servers send these
# fields; the recording dropped them, and it writes absent optional fields as null. Contract
# tests of that recording drop nulls and accept exactly these problems, per model.
RECORDED_DATA_GAPS: dict[str, frozenset[str]] = {
    "Ship": frozenset(
        {
            "frame: 'quality' is a required property",
            "reactor: 'quality' is a required property",
            "engine: 'quality' is a required property",
        }
    ),
}


def default_spec_dir() -> Path | None:
    """``$PLANCC_API_SPEC`` or ``<repo>/../shared/spacetraders-api``; None when not there."""
    env = os.environ.get(SPEC_ENV)
    if env:
        candidate = Path(env)
    else:
        candidate = Path(__file__).resolve().parent.parent.parent / "shared" / "spacetraders-api"
    return candidate if (candidate / REFERENCE).is_file() else None


def _format_error(err: Any) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path)
    where = path.lstrip(".") or "(root)"
    return f"{where}: {err.message}"


@dataclass
class ApiSpec:
    """The loaded spec: the reference document, every model, and a registry resolving refs."""

    root: Path
    document: dict[str, Any]
    models: dict[str, dict[str, Any]]
    registry: Registry[Any]
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict, repr=False)

    @property
    def reference_uri(self) -> str:
        return (self.root / REFERENCE).resolve().as_uri()

    def model_uri(self, name: str) -> str:
        return (self.root / MODELS / f"{name}.json").resolve().as_uri()

    def model_names(self) -> list[str]:
        return sorted(n.removesuffix(".json") for n in self.models)

    def model_schema(self, name: str) -> dict[str, Any]:
        """The (lag-corrected) schema of model ``name``, e.g. ``"Ship"``; KeyError if unknown."""
        return self.models[f"{name}.json"]

    def operation(self, method: str, path_template: str) -> dict[str, Any]:
        """The spec's operation object, e.g. ``("POST", "/my/ships/{shipSymbol}/purchase")``."""
        try:
            return self.document["paths"][path_template][method.lower()]
        except KeyError:
            raise KeyError(f"{method.upper()} {path_template} is not in the spec") from None

    def operations(self) -> list[tuple[str, str]]:
        """Every (METHOD, path template) the spec documents."""
        return [
            (m.upper(), p)
            for p, item in self.document["paths"].items()
            for m in METHODS
            if m in item
        ]

    def response_schema(self, method: str, path_template: str, status: int) -> dict[str, Any]:
        responses = self.operation(method, path_template).get("responses", {})
        if str(status) not in responses:
            documented = ", ".join(sorted(responses)) or "none"
            raise KeyError(
                f"{method.upper()} {path_template} documents no {status} response"
                f" (documented: {documented})"
            )
        content = responses[str(status)].get("content", {})
        return content.get("application/json", {}).get("schema", {})

    def request_schema(self, method: str, path_template: str) -> dict[str, Any] | None:
        """The JSON request body schema of an operation, or None when it takes no body."""
        body = self.operation(method, path_template).get("requestBody")
        if not body:
            return None
        return body.get("content", {}).get("application/json", {}).get("schema")

    def success_status(self, method: str, path_template: str) -> int:
        """The 2xx status the spec documents for an operation (200 or 201)."""
        codes = sorted(int(c) for c in self.operation(method, path_template).get("responses", {}))
        ok = [c for c in codes if 200 <= c < 300]
        if not ok:
            raise KeyError(f"{method.upper()} {path_template} documents no success response")
        return ok[0]

    def _validator(self, key: str, schema: dict[str, Any]) -> Draft202012Validator:
        v = self._validators.get(key)
        if v is None:
            v = Draft202012Validator(schema, registry=self.registry)
            self._validators[key] = v
        return v

    def validate_model(self, name: str, instance: Any) -> list[str]:
        """Problems of ``instance`` as model ``name`` (``"Ship"``, ``"Market"``); [] if valid."""
        if f"{name}.json" not in self.models:
            raise KeyError(f"no model {name!r} in the spec")
        v = self._validator(f"model:{name}", {"$ref": self.model_uri(name)})
        return [_format_error(e) for e in v.iter_errors(instance)]

    def validate_response(
        self, method: str, path_template: str, status: int, body: Any
    ) -> list[str]:
        """Problems of a whole response body (``{"data": ...}``) against the operation's schema.

        Raises KeyError when the spec has no such operation or documents no such status (the
        spec documents success responses only).
        """
        key = f"resp:{method.upper()} {path_template} {status}"
        if key not in self._validators:
            schema = self.response_schema(method, path_template, status)
            self._validator(key, _with_base(self, schema))
        return [_format_error(e) for e in self._validators[key].iter_errors(body)]

    def validate_request(self, method: str, path_template: str, body: Any) -> list[str]:
        """Problems of a JSON request body against the operation's ``requestBody`` schema.

        An operation without a request body accepts only an absent or empty body.
        """
        key = f"req:{method.upper()} {path_template}"
        if key not in self._validators:
            schema = self.request_schema(method, path_template)
            if schema is None:
                return [] if body in (None, {}) else ["(root): this operation takes no body"]
            self._validator(key, _with_base(self, schema))
        return [_format_error(e) for e in self._validators[key].iter_errors(body)]


def _with_base(spec: ApiSpec, schema: dict[str, Any]) -> dict[str, Any]:
    # relative refs ("../models/X.json") in an operation's schemas resolve against this $id,
    # which sits beside the reference document
    return {**schema, "$id": spec.reference_uri.rsplit("/", 1)[0] + "/__operation__.json"}


def _resource(contents: Any) -> Resource[Any]:
    return Resource.from_contents(contents, default_specification=DRAFT202012)


def load_spec_from(root: Path) -> ApiSpec:
    """Load the spec at ``root`` (a folder with ``reference/`` and ``models/``)."""
    root = Path(root).resolve()
    document = json.loads((root / REFERENCE).read_text(encoding="utf-8"))
    models: dict[str, dict[str, Any]] = {}
    for path in sorted((root / MODELS).glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        if path.name in SPEC_LAGS:
            schema = copy.deepcopy(schema)
            SPEC_LAGS[path.name][1](schema)
        models[path.name] = schema
    pairs = [((root / REFERENCE).as_uri(), _resource(document))]
    pairs += [((root / MODELS / n).as_uri(), _resource(s)) for n, s in models.items()]
    registry: Registry[Any] = Registry().with_resources(pairs)
    return ApiSpec(root=root, document=document, models=models, registry=registry)


@lru_cache(maxsize=4)
def _load_cached(root: str) -> ApiSpec:
    return load_spec_from(Path(root))


def load_spec(root: Path | str | None = None) -> ApiSpec | None:
    """The spec at ``root`` or the default location; None when it is absent. Cached."""
    found = Path(root) if root is not None else default_spec_dir()
    if found is None or not (found / REFERENCE).is_file():
        return None
    return _load_cached(str(found.resolve()))


def validate_model(name: str, instance: Any) -> list[str]:
    """``load_spec().validate_model``; raises LookupError when the spec is absent."""
    return _require().validate_model(name, instance)


def validate_request(method: str, path_template: str, body: Any) -> list[str]:
    """``load_spec().validate_request``; raises LookupError when the spec is absent."""
    return _require().validate_request(method, path_template, body)


def validate_response(method: str, path_template: str, status: int, body: Any) -> list[str]:
    """``load_spec().validate_response``; raises LookupError when the spec is absent."""
    return _require().validate_response(method, path_template, status, body)


def _require() -> ApiSpec:
    spec = load_spec()
    if spec is None:
        raise LookupError(f"official SpaceTraders spec not found (set {SPEC_ENV})")
    return spec

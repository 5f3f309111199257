"""The engine's records (calc.model.Record): constructor, equality, immutability, replace, pickling."""

from __future__ import annotations

import ast
import copy
import importlib
import pickle
import pkgutil
from decimal import Decimal
from pathlib import Path

import pytest

import calc
from calc import parse_quote_request, quote
from calc.finance.payment import finance_terms
from calc.model import Explanation, QuoteResult, Record, Vehicle, replace


def _record_classes() -> list[type[Record]]:
    classes: dict[str, type[Record]] = {}
    for module in pkgutil.walk_packages(calc.__path__, "calc."):
        if module.name.endswith("__main__"):
            continue  # running it would start the CLI
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, type) and issubclass(value, Record) and value is not Record:
                classes[f"{value.__module__}.{value.__qualname__}"] = value
    return list(classes.values())


RECORDS = _record_classes()


def test_the_engine_defines_its_records_on_the_record_base() -> None:
    names = {cls.__name__ for cls in RECORDS}
    assert {"QuoteRequest", "QuoteResult", "Vehicle", "FinanceTerms", "StateRules", "LocalRate"} <= names


def _init_parameters(cls: type[Record]) -> list[str]:
    """The ``__init__`` parameters as written in the source (compiled classes carry no signature)."""
    source = Path(calc.__file__).parent.joinpath(*cls.__module__.split(".")[1:]).with_suffix(".py")
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__:
            init = next(n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
            return [a.arg for a in init.args.args[1:] + init.args.kwonlyargs]
    raise AssertionError(f"{cls.__qualname__} not found in {source}")


@pytest.mark.parametrize("cls", RECORDS, ids=lambda cls: cls.__qualname__)
def test_each_record_lists_its_constructor_fields_in_order(cls: type[Record]) -> None:
    # Equality, hashing, repr, pickling and replace() read __match_args__: a field added to __init__
    # but not listed would silently drop out of all of them.
    assert list(cls.__match_args__) == _init_parameters(cls)


def test_defaults_keywords_and_positions_match_the_declared_fields() -> None:
    by_position = Vehicle(Decimal("25000"), "used", None, 2019)
    by_keyword = Vehicle(price=Decimal("25000"), condition="used", model_year=2019)
    assert by_position == by_keyword
    assert by_keyword.accessories == 0 and by_keyword.msrp is None
    assert hash(by_position) == hash(by_keyword)
    assert by_position != Vehicle(Decimal("25000"), "new", None, 2019)
    assert repr(by_keyword).startswith("Vehicle(price=Decimal('25000'), condition='used', msrp=None")
    with pytest.raises(TypeError):
        Vehicle()  # type: ignore[call-arg]


def test_replace_copies_and_pickling_round_trips() -> None:
    vehicle = Vehicle(Decimal("25000"))
    cheaper = replace(vehicle, price=Decimal("20000"))
    assert cheaper.price == Decimal("20000") and vehicle.price == Decimal("25000")
    assert cheaper.condition == vehicle.condition
    with pytest.raises(TypeError, match="no field 'prize'"):
        replace(vehicle, prize=Decimal("1"))
    assert pickle.loads(pickle.dumps(cheaper)) == cheaper
    assert copy.deepcopy(cheaper) == cheaper


def test_a_record_refuses_to_change() -> None:
    # mypy refuses it in our code (the fields are Final); both engines refuse it at run time too.
    vehicle = Vehicle(Decimal("25000"))
    with pytest.raises(AttributeError):
        vehicle.price = Decimal("1")  # type: ignore[misc]
    assert vehicle.price == Decimal("25000")


def test_a_result_without_steps_gets_an_empty_explanation() -> None:
    deal = {"deal_type": "cash", "customer": {"state": "TX"}, "vehicle": {"price": "1"}}
    r = quote(parse_quote_request(deal))
    a = QuoteResult(r.deal_type, r.jurisdiction, r.taxes, r.fees, r.products_total)
    assert isinstance(a.explain, Explanation) and list(a.explain) == []
    assert a.warnings == ()


def test_fields_outside_init_get_their_default() -> None:
    terms = finance_terms(Decimal("10000"), Decimal("0.06"), 12)
    assert len(terms.schedule) == 12  # the lazily built schedule started empty
    assert terms.schedule[-1].balance == 0

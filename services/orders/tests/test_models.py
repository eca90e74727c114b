import pydantic


def test_orders_runs_on_pydantic_1() -> None:
    assert pydantic.VERSION.startswith("1.")

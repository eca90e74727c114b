import jinja2


def test_renders_a_template() -> None:
    assert jinja2.Template("{{ n }} orders").render(n=3) == "3 orders"

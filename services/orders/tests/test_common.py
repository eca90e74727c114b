from acme_common import parse_timestamp


def test_parses_shared_timestamp_format() -> None:
    assert parse_timestamp("2024-05-01T12:00:00").year == 2024

"""Settings from the environment: tokens never shown, compared by value, and as truthy as pydantic's SecretStr."""

from __future__ import annotations

import dataclasses
import logging
import pickle
import typing

from crawler.settings import Secret, Settings

ENV = {"GITHUB_TOKEN": "ghp_NEVERSHOWN1", "HF_TOKEN": " hf_NEVERSHOWN2 ", "KAGGLE_KEY": "NEVERSHOWN3",
       "SWH_TOKEN": "NEVERSHOWN4", "IA_ACCESS_KEY": "NEVERSHOWN5", "IA_SECRET_KEY": "NEVERSHOWN6"}  # fmt: skip


def test_no_token_shows_in_any_rendering_of_the_settings(caplog):
    """repr, str, f-strings, %-formatting, asdict, replace and a log line all mask every token."""
    settings = Settings.from_env(ENV)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("crawler.test").debug("settings %s, token %s", settings, settings.github_token)
    shown = [
        repr(settings), str(settings), f"{settings}", f"{settings.hf_token}", "%r" % (settings.kaggle_key,),
        str(dataclasses.asdict(settings)), repr(dataclasses.replace(settings, cache_dir="elsewhere")), caplog.text,
    ]  # fmt: skip
    assert not [text for text in shown if "NEVERSHOWN" in text]
    assert "**********" in repr(settings)
    assert settings.hf_token is not None and settings.hf_token.get_secret_value() == "hf_NEVERSHOWN2"


def test_settings_compare_hash_copy_and_pickle_by_value():
    """Two builds from one environment are equal and hash alike; replace coerces a str token; pickling keeps it."""
    one, two = Settings.from_env(ENV), Settings.from_env(dict(ENV))
    assert one == two and hash(one) == hash(two)
    changed = dataclasses.replace(one, github_token="ghp_other")
    assert isinstance(changed.github_token, Secret) and changed != one
    assert pickle.loads(pickle.dumps(one)) == one


def test_an_empty_secret_is_falsy_as_pydantics_secretstr_was():
    """A token given as "" to the constructor counts as no token where the code asks `if token:`."""
    assert not Settings(swh_token="").swh_token
    assert Settings(swh_token="x").swh_token
    assert Settings.from_env({"SWH_TOKEN": "  "}).swh_token is None


def test_every_secret_field_given_as_a_plain_string_is_masked():
    """Each field typed Secret (resolved from the annotations) becomes a Secret when given a str, so repr hides it."""
    hints = typing.get_type_hints(Settings)
    secret_fields = [f.name for f in dataclasses.fields(Settings) if Secret in typing.get_args(hints[f.name])]
    assert {"github_token", "hf_token", "swh_token"} <= set(secret_fields)
    settings = Settings(**{name: f"PLAIN-{name}" for name in secret_fields})
    assert "PLAIN-" not in repr(settings)
    assert all(getattr(settings, name).get_secret_value() == f"PLAIN-{name}" for name in secret_fields)

"""Loopback fakes of the GitHub and Hugging Face APIs (see ``fake_apis``)."""

from tests.fakes.fake_apis import FakeApis, FakeHfRepo, FakeRepo, Recorded, World

__all__ = ["FakeApis", "FakeHfRepo", "FakeRepo", "Recorded", "World"]

"""The typed run profiles: both profiles per section, one type per field, quick no larger than full,
the smoke variant keeps every switch of the full profile, and the override errors."""

import dataclasses
import types
import typing

import pytest

from stylelab import profiles
from stylelab.errors import StylelabError

SECTIONS = sorted(profiles.SECTIONS)
# Counts that are not sizes: quick may checkpoint less often (it does not checkpoint at all).
NOT_A_SIZE = {("emd", "checkpoint_every")}


def _fields(section):
    return dataclasses.fields(profiles.SECTIONS[section])


def _matches(value, hint) -> bool:
    """Does ``value`` have the annotated type (the few shapes profiles use)?"""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, a) for a in args)
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_matches(v, args[0]) for v in value)
        return len(value) == len(args) and all(_matches(v, a) for v, a in zip(value, args))
    if origin is dict:
        return isinstance(value, dict) and all(_matches(k, args[0]) and _matches(v, args[1]) for k, v in value.items())
    return isinstance(value, hint)


def _numbers(value):
    """The sizes or counts in a value: an int, a tuple of ints, a dict of those."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, tuple) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return [max(value)] if value else []
    return []


def test_every_section_has_both_profiles_as_its_dataclass():
    assert set(profiles.PROFILES) == {"quick", "full"}
    for name, sections in profiles.PROFILES.items():
        assert set(sections) == set(profiles.SECTIONS), name
        for section, cls in profiles.SECTIONS.items():
            assert type(sections[section]) is cls, (name, section)
            assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    assert set(profiles.SMOKE) == set(profiles.SECTIONS)


@pytest.mark.parametrize("section", SECTIONS)
def test_every_value_has_its_annotated_type_in_both_profiles(section):
    hints = typing.get_type_hints(profiles.SECTIONS[section])
    for profile in ("quick", "full"):
        cfg = profiles.settings(section, profile)
        for f in _fields(section):
            assert _matches(getattr(cfg, f.name), hints[f.name]), (profile, section, f.name, getattr(cfg, f.name))
    quick, full = profiles.settings(section, "quick"), profiles.settings(section, "full")
    for f in _fields(section):
        q, g = getattr(quick, f.name), getattr(full, f.name)
        if q is not None and g is not None:  # None: "torch's default" / "all of them"
            assert type(q) is type(g) or {type(q), type(g)} <= {int, float}, (section, f.name, q, g)


@pytest.mark.parametrize("section", SECTIONS)
def test_quick_is_no_larger_than_full(section):
    quick, full = profiles.settings(section, "quick"), profiles.settings(section, "full")
    for f in _fields(section):
        if (section, f.name) in NOT_A_SIZE:
            continue
        q, g = getattr(quick, f.name), getattr(full, f.name)
        if isinstance(q, dict):
            assert q.keys() == g.keys(), (section, f.name)
            for key in q:
                assert all(a <= b for a, b in zip(_numbers(q[key]) or [len(q[key])], _numbers(g[key]) or [len(g[key])])), \
                    (section, f.name, key)
            continue
        for a, b in zip(_numbers(q), _numbers(g)):
            assert a <= b, f"{section}.{f.name}: quick {q} > full {g}"
        if isinstance(q, tuple) and q and isinstance(q[0], str):  # photo lists: quick's are among full's
            assert set(q) <= set(g), (section, f.name)


def test_one_meaning_per_name():
    """Training steps are *_steps, optimiser iterations *_iterations; no bare, ambiguous 'iterations'."""
    for section in SECTIONS:
        names = {f.name for f in _fields(section)}
        assert "iterations" not in names and "steps" not in names, section
    assert {"demo_steps", "study_steps", "gatys_iterations"} <= {f.name for f in _fields("feedforward")}
    assert {"train_steps", "pix2pix_steps", "hangul_steps"} <= {f.name for f in _fields("emd")}
    assert {"final_iterations", "texture_iterations"} <= {f.name for f in _fields("gatys")}


@pytest.mark.parametrize("section", SECTIONS)
def test_smoke_keeps_every_switch_of_the_full_profile_and_shrinks_the_rest(section):
    full, smoke = profiles.settings(section, "full"), profiles.settings(section, "full", smoke=True)
    substitutes = profiles.SMOKE_SUBSTITUTES.get(section, set())
    hints = typing.get_type_hints(profiles.SECTIONS[section])
    for f in _fields(section):
        g, s = getattr(full, f.name), getattr(smoke, f.name)
        assert _matches(s, hints[f.name]), (section, f.name, s)
        if f.name in substitutes:
            continue
        if isinstance(g, (bool, str, float)) or g is None:  # switches, modes, names, rates, "all"
            assert s == g, f"smoke changes {section}.{f.name}: {g!r} -> {s!r}"
        elif isinstance(g, tuple) and g and isinstance(g[0], (str, float)):  # photo lists, weights, alphas
            assert s == g, f"smoke changes {section}.{f.name}"
        elif isinstance(g, dict):
            assert s.keys() == g.keys(), (section, f.name)
        if isinstance(g, tuple):
            assert bool(s) == bool(g), f"smoke empties or fills {section}.{f.name}"
        for a, b in zip(_numbers(s), _numbers(g)):
            assert 1 <= a <= b, f"{section}.{f.name}: smoke {s} not in 1..{g}"
        if f.name.endswith("_size") or f.name.endswith("_sizes") or f.name in ("image_size", "sizes"):
            assert all(n <= 64 for n in _numbers(s)), f"{section}.{f.name} = {s} is not a toy size"
        if f.name.endswith("_steps") or f.name.endswith("_iterations"):
            assert all(n <= 3 for n in _numbers(s)), f"{section}.{f.name} = {s} is not a toy count"


def test_smoke_keeps_coarse_to_fine_checkpoints_and_compile():
    gatys = profiles.settings("gatys", "full", smoke=True)
    assert len(gatys.final_scales) == len(profiles.settings("gatys", "full").final_scales) > 1
    assert list(gatys.final_scales) == sorted(gatys.final_scales) and gatys.final_scales[-1] == gatys.image_size
    emd = profiles.settings("emd", "full", smoke=True)
    assert emd.checkpoints and emd.checkpoint_every < emd.train_steps  # the smoke run writes checkpoints
    assert all(nt < emd.contents["zh"][0] for nt in emd.nt_sizes)  # the Nt study trains its extra models
    speed = profiles.settings("speed", "full", smoke=True)
    assert speed.compile and speed.more_threads and speed.inverse_iterations is None


def test_settings_returns_the_frozen_dataclass_and_none_keeps_the_profile_value():
    cfg = profiles.settings("gatys", "quick", final_iterations=None, image_size=64)
    assert isinstance(cfg, profiles.GatysProfile) and cfg.image_size == 64
    assert cfg.final_iterations == profiles.PROFILES["quick"]["gatys"].final_iterations
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.image_size = 32
    assert profiles.settings("emd", "full", smoke=True, train_steps=3).train_steps == 3
    assert profiles.PROFILES["quick"]["gatys"].image_size == 128  # overrides never change the table


def test_the_old_ambiguous_name_is_a_one_line_error_with_a_hint():
    with pytest.raises(StylelabError) as info:
        profiles.settings("emd", "full", iterations=10)
    message = str(info.value)
    assert message.startswith("unknown emd setting 'iterations'; did you mean 'train_steps'? ") and "\n" not in message
    for section, renamed in profiles.RENAMED.items():
        for old, new in renamed.items():
            assert new in {f.name for f in _fields(section)} and old not in {f.name for f in _fields(section)}
            with pytest.raises(StylelabError, match=f"did you mean '{new}'"):
                profiles.settings(section, "full", **{old: 1})
    with pytest.raises(StylelabError, match="unknown cin setting 'new_style_step'; did you mean 'new_style_steps'"):
        profiles.settings("cin", "quick", new_style_step=None)  # caught even when None


def test_smoke_is_for_the_full_profile_only():
    with pytest.raises(StylelabError, match="the quick profile has no smoke variant"):
        profiles.settings("gatys", "quick", smoke=True)
    assert profiles.label("full", smoke=True) == "full-smoke" and profiles.label("quick") == "quick"

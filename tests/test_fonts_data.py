"""Splits and triplet sampling: disjoint D1–D4, references from the right pools, clear errors."""

import pytest
import torch

from stylelab.errors import StylelabError
from stylelab.fonts import glyphs
from stylelab.fonts.data import (SPLITS, FontData, TripletDataset, build_font_data, content_split, epoch_indices,
                                 train_test_pairs)


def toy_font_data(n_known_styles=6, n_novel_styles=2, n_known_chars=20, n_novel_chars=6, size=8, missing=()):
    """A glyph table without fonts: random images, ``missing`` (style, char) pairs unavailable."""
    n_styles, n_chars = n_known_styles + n_novel_styles, n_known_chars + n_novel_chars
    images = torch.randint(0, 256, (n_styles, n_chars, size, size), dtype=torch.uint8,
                           generator=torch.Generator().manual_seed(0))
    available = torch.ones(n_styles, n_chars, dtype=torch.bool)
    for s, c in missing:
        available[s, c] = False
        images[s, c] = 255
    specs = [glyphs.FontSpec(f"style{k}", "zh", "known" if k < n_known_styles else "novel", ("quick",), "fonts-x",
                             "x.ttf", 0, "toy") for k in range(n_styles)]
    chars = "".join(chr(0x4E00 + k) for k in range(n_chars))
    table = glyphs.GlyphTable(images, available, specs, chars)
    return FontData(table, torch.arange(n_known_styles), torch.arange(n_known_styles, n_styles),
                    torch.arange(n_known_chars), torch.arange(n_known_chars, n_chars), "zh")


def test_content_split_is_disjoint_and_seeded():
    known, novel = content_split("zh", 300, 60, seed=5)
    assert len(known) == 300 and len(novel) == 60 and not set(known) & set(novel)
    assert content_split("zh", 300, 60, seed=5) == (known, novel)
    assert content_split("zh", 300, 60, seed=6) != (known, novel)
    with pytest.raises(StylelabError, match="the zh set has 3755"):
        content_split("zh", 3700, 100)


def test_d1_to_d4_cover_the_grid_without_overlap():
    data = toy_font_data(missing=[(0, 3), (7, 21)])
    pairs = {split: {tuple(p) for p in data.split_pairs(split).tolist()} for split in SPLITS}
    for a in SPLITS:
        for b in SPLITS:
            assert a == b or not pairs[a] & pairs[b]
    known_s, novel_s = set(data.known_styles.tolist()), set(data.novel_styles.tolist())
    known_c, novel_c = set(data.known_contents.tolist()), set(data.novel_contents.tolist())
    assert all(s in known_s and c in known_c for s, c in pairs["D1"])
    assert all(s in known_s and c in novel_c for s, c in pairs["D2"])
    assert all(s in novel_s and c in known_c for s, c in pairs["D3"])
    assert all(s in novel_s and c in novel_c for s, c in pairs["D4"])
    assert sum(len(p) for p in pairs.values()) == 8 * 26 - 2  # every available glyph once
    assert (0, 3) not in pairs["D1"] and (7, 21) not in pairs["D4"]


def test_training_targets_come_from_d1_and_never_from_a_test_set():
    data = toy_font_data()
    train, tests = train_test_pairs(data, n_test=10, seed=1)
    train_set = {tuple(p) for p in train.tolist()}
    d1 = {tuple(p) for p in data.split_pairs("D1").tolist()}
    assert train_set <= d1 and len(train_set) == len(d1) - 10
    for split, pairs in tests.items():
        assert len(pairs) == 10 and not train_set & {tuple(p) for p in pairs.tolist()}, split
    small, tests_again = train_test_pairs(data, n_train=25, n_test=10, seed=1)
    assert len(small) == 25 and {tuple(p) for p in small.tolist()} <= train_set
    assert all(torch.equal(tests[s], tests_again[s]) for s in SPLITS)  # Nt does not move the test sets
    with pytest.raises(StylelabError, match="Nt = 1000"):
        train_test_pairs(data, n_train=1000, n_test=10)


def test_triplets_follow_the_paper():
    data = toy_font_data(missing=[(1, 2)])
    targets = torch.cat([data.split_pairs(s)[:12] for s in SPLITS])
    r = 4
    batch = TripletDataset(data, targets, r, seed=0).all()
    images = data.table.images.float() / 255
    known_c, known_s = set(data.known_contents.tolist()), set(data.known_styles.tolist())
    for b in range(len(batch)):
        style, content = int(batch.style[b]), int(batch.content[b])
        assert torch.equal(batch.target[b, 0], images[style, content])
        ref_contents, ref_styles = batch.style_ref_contents[b].tolist(), batch.content_ref_styles[b].tolist()
        # r style references: the target's style, other (known) contents, all distinct and present.
        assert len(set(ref_contents)) == r and content not in ref_contents and set(ref_contents) <= known_c
        assert (1, 2) not in [(style, c) for c in ref_contents]
        for k, c in enumerate(ref_contents):
            assert torch.equal(batch.style_refs[b, k], images[style, c])
        # r content references: the target's content, other (known) styles.
        assert len(set(ref_styles)) == r and style not in ref_styles and set(ref_styles) <= known_s
        for k, s in enumerate(ref_styles):
            assert torch.equal(batch.content_refs[b, k], images[s, content])


def test_dataset_items_are_reproducible():
    data = toy_font_data()
    dataset = TripletDataset(data, data.split_pairs("D1"), 3, seed=2)
    first, again = dataset[5], dataset[5]
    assert first["style_refs"].shape == (3, 8, 8) and first["target"].shape == (1, 8, 8)
    assert all(torch.equal(first[k], again[k]) for k in first)


def test_too_many_references_fail_with_a_clear_message():
    data = toy_font_data(n_known_styles=4)
    with pytest.raises(StylelabError, match=r"r = 4 content references asked for, but character .* exists in only 3"):
        TripletDataset(data, data.split_pairs("D1"), 4)
    with pytest.raises(StylelabError, match="r = 30 style references asked for"):
        TripletDataset(data, data.split_pairs("D3"), 30)
    with pytest.raises(StylelabError, match="unknown split 'D5'"):
        data.split_pairs("D5")


def test_fixed_style_references_are_shared_and_checked():
    data = toy_font_data()
    fixed = torch.tensor([0, 1, 2])
    d3 = data.split_pairs("D3")
    d3 = d3[~torch.isin(d3[:, 1], fixed)]
    batch = TripletDataset(data, d3, 3, fixed_style_refs=fixed).all()
    assert (batch.style_ref_contents == fixed).all()
    with pytest.raises(StylelabError, match="among the fixed style references"):
        TripletDataset(data, data.split_pairs("D3"), 3, fixed_style_refs=fixed)


def test_epoch_indices_visit_every_target_once_per_epoch():
    seen = torch.cat([epoch_indices(step, 7, 20, seed=0) for step in range(20)])  # 140 = 7 epochs of 20
    for epoch in range(7):
        assert sorted(seen[epoch * 20:(epoch + 1) * 20].tolist()) == list(range(20))
    assert torch.equal(epoch_indices(3, 7, 20, 0), epoch_indices(3, 7, 20, 0))


def test_real_font_data_splits_are_disjoint():
    specs = glyphs.manifest("zh", "quick")
    missing = glyphs.missing_fonts(specs)
    if missing:
        pytest.skip(f"font package not installed: {glyphs.install_command(missing)} (scripts/setup.sh does this)")
    data = build_font_data("zh", n_known_contents=12, n_novel_contents=4, image_size=24, cache=False)
    names = data.table.style_names
    assert {names[s] for s in data.known_styles} == {s.name for s in glyphs.manifest("zh", "quick", "known")}
    assert {names[s] for s in data.novel_styles} == {s.name for s in glyphs.manifest("zh", "quick", "novel")}
    assert not set(data.known_contents.tolist()) & set(data.novel_contents.tolist())
    assert data.sizes()["D1 pairs"] == 7 * 12 and data.sizes()["D4 pairs"] == 3 * 4  # 7 known, 3 novel faces

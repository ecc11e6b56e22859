"""Splits and triplets for EMD: which glyphs train, which test, and what each target is given.

Styles (faces) and contents (characters) are each split into known and novel; the four test sets
are the deck's grid:

    ============  ===============  ===============
                  known content    novel content
    known style   D1               D2
    novel style   D3               D4
    ============  ===============  ===============

Training targets come from D1 only (minus a held-out D1 test set). A triplet for target (style i,
content j) holds the target glyph, r **style references** (style i, other contents) and r
**content references** (content j, other styles). References are always drawn from the known
pools: style references show known contents, content references come from known styles, so a
novel style is only ever seen through its r references, and never in training.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch.utils.data import Dataset

from ..errors import StylelabError
from . import glyphs

SPLITS = ("D1", "D2", "D3", "D4")
SPLIT_LABELS = {"D1": "known style · known content", "D2": "known style · novel content",
                "D3": "novel style · known content", "D4": "novel style · novel content"}


@dataclass
class FontData:
    """A rendered glyph table with its known / novel style and content split."""

    table: glyphs.GlyphTable
    known_styles: torch.Tensor  # style indices (long)
    novel_styles: torch.Tensor
    known_contents: torch.Tensor  # character indices (long)
    novel_contents: torch.Tensor
    script: str

    @property
    def image_size(self) -> int:
        return self.table.image_size

    def to(self, device) -> FontData:
        """The same data with the glyph images on ``device`` (batches are gathered there)."""
        table = replace(self.table, images=self.table.images.to(device))
        return replace(self, table=table)

    def split_pairs(self, split: str) -> torch.Tensor:
        """All available (style, content) pairs of D1…D4, as an (N, 2) long tensor."""
        styles, contents = {"D1": (self.known_styles, self.known_contents),
                            "D2": (self.known_styles, self.novel_contents),
                            "D3": (self.novel_styles, self.known_contents),
                            "D4": (self.novel_styles, self.novel_contents)}[_check_split(split)]
        grid = torch.cartesian_prod(styles, contents).reshape(-1, 2)
        return grid[self.table.available[grid[:, 0], grid[:, 1]]]

    def sizes(self) -> dict[str, int]:
        return {"known styles": len(self.known_styles), "novel styles": len(self.novel_styles),
                "known characters": len(self.known_contents), "novel characters": len(self.novel_contents),
                **{f"{s} pairs": len(self.split_pairs(s)) for s in SPLITS}}


def _check_split(split: str) -> str:
    if split not in SPLITS:
        raise StylelabError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    return split


def content_split(script: str, n_known: int, n_novel: int, seed: int = 2018) -> tuple[str, str]:
    """Known and novel characters: a seeded shuffle of the script's common set, then the first
    ``n_known`` and the next ``n_novel``. Disjoint by construction."""
    chars = glyphs.character_set(script)
    if n_known < 1 or n_novel < 1:
        raise StylelabError(f"need at least one known and one novel character, got {n_known} and {n_novel}")
    if n_known + n_novel > len(chars):
        raise StylelabError(f"{n_known} known + {n_novel} novel characters asked for, but the {script} set has "
                            f"{len(chars)}; lower the counts")
    order = torch.randperm(len(chars), generator=torch.Generator().manual_seed(seed)).tolist()
    picked = "".join(chars[k] for k in order[:n_known + n_novel])
    return picked[:n_known], picked[n_known:]


def build_font_data(script: str, *, profile: str = "quick", n_known_contents: int = 240, n_novel_contents: int = 60,
                    image_size: int = 80, fill: float = 0.8, fonts: list[str] | None = None, content_seed: int = 2018,
                    cache: bool = True, progress: bool = False) -> FontData:
    """Render the manifest's ``script`` faces for ``profile`` (or the named ``fonts``) and split them.

    The style split is the manifest's ``split`` column; the content split is ``content_split``.
    A missing font package stops here with one line naming the packages to install.
    """
    specs = [glyphs.font_spec(name) for name in fonts] if fonts else glyphs.manifest(script, profile)
    wrong_script = [s.name for s in specs if s.script != script]
    if wrong_script:
        raise StylelabError(f"fonts {', '.join(wrong_script)} are not {script} fonts")
    known_chars, novel_chars = content_split(script, n_known_contents, n_novel_contents, content_seed)
    table = glyphs.render_glyph_table(specs, known_chars + novel_chars, image_size=image_size, fill=fill,
                                      cache=cache, progress=progress)
    split_of = [s.split for s in specs]
    known_styles = torch.tensor([k for k, s in enumerate(split_of) if s == "known"], dtype=torch.long)
    novel_styles = torch.tensor([k for k, s in enumerate(split_of) if s == "novel"], dtype=torch.long)
    if len(known_styles) < 2 or len(novel_styles) < 1:
        raise StylelabError(f"{script}: need at least two known and one novel style, got {len(known_styles)} "
                            f"and {len(novel_styles)}; add fonts to the manifest")
    n = len(known_chars)
    return FontData(table, known_styles, novel_styles, torch.arange(n),
                    torch.arange(n, n + len(novel_chars)), script)


def train_test_pairs(data: FontData, *, n_train: int | None = None, n_test: int = 64,
                     seed: int = 0) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Training targets (⊂ D1) and up to ``n_test`` test targets per split, disjoint.

    The D1 test targets are held out of training: known style, known content, but an unseen pair.
    ``n_train`` (Nt) caps the training list (None: every remaining D1 pair)."""
    generator = torch.Generator().manual_seed(seed)
    tests = {}
    for split in SPLITS:
        pairs = data.split_pairs(split)
        order = torch.randperm(len(pairs), generator=generator)
        tests[split] = pairs[order[:n_test]]
        if split == "D1":
            train = pairs[order[n_test:]]
    if n_train is not None:
        if n_train > len(train):
            raise StylelabError(f"Nt = {n_train} training targets asked for, but D1 has only {len(train)} after "
                                f"holding out the test set; lower Nt or add fonts / characters")
        train = train[torch.randperm(len(train), generator=generator)[:n_train]]
    if len(train) == 0:
        raise StylelabError("no training targets left after holding out the D1 test set; lower n_test")
    return train, tests


@dataclass
class Triplets:
    """A batch: targets (B, 1, H, W), style and content references (B, r, H, W), all float in [0, 1]
    (1 = paper), and the indices they came from."""

    target: torch.Tensor
    style_refs: torch.Tensor
    content_refs: torch.Tensor
    style: torch.Tensor  # (B,) target style index
    content: torch.Tensor  # (B,) target content index
    style_ref_contents: torch.Tensor  # (B, r) contents shown in the style references
    content_ref_styles: torch.Tensor  # (B, r) styles of the content references

    def __len__(self) -> int:
        return self.target.shape[0]

    def slice(self, start: int, stop: int) -> Triplets:
        return Triplets(*(getattr(self, f)[start:stop] for f in self.__dataclass_fields__))

    def to(self, device) -> Triplets:
        return Triplets(*(getattr(self, f).to(device) for f in self.__dataclass_fields__))


class TripletDataset(Dataset):
    """The triplets of a list of targets, references sampled as in the paper.

    ``dataset[k]`` is target k with references drawn from a generator seeded by (seed, k), so the
    same index always gives the same triplet; ``dataset.batch(indices, generator)`` draws a whole
    batch at once (what training uses). ``fixed_style_refs`` gives every target the same style
    reference contents (the few-shot comparison with pix2pix).
    """

    def __init__(self, data: FontData, targets: torch.Tensor, r: int, *, seed: int = 0,
                 fixed_style_refs: torch.Tensor | None = None):
        if r < 1:
            raise StylelabError(f"r = {r}: need at least one reference of each kind")
        self.data, self.r, self.seed = data, r, seed
        self.targets = targets.reshape(-1, 2).long()
        available = data.table.available
        n_styles, n_chars = available.shape
        is_known_content = torch.zeros(n_chars, dtype=torch.bool)
        is_known_content[data.known_contents] = True
        is_known_style = torch.zeros(n_styles, dtype=torch.bool)
        is_known_style[data.known_styles] = True
        # Pools: which contents can show a style, which styles can show a content.
        self.style_pool = available & is_known_content[None, :]  # (S, C): style s shown with content c
        self.content_pool = available & is_known_style[:, None]  # (S, C): content c shown in style s
        self.fixed_style_refs = None if fixed_style_refs is None else fixed_style_refs.long().reshape(-1)
        self._check_pools()

    def _check_pools(self) -> None:
        style, content = self.targets[:, 0], self.targets[:, 1]
        if not self.data.table.available[style, content].all():
            raise StylelabError("a target glyph is missing from its font; build targets with FontData.split_pairs")
        if self.fixed_style_refs is not None:
            if len(self.fixed_style_refs) != self.r:
                raise StylelabError(f"fixed_style_refs has {len(self.fixed_style_refs)} contents, r = {self.r}")
            if (self.fixed_style_refs[None, :] == content[:, None]).any():
                raise StylelabError("a target's content is among the fixed style references; drop those targets")
            if not self.style_pool[style[:, None], self.fixed_style_refs[None, :]].all():
                raise StylelabError("a fixed style reference is missing from a target's font")
        else:
            n_style = self.style_pool[style].sum(1) - self.style_pool[style, content].long()
            worst = int(n_style.argmin())
            if n_style[worst] < self.r:
                raise StylelabError(
                    f"r = {self.r} style references asked for, but font {self.data.table.style_names[style[worst]]} "
                    f"has only {int(n_style[worst])} other known characters; lower r or add characters")
        n_content = self.content_pool[:, content].sum(0) - self.content_pool[style, content].long()
        worst = int(n_content.argmin())
        if n_content[worst] < self.r:
            raise StylelabError(
                f"r = {self.r} content references asked for, but character {self.data.table.chars[content[worst]]!r} "
                f"exists in only {int(n_content[worst])} other known fonts; lower r or add known fonts")

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + int(index))
        one = self.batch(torch.tensor([int(index)]), generator)
        return {"target": one.target[0], "style_refs": one.style_refs[0], "content_refs": one.content_refs[0],
                "style": one.style[0], "content": one.content[0]}

    def batch(self, indices: torch.Tensor, generator: torch.Generator) -> Triplets:
        """Triplets of ``self.targets[indices]``; r distinct references of each kind, chosen uniformly."""
        style, content = self.targets[indices, 0], self.targets[indices, 1]
        rows = torch.arange(len(indices))
        if self.fixed_style_refs is not None:
            ref_contents = self.fixed_style_refs.expand(len(indices), -1)
        else:
            pool = self.style_pool[style].clone()
            pool[rows, content] = False  # "other contents"
            ref_contents = _choose(pool, self.r, generator)
        pool = self.content_pool[:, content].T.clone()
        pool[rows, style] = False  # "other styles"
        ref_styles = _choose(pool, self.r, generator)
        images = self.data.table.images
        device = images.device
        s, c = style.to(device), content.to(device)
        return Triplets(
            target=_to_float(images[s, c].unsqueeze(1)),
            style_refs=_to_float(images[s[:, None], ref_contents.to(device)]),
            content_refs=_to_float(images[ref_styles.to(device), c[:, None]]),
            style=style, content=content, style_ref_contents=ref_contents, content_ref_styles=ref_styles)

    def all(self, batch_seed: int = 0) -> Triplets:
        """Every target once, with references from a generator seeded by ``batch_seed`` (test sets)."""
        return self.batch(torch.arange(len(self)), torch.Generator().manual_seed(batch_seed))


def _choose(pool: torch.Tensor, r: int, generator: torch.Generator) -> torch.Tensor:
    """r distinct column indices per row, uniformly among the True entries of ``pool`` (B, N)."""
    scores = torch.rand(pool.shape, generator=generator)
    scores[~pool] = -1.0  # never chosen while r ≤ the row's True count (checked by the dataset)
    return scores.topk(r, dim=1).indices


def _to_float(images: torch.Tensor) -> torch.Tensor:
    return images.float() / 255.0


def epoch_indices(step: int, batch_size: int, n: int, seed: int) -> torch.Tensor:
    """The ``step``-th batch of an epoch-wise shuffle of range(n): every target once per epoch.

    A pure function of the step, so training resumed from a checkpoint sees the same batches."""
    start = step * batch_size
    out = []
    while len(out) < batch_size:
        epoch, offset = divmod(start + len(out), n)
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))
        out.extend(order[offset: offset + batch_size - len(out)].tolist())
    return torch.tensor(out, dtype=torch.long)

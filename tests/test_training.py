import os

import pytest
import torch

from stylelab.errors import StylelabError
from stylelab.training import train


def _problem():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(32, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])

    def step(_):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return {"loss": loss}

    return model, optimizer, step


def test_loss_falls_and_history_is_kept():
    model, optimizer, step = _problem()
    history = train(step, 50, stateful={"model": model}, progress=False)
    assert len(history["loss"]) == 50
    assert history["loss"][-1] < 0.05 * history["loss"][0]


def test_resume_from_checkpoint_continues_exactly(tmp_path):
    model, optimizer, step = _problem()
    straight = train(step, 20, stateful={"model": model, "opt": optimizer}, progress=False)

    model, optimizer, step = _problem()
    checkpoint = tmp_path / "run.pt"
    train(step, 10, stateful={"model": model, "opt": optimizer}, checkpoint=checkpoint, checkpoint_every=5, progress=False)
    model, optimizer, step = _problem()  # a fresh process would start from scratch like this
    resumed = train(step, 20, stateful={"model": model, "opt": optimizer}, checkpoint=checkpoint, progress=False)
    assert resumed["loss"] == pytest.approx(straight["loss"])


def test_nan_loss_stops_with_a_clear_error():
    with pytest.raises(StylelabError, match="loss loss became nan at step 3"):
        train(lambda i: {"loss": float("nan") if i == 3 else 1.0}, 10, progress=False)


def test_foreign_checkpoint_is_refused(tmp_path):
    model, optimizer, step = _problem()
    checkpoint = tmp_path / "run.pt"
    train(step, 2, stateful={"model": model}, checkpoint=checkpoint, progress=False)
    with pytest.raises(StylelabError, match="does not fit this run"):
        train(step, 4, stateful={"other": torch.nn.Linear(5, 5)}, checkpoint=checkpoint, progress=False)


class _RunsCodeWhenUnpickled:
    """A pickle payload whose unpickling would call os.system: what a malicious checkpoint carries."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_checkpoint_that_carries_code_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "executed"
    checkpoint = tmp_path / "evil.pt"
    torch.save({"step": 1, "history": {}, "state": {}, "rng": torch.random.get_rng_state(),
                "extra": _RunsCodeWhenUnpickled(marker)}, checkpoint)
    model, optimizer, step = _problem()
    with pytest.raises(StylelabError, match="refused: it carries Python objects") as info:
        train(step, 4, stateful={"model": model}, checkpoint=checkpoint, progress=False)
    assert "\n" not in str(info.value)
    assert not marker.exists()


def test_checkpoint_keeps_the_rng_state(tmp_path):
    from stylelab.training import load_checkpoint, save_checkpoint

    torch.manual_seed(3)
    save_checkpoint(tmp_path / "c.pt", {}, 0, {})
    expected = torch.rand(3)
    torch.manual_seed(99)
    load_checkpoint(tmp_path / "c.pt", {})
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("content", [b"hello, not a model\n", bytes(range(256)) * 8, b""])
def test_a_file_that_is_not_a_torch_file_is_a_one_line_error(tmp_path, content):
    from stylelab.training import safe_load

    path = tmp_path / "notes.pt"
    path.write_bytes(content)
    with pytest.raises(StylelabError, match="is not a readable torch file") as info:
        safe_load(path)
    assert "\n" not in str(info.value)


def test_each_test_starts_from_the_same_global_rng_state():
    # conftest's seeded_rng: a test's unseeded draws are the seed's, whatever ran before it
    seed = int(os.environ.get("STYLELAB_TEST_SEED", "0"))
    expected = torch.rand(4, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(torch.rand(4), expected)

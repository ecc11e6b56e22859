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

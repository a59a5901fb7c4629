#!/usr/bin/python3
"""Training throughput of fer's architectures in PyTorch, for `fer bench train --pytorch auto`.

Builds the same layers as lib/models (liu.ts, resnet.ts with the small stem, mobilenetv2.ts with
the small stem), trains on one synthetic batch with Adam (forward, cross-entropy + the model's L2
penalty, backward, update) and prints one JSON object on stdout:

  {"model", "batch", "inputShape", "precision", "params", "imagesPerSecond", "medianStepSeconds",
   "bestStepSeconds", "warmupSeconds", "stepSeconds", "threads", "torch", "mkldnn"}

`--precision bf16` runs the forward pass and the loss under torch.autocast("cpu",
dtype=torch.bfloat16), PyTorch's CPU mixed precision (convolutions and linear layers in bf16 with
fp32 accumulation, weights and optimizer in fp32), the counterpart of fer's `--precision bf16`.

`params` counts trainable parameters, the figure fer's countParams(...).trainable gives, so the
caller can check that both sides built the same network. Layers are written out here rather than
taken from torchvision: Debian ships torchvision separately, and the small stems are not in it.
Run with Debian's interpreter (/usr/bin/python3, python3-torch 1.13; see bench/setup.sh).
"""
import argparse
import json
import statistics
import sys
import time

import torch
from torch import nn


# ---------------------------------------------------------------- liu-cnn5 (lib/models/liu.ts)
class LiuCnn5(nn.Module):
    """Five 3x3 'same' conv blocks (32-512), BN/pool/dropout after blocks 2-5, dense 256-128."""

    def __init__(self, channels, height, width, classes, drop=0.2, l2=0.01):
        super().__init__()
        # Keras BatchNormalization: epsilon 1e-3, momentum 0.99 (PyTorch's 0.01).
        layers = [nn.Conv2d(channels, 32, 3, padding=1), nn.ReLU()]
        previous = 32
        for filters, dropout in [(64, drop), (128, drop), (256, drop), (512, 0.0)]:
            conv = nn.Conv2d(previous, filters, 3, padding=1)
            if filters == 256:
                self.penalised = conv  # the paper's L2 sits on this block's kernel only
            layers += [conv, nn.ReLU(), nn.BatchNorm2d(filters, 1e-3, 0.01), nn.MaxPool2d(2)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            previous = filters
            height, width = height // 2, width // 2
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(previous * height * width, 256), nn.ReLU(), nn.BatchNorm1d(256, 1e-3, 0.01),
            nn.Dropout(drop),
            nn.Linear(256, 128), nn.ReLU(), nn.BatchNorm1d(128, 1e-3, 0.01),
            nn.Dropout(drop),
            nn.Linear(128, classes),
        )
        self.l2 = l2

    def forward(self, x):
        return self.head(self.features(x))

    def penalty(self):
        # Keras' l2 regulariser: l2 * sum(w^2), added to the loss like tfjs calculateLosses().
        return self.l2 * self.penalised.weight.pow(2).sum()


# ---------------------------------------------------- resnet18, small stem (lib/models/resnet.ts)
def conv_bn(cin, cout, kernel, stride, relu=True, relu6=False, groups=1):
    """conv (no bias, symmetric padding) -> BN -> ReLU/ReLU6/none, like layers.ts convBnAct."""
    layers = [
        nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
    ]
    if relu6:
        layers.append(nn.ReLU6())
    elif relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        self.body = nn.Sequential(
            conv_bn(cin, width, 3, stride), conv_bn(width, width, 3, 1, relu=False))
        self.shortcut = (
            nn.Identity() if stride == 1 and cin == width
            else conv_bn(cin, width, 1, stride, relu=False))

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


class ResNet18Small(nn.Module):
    """ResNet-18 with a stride-1 3x3 stem and no max-pool: a 48x48 face stays 48x48 in layer1."""

    def __init__(self, channels, classes):
        super().__init__()
        layers = [conv_bn(channels, 64, 3, 1)]
        cin = 64
        for stage in range(4):
            width = 64 * 2 ** stage
            for i in range(2):
                layers.append(BasicBlock(cin, width, 2 if stage > 0 and i == 0 else 1))
                cin = width
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(self.features(x).mean((2, 3)))


# --------------------------------------------- mobilenetv2, small stem (lib/models/mobilenetv2.ts)
def make_divisible(value, divisor=8):
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expansion):
        super().__init__()
        hidden = round(cin * expansion)
        layers = [] if expansion == 1 else [conv_bn(cin, hidden, 1, 1, relu6=True)]
        layers += [
            conv_bn(hidden, hidden, 3, stride, relu6=True, groups=hidden),
            conv_bn(hidden, cout, 1, 1, relu=False),
        ]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class MobileNetV2Small(nn.Module):
    """MobileNetV2 (width 1) with a stride-1 first convolution (total stride 16)."""

    SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, channels, classes, drop=0.2):
        super().__init__()
        cin = make_divisible(32)
        layers = [conv_bn(channels, cin, 3, 1, relu6=True)]
        for expansion, c, repeats, first_stride in self.SETTINGS:
            for i in range(repeats):
                cout = make_divisible(c)
                layers.append(InvertedResidual(cin, cout, first_stride if i == 0 else 1, expansion))
                cin = cout
        layers.append(conv_bn(cin, 1280, 1, 1, relu6=True))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(drop), nn.Linear(1280, classes))

    def forward(self, x):
        return self.classifier(self.features(x).mean((2, 3)))


def build(name, height, width, channels, classes):
    if name == "liu-cnn5":
        return LiuCnn5(channels, height, width, classes)
    if name == "resnet18":
        return ResNet18Small(channels, classes)
    if name == "mobilenetv2":
        return MobileNetV2Small(channels, classes)
    raise SystemExit(f"pytorch_train.py: no PyTorch twin of '{name}' "
                     "(available: liu-cnn5, resnet18, mobilenetv2)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--input", default="48x48x1", help="HxWxC")
    parser.add_argument("--classes", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    args = parser.parse_args()
    height, width, channels = (int(v) for v in args.input.split("x"))

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    model = build(args.model, height, width, channels, args.classes)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_of = nn.CrossEntropyLoss()
    # NCHW, PyTorch's native layout; fer feeds NHWC, tfjs's.
    x = torch.rand(args.batch, channels, height, width)
    labels = torch.randint(0, args.classes, (args.batch,))

    def forward_loss():
        loss = loss_of(model(x), labels)
        if hasattr(model, "penalty"):
            loss = loss + model.penalty()
        return loss

    def step():
        optimizer.zero_grad()
        if args.precision == "bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = forward_loss()
        else:
            loss = forward_loss()
        loss.backward()
        optimizer.step()
        return loss.item()

    started = time.perf_counter()
    for _ in range(args.warmup):
        step()
    warmup_seconds = time.perf_counter() - started
    times = []
    for _ in range(args.steps):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    json.dump({
        "model": args.model,
        "batch": args.batch,
        "inputShape": [height, width, channels],
        "precision": args.precision,
        "params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "imagesPerSecond": args.batch / median,
        "medianStepSeconds": median,
        "bestStepSeconds": min(times),
        "warmupSeconds": warmup_seconds,
        "stepSeconds": times,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "mkldnn": torch.backends.mkldnn.is_available(),
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main()

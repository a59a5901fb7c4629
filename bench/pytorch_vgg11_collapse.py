#!/usr/bin/python3
"""Does VGG11 without batch norm learn under adebo-fer3's stated settings in PyTorch too?

A cross-check for docs/REPRODUCTION.md's adebo-fer3 section, where our VGG11 runs predict one
class: the same network (torchvision's `vgg11` layout at 48×48×3, whose five pools leave 1×1×512
for the 4096-4096 classifier), Adam at lr 1e-3, batch 32, random flips, on FER2013 Training's
happy, neutral and sad images (ImageNet normalisation), printing every 50 steps the loss, the
training accuracy of those steps and which classes the last batch was predicted as.

  /usr/bin/python3 bench/pytorch_vgg11_collapse.py <torchvision|default> <steps> [lr]

`torchvision` initialises as torchvision's VGG does (convs Kaiming-normal, fan-out; linears
N(0, 0.01)); `default` leaves the linears at PyTorch's default, as lib/models/vgg.ts builds them.
FER_DATA_DIR (default ../shared/data) holds fer2013/fer2013.csv.gz. One thread; Debian's
python3-torch (bench/setup.sh).
"""
import csv
import gzip
import os
import random
import sys
import time

import numpy as np
import torch
from torch import nn

init, steps = sys.argv[1], int(sys.argv[2])
lr = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-3
if init not in ("torchvision", "default"):
    sys.exit(f"init must be torchvision or default, not {init}")
torch.set_num_threads(1)
torch.manual_seed(0)
random.seed(0)

KEEP = {3: 0, 6: 1, 4: 2}  # FER2013's happy, neutral, sad
data = os.path.join(os.environ.get("FER_DATA_DIR", "../shared/data"), "fer2013", "fer2013.csv.gz")
pixels, labels = [], []
with gzip.open(data, "rt") as f:
    for row in csv.DictReader(f):
        if row["Usage"] == "Training" and int(row["emotion"]) in KEEP:
            pixels.append(np.array(row["pixels"].split(), dtype=np.float32))
            labels.append(KEEP[int(row["emotion"])])
x = (torch.tensor(np.stack(pixels)).view(-1, 1, 48, 48) / 255.0).repeat(1, 3, 1, 1)
x = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor(
    [0.229, 0.224, 0.225]
).view(1, 3, 1, 1)
y = torch.tensor(labels)
print(f"{len(y)} images; the largest class is {float((y == 0).float().mean()):.3f} of them")

layers, channels = [], 3
for v in [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]:
    if v == "M":
        layers.append(nn.MaxPool2d(2))
    else:
        layers += [nn.Conv2d(channels, v, 3, padding=1), nn.ReLU(True)]
        channels = v
net = nn.Sequential(
    *layers, nn.Flatten(),
    nn.Linear(512, 4096), nn.ReLU(True), nn.Dropout(0.5),
    nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(0.5),
    nn.Linear(4096, 3),
)
for m in net.modules():
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.Linear) and init == "torchvision":
        nn.init.normal_(m.weight, 0, 0.01)
        nn.init.zeros_(m.bias)

optimizer = torch.optim.Adam(net.parameters(), lr=lr)
loss_fn = nn.CrossEntropyLoss()
order = torch.randperm(len(y))
correct = seen = 0
start = time.time()
for step in range(steps):
    first = (step * 32) % len(y)
    batch = order[first:first + 32]
    xb = x[batch].flip(3) if random.random() < 0.5 else x[batch]
    out = net(xb)
    loss = loss_fn(out, y[batch])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    correct += int((out.argmax(1) == y[batch]).sum())
    seen += len(batch)
    if (step + 1) % 50 == 0:
        print(f"step {step + 1}: loss {loss.item():.3f}, accuracy {correct / seen:.3f}, "
              f"classes predicted {out.argmax(1).unique().tolist()}, {time.time() - start:.0f} s",
              flush=True)
        correct = seen = 0

"""PyTorch style: your own loop of forward, loss, zero_grad, backward, step."""
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

import glassnet as gn


class Net(gn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = gn.layers.Dense(16, input_dim=30)
        self.fc2 = gn.layers.Dense(2, input_dim=16)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())                # logits


X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X).astype(np.float32)
net = Net()
opt = gn.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
loss_fn = gn.losses.CrossEntropy()                         # logits, as torch.nn.CrossEntropyLoss
loader = gn.data.DataLoader((X, y), batch_size=32, shuffle=True, seed=0)
for epoch in range(10):
    total = 0.0
    for xb, yb in loader:
        loss = loss_fn(net(gn.tensor(xb)), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(yb)
    if epoch % 3 == 0 or epoch == 9:
        print(f"epoch {epoch + 1}: mean loss {total / len(y):.4f}")
with gn.no_grad():
    accuracy = (net(gn.tensor(X)).numpy().argmax(axis=1) == y).mean()
print(f"training accuracy {accuracy:.3f}")

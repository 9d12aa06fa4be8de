"""Edge detection with a fixed convolution kernel: the lectures' Laplacian.

The kernel

    [[ 0, -1,  0],
     [-1,  4, -1],
     [ 0, -1,  0]]

compares each pixel with its four neighbours: 4 x(i, j) - x(i-1, j) - x(i+1, j) - x(i, j-1)
- x(i, j+1). Its weights sum to zero, so flat regions give 0 and only the places where the
brightness changes (the edges) light up. The same ``conv2d`` that trains convolutional
layers applies it: here the kernel is a constant, not a learned weight.

Run:  python examples/edge_detection.py [--digit 0]
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import load_digits

import glassnet as gn

LAPLACIAN = np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]])


def edges(image: np.ndarray) -> np.ndarray:
    """The Laplacian response of a 2-D image, same size (zero padding of 1)."""
    x = image[None, None].astype(np.float32)           # (N, C, H, W) = (1, 1, H, W)
    return gn.functional.conv2d(x, LAPLACIAN[None, None], padding=1).numpy()[0, 0]


def show(title: str, image: np.ndarray) -> None:
    print(title)
    for row in image:
        print(" ".join(f"{v:5.0f}" for v in row))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digit", type=int, default=0, help="index of the digit image to use")
    args = parser.parse_args()
    lecture = np.array([[1, 1, 1, 1, 1], [1, 5, 5, 5, 1], [1, 5, 9, 5, 1], [1, 5, 5, 5, 1],
                        [1, 1, 1, 1, 1]], dtype=np.float32)
    show("A small image (the lectures' example):", lecture)
    show("Its Laplacian, 'valid' part:", edges(lecture)[1:-1, 1:-1])
    digits = load_digits()
    image = digits.images[args.digit]
    show(f"A handwritten {digits.target[args.digit]} (brightness 0-16):", image)
    show("Its edges (zero where the brightness is flat):", edges(image))


if __name__ == "__main__":
    main()

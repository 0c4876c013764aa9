"""Packaging for coord_w2v."""

import setuptools

setuptools.setup(
    name="coord_w2v",
    version="0.1.0",
    description=(
        "SGNS embeddings of association matrices trained on independent or "
        "coordinated arrangements of examples (Buchnik et al., ICML 2019)."
    ),
    packages=setuptools.find_packages(include=["coord_w2v", "coord_w2v.*", "experiments", "experiments.*"]),
    python_requires=">=3.9",
    install_requires=[
        "tensorflow>=2.13",
        # tf.summary needs TensorBoard's package, which TensorFlow 2.21 no longer installs.
        "tensorboard",
        "numpy>=1.23",
        "scipy>=1.9",
        "absl-py>=1.0",
        "pandas>=1.5",
        "matplotlib>=3.6",
    ],
    extras_require={
        "test": ["pytest>=7"],
        # gensim is the reference word2vec trainer used only by the benchmark.
        "bench": ["gensim>=4.3"],
    },
)

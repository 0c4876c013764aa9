"""Association matrices, the stochastic blocks generator, loaders and the train/test split."""

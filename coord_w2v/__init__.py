"""SGNS embeddings trained on coordinated arrangements of examples."""
